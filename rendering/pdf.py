"""HTML to PDF with WeasyPrint; Chinese in the Noto CJK fonts, embedded.

WeasyPrint lays out with Pango and finds fonts through fontconfig: on Debian, ``fonts-noto-cjk``
(installed by ``make system-deps``) provides "Noto Sans CJK SC" / "Noto Serif CJK SC". Without a CJK
font a PDF would show empty boxes, so :func:`html_to_pdf` refuses to write one (:class:`FontMissing`).
Resources are never fetched from the network: every image is inline (SVG or data: URLs).
"""
from __future__ import annotations

import logging
import subprocess
from functools import lru_cache
from pathlib import Path

from yuqing.errors import YuqingError

log = logging.getLogger(__name__)
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")


class FontMissing(YuqingError):
    """No Chinese font is installed: the PDF would show boxes instead of characters."""


class PdfUnavailable(YuqingError):
    """WeasyPrint or the system libraries it needs (Pango) are missing."""


@lru_cache(maxsize=1)
def cjk_font_installed() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(family in out for family in CJK_FAMILIES)


def _fetcher():
    """WeasyPrint's URL fetcher allowing only ``data:`` URLs: an ``http:`` or ``file:`` image named in
    crawled text is never fetched (a warning is logged and the image left out)."""
    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint 68 and later
    except ImportError:  # pragma: no cover - older WeasyPrint takes a function
        from weasyprint import default_url_fetcher

        def fetch(url, *args, **kwargs):
            if url.startswith("data:"):
                return default_url_fetcher(url, *args, **kwargs)
            raise ValueError(f"resource {url[:80]!r} refused: printed documents only embed their resources")
        return fetch
    return URLFetcher(allowed_protocols=("data",), allow_redirects=False)


def html_to_pdf(html: str, output: Path | str) -> Path:
    """Write ``html`` as a PDF file; raises :class:`FontMissing` or :class:`PdfUnavailable`."""
    if not cjk_font_installed():
        raise FontMissing("no Chinese font found (fc-list :lang=zh): install Debian's fonts-noto-cjk "
                          "(make system-deps) before writing PDF reports")
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango's shared libraries missing
        raise PdfUnavailable(f"PDF output needs WeasyPrint and Pango ({exc}); run make setup system-deps") from None
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html, url_fetcher=_fetcher()).write_pdf(str(output))
    return output
