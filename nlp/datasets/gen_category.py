"""Generator of category_train.jsonl / category_test.jsonl (the 13 risk categories of the contract).

Each line: ``{"text", "category", "style"}`` in hotline (12345 工单), forum, Weibo or news style.
Within each category every third template goes to the test split only.
"""
from __future__ import annotations

import random

from nlp.datasets._pools import ESTATES, person, shenzhen_places

BODIES = {
    "natural_disaster": [
        "暴雨下了一夜，{street}好几条路都成了河，车子泡在水里", "台风{storm}过境，{estate}门口的大树被刮倒砸到了车",
        "{street}后山出现山体滑坡，泥土冲进了几户人家", "连续强降雨，{estate}地下车库被淹，水深超过一米",
        "{district}发布暴雨红色预警，多处低洼路段出现内涝", "雷暴大风把{street}一排铁皮房吹塌了", "{estate}旁边河道水位暴涨漫上了岸",
        "{district}今天下冰雹了，{estate}好多车窗被砸坏",
        "{street}河堤被冲开一个口子，田地全泡在水里",
        "强对流天气导致{street}多处树木倒伏，电线被压断",
        "{estate}后面的边坡裂开了好长一条缝，下雨天特别吓人",
        "干旱持续，{district}水库水位降到历史低点",
    ],
    "public_safety": [
        "{street}一栋城中村出租屋凌晨起火，浓烟滚滚", "{estate}楼下餐馆疑似燃气泄漏，闻到很重的煤气味",
        "{street}一处工地基坑坍塌，围挡都倒了", "{estate}电动车在楼道里充电着火，整层楼都是烟",
        "{street}一家化工仓库发生爆炸，附近窗户都震碎了", "{estate}外墙瓷砖大面积脱落，差点砸到路人", "{street}路面突然塌陷出一个大坑",
        "{street}一家KTV消防通道被锁死，里面还在营业",
        "{estate}地下室堆满易燃杂物，物业不管",
        "{street}加油站附近有人违规倒卖散装汽油",
        "{estate}高楼掉下一个花盆，差点砸到小孩",
        "{street}一栋自建房加建到八层，墙体已经开裂",
    ],
    "traffic": [
        "{street}十字路口两车相撞，一人受伤，交通严重拥堵", "早高峰{street}地铁站故障停运，站外排起长队",
        "{district}主干道一辆泥头车侧翻，占用两条车道", "{estate}门口天天有车乱停，消防通道都堵死了",
        "{street}隧道内发生追尾事故，车辆缓行", "{district}这条路修了一年还没修好，每天堵一小时", "公交车在{street}路段与电动车发生碰撞",
        "{street}红绿灯坏了两天，路口乱成一锅粥",
        "{district}地铁早高峰又限流，站外排队排到马路上",
        "{estate}门口新开的斑马线没有信号灯，车都不让人",
        "一辆大货车在{street}闯红灯撞了电动车",
        "{street}高架桥上连环追尾，五辆车受损",
    ],
    "labor_dispute": [
        "{street}一家电子厂拖欠三个月工资，几十名工人在厂门口讨薪", "老板跑路了，{estate}附近的服装厂欠我们两个月工资没发",
        "{district}某工厂要外迁到外地，工人要求补偿被拒", "工地包工头卷款跑了，{who}等二十多个工人拿不到工钱",
        "公司无故辞退员工不给赔偿，去{street}劳动站投诉没人理", "{street}一家物流公司强制员工加班不给加班费", "工厂停工放假不发生活费，工人情绪激动",
        "{street}一家玩具厂突然宣布关厂，员工的社保也没交",
        "快递站点拖欠快递员两个月提成，{street}站点员工集体停工",
        "{district}一家餐饮连锁欠薪，店长和服务员都找不到老板",
        "{estate}装修工人完工后拿不到尾款，到业主家门口讨要",
        "工厂搬迁到东莞，{street}的老员工要求经济补偿",
    ],
    "land_demolition": [
        "{street}城中村旧改，补偿标准太低，村民不肯签约", "{estate}被划入城市更新范围，开发商至今没给出回迁方案",
        "{district}征地拆迁，我家祖屋被强拆了，东西都没来得及搬", "{street}旧改项目停工三年，回迁房遥遥无期",
        "拆迁办的人半夜来断水断电逼我们搬走，{estate}好几户都是这样", "{street}城市更新项目签约率不足，开发商要求政府介入", "{district}棚改补偿款被挪用，村民要求公开账目",
        "{street}的老厂房要拆了建商品房，租户都要被赶走",
        "{district}某村集体土地被违规出租，村民质疑补偿不公",
        "{estate}旁边的违建被拆，业主认为执法程序不当",
        "城中村综合整治要拆掉{street}的临街铺面，商户不满",
        "{street}旧改评估价格比周边低一半，业主拒绝签字",
    ],
    "environment": [
        "{estate}旁边工地半夜还在施工，噪音吵得人睡不着", "{street}的垃圾站臭气熏天，夏天根本不敢开窗",
        "{district}河道又变黑发臭了，上游工厂偷排污水", "{estate}楼下烧烤店油烟太大，投诉多次没效果",
        "{street}附近工厂排放刺鼻气味，很多居民喉咙不舒服", "{estate}附近建筑垃圾乱堆乱放，扬尘严重", "广场舞音响每天晚上放到十点，{estate}居民不堪其扰",
        "{estate}旁边的搅拌站粉尘漫天，窗台每天一层灰",
        "{street}河里出现大量死鱼，臭味很大",
        "{estate}楼顶装了信号基站，居民担心辐射",
        "{street}夜市摊贩垃圾乱扔，第二天满地狼藉",
        "{district}一家电镀厂深夜排放黄色废水",
    ],
    "public_health": [
        "{street}发现多例诺如病毒感染，一所小学停课", "在{estate}楼下的快餐店吃完饭后上吐下泻，怀疑食物中毒",
        "{district}某医院误诊导致病人延误治疗，家属在医院讨说法", "{street}出现登革热病例，社区正在开展灭蚊",
        "{estate}二次供水水箱很脏，自来水有异味", "{street}菜市场卖的猪肉来源不明，担心是病死猪", "学校食堂饭菜里吃出虫子，{district}家长要求彻查",
        "{street}社康中心疫苗断货，孩子打不上针",
        "{estate}一家人吃了野生蘑菇后送医抢救",
        "{district}流感高发，医院儿科排队五六个小时",
        "{street}诊所无证行医，给老人输液出了问题",
        "{estate}楼下蟑螂老鼠成灾，担心传播疾病",
    ],
    "property_management": [
        "{estate}物业乱收停车费，业主们意见很大", "{estate}电梯三天两头坏，物业一直不修，老人只能爬楼",
        "{estate}业委会选举被物业操纵，业主要求重选", "物业不经业主同意就把{estate}公共绿地改成停车位",
        "{estate}物业费涨价没开业主大会，大家拒交", "{estate}新旧物业交接闹矛盾，小区垃圾没人清", "{estate}的维修基金去向不明，业主要求公开",
        "{estate}物业擅自把电梯广告收入据为己有",
        "{estate}地下车库漏水一年多，物业推给开发商",
        "{estate}小区门禁系统老出故障，外卖员随便进出",
        "{estate}物业保安态度恶劣，跟业主发生冲突",
        "{estate}业主群里因为换物业吵翻了天",
    ],
    "consumer_finance": [
        "{street}一家健身房突然关门，老板跑路，几百个会员的预付卡作废", "{district}一家理财公司爆雷，投资人的钱取不出来",
        "{estate}楼下的教育机构卷款跑路了，学费退不了", "在{street}买的二手车是泡水车，商家拒绝退款",
        "美容院办的卡说不能用就不能用，{street}好几十人去维权", "网购平台商家虚假宣传，{who}申请退款被拒", "{district}某P2P平台无法提现，投资者聚集维权",
        "{street}一家洗车店充值卡用不了，老板失联",
        "{district}一家养老机构收了老人几十万押金后关门",
        "{estate}附近的长租公寓暴雷，租客被房东赶出来",
        "{street}一家游泳馆年卡卖完就停业装修，一直不开",
        "网上买的理财产品到期不兑付，{district}好几百人受害",
    ],
    "education": [
        "{district}今年学位太紧张，我家孩子被调剂到很远的学校", "{street}一所幼儿园老师体罚孩子，家长要求处理",
        "{estate}业主买了房却分不到对口学位，要求教育局解释", "{street}的校外培训机构无证办学，收费很高",
        "学校午托费用太贵，{district}家长质疑乱收费", "{street}小学门口早晚接送太乱，孩子过马路很危险", "{district}中考政策突然调整，家长们意见很大",
        "{street}一家幼儿园突然停办，家长的学费没退",
        "{district}某中学强制学生购买指定教辅",
        "{estate}附近新建的学校迟迟不开学，孩子只能跨区上学",
        "{street}小学课后托管收费不透明",
        "{district}民办学校学费一年涨了三成，家长联名反对",
    ],
    "public_order": [
        "{street}晚上有人聚众赌博，经常打架闹事", "{estate}附近有一伙人收保护费，商户敢怒不敢言",
        "{street}大排档两伙人打起来了，有人受伤", "上百人聚集在{street}某公司门口，现场有警察维持秩序",
        "{estate}最近连续发生入室盗窃，居民很不安", "{street}天桥底下常有人醉酒滋事", "{district}某商场门口发生群体冲突，多人被带走",
        "{street}出租屋里有人搞传销，每天聚集几十人",
        "{estate}楼下的按摩店深夜人员复杂",
        "{street}有人在夜里飙车炸街，吵得人睡不着",
        "{district}网约车司机聚集在{street}抗议平台抽成",
        "{estate}发生持刀伤人事件，嫌疑人已被控制",
    ],
    "public_service": [
        "{estate}停水一整天了，也没有提前通知", "{street}片区突然停电，冰箱里的东西全坏了",
        "{district}政务服务中心办个证要排三小时队", "{street}到市区的公交线路被取消了，老人出行很不方便",
        "{estate}燃气管道检修停气三天，做不了饭", "12345打了好几次都没人处理，{street}的路灯坏了一个月", "{district}社保窗口系统故障，群众办不了业务",
        "{street}的公共厕所长期锁门，游客找不到厕所",
        "{district}医保窗口排队系统瘫痪，群众等了一上午",
        "{estate}网络光纤被挖断，整个小区断网两天",
        "{street}公交站台拆了没有重建，等车只能站在路边",
        "{district}户籍窗口办事人员推诿，让群众来回跑",
    ],
    "other": [
        "{street}今天举办社区文化节，来了很多居民", "{estate}的樱花开了，周末去拍照的人很多",
        "{district}新开了一家图书馆，环境很不错", "周末带孩子去{street}的公园玩，天气很好",
        "{street}有没有好吃的早茶店推荐", "{district}马拉松明天开跑，部分道路临时管制", "{estate}楼下新开了一家奶茶店，排队的人很多",
        "{district}新开通了一条绿道，骑行很舒服",
        "{street}举办美食节，现场很热闹",
        "{estate}业主自发组织了一场亲子运动会",
        "{district}图书馆周末有免费讲座，欢迎参加",
        "{street}的荔枝熟了，果园开放采摘",
    ],
}
FRAMES = [
    ("hotline", "市民来电反映：{body}，请相关部门尽快处理。"),
    ("hotline", "12345工单：来电人{who}称{body}，诉求：{ask}。"),
    ("forum", "{body}，有没有人管管？"),
    ("forum", "【{district}论坛】{body}，大家怎么看"),
    ("weibo", "#{district}# {body}{emoji}"),
    ("news", "记者获悉，{body}，{district}相关部门已介入调查。"),
    ("weibo", "{body}…真的无语了{emoji}"),
]
ASKS = ["尽快解决", "要求回复", "请求核查", "要求赔偿", "请派人查看"]
EMOJIS = ["😡", "😭", "🙏", "😤", "", "👍", "😂"]
STORMS = ["山竹", "海葵", "苏拉", "天鸽", "小犬"]


def generate(seed: int = 20240609, per_template: int = 5):
    rng = random.Random(seed)
    places = shenzhen_places(rng)
    train, test = [], []
    for category, bodies in BODIES.items():
        for index, body in enumerate(bodies):
            target = test if index % 3 == 2 else train
            for _ in range(per_template):
                _, street, district, _ = rng.choice(places)
                style, frame = rng.choice(FRAMES)
                if category == "other" and style == "hotline":
                    style, frame = FRAMES[4]
                filled = body.format(street=street, district=district, estate=rng.choice(ESTATES),
                                     who=person(rng), storm=rng.choice(STORMS))
                text = frame.format(body=filled, who=person(rng), ask=rng.choice(ASKS), district=district,
                                    emoji=rng.choice(EMOJIS))
                target.append({"text": text, "category": category, "style": style})
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test
