"""The analyst web UI: alert queue, search, incidents, rescue desk, sources (Starlette + Jinja2)."""
