"""Case library (案例库): past incidents, what was done and how they ended, found when needed.

See ``case_library/README.md`` for the case format and how to add one.
"""
from case_library.library import CaseLibrary, ensure_starter
from case_library.retrieval import CaseMatch

__all__ = ["CaseLibrary", "CaseMatch", "ensure_starter"]
