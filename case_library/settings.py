"""Settings of the case library (``cases.`` section of config.yaml)."""
from yuqing.config import Setting, unit


SETTINGS = [
    Setting("cases.starter", True, "Load the starter library that ships with the engine "
            "(case_library/data/starter_cases.yaml) into the store on first use; loading is idempotent.",
            type=bool),
    Setting("cases.files", [], "More case files (YAML or JSON, same format as the starter library) loaded "
            "on first use like the starter cases.", type=list),
    Setting("cases.search_mode", "hybrid", "How `yuqing cases search` ranks: full-text and embeddings "
            "together (hybrid), or one of them alone.", choices=("hybrid", "lexical", "semantic")),
    Setting("cases.semantic_weight", 0.6, "Share of the semantic (embedding) score in the hybrid score; "
            "the rest is the full-text score.", type=float, check=unit),
    Setting("cases.semantic_floor", 0.75, "Cosine similarity that counts as no similarity at all (e5 "
            "embeddings of unrelated Chinese texts are still about 0.75 apart).", type=float, check=unit),
    Setting("cases.include_drafts", False, "Show draft cases (not reviewed yet) in searches.", type=bool),
    # Which precedents an incident is offered (its page, the case_match rule): chosen on the dev
    # incidents of judged real pairs (python -m case_library.eval.judged --choose; README "Precedents").
    Setting("cases.require_category", True, "Offer an incident only past cases of its risk category (its "
            "classifier's category, or the categories its words point at when it has none).", type=bool),
    Setting("cases.require_kind", True, "Offer an incident only past cases of the same kind of event "
            "(内涝, 欠薪, 噪音, 谣言, …: case_library.retrieval.EVENT_KINDS, from the case's title, keywords and "
            "risk types and the incident's label, keywords and posts).", type=bool),
    Setting("cases.min_score", 0.0, "Lowest similarity score (0 to 1, category and place bonuses included) "
            "of a past case offered as an incident's precedent; 0 offers the best ones whatever their score.",
            type=float, check=unit),
]
