"""Writes ``bench/data/events.jsonl``: an event-labelled set of synthetic posts (see the data card).

Several days of posts about 20 distinct events, two or three per risk category in some categories
(so that events of one kind must be told apart by place and actor), plus unrelated everyday posts
as noise. Every post is built from templates with slots, voices (witness, resident, news, question,
follow-up) and random colloquial additions, so no two posts of an event share one wording.
Deterministic: ``python bench/make_event_set.py`` always writes the same file.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

TZ = timezone(timedelta(hours=8))
START = datetime(2024, 6, 10, 6, 0, tzinfo=TZ)
OUT = Path(__file__).with_name("data") / "events.jsonl"

VOICE = {
    "natural_disaster": [
        "{place}又淹了，{fact}，{reaction}", "【{street}】{fact}，{place}积水严重，请大家绕行",
        "刚从{place}过来，{fact}，{reaction}", "{place}现在什么情况？听说{fact}", "暴雨预警升级！{place}{fact}",
        "{street}{place}：{fact}，社区工作人员已到场", "有没有人在{place}附近？{fact}，需要帮忙",
    ],
    "public_safety": [
        "{place}{fact}，{reaction}", "突发！{street}{place}{fact}", "刚刚路过{place}，{fact}，消防车来了好几辆",
        "{place}那边是不是出事了？{fact}", "【通报】{street}{place}{fact}，原因正在调查", "{fact}，就在{place}，{reaction}",
    ],
    "traffic": [
        "{place}{fact}，{reaction}", "提醒：{place}{fact}，请绕行", "{street}{place}{fact}，交警正在处理",
        "早高峰{place}{fact}，堵了快一个小时", "{place}怎么又{fact}？{reaction}", "现场图：{place}{fact}",
    ],
    "labor_dispute": [
        "{entity}{fact}，{reaction}", "我们是{entity}的工人，{fact}，求关注", "{street}{entity}门口聚集了很多人，{fact}",
        "{entity}老板跑路了？{fact}", "在{entity}干了三年，{fact}，{reaction}", "求助：{entity}{fact}，劳动站能管吗",
    ],
    "land_demolition": [
        "{place}{fact}，{reaction}", "{street}{place}旧改：{fact}", "住了二十年的{place}，{fact}",
        "{place}的补偿方案出来了吗？{fact}", "{place}居民：{fact}，{reaction}",
    ],
    "environment": [
        "{place}{fact}，{reaction}", "投诉！{street}{place}{fact}", "{place}附近的居民都受不了了，{fact}",
        "每天晚上{place}都{fact}，{reaction}", "{place}{fact}，已经打了12345", "有人管管{place}吗？{fact}",
    ],
    "public_health": [
        "{entity}{fact}，{reaction}", "{street}{entity}{fact}，家长们都很担心", "听说{entity}{fact}，是真的吗",
        "{entity}的事有后续了吗？{fact}", "孩子在{entity}{fact}，{reaction}",
    ],
    "property_management": [
        "{place}{fact}，{reaction}", "{place}业主：{fact}", "{place}物业{fact}，业委会呢？",
        "住在{place}真是糟心，{fact}", "{street}{place}{fact}，{reaction}",
    ],
    "consumer_finance": [
        "{entity}{fact}，{reaction}", "{entity}跑路了？{fact}", "办了{entity}的卡，{fact}，{reaction}",
        "{street}{entity}门口好多人，{fact}", "{entity}维权群：{fact}",
    ],
    "education": [
        "{entity}{fact}，{reaction}", "{street}{entity}{fact}，家长群炸了", "{entity}的家长们，{fact}",
        "有没有{entity}的家长？{fact}", "{entity}{fact}，教育局怎么说",
    ],
    "public_service": [
        "{place}{fact}，{reaction}", "{street}{place}{fact}，什么时候恢复？", "{place}又{fact}了，{reaction}",
        "通知：{place}{fact}", "{place}{fact}，家里老人孩子怎么办",
    ],
    "public_order": [
        "{place}{fact}，{reaction}", "{street}{place}{fact}，警察已经到了", "刚才在{place}{fact}",
        "{place}晚上{fact}，{reaction}",
    ],
}

REACTIONS = ["太吓人了", "希望有关部门尽快处理", "已经好几天了没人管", "大家注意安全", "真的很无语",
             "谁来管管", "气死了", "心疼", "求扩散", "有没有人知道怎么回事", "这也太离谱了", "无语了",
             "盼早日解决", "大家帮忙转发一下", "真的很着急"]
TAILS = ["", "", "", "！", "。。。", "[怒]", "[泪]", "#深圳身边事#", "@深圳发布", "（图）", "，转需", "，附视频"]

EVENTS = [
    ("flood_minzhi", "natural_disaster", "民治街道", "民治大道与人民路交叉口", "", [
        "积水没过膝盖", "一辆小车被困水中", "下水道井盖被冲开", "公交车停在水里熄火了", "地下车库进水"]),
    ("landslide_guanlan", "natural_disaster", "观澜街道", "观澜牛湖村后山", "", [
        "山体滑坡冲倒了围墙", "泥石流冲到了村道上", "有两间铁皮房被埋", "消防正在搜救", "后山还在往下掉石头"]),
    ("fire_longhua", "public_safety", "龙华街道", "龙华三联村一栋城中村出租屋", "", [
        "凌晨起火，浓烟滚滚", "三楼电动车充电起火", "有住户从窗户爬出来", "整栋楼都被熏黑了", "听说有人受伤送医"]),
    ("gas_buji", "public_safety", "布吉街道", "布吉老街一家餐馆", "", [
        "燃气泄漏闻到很重的煤气味", "发生燃气爆炸，玻璃全碎了", "附近商铺都被疏散了", "爆炸声隔几条街都听到了"]),
    ("crash_xixiang", "traffic", "西乡街道", "西乡宝安大道立交桥下", "", [
        "泥头车和小车相撞", "一辆泥头车侧翻", "两车追尾一人受伤", "事故导致主路封闭"]),
    ("metro_stop", "traffic", "坂田街道", "地铁五号线坂田站", "", [
        "地铁故障停运", "列车停在隧道里半小时", "站台挤满了人进不去", "地铁临时停运改乘公交接驳"]),
    ("wages_hongda", "labor_dispute", "观澜街道", "", "鸿达电子厂", [
        "拖欠工资三个月", "老板说厂要搬到越南", "几百名工人拿不到工资", "工人在厂门口拉横幅讨薪", "社保也停缴了半年"]),
    ("wages_site", "labor_dispute", "南山街道", "", "南山某地铁上盖工地", [
        "农民工讨要工钱", "包工头卷款跑了", "几十个工人坐在工地门口", "欠了一年的血汗钱还没结"]),
    ("demolish_baishizhou", "land_demolition", "沙河街道", "白石洲旧村", "", [
        "旧改补偿标准太低", "强拆队半夜来拆房", "回迁房要等八年", "租户被限期搬离", "签约率不到一半就开始拆"]),
    ("noise_plant", "environment", "福田街道", "福田皇岗村旁搅拌站", "", [
        "半夜施工噪音扰民", "搅拌站粉尘满天飞", "凌晨两点还在打桩", "窗台上全是灰"]),
    ("smell_river", "environment", "松岗街道", "松岗茅洲河边", "", [
        "河水发黑发臭", "有工厂偷排污水", "死鱼漂了一河面", "臭味熏得窗户都不敢开"]),
    ("food_school", "public_health", "民治街道", "", "民治某实验小学食堂", [
        "多名学生食物中毒", "孩子们吃完午饭上吐下泻", "十几个学生送医院了", "食堂饭菜有异味"]),
    ("property_fee", "property_management", "坂田街道", "坂田万科城小区", "", [
        "物业费涨价业主不同意", "电梯坏了一个月没人修", "物业私自占用公共车位", "业主和保安发生冲突"]),
    ("gym_runaway", "consumer_finance", "南山街道", "", "星动健身房", [
        "预付卡跑路关门", "办了三千块的年卡店就关了", "教练也找不到了", "几百个会员的钱拿不回来"]),
    ("p2p_collapse", "consumer_finance", "福田街道", "", "鑫融财富理财平台", [
        "理财产品爆雷无法兑付", "投资人聚集要求还钱", "平台负责人失联", "几千万资金提不出来"]),
    ("school_places", "education", "龙华街道", "", "龙华新开学校", [
        "学位不够孩子没法就近入学", "积分入学分数线突然提高", "家长连夜排队报名", "被分配到十公里外的学校"]),
    ("training_closed", "education", "西乡街道", "", "智慧星培训机构", [
        "培训机构突然关门", "学费退不了", "老师已经两个月没发工资", "家长们去教育局反映"]),
    ("water_cut", "public_service", "布吉街道", "布吉丹竹头片区", "", [
        "停水两天了", "自来水发黄不能喝", "没有提前通知就停水", "送水车一直没来"]),
    ("power_cut", "public_service", "观澜街道", "观澜大水坑社区", "", [
        "大面积停电", "停电十几个小时了空调不能用", "冰箱里的东西都坏了", "变压器烧了还没修好"]),
    ("brawl_bar", "public_order", "南山街道", "蛇口酒吧街", "", [
        "一群人打架斗殴", "有人持刀伤人", "醉酒男子砸车", "警车来了好几辆"]),
]

NOISE = [
    "今天去吃了一家{food}，味道{taste}", "周末带孩子去{park}玩，{mood}", "新买的{thing}到了，{mood}",
    "终于下班了，{mood}", "{team}今晚赢了！{mood}", "推荐一部电影《{movie}》，{mood}", "早上跑了五公里，{mood}",
    "求推荐{area}附近好吃的{food}", "今天天气不错，{mood}", "{thing}打折了，要不要入手", "考完试了，{mood}",
    "我家猫今天又把{thing}打翻了", "学做了一道{food}，{taste}", "{park}的花开了，好美",
    "和朋友在{area}逛街，买了个{thing}", "今天加班到十点，{mood}", "{movie}二刷了，还是很感动", "健身第三十天打卡",
    "有人一起去{park}徒步吗", "{area}的{food}哪家正宗？", "女儿今天第一次叫爸爸，{mood}", "双十一囤的{thing}终于用上了",
    "看了{team}的比赛，裁判太离谱", "今天的晚霞好漂亮", "读完了一本小说，推荐给大家", "周末去{park}露营，蚊子好多",
    "面试终于过了，{mood}", "地铁上看到有人在看书，真好", "给家里换了新的{thing}，{mood}", "今天学会了游泳，{mood}",
    "准备去{area}看房，有什么建议", "下午茶吃了{food}，{taste}", "记录一下今天的心情：{mood}",
]
NOISE_SLOTS = {
    "food": ["潮汕牛肉火锅", "椰子鸡", "肠粉", "烧鹅饭", "螺蛳粉", "早茶", "湘菜", "日料", "烤鱼", "麻辣烫"],
    "taste": ["还不错", "一般般", "超级好吃", "有点咸", "值得再去"], "mood": ["开心", "累死了", "好放松", "心情很好", "哈哈哈", "满足"],
    "park": ["深圳湾公园", "莲花山", "仙湖植物园", "东部华侨城", "大梅沙", "梧桐山"],
    "thing": ["耳机", "手机壳", "咖啡机", "跑鞋", "台灯", "书架", "水杯"],
    "team": ["深圳队", "广东队", "湖人", "国足", "皇马"], "movie": ["流浪地球", "热辣滚烫", "满江红", "封神", "年会不能停"],
    "area": ["福田", "南山", "宝安", "龙岗", "罗湖"],
}


def event_posts(rng: random.Random, index: int, event: tuple) -> list[dict]:
    key, category, street, place, entity, facts = event
    size = rng.randint(18, 70)
    start = START + timedelta(hours=rng.uniform(0, 96))
    duration = rng.uniform(6, 40)
    authors = [f"user{rng.randint(1, 5000)}" for _ in range(size)]
    posts = []
    for n in range(size):
        fact = rng.choice(facts)
        text = rng.choice(VOICE[category]).format(place=place or entity, entity=entity or place, street=street,
                                                  fact=fact, reaction=rng.choice(REACTIONS))
        text += rng.choice(TAILS)
        when = start + timedelta(hours=duration * rng.betavariate(1.2, 3))
        posts.append({"event": key, "category": category, "street": street, "text": text,
                      "author": authors[n], "published_at": when})
    if key == "gym_runaway":  # a repost storm: the same post from three accounts within an hour
        storm = "星动健身房老板卷款跑路，大家千万别再办卡了！！！转发扩散"
        for n in range(12):
            posts.append({"event": key, "category": category, "street": street, "text": storm,
                          "author": f"newacct{n % 3}", "published_at": start + timedelta(minutes=5 * n)})
    return posts


def noise_posts(rng: random.Random, count: int) -> list[dict]:
    posts = []
    for _ in range(count):
        text = rng.choice(NOISE)
        for slot, values in NOISE_SLOTS.items():
            text = text.replace("{" + slot + "}", rng.choice(values))
        posts.append({"event": None, "category": None, "street": None, "text": text + rng.choice(TAILS),
                      "author": f"user{rng.randint(1, 5000)}",
                      "published_at": START + timedelta(hours=rng.uniform(0, 120))})
    return posts


def main() -> None:
    rng = random.Random(20240610)
    posts = [p for i, e in enumerate(EVENTS) for p in event_posts(rng, i, e)] + noise_posts(rng, 250)
    posts.sort(key=lambda p: p["published_at"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as handle:
        for n, post in enumerate(posts):
            record = {"id": f"ev{n:05d}", "source": "synthetic", "source_type": "social", **post,
                      "published_at": post["published_at"].isoformat(timespec="minutes")}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(posts)} posts, {len(EVENTS)} events, {sum(p['event'] is None for p in posts)} noise")


if __name__ == "__main__":
    main()
