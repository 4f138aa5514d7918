"""Generator of rescue_train.jsonl / rescue_test.jsonl (求救 requests and hard negatives).

Each line: ``{"text", "is_request", "phones", "people_count", "vulnerable", "needs", "street",
"district", "style"}``. Templates are split between train and test (a test template is never
used for training), so the test set measures phrasings the models have not seen.
"""
from __future__ import annotations

import random

from nlp.datasets._pools import ESTATES, landline, mobile, person, shenzhen_places, write_phone

# (phrase, people_count, vulnerable)
PEOPLE = [
    ("一家五口", 5, []), ("一家三口", 3, []), ("老人2个 孩子1个", 3, ["elderly", "child"]),
    ("两位老人", 2, ["elderly"]), ("我们4个人", 4, []), ("十几个工人", 15, []), ("3人", 3, []),
    ("家里两个老人一个小孩", 3, ["elderly", "child"]), ("我和我妈还有奶奶，一共3人", 3, ["elderly"]),
    ("共6人", 6, []), ("我们俩", 2, []), ("全家4口", 4, []), ("老人家3个，婴儿1个", 4, ["elderly", "infant"]),
    ("二十多名工人", 25, []), ("5名村民", 5, []), ("两个孩子", 2, ["child"]), ("一位孕妇和她老公", 2, ["pregnant"]),
    ("八个人", 8, []), ("7个租户", 7, []), ("老两口", 2, ["elderly"]), ("", None, []), ("", None, []),
]
VULNERABLE = [
    ("家里有个85岁的老人腿脚不好", ["elderly", "disabled"]), ("宝宝才4个月大", ["infant"]),
    ("我老婆怀孕8个多月了", ["pregnant"]), ("我爸瘫痪在床", ["disabled"]),
    ("我妈是尿毒症病人，明天必须去透析", ["patient"]), ("孩子发高烧39度", ["child", "patient"]),
    ("奶奶有心脏病", ["elderly", "patient"]), ("有个坐轮椅的残疾人", ["disabled"]),
    ("小孩才两岁", ["child"]), ("孕妇快生了", ["pregnant"]), ("老人有高血压", ["elderly", "patient"]),
    ("", []), ("", []), ("", []),
]
NEEDS = [
    ("被困在家里出不去", ["evacuation"]), ("一楼全淹了，求派船来接", ["evacuation"]),
    ("已经断粮一天了，没有吃的也没水喝", ["food_water"]), ("手机快没电了", ["power"]),
    ("急需降压药", ["medicine"]), ("需要马上送医", ["medical"]), ("房子塌了一半，晚上没地方住", ["shelter"]),
    ("困在车里，车门打不开", ["evacuation"]), ("需要吸氧，家里的氧气瓶快用完了", ["medical"]),
    ("停电两天了，奶粉也快没了", ["power", "food_water"]), ("被困在楼顶，需要转移", ["evacuation"]),
    ("胰岛素用完了", ["medicine"]), ("厂房进水出不来", ["evacuation"]),
]
DANGER = ["水已经到胸口了", "水还在涨", "水到腰了", "水位上涨很快", "", "", "", "后面山体滑坡了", "一直打不通119",
          "撑不住了", "都快一天一夜了"]
ADDRESS_FORMS = [
    "{district}{street}{community}{estate}{b}栋{f}楼", "{street}{community}{estate}", "{district}{street}{community}",
    "{community}{estate}{b}栋", "{street}{estate}{b}栋{r}房", "{community}附近", "{district}{street}",
]
LANDMARK_FORMS = ["{place}附近", "{place}旁边的{estate}", "{place}这边"]

POS_TEMPLATES = [
    "#深圳暴雨# 求救！！{addr}，{people}{need}，{vuln}，{danger}！电话{phone}，求转发！！",
    "救命啊，{addr}{need}，{people}，{vuln}，{danger}，联系电话：{phone}",
    "急！！{addr}有{people}被困，{vuln}，{need}。{danger}。联系人{who} {phone}",
    "来电人称：其家住{addr}，{people}，{vuln}，{need}，请求救援。回拨电话{phone}。",
    "有没有人能帮帮忙，我家在{addr}，{need}，{vuln}，{danger}，打{phone}",
    "求扩散//@{user}:求救 {addr} {people} {need} {phone}",
    "转发求助：{addr}，{vuln}，{need}，{people}，电话 {phone}，拜托大家了🙏",
    "【求助】{addr}的朋友，{people}{need}，{danger}，{vuln}，请救援队联系{who}：{phone}",
    "SOS {addr} {need} {vuln} 电话{phone} 救救我们",
    "我姐一家在{addr}，{people}，{need}，{vuln}，她电话{phone}，一直没人来，谁能帮忙联系救援",
    "谁能救救我们 {addr} {danger} {need} {people} {phone}",
    "急求救援！！！地址：{addr}；人数：{people}；情况：{vuln}，{need}；电话：{phone}",
    "{user}:刚接到亲戚电话，{addr}{need}，{vuln}，{people}，请看到的救援队联系 {phone}",
    "{addr}，{need}，等了好几个小时了没人来，{vuln}，{danger}，{phone}",
    "哪位好心人帮忙打一下救援电话，{addr}{people}被困，{vuln}，{need}，联系{phone}",
    "求助求助，{addr}，{people}{need}，家里{vuln}，我的电话{phone}，麻烦了",
]
NEG_TEMPLATES = [
    ("【已获救】{addr}被困的{people}已于今晚8点被消防救出，目前已安全，感谢大家转发，不用再转了。", "rescued"),
    ("更新：{addr}的家人已经安全了，谢谢大家关心，请不要再打{phone}了", "safe"),
    ("{district}爱心车队可提供免费转移服务，有需要的街坊请联系{phone}（{who}）", "offer"),
    ("志愿者招募：{street}需要20名志愿者协助转移群众，报名请联系{phone}", "offer"),
    ("专业抽水排涝，24小时上门服务，价格优惠，欢迎来电{phone}", "ad"),
    ("水浸车专业维修、拖车救援，全市上门，咨询热线{phone}，加微信同号", "ad"),
    ("{street}办事处温馨提示：暴雨红色预警生效期间，如遇险情请拨打110、119或街道值班电话{landline}。", "notice"),
    ("【通知】{district}三防指挥部：{street}低洼地带群众已全部转移，安置点开放，咨询电话{landline}", "notice"),
    ("【辟谣】网传“{addr}有{people}被困无人救援”系不实信息，经核实该处已无人员被困。", "debunk"),
    ("网上说{addr}有人被困求救，经查是去年的旧图，大家不要再转了", "debunk"),
    ("记者从{district}了解到，截至今晨6时，消防员在{street}共救出被困群众{n}人，无人员伤亡。", "news"),
    ("据悉，{addr}积水已退去，此前被困的{people}已全部转移到安置点。", "news"),
    ("感谢{street}的网格员和消防员，昨晚冒雨把{addr}的老人背了出来，辛苦了，致敬！", "thanks"),
    ("今天雨好大，{street}这边路上全是水，上班迟到了，心累😩", "chatter"),
    ("{district}今年内涝点又多了，每年都淹，什么时候能治理好？", "chatter"),
    ("回顾：去年暴雨时{addr}{people}被困，消防员冲锋舟救援的画面还历历在目", "news"),
    ("我们是{district}蓝天救援队，如有需要帮助的被困群众，请拨打{phone}，24小时待命", "offer"),
    ("已联系上了！{addr}的{who}一家已安全，感谢热心网友", "safe"),
    ("防汛演练：{street}今天上午组织社区居民进行防汛转移演练，模拟{people}被困的场景", "news"),
    ("出租{estate}两房一厅，拎包入住，电话{phone}", "ad"),
]


def _fill_address(rng, places):
    name, street, district, kind = rng.choice(places)
    estate = rng.choice(ESTATES)
    b, f, r = rng.randint(1, 30), rng.randint(1, 33), rng.randint(101, 2808)
    if kind == "place":
        form = rng.choice(LANDMARK_FORMS)
        return form.format(place=name, estate=estate), street, district
    form = rng.choice(ADDRESS_FORMS)
    text = form.format(district=district, street=street, community=name, estate=estate, b=b, f=f, r=r)
    if "{community}" in form or "{street}" in form:
        return text, street, district
    return text, None, district


def _line(template, rng, places, positive):
    addr, street, district = _fill_address(rng, places)
    people, count, vuln_p = rng.choice(PEOPLE)
    vuln, vuln_v = rng.choice(VULNERABLE)
    need, need_v = rng.choice(NEEDS)
    phone = landline(rng) if rng.random() < 0.1 else mobile(rng)
    phones = [phone]
    written = write_phone(phone, rng)
    if positive and rng.random() < 0.12:
        second = mobile(rng)
        written += rng.choice(["，", " 或 ", "/"]) + write_phone(second, rng)
        phones.append(second)
    if not positive and "{phone}" not in template:
        phones = []
    land = landline(rng)
    if "{landline}" in template:
        phones = [land]
    if not people:
        people = rng.choice(["我们", "家里人", "几个人"]) if "{people}被困" in template else ""
        count = 3 if people == "几个人" else None
    text = template.format(addr=addr, people=people, vuln=vuln, need=need, danger=rng.choice(DANGER),
                           phone=written, who=person(rng), user="用户" + str(rng.randint(1000, 99999)),
                           district=district, street=street or district, estate=rng.choice(ESTATES),
                           landline=write_phone(land, rng), n=rng.randint(5, 80))
    text = _tidy(text)
    if "{people}" not in template:
        count, vuln_p = None, []
    if "{vuln}" not in template:
        vuln_v = []
    if "{need}" not in template:
        need_v = []
    has_place = "{addr}" in template or "{street}" in template or "{district}" in template
    if positive:
        vulnerable = sorted(set(vuln_p) | set(vuln_v))
        return {"text": text, "is_request": True, "phones": phones, "people_count": count,
                "vulnerable": vulnerable, "needs": sorted(set(need_v)), "street": street, "district": district}
    return {"text": text, "is_request": False, "phones": phones, "people_count": None, "vulnerable": [],
            "needs": [], "street": street if "{addr}" in template or "{street}" in template else None,
            "district": district if has_place else None}


def _tidy(text: str) -> str:
    for a, b in (("，，", "，"), ("， ，", "，"), ("，。", "。"), ("，！", "！"), ("，；", "；"), ("  ", " ")):
        while a in text:
            text = text.replace(a, b)
    return text.strip("， ")


def _variant(row, rng):
    """Surface variety: Traditional characters, typos, repost chains, spaces."""
    text = row["text"]
    roll = rng.random()
    if roll < 0.08:
        import opencc
        text = opencc.OpenCC("s2t").convert(text)
    elif roll < 0.16:
        text = f"{rng.choice(['转发', '扩散', '帮转', '急急急', '求转'])}//@{rng.choice(['深圳身边事', '小雨点', '龙华生活圈', '热心市民'])}:{text}"
    elif roll < 0.22:
        text = text.replace("被困", "被捆", 1).replace("救援", "就援", 1)
    row["text"] = text
    return row


def generate(seed: int = 20240607, train_per_template: int = 22, test_per_template: int = 26):
    rng = random.Random(seed)
    places = shenzhen_places(rng)
    train, test = [], []
    for index, template in enumerate(POS_TEMPLATES):
        target, n = (test, test_per_template) if index % 4 == 3 else (train, train_per_template)
        for _ in range(n):
            target.append(_variant(_line(template, rng, places, True), rng))
    for index, (template, style) in enumerate(NEG_TEMPLATES):
        target, n = (test, test_per_template) if index % 4 == 3 else (train, train_per_template)
        for _ in range(n):
            row = _line(template, rng, places, False)
            row["style"] = style
            target.append(_variant(row, rng))
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test
