"""Briefings (舆情日报、周报、月报、专报): reports built from the store, every sentence cited.

* :mod:`briefings.content` — the daily, weekly and monthly reports as JSON; :mod:`briefings.special` —
  the special report on one incident or alert.
* :mod:`briefings.render` — HTML and PDF (the shared :mod:`rendering` stack) and .docx (python-docx).
* :mod:`briefings.archive` — each report kept in the store's ``briefings`` collection; the API a web
  page calls (:func:`briefings.archive.generate`, :func:`~briefings.archive.recent`, :func:`~briefings.archive.get`).
* :mod:`briefings.schedule` — the service's job that writes the daily report at ``briefings.daily_at``
  and sends it (e-mail with the PDF attached, a short text to chat robots).

Text is extractive: templates filled with counts, labels, times and states from the store, and
quotations of posts; every text is masked (phones, ID numbers, addresses) before it leaves.
"""
