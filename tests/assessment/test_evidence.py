"""Evidence from the store (both backends): only posts about THIS place and project are cited,
stance per stakeholder group, masked quotes, evidence factors that cite their posts."""
from assessment import assess, parse_card
from assessment.evidence import place_words
from assess_helpers import card_data, post, put

DALANG = "大浪街道"
MINZHI = "民治街道"


def two_streets():
    """The same kind of project (a farmers' market demolition) in two streets, plus noise."""
    pairs = []
    for i in range(12):  # 大浪: merchants against, residents for
        pairs.append(post(i, f"大浪街道浪口社区农贸市场要拆除了，商户说补偿太低，过渡期没有着落{i}", street=DALANG,
                          sentiment="negative"))
    for i in range(12, 20):
        pairs.append(post(i, f"浪口农贸市场拆除重建是好事，居民说消防隐患终于能解决{i}", street=DALANG, sentiment="positive",
                          category="public_safety"))
    for i in range(20, 40):  # 民治: the same words about another market, another street
        pairs.append(post(i, f"民治街道新牛农贸市场拆除，商户聚集拉横幅抗议补偿不公{i}", street=MINZHI))
    pairs.append(post(40, "大浪街道今天暴雨，多处积水", street=DALANG, category="natural_disaster"))  # place, no project
    pairs.append(post(41, "龙华区农贸市场拆除计划公布", street=None, sentiment="neutral"))  # project, no place
    # names 大浪 but the analysis places it in 民治, and it never names 大浪街道 or 浪口社区 itself
    pairs.append(post(42, "听说民治那边的人去大浪看了农贸市场拆除", street=MINZHI))
    # the analysis placed it in 大浪 by mistake: found by the street filter, but its text names no place of the card
    pairs.append(post(43, "新牛农贸市场拆除，商户聚集拉横幅", street=DALANG))
    return pairs


def test_evidence_about_another_place_is_never_cited(store, config):
    put(store, two_streets())
    result = assess(parse_card(card_data()), store, config)
    cited = {e.doc_id for c in result.categories for e in c.evidence}
    cited |= {d for c in result.categories for f in c.factors for d in f.doc_ids}
    cited |= {d for s in result.stakeholders for d in s["doc_ids"]}
    assert result.evidence_total == 20
    assert cited and all(int(d.split("-")[1]) < 20 for d in cited), sorted(cited)
    # the 民治 posts talk of 聚集/拉横幅: had they been taken, the mobilisation factor would apply
    assert not any("集体行动" in f.why for c in result.categories for f in c.factors)


def test_stance_per_group_and_evidence_factors(store, config):
    put(store, two_streets())
    result = assess(parse_card(card_data()), store, config)
    groups = {s["group"]: s for s in result.stakeholders}
    assert groups["商户"]["oppose"] == 12 and groups["商户"]["support"] == 0 and groups["商户"]["stance"] == "反对"
    assert groups["居民"]["support"] == 8 and groups["居民"]["stance"] == "支持"
    compensation = {c.id: c for c in result.categories}["expropriation_compensation"]
    assert compensation.posts == 12 and compensation.negative == 12
    share = [f for f in compensation.factors if f.source == "evidence"]
    assert share and "负面占 100%" in share[0].why and share[0].doc_ids
    safety = {c.id: c for c in result.categories}["safety_health"]
    assert safety.posts == 8 and safety.positive == 8
    assert any(f.points < 0 and "正面占 100%" in f.why for f in safety.factors)  # support lowers the score
    opinion = {c.id: c for c in result.categories}["public_opinion"]
    assert opinion.posts == 20  # every post about the project is part of its public opinion
    assert result.timeline["periods"] and sum(sum(v) for v in result.timeline["volume"].values()) == 20


def test_quotes_are_masked_and_link_their_post(store, config):
    pairs = [post(i, f"大浪街道浪口农贸市场拆除，商户王先生电话13812345678，身份证440301199001011234，补偿太低{i}",
                  street=DALANG) for i in range(6)]
    put(store, pairs)
    result = assess(parse_card(card_data()), store, config)
    quotes = [e for c in result.categories for e in c.evidence]
    assert quotes
    for e in quotes:
        assert "13812345678" not in e.quote and "138****5678" in e.quote
        assert "440301199001011234" not in e.quote
        assert e.url == f"https://example.org/p/{int(e.doc_id.split('-')[1])}"


def test_no_place_means_no_evidence_and_a_planning_gap(store, config):
    put(store, two_streets())
    data = card_data(location={"city": "深圳市"})
    result = assess(parse_card(data), store, config)
    assert result.evidence_total == 0
    assert any("location.street" in g for g in result.checks["planning"].gaps)


def test_place_words():
    card = parse_card(card_data(location={"street": "大浪街道", "community": "浪口社区", "address": "大浪街道华荣路88号浪口市场"},
                                place_words=["浪口村"]))
    assert place_words(card) == ["大浪街道", "大浪", "浪口社区", "浪口", "华荣路", "浪口市场", "浪口村"]
