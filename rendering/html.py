"""HTML documents from Jinja templates with the shared print stylesheet."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Optional

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "templates" / "print.css"


def environment(template_dirs: Iterable[Path | str] = ()) -> Environment:
    """A Jinja environment over ``template_dirs`` then the shared templates (``base.html``).

    Autoescape is on for every template: text from posts and cards is shown, never interpreted.
    Undefined names raise, so a template typo fails a test instead of printing nothing.
    """
    loaders = [FileSystemLoader(str(d)) for d in template_dirs] + [FileSystemLoader(str(TEMPLATES))]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["stylesheet"] = Markup(STYLESHEET.read_text(encoding="utf-8"))
    env.filters["pct"] = lambda v, digits=0: "–" if v is None else f"{float(v) * 100:.{digits}f}%"
    return env


def render(template: str, context: dict[str, Any], template_dirs: Iterable[Path | str] = (),
           env: Optional[Environment] = None) -> str:
    """The rendered document as a string (a whole HTML page, stylesheet inlined)."""
    env = env or environment(template_dirs)
    return env.get_template(template).render(**context)
