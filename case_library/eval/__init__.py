"""Measures which past cases are offered as an incident's precedents (GUIDELINES.md)."""
