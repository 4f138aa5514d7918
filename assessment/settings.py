"""Settings of the pre-project risk assessment (``assess.`` section of config.yaml)."""
from yuqing.config import Setting, not_negative, positive


SETTINGS = [
    Setting("assess.knowledge_files", [], "More knowledge-base files (YAML) for `yuqing assess`: project kinds, "
            "procedures, factors and plan actions; an item with the id of a shipped one replaces it "
            "(format: assessment/README.md).", type=list),
    Setting("assess.evidence_limit", 2000, "Most posts `yuqing assess` reads from the store as evidence about "
            "one project; the report says when the limit cut the evidence short.", type=int, check=positive),
    Setting("assess.cite_per_category", 5, "Posts quoted per risk category in the assessment and its report "
            "(all posts are still counted).", type=int, check=positive),
    Setting("assess.similar_cases", 3, "Precedents from the case library shown in an assessment (0: none).",
            type=int, check=not_negative),
    Setting("assess.watch_interval", 3600, "Seconds between runs of the watch (项目监测) in the service: every "
            "assessed project with its watch on is read again (stance per group over time, new evidence, "
            "publicity effects, milestones as calendar windows, alerts routed to its owners).",
            type=int, check=positive),
    Setting("assess.watch_effect_days", 7, "宣传评估: days before and after an official statement, hearing or "
            "publicity action whose posts are compared.", type=int, check=positive),
    Setting("assess.watch_min_posts", 5, "宣传评估: posts with a sentiment needed on each side of an action to "
            "measure its effect; with fewer the watch says \"not enough posts\" (帖子不足).", type=int,
            check=positive),
    Setting("assess.watch_min_group_posts", 3, "宣传评估: posts of a stakeholder group needed on each side to "
            "compare that group's stance.", type=int, check=positive),
]
