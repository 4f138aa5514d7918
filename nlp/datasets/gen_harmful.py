"""Generator of harmful_train.jsonl / harmful_test.jsonl.

Each line: ``{"text", "types": [labels from rumor/fraud/incitement/privacy_leak], "style"}``; an
empty list is a hard negative (debunks quoting the rumour, official fraud warnings, a person's own
phone in a rescue request, ordinary complaints and news). Templates are split train/test.
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
            target.append({"text": text, "types": sorted(types), "style": style})
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test
