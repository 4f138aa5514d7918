"""Settings of the case library (``cases.`` section of config.yaml)."""
from yuqing.config import Setting


def _share(value):
    return None if 0.0 <= value <= 1.0 else "must be between 0 and 1"


SETTINGS = [
    Setting("cases.starter", True, "Load the starter library that ships with the engine "
            "(case_library/data/starter_cases.yaml) into the store on first use; loading is idempotent.",
            type=bool),
    Setting("cases.files", [], "More case files (YAML or JSON, same format as the starter library) loaded "
            "on first use like the starter cases.", type=list),
    Setting("cases.search_mode", "hybrid", "How `yuqing cases search` ranks: full-text and embeddings "
            "together (hybrid), or one of them alone.", choices=("hybrid", "lexical", "semantic")),
    Setting("cases.semantic_weight", 0.6, "Share of the semantic (embedding) score in the hybrid score; "
            "the rest is the full-text score.", type=float, check=_share),
    Setting("cases.semantic_floor", 0.75, "Cosine similarity that counts as no similarity at all (e5 "
            "embeddings of unrelated Chinese texts are still about 0.75 apart).", type=float, check=_share),
    Setting("cases.include_drafts", False, "Show draft cases (not reviewed yet) in searches.", type=bool),
]
