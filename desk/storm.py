"""Storm mode (平急转换): one switch, kept in the store's state ``desk.storm``, audited.

``yuqing desk storm on|off --by NAME [--note …]`` sets it; :func:`current` reads it. Nothing else
reads it yet: narrowing the crawl on the event, shorter crawl intervals, the queue putting requests
and rumours first and notifications to the desk are for the crawler and alert packages to add
(they read :func:`current`), as issue 15 part 1 asks.
"""
from __future__ import annotations

from typing import Optional

from yuqing.records import now as _now

KEY = "desk.storm"


def current(store) -> dict:
    """``{"on": bool, "since", "by", "note", "history": [...]}`` (``on`` false when never switched)."""
    return store.get_state(KEY) or {"on": False, "since": None, "by": None, "note": "", "history": []}


def switch(store, on: bool, *, by: str, note: str = "", event: Optional[str] = None) -> dict:
    """Switch storm mode on or off; a no-op switch is still recorded (someone confirmed it)."""
    from governance import audit
    from yuqing.errors import InputError

    if not (by or "").strip():
        raise InputError("say who switches storm mode (--by NAME)")
    state = current(store)
    stamp = _now().isoformat()
    history = list(state.get("history") or [])[-99:]
    history.append({"who": by, "when": stamp, "on": on, "note": note})
    new = {"on": on, "since": stamp if on != state.get("on") or not state.get("since") else state["since"],
           "by": by, "note": note, "event": event if on else None, "history": history}
    store.set_state(KEY, new)
    audit.append(store, "desk_storm", who=by, role="desk", target_kind="desk", target_id="storm",
                 detail=("开启" if on else "关闭") + "应急（暴雨）模式" + (f"：{note}" if note else ""))
    return new
