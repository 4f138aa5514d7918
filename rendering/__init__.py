"""Rendering of printed documents (assessment reports, briefings): one place for HTML, PDF and charts.

* :func:`rendering.html.render` — a Jinja template (autoescaped: crawled text is hostile) with the
  shared print stylesheet; ``base.html`` gives the page frame, title block and footer.
* :func:`rendering.pdf.html_to_pdf` — HTML to PDF with WeasyPrint, Chinese set in the Noto CJK fonts
  from Debian's ``fonts-noto-cjk`` (embedded in the PDF, subset), no network access for resources.
* :mod:`rendering.charts` — small static SVG charts (line, stacked bars) a PDF can hold: no JavaScript.
"""
