"""Generator of harmful_train.jsonl / harmful_test.jsonl.

Each line: ``{"text", "types": [labels from rumor/fraud/incitement/privacy_leak], "style"}``; an
empty list is a hard negative (debunks quoting the rumour, official fraud warnings, a person's own
phone in a rescue request, ordinary complaints and news). Templates are split train/test (a second batch adds train and dev templates, see EXTRA_TEMPLATES).
"""
from __future__ import annotations

import random

from nlp.datasets._pools import ESTATES, mobile, person, shenzhen_places, write_phone

TEMPLATES = [
    # rumor (不实信息)
    ("网传{street}的水库马上要溃坝了，住在下游的赶紧跑，政府不让说！", ["rumor"], "rumor"),
    ("听我在自来水公司的朋友说，明天开始{district}停水一个星期，大家赶紧囤水！！", ["rumor"], "rumor"),
    ("内部消息：{estate}有十几个人确诊了，整栋楼要封，官方一直瞒着", ["rumor"], "rumor"),
    ("{street}地铁站淹死了几十个人，新闻一个字都不报，转发让更多人知道", ["rumor"], "rumor"),
    ("紧急通知！今晚12点{district}全部断电断网三天，转给家里人！", ["rumor"], "rumor"),
    ("据说{estate}那个工地塌了，埋了上百个工人，老板连夜跑了", ["rumor"], "rumor"),
    ("朋友圈都在传台风明天在{district}正面登陆，风力18级，学校停课一周", ["rumor"], "rumor"),
    ("吃了{street}菜市场的猪肉会得怪病，已经死了好几个，别去买了", ["rumor"], "rumor"),
    # fraud (诈骗、虚假募捐、冒充救援)
    ("我们是{district}救援队，被困群众先转账200元油费到{phone}，马上派船过去", ["fraud"], "fraud"),
    ("受灾群众可领取政府补贴3000元，点击链接 http://bt-{n}.cn 填写身份证号和银行卡号即可到账", ["fraud"], "fraud"),
    ("爱心募捐：{street}受灾家庭急需帮助，请扫码转到个人账户，联系人{who} {phone}", ["fraud"], "fraud"),
    ("我是{street}办事处的工作人员，你家房屋鉴定需要先交500元押金，加微信{phone}", ["fraud"], "fraud"),
    ("内部理财渠道，日收益3%，稳赚不赔，名额有限，联系{phone}", ["fraud"], "fraud"),
    ("【{district}社保局】您的医保卡已冻结，请回复身份证号码及验证码进行解冻", ["fraud"], "fraud"),
    ("代办学位，保证入读{district}重点小学，先付定金2万，电话{phone}", ["fraud"], "fraud"),
    # incitement (煽动聚集、对立、暴力)
    ("明天早上9点大家一起去{street}办事处门口堵门，不给说法谁都别想走！", ["incitement"], "incitement"),
    ("开发商欺人太甚，兄弟们带上家伙，今晚去{estate}售楼处砸了它！", ["incitement"], "incitement"),
    ("那些外地人把我们的工作都抢了，全都该滚出{district}！", ["incitement"], "incitement"),
    ("所有被欠薪的工友，周一一起上{district}主干道拉横幅堵路，把事情闹大才有人管", ["incitement"], "incitement"),
    ("物业就是欠揍，业主们团结起来，见一个打一个", ["incitement"], "incitement"),
    ("城管打人了！大家快去{street}围住他们，不能让他们走！", ["incitement", "rumor"], "incitement"),
    # privacy_leak (人肉、公开他人信息)
    ("人肉出来了，撞人的司机叫{who}，电话{phone}，住{estate}{b}栋，大家去他家讨说法", ["privacy_leak", "incitement"], "privacy"),
    ("这就是那个黑心物业经理，手机{phone}，家住{street}{estate}{b}栋{r}，天天打爆他", ["privacy_leak", "incitement"], "privacy"),
    ("曝光！{estate}那个虐猫的女的，身份证号44030{id}，电话{phone}", ["privacy_leak"], "privacy"),
    ("确诊病人{who}的家庭住址：{street}{estate}{b}栋{r}，电话{phone}，大家离远点", ["privacy_leak"], "privacy"),
    ("欠钱不还的老赖：{who}，身份证44030{id}，现住{estate}，电话{phone}，见到请通知", ["privacy_leak"], "privacy"),
    # hard negatives
    ("【辟谣】网传“{street}水库即将溃坝”系谣言，经核实水库运行正常，请勿传播。", [], "debunk"),
    ("{district}警方提醒：近期有人冒充救援队要求被困群众转账，正规救援一律免费，谨防诈骗！", [], "warning"),
    ("反诈提示：社保局不会通过短信要求提供银行卡号和验证码，收到此类信息请拨打96110", [], "warning"),
    ("求救！我家在{street}{estate}{b}栋，被困了，我的电话{phone}，麻烦救援队联系我", [], "own_phone"),
    ("我是{who}，家在{estate}，老人被困在二楼，打我电话{phone}，谢谢大家", [], "own_phone"),
    ("网上说{estate}有人确诊，{district}卫健委已回应：系不实信息", [], "debunk"),
    ("{street}这边又停水了，也没提前通知，太不方便了", [], "complaint"),
    ("{district}今年的学位太紧张了，孩子上学的事愁死了", [], "complaint"),
    ("讨薪要走法律途径，{district}劳动监察大队电话12333，大家理性维权", [], "official"),
    ("{street}办事处今天召开安全生产会议，部署汛期隐患排查工作", [], "news"),
    ("昨天{estate}业主和物业就停车费问题进行了协商，双方达成初步一致", [], "news"),
    ("这家店是骗子吗？在{street}买的手机第二天就坏了，有人遇到过吗", [], "complaint"),
    ("有人说明天停电，我问了供电局，是{street}局部检修两小时，不是全区停电", [], "debunk"),
    ("警惕“代办学位”骗局！{district}教育局：学位分配严格按政策，不存在内部名额", [], "warning"),
    # more variety (second batch)
    ("震惊！{district}一小学门口有人拐卖儿童，已经丢了三个孩子，家长们注意！", ["rumor"], "rumor"),
    ("{street}的自来水检测出致癌物，千万别喝了，赶紧买桶装水", ["rumor"], "rumor"),
    ("明天{district}全面封控，超市都要关门，快去抢菜！！", ["rumor"], "rumor"),
    ("救援物资领取登记：先交100元登记费，{street}灾民优先，微信{phone}", ["fraud"], "fraud"),
    ("您好，我是{district}应急管理局的，您家的受灾补偿款已到账，请提供银行卡密码核实", ["fraud"], "fraud"),
    ("低价转让救灾帐篷和冲锋舟，先付全款再发货，联系{who}{phone}", ["fraud"], "fraud"),
    ("街道不给我们解决，明天大家都去市政府门口躺着，越多人越好，不怕事闹大", ["incitement"], "incitement"),
    ("那个开发商老板的车就停在{estate}，谁有种去把他的车烧了", ["incitement"], "incitement"),
    ("扒一扒{street}那个网格员，叫{who}，家住{estate}{b}栋，老婆电话{phone}，就是他举报的", ["privacy_leak"], "privacy"),
    ("{estate}业主群泄露：全体业主姓名、房号、手机号表格，需要的私聊", ["privacy_leak"], "privacy"),
    ("【警惕】网传“{district}小学门口有人拐卖儿童”系谣言，警方已辟谣，请家长不要恐慌", [], "debunk"),
    ("{street}社区提醒：应急管理部门不会电话索要银行卡密码，遇到此类电话请挂断并报警", [], "warning"),
    ("业主们有意见可以通过业主大会表决，{estate}业委会下周开会，请大家理性表达", [], "official"),
    ("我是{estate}{b}栋业主{who}，家里漏水找不到物业，我的电话{phone}，哪位邻居有物业经理联系方式", [], "own_phone"),
    ("{district}今天的暴雨预警升级为橙色，请大家减少外出", [], "news"),
]


def generate(seed: int = 20240608, per_template: int = 9):
    rng = random.Random(seed)
    places = shenzhen_places(rng)
    train, test = [], []
    for index, (template, types, style) in enumerate(TEMPLATES):
        target = test if index % 4 == 1 else train
        for _ in range(per_template):
            _, street, district, _ = rng.choice(places)
            text = template.format(street=street, district=district, estate=rng.choice(ESTATES),
                                   phone=write_phone(mobile(rng), rng), who=person(rng), n=rng.randint(100, 999),
                                   b=rng.randint(1, 30), r=rng.randint(101, 2808),
                                   id="".join(rng.choice("0123456789") for _ in range(13)))
            if rng.random() < 0.1:
                text = f"转发//@{rng.choice(['深圳身边事', '街坊小王', '吃瓜群众'])}:{text}"
            row = {"text": text, "types": sorted(types), "style": style}
            if target is train:  # the template, for grouped folds in training (test lines unchanged)
                row["template"] = f"t{index}"
            target.append(row)
    rng.shuffle(train)
    rng.shuffle(test)
    return train + _extra("train"), test


# ---------------------------------------------------------------------------------------------
# Second batch (2026-11-30), written for this project without looking at the test lines; own
# seed, so the first batch's train/test files stay byte for byte what they were. The fourth field
# says the split: "dev" templates go to harmful_dev.jsonl (used to choose features, settings and
# any rule), the others are appended to train. The test split is unchanged.
EXTRA_TEMPLATES = [
    # rumor
    ("有人说{street}那边的桥裂了马上要塌，今天千万别走，消息可靠", ["rumor"], "rumor", "train"),
    ("我表哥在医院上班，说{district}已经出现新型病毒了，只是没公布，大家戴好口罩", ["rumor"], "rumor", "train"),
    ("{estate}的水被污染了，喝了会中毒，物业不敢说，大家扩散", ["rumor"], "rumor", "train"),
    ("刚收到消息，{street}明天要地震，赶紧把老人孩子接走", ["rumor"], "rumor", "train"),
    ("{district}有人用针头扎人传播艾滋病，晚上不要单独出门，转给身边的人", ["rumor"], "rumor", "train"),
    ("{street}那场大火烧死了二十多个人，官方只说没有伤亡", ["rumor"], "rumor", "train"),
    ("群里都在说{district}的银行要倒闭了，存款取不出来，赶紧去取钱", ["rumor"], "rumor", "train"),
    ("听说明天{district}所有学校停课，地铁也停运，提前做好准备", ["rumor"], "rumor", "dev"),
    ("微信群里说{estate}下周整体拆迁，每户只赔五万，赶紧把房子卖了", ["rumor"], "rumor", "dev"),
    ("{street}的超市大米是塑料做的，煮出来能拉丝，一传十十传百", ["rumor"], "rumor", "dev"),
    ("网传警察在{street}打死了一个老人，大家去派出所门口讨个说法！", ["incitement", "rumor"], "incitement", "train"),
    # fraud
    ("{district}防汛指挥部通知：灾后重建补助需缴纳300元手续费，转账后三个工作日到账，联系{phone}", ["fraud"], "fraud", "train"),
    ("您的快递在{street}丢失，我们将双倍理赔，请提供银行卡号和短信验证码", ["fraud"], "fraud", "train"),
    ("我是{estate}的物业，水费系统升级，请扫这个码补缴，逾期停水", ["fraud"], "fraud", "train"),
    ("{district}公安局通知：您涉嫌洗钱，请把资金转到安全账户配合调查", ["fraud"], "fraud", "train"),
    ("为{street}火灾遇难者家属捐款，请直接转账到我的微信，我统一转交", ["fraud"], "fraud", "train"),
    ("低息贷款，无需抵押，当天放款，先交2000元保证金，电话{phone}", ["fraud"], "fraud", "train"),
    ("招聘兼职刷单，一单赚50，先垫付后返还，联系{who}{phone}", ["fraud"], "fraud", "dev"),
    ("恭喜您被抽中{district}消费券大奖，请先支付300元个人所得税后领取", ["fraud"], "fraud", "dev"),
    ("我是你领导，明天来{street}办公室找我，现在先帮我给这个账户转5万，急用", ["fraud"], "fraud", "dev"),
    # incitement
    ("物业就是黑社会，明晚八点全体业主下楼，把物业办公室给我掀了", ["incitement"], "incitement", "train"),
    ("那帮拆迁的要是再来，大家拿起锄头跟他们拼了", ["incitement"], "incitement", "train"),
    ("老板不给钱就别让他好过，兄弟们明天把厂门堵死，一辆车都不准出", ["incitement"], "incitement", "train"),
    ("{estate}的业主们，周六一起去开发商总部拉横幅，人越多越好，让媒体都来", ["incitement"], "incitement", "train"),
    ("这种狗官就该拖出来打一顿，大家都去{district}政府门口围着", ["incitement"], "incitement", "train"),
    ("学校不给说法，家长们明天一起冲进去找校长，不怕闹大", ["incitement"], "incitement", "train"),
    ("外地人都是小偷，见到就赶出{street}，别客气", ["incitement"], "incitement", "dev"),
    ("那个商户欺负本地人，今晚我们一帮人过去把他店砸了", ["incitement"], "incitement", "dev"),
    ("被骗的投资人们，下周一早上全部到{district}法院门口静坐，不解决就不走", ["incitement"], "incitement", "dev"),
    # privacy_leak
    ("大家认准这个骗子：{who}，手机{phone}，身份证44030{id}，住在{street}", ["privacy_leak"], "privacy", "train"),
    ("把那个乱停车的车主信息发出来：{who}，电话{phone}，{estate}{b}栋{r}", ["privacy_leak"], "privacy", "train"),
    ("这是{district}某小学全班学生家长的名单和电话，需要的拿去", ["privacy_leak"], "privacy", "train"),
    ("隔离人员名单流出：{who}，{estate}{b}栋{r}，电话{phone}", ["privacy_leak"], "privacy", "train"),
    ("那个投诉我们店的顾客叫{who}，家住{estate}，电话{phone}，大家帮我骂他", ["incitement", "privacy_leak"], "privacy", "train"),
    ("{estate}业主的身份证复印件被物业随手丢在垃圾桶，我拍下来了：{who} 44030{id}", ["privacy_leak"], "privacy", "train"),
    ("偷拍的那个男的我查到了，叫{who}，在{street}上班，手机{phone}", ["privacy_leak"], "privacy", "dev"),
    ("出轨的就是这个女的，{who}，在{street}某公司上班，电话{phone}，发到她公司群里", ["privacy_leak"], "privacy", "dev"),
    ("{district}一家快递站把几千条客户姓名电话地址卖给了推销的，截图在这", ["privacy_leak"], "privacy", "dev"),
    # hard negatives
    ("{street}社区提醒：收到“停水一周”的消息请以供水公司公告为准，不要轻信", [], "debunk", "train"),
    ("有人说{estate}要拆迁，我问了街道，目前没有任何旧改计划", [], "debunk", "train"),
    ("银行提醒：任何要求转账到安全账户的都是诈骗，{district}已有多人被骗", [], "warning", "train"),
    ("我叫{who}，在{street}丢了一个钱包，捡到的请打我电话{phone}，必有重谢", [], "own_phone", "train"),
    ("出租{estate}两室一厅，拎包入住，有意者联系我{phone}", [], "own_phone", "train"),
    ("欠薪的工友可以去{district}劳动仲裁院申请仲裁，带好考勤记录和合同", [], "official", "train"),
    ("昨天{street}发生一起火灾，无人员伤亡，起火原因正在调查", [], "news", "train"),
    ("感谢{street}救援队的小伙子们，冒着大雨把我们送到了安置点", [], "complaint", "train"),
    ("周末大家一起在{estate}门口集合去爬山，七点出发", [], "complaint", "train"),
    ("辖区民警提醒：遇到有人煽动聚集闹事请及时报警，维权请走合法渠道", [], "warning", "train"),
    ("{district}公安：冒充客服退款诈骗高发，请勿向陌生人提供验证码", [], "warning", "dev"),
    ("{estate}业主大会将于周六召开，讨论更换物业事宜，请业主按时参加", [], "official", "dev"),
    ("求助：{estate}停电了，有邻居知道什么时候来电吗，我电话{phone}", [], "own_phone", "dev"),
    ("网上流传的{street}大火视频是去年外地的，不是本地，大家别转了", [], "debunk", "dev"),
    ("明早九点在{street}地铁口集合，一起去做义工，欢迎报名", [], "complaint", "dev"),
]
EXTRA_SEED = 20261130


def _extra(split: str, per_template: int = 9):
    rng = random.Random(EXTRA_SEED if split == "train" else EXTRA_SEED + 1)
    places = shenzhen_places(rng)
    out = []
    for index, (template, types, style, where) in enumerate(EXTRA_TEMPLATES):
        if where != split:
            continue
        for _ in range(per_template):
            _, street, district, _ = rng.choice(places)
            text = template.format(street=street, district=district, estate=rng.choice(ESTATES),
                                   phone=write_phone(mobile(rng), rng), who=person(rng), n=rng.randint(100, 999),
                                   b=rng.randint(1, 30), r=rng.randint(101, 2808),
                                   id="".join(rng.choice("0123456789") for _ in range(13)))
            if rng.random() < 0.1:
                text = f"转发//@{rng.choice(['深圳身边事', '街坊小王', '吃瓜群众', '本地宝'])}:{text}"
            out.append({"text": text, "types": sorted(types), "style": style, "template": f"b2-{index}"})
    rng.shuffle(out)
    return out


def generate_dev():
    """harmful_dev.jsonl: the second batch's dev templates (3 per type, 5 hard negatives)."""
    return _extra("dev")
