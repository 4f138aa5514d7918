"""Generator of category_train.jsonl / category_test.jsonl (the 13 risk categories of the contract).

Each line: ``{"text", "category", "style"}`` in hotline (12345 工单), forum, Weibo or news style.
Within each category every third template goes to the test split only. A second batch of bodies
(EXTRA_BODIES, own seed) adds train lines and the dev split (category_dev.jsonl, generate_dev).
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
                row = {"text": text, "category": category, "style": style}
                if target is train:  # the body, for grouped folds in training (test lines unchanged)
                    row["template"] = f"{category}-{index}"
                target.append(row)
    rng.shuffle(train)
    rng.shuffle(test)
    return train + _extra("train"), test


# ---------------------------------------------------------------------------------------------
# Second batch (2026-11-30): 16 more bodies per category, written for this project without
# looking at the test lines, filled into the original frames and 8 new ones with their own seed,
# so the first batch's train/test files stay byte for byte what they were. In each category
# every 4th new body (index % 4 == 3) goes to the dev split (category_dev.jsonl, used to choose
# features and settings), the other 12 to train. The test split is unchanged.
EXTRA_BODIES = {
    "natural_disaster": [
        "{street}一带昨晚雨太大，排水沟全堵了，一楼商铺进水", "台风过后{estate}满地断枝，好几棵树压在车上",
        "{district}山区发生小型泥石流，一条村道被冲断", "暴雨把{street}的一段挡土墙冲垮了，旁边还住着人",
        "{estate}低洼处积水齐腰，电动车全泡了", "天文大潮加上暴雨，{district}沿海道路海水倒灌",
        "{street}城中村巷子水浸到膝盖，老人出不了门", "雷电击中{estate}一栋楼顶，几户人家的电器被烧坏",
        "{district}出现龙卷风，工业区厂房屋顶被掀飞", "{street}河水暴涨，冲走了岸边停着的几辆车",
        "{estate}后山不停往下掉石头，下雨后更严重", "台风天{street}一块大广告牌被吹落，砸中路边的摊位",
        "{district}一小时降雨量破纪录，多个社区被水围困", "{street}的排洪渠满了，水漫进了旁边的厂区",
        "地震了吗？{estate}刚才楼晃了一下，吊灯都在摆", "{district}受台风外围影响，狂风暴雨下了一整天",
    ],
    "public_safety": [
        "{estate}有一户人家煤气罐漏气，整栋楼都闻到味道", "{street}一栋老旧厂房屋顶突然塌下来，压住了两辆车",
        "{estate}楼道里堆满纸箱和电动车，一旦着火跑都跑不掉", "{street}一家小餐馆后厨起火，火苗窜出了窗外",
        "{estate}的消防栓没水，灭火器也过期了", "{street}的脚手架被风吹倒，砸中了路过的行人",
        "{street}一处地下燃气管道被挖破，现场疏散了上百人", "{estate}电梯井里冒烟，住户都被疏散到楼下",
        "{street}建筑工地塔吊倾斜，周边居民很担心", "{estate}配电房起火，浓烟从地下室冒出来",
        "{street}一家工厂锅炉爆炸，有工人被烧伤", "{estate}一扇窗户玻璃从二十楼掉下来，砸碎了楼下车顶",
        "{street}老旧出租屋电线乱拉，隔三差五跳闸冒火花", "{street}一个仓库存放大量烟花爆竹，附近都是居民楼",
        "{estate}儿童游乐设施螺丝松了，小孩差点摔下来", "{street}有人私自改装燃气管道，整条巷子都是煤气味",
    ],
    "traffic": [
        "{street}路口早晚高峰堵得水泄不通，交警都不来", "一辆渣土车在{street}转弯时撞倒一名骑车人",
        "{district}高速出口连续发生剐蹭，车辆排了两公里", "{street}公交站被私家车占用，乘客只能站在车道上等车",
        "{estate}门口的路口没有红绿灯，天天有车抢行", "{street}地铁口电动车乱停，把人行道都占满了",
        "网约车在{street}路边违停上下客，后面的车全堵住", "{district}一条主干道施工封闭半幅，绕行的车挤成一团",
        "{street}一辆私家车撞上护栏，车头严重变形", "深夜{street}有车辆逆行，差点和出租车迎面相撞",
        "{district}地铁信号故障，列车在隧道里停了二十分钟", "{street}学校门口接送的车乱停，早上堵到主路",
        "{estate}附近的天桥拆了，行人只能横穿马路", "{district}快速路上一辆大巴抛锚，后方车辆排起长龙",
        "{street}电动车闯红灯和小汽车相撞，骑手倒地不起", "{district}新装的电子眼位置不合理，一天罚了几百辆车",
    ],
    "labor_dispute": [
        "{street}一家模具厂说倒闭就倒闭，工人三个月工资一分没拿到", "建筑工人在{estate}工地讨要工钱，包工头说开发商没给钱",
        "{district}一家公司逼员工主动辞职，就是为了不给补偿", "{street}一家制衣厂工人集体停工，要求补缴社保",
        "外卖骑手在{street}站点门口讨要被扣的工资", "干了五年，公司一句话就把我开了，{district}劳动仲裁排到三个月后",
        "{street}的保安公司拖欠保安两个月工资，还不签劳动合同", "{estate}项目的农民工在售楼部门口拉横幅讨薪",
        "{district}一家科技公司裁员，赔偿只给N不给N+1", "工厂把工人两个月的工资压着当押金，辞职就不给",
        "{street}一家酒店裁掉一批服务员，没有任何补偿", "{district}一家工厂不给认定工伤，工人手指断了还被辞退",
        "{street}某电子厂搬厂前一晚设备被连夜拉走，工人堵在厂门口", "家政公司拖欠{street}一批保洁阿姨的工钱",
        "{district}某工地的工人被欠薪一年，讨薪无门", "天天加班到晚上十一点还没有加班费，{street}这家厂太黑了",
    ],
    "land_demolition": [
        "{street}老村要整体拆除重建，村民对补偿方案不满意", "{estate}旁的城中村签约拆迁，没签的住户被断水断电",
        "{district}征收我家承包地建厂，补偿款到现在没到账", "{street}旧改项目换了三次开发商，回迁合同没人认",
        "拆迁公司派人在{street}村口守着，不签字就不让进出", "{district}的村民反映村集体土地被村干部私自卖掉",
        "{estate}回迁房交付面积比合同少了十几平", "{street}要拆一批老旧厂房，里面的小作坊老板不知道搬去哪",
        "{district}某村拆迁安置房分配不公，有人多分了好几套", "{street}一夜之间推平了十几间平房，房主说事先没有通知",
        "城市更新的评估公司把{estate}的房子估得很低", "{district}征收土地修路，几户村民对补偿面积有异议",
        "{street}村里的祠堂被划进拆迁范围，村民集体反对", "拆迁户在{street}过渡安置了五年，租房补贴也停发了",
        "{estate}业主担心被划入旧改，房子被低价收走", "{district}拆违时把有证的合法房屋也一起拆了",
    ],
    "environment": [
        "{street}的工厂烟囱每天冒黑烟，晾的衣服都是灰", "{estate}对面酒吧每天凌晨还在放音乐，根本没法睡",
        "{district}有人往河里倒建筑废料，河水变成了黄色", "{estate}附近的垃圾中转站夏天苍蝇成群",
        "{street}有人露天焚烧垃圾，整个片区都是烟味", "{estate}楼下餐厅的排风扇正对着住户窗户，又吵又呛",
        "{street}的养猪场臭味飘到几公里外", "{district}海边的红树林被倒了大量垃圾",
        "{estate}旁边修地铁天天打桩，墙都在震", "{street}小作坊用喷漆，刺鼻味道熏得人头疼",
        "{district}一条小溪被上游的洗车场污染成了泡沫河", "{estate}附近的砂石场尘土飞扬，小孩天天咳嗽",
        "{street}的排水口一直往外流白色污水", "{estate}有业主在楼顶养鸽子，羽毛粪便到处都是",
        "{district}工业区晚上偷偷排废气，闻着像烧塑料", "{street}餐饮街的地沟油直接倒进下水道，路面又臭又滑",
    ],
    "public_health": [
        "{street}一所幼儿园出现手足口病，好几个孩子被隔离", "{estate}附近的早餐店用过期原料，吃了拉肚子",
        "{district}某医院护士打错针，孩子过敏进了抢救室", "{street}一家工厂食堂集体腹泻，三十多名工人送医",
        "{estate}小区出现多例发热病人，社区在排查", "{street}药店卖假药，老人吃了血压更高",
        "{district}医院拒收急诊病人，家属投诉延误救治", "{estate}的直饮水机好几个月没换滤芯，水里有沉淀",
        "{street}美容院违规注射玻尿酸，顾客脸部感染", "{district}一所学校有学生确诊肺结核，家长很担心",
        "{street}菜市场活禽摊位卫生太差，担心禽流感", "{estate}楼下小饭馆后厨老鼠乱窜，碗筷都不消毒",
        "{district}社区医院开的药过期了半年", "{street}一家牙科诊所器械不消毒，有人感染",
        "{estate}游泳池水浑浊，孩子游完泳眼睛红肿", "{district}出现多例基孔肯雅热，居民担心蚊子传播",
    ],
    "property_management": [
        "{estate}物业把消防通道租出去当停车位收钱", "{estate}楼道灯坏了半年，物业说没钱修",
        "{estate}物业强行涨停车月卡费，不交就不让车进", "{estate}业主要求公开公共收益账目，物业一直拖着",
        "{estate}外墙渗水，物业让业主自己找人修", "{estate}物业拿业主的维修资金装了一批没用的设施",
        "{estate}物业经理辱骂业主，还把人踢出了业主群", "{estate}小区绿化带被物业改成了收费停车场",
        "{estate}的物业合同到期了，业委会想换物业被阻挠", "{estate}水泵房噪音大，物业就是不处理",
        "{estate}物业在快递柜上乱收费，业主觉得不合理", "{estate}门禁卡换新要交一百块工本费，业主不服",
        "{estate}物业偷偷把业主的车位卖给外人", "{estate}电梯困人，物业半小时才到场",
        "{estate}业委会成员和物业勾结，业主要求罢免", "{estate}的物业服务越来越差，保洁一周才扫一次楼道",
    ],
    "consumer_finance": [
        "{street}一家早教中心倒闭，家长预存的课时费没了", "{district}一家投资公司承诺高息，现在人去楼空",
        "{estate}楼下的理发店充了卡就换老板，新老板不认", "在{street}手机店买到翻新机，商家不给退换",
        "{district}某汽车4S店收了定金不交车", "网贷平台暴力催收，{district}不少人被骚扰",
        "{street}的家具店收了全款后关门，货也没送", "{district}一家装修公司卷走预付款，几十户业主房子停工",
        "{street}超市促销价和结账价不一致，顾客要求退差价", "{district}某私募基金兑付困难，投资人组织维权",
        "{estate}附近的瑜伽馆卷款跑路，会员卡无法使用", "{street}的旅行社收了团费却取消行程，不退钱",
        "直播间买的金饰是假的，{district}多人投诉", "{district}一家养生馆以保健品为名骗老人钱",
        "{street}手机卖场强制搭售套餐，顾客投诉", "{district}有平台借贷利息高得离谱，借一万还三万",
    ],
    "education": [
        "{district}幼升小报名系统崩了，家长排队到半夜", "{street}一所小学的老师课上不讲，课外补课才讲",
        "{estate}孩子被分到的学校太远，每天通勤一个多小时", "{district}某中学晚自习延长到十点，学生压力太大",
        "{street}小学体育课被主科占用，家长有意见", "{district}民办幼儿园收费一年三万多，还要另收兴趣班费",
        "{street}学校老师在家长群里索要礼物", "{estate}配套的九年一贯制学校迟迟没有动工",
        "{district}积分入学规则又改了，非深户孩子上学更难", "{street}一家托管班没有资质，接送孩子也不安全",
        "{district}某高中按成绩分班，家长认为不公平", "{street}一所中学有学生被同学欺凌，学校不处理",
        "{district}学校强制学生参加收费研学活动", "{estate}旁边的学校扩建了，学位还是不够",
        "{street}一所幼儿园老师频繁更换，孩子适应不了", "{district}校服一年要买三套，家长觉得是变相收费",
    ],
    "public_order": [
        "{street}城中村夜里有人在巷子里抢包", "{estate}停车场连续几天有车被砸窗偷东西",
        "{street}烧烤摊有醉汉闹事，把桌子都掀了", "一伙人在{street}街头寻衅滋事，路人被打",
        "{estate}门口有人摆赌博机，常有陌生人出入", "{street}有人在地铁站出口强行拉客",
        "{district}两家商户因为摊位打了起来，警察到场", "{estate}业主家门口被人泼油漆写字，怀疑是催债",
        "{street}最近电动车电瓶经常被偷", "一群人在{street}公园聚集喧哗，闹到凌晨",
        "{street}商铺门口有人敲诈勒索店主", "{estate}有陌生人挨家挨户敲门，形迹可疑",
        "{street}有人当街持棍追打他人", "{district}一伙人在{street}强买强卖，游客被围",
        "{estate}附近有人偷拍，女生晚上都不敢出门", "{street}网吧门口经常有未成年人打群架",
    ],
    "public_service": [
        "{estate}每天晚上水压低，高层根本没水用", "{street}供电线路老化，一个月停了五次电",
        "{district}出入境窗口预约不上，号一放出来就没了", "{street}的社区服务中心中午不开门，上班族办不了事",
        "{estate}天然气开户要等一个月，新房没法开火", "{district}公交改线后，{street}的居民要走二十分钟才有站",
        "{street}路灯不亮，晚上走路黑漆漆的", "{district}公积金中心电话一直占线，问个事都问不到",
        "{street}自来水发黄，供水公司说要等排查", "{district}办居住证要求提供的材料太多，跑了四趟",
        "{estate}附近没有公交站，老人看病很不方便", "{street}的邮政网点撤了，取个包裹要跑很远",
        "{district}不动产登记中心系统升级，暂停办理业务", "{street}的充电桩坏了一半，没人维修",
        "{estate}整栋楼没有手机信号，报修多次没人来", "{district}政务App老是闪退，线上业务办不了",
    ],
    "other": [
        "{street}周末有一场公益跑活动，报名的人很多", "{estate}业主组织了一次跳蚤市场，很热闹",
        "{district}的新公园开放了，晚上灯光很漂亮", "有人知道{street}附近哪里有好吃的客家菜吗",
        "{street}社区举办了一场书法展", "{district}今天阳光明媚，海边人很多",
        "{estate}楼下的桂花开了，整个小区都香", "{district}博物馆推出了新的展览，值得一去",
        "{street}新开了一家书店，装修很文艺", "{estate}业主群里在讨论周末去哪里露营",
        "{district}今晚有烟花表演，大家早点去占位置", "{street}社区志愿者给老人送去了月饼",
        "周末在{street}的湿地公园看到了白鹭", "{district}举办了青少年足球赛，孩子们踢得很开心",
        "{estate}的健身步道修好了，每天晚上很多人散步", "{street}的老街修缮后成了网红打卡点",
    ],
}
EXTRA_FRAMES = FRAMES + [
    ("hotline", "来电人反映{body}，希望{ask}。"),
    ("hotline", "市民{who}通过网络问政平台反映：{body}。"),
    ("forum", "求助：{body}，这种情况该找哪个部门？"),
    ("forum", "住在{district}的邻居们，{body}"),
    ("weibo", "{body}，谁来管管{emoji}"),
    ("weibo", "刚刚，{body}{emoji}"),
    ("news", "{district}讯：{body}。"),
    ("news", "据居民反映，{body}，记者已联系相关单位。"),
]
EXTRA_SEED = 20261130


def _extra(split: str, per_template: int = 5):
    rng = random.Random(EXTRA_SEED if split == "train" else EXTRA_SEED + 1)
    places = shenzhen_places(rng)
    out = []
    for category, bodies in EXTRA_BODIES.items():
        for index, body in enumerate(bodies):
            if (index % 4 == 3) != (split == "dev"):
                continue
            for _ in range(per_template):
                _, street, district, _ = rng.choice(places)
                style, frame = rng.choice(EXTRA_FRAMES)
                while category == "other" and style == "hotline":
                    style, frame = rng.choice(EXTRA_FRAMES)
                filled = body.format(street=street, district=district, estate=rng.choice(ESTATES),
                                     who=person(rng), storm=rng.choice(STORMS))
                text = frame.format(body=filled, who=person(rng), ask=rng.choice(ASKS), district=district,
                                    emoji=rng.choice(EMOJIS))
                out.append({"text": text, "category": category, "style": style,
                            "template": f"{category}-b2-{index}"})
    rng.shuffle(out)
    return out


def generate_dev():
    """category_dev.jsonl: 4 held-out new bodies per category (260 lines), for choosing settings."""
    return _extra("dev")
