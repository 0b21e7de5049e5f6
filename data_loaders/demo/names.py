"""Word lists and the item catalogue behind the demo scenario (``data_loaders.demo``).

Everything here is fictional on purpose: organisation and facility names are built
from generic syllables so that the demo never names a real organisation, person or
phone number. Item names are ordinary generic goods (no brands).
"""

from __future__ import annotations

import numpy as np

# --- Organisation names -------------------------------------------------------------
# Place-flavoured prefixes (poetic names of Hubei places, not institutions).
ORG_PREFIXES = (
    "江城", "荆楚", "楚天", "汉江", "长江", "东湖", "黄鹤", "晴川", "云梦", "鄂东",
    "神农", "三峡", "清江", "汉水", "荆江", "大别", "武当", "赤壁", "梁子", "沙湖",
    "南湖", "汤逊", "古琴", "知音", "龟山", "蛇山", "磨山", "青山", "白沙", "月湖",
)
ORG_CORES = (
    "互助", "爱心", "同心", "守望", "益行", "暖心", "众力", "善邻", "春晖", "微光",
    "向阳", "共济", "携手", "星火", "暖邻", "和光", "心桥", "邻里", "同舟", "众安",
)
PARTNER_SUFFIXES = (
    "社", "服务中心", "公益促进会", "社工服务中心", "发展中心", "公益协会", "公益服务社",
)
FOUNDATION_SUFFIXES = ("基金会", "公益基金会", "慈善基金会")
COMPANY_SUFFIXES = ("科技有限公司", "医疗器械有限公司", "实业有限公司", "生物科技有限公司",
                    "电子商务有限公司", "食品有限公司")
LOGISTICS_SUFFIXES = ("快运", "速运", "物流", "供应链")
VOLUNTEER_SUFFIXES = ("青年志愿队", "志愿车队", "邻里志愿队", "应急志愿队")
GOVERNMENT_SUFFIXES = ("社区保障协调组", "民生物资专班", "防控志愿服务站")

# --- Facility names -----------------------------------------------------------------
COMMUNITY_A = (
    "幸福", "和平", "友谊", "建设", "新华", "东风", "民主", "光明", "长青", "育才",
    "红旗", "胜利", "团结", "复兴", "振兴", "兴华", "锦绣", "百花", "梅园", "桂园",
    "柳堤", "枫林", "竹林", "杏林", "桃源", "芳草", "紫阳", "金桥", "银湖", "碧水",
    "丽水", "龙湾", "凤凰", "华苑", "江滩", "湖滨", "北苑", "春江", "秋实", "惠民",
)
COMMUNITY_B = ("里", "苑", "园", "路", "街", "新村", "花园", "小区", "巷", "坊", "湾", "城")
SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱",
    "高", "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于",
    "董", "萧",
)
LANDFORMS = ("湾", "岭", "畈", "垸", "冲", "岗", "咀", "河", "桥", "坪", "湖", "台", "店",
             "铺", "坝", "港")
VILLAGE_PREFIXES = ("", "", "大", "小", "新", "上", "下")
AUSPICIOUS = ("康宁", "仁和", "博爱", "惠民", "安康", "济民", "华康", "福寿", "长乐", "广济",
              "德馨", "永安", "普仁", "慈惠", "益民", "和睦")
VENUES = ("体育馆", "会展中心", "体育中心", "职业学院", "文化中心")
QUARANTINE_KINDS = ("酒店", "宾馆", "培训中心", "学校", "招待所")
WAREHOUSE_KINDS = ("应急物资", "物流园", "救灾物资", "医药")

_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """Chinese numeral for 1 ≤ n ≤ 99 (``12`` → ``十二``); larger numbers stay Arabic."""
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return str(n)


def combos(*parts: tuple[str, ...]) -> np.ndarray:
    """All concatenations of one word from each part, as an object array."""
    out = np.array([""], dtype=object)
    for part in parts:
        out = (out[:, None] + np.array(part, dtype=object)[None, :]).ravel()
    return out


# --- Item catalogue -----------------------------------------------------------------
# (item, unit, median quantity, lognormal sigma, rounding step, contexts) where the
# contexts are h = hospital-like, q = quarantine site, c = community/village.
ITEMS: dict[str, tuple[tuple[str, str, float, float, float, str], ...]] = {
    "ppe": (
        ("N95口罩", "个", 2000, 0.8, 100, "hq"),
        ("医用外科口罩", "个", 5000, 0.8, 100, "hqc"),
        ("医用防护服", "套", 500, 0.7, 10, "hq"),
        ("护目镜", "个", 200, 0.7, 10, "hq"),
        ("防护面屏", "个", 300, 0.7, 10, "hqc"),
        ("医用手套", "双", 2000, 0.8, 100, "hqc"),
        ("隔离衣", "件", 400, 0.7, 10, "hq"),
        ("一次性口罩", "个", 2000, 0.8, 100, "c"),
    ),
    "medical_equipment": (
        ("呼吸机", "台", 3, 0.6, 1, "h"),
        ("高流量氧疗仪", "台", 5, 0.6, 1, "h"),
        ("心电监护仪", "台", 8, 0.6, 1, "h"),
        ("制氧机", "台", 4, 0.6, 1, "hc"),
        ("红外体温计", "支", 40, 0.7, 5, "hqc"),
        ("血氧仪", "个", 30, 0.7, 5, "hc"),
        ("病床", "张", 50, 0.6, 5, "h"),
    ),
    "medicine": (
        ("抗病毒药物", "盒", 300, 0.8, 10, "h"),
        ("退烧药", "盒", 200, 0.8, 10, "hqc"),
        ("白蛋白", "瓶", 100, 0.7, 10, "h"),
        ("降压药", "盒", 120, 0.8, 10, "c"),
        ("胰岛素", "支", 60, 0.8, 5, "c"),
        ("降糖药", "盒", 100, 0.8, 10, "c"),
        ("慢性病常用药", "盒", 150, 0.8, 10, "qc"),
    ),
    "disinfection": (
        ("84消毒液", "桶", 100, 0.8, 5, "hqc"),
        ("75%酒精", "瓶", 200, 0.8, 10, "hqc"),
        ("免洗洗手液", "瓶", 300, 0.8, 10, "hqc"),
        ("过氧乙酸", "桶", 20, 0.6, 1, "h"),
        ("喷雾消毒器", "台", 10, 0.6, 1, "qc"),
        ("紫外线消毒灯", "台", 10, 0.6, 1, "h"),
    ),
    "food": (
        ("蔬菜包", "份", 200, 0.8, 10, "qc"),
        ("大米", "袋", 100, 0.8, 5, "qc"),
        ("食用油", "桶", 80, 0.8, 5, "c"),
        ("方便面", "箱", 100, 0.8, 5, "hqc"),
        ("医护工作餐", "份", 500, 0.7, 10, "h"),
        ("牛奶", "箱", 60, 0.8, 5, "hqc"),
        ("肉蛋包", "份", 150, 0.8, 10, "c"),
        ("婴幼儿奶粉", "罐", 30, 0.7, 1, "c"),
    ),
    "daily_necessities": (
        ("卫生巾", "包", 300, 0.8, 10, "hqc"),
        ("成人纸尿裤", "包", 100, 0.8, 10, "hqc"),
        ("被褥", "套", 50, 0.7, 5, "hq"),
        ("生活用品包", "份", 150, 0.8, 10, "qc"),
        ("取暖器", "台", 20, 0.7, 1, "hqc"),
        ("洗漱包", "份", 200, 0.8, 10, "hq"),
        ("垃圾袋", "卷", 300, 0.8, 10, "qc"),
    ),
    "psychosocial": (
        ("心理热线", "人次", 100, 0.8, 5, "c"),
        ("心理疏导服务", "人次", 50, 0.8, 5, "hqc"),
        ("哀伤辅导", "人次", 20, 0.7, 1, "c"),
        ("医护减压团体", "场", 4, 0.5, 1, "h"),
    ),
    "transport": (
        ("医护通勤车辆", "辆", 5, 0.6, 1, "h"),
        ("就医接送", "人次", 30, 0.7, 1, "qc"),
        ("透析患者接送", "人次", 20, 0.7, 1, "c"),
    ),
    "livelihood": (
        ("临时生活补助", "户", 50, 0.8, 1, "c"),
        ("就业帮扶", "人", 80, 0.8, 1, "c"),
        ("春耕农资", "份", 100, 0.8, 5, "c"),
    ),
    "education": (
        ("网课设备", "台", 20, 0.7, 1, "c"),
        ("流量卡", "张", 50, 0.7, 5, "c"),
        ("学习资料包", "份", 60, 0.7, 5, "c"),
    ),
    "information": (
        ("防疫宣传册", "份", 500, 0.8, 50, "qc"),
        ("社区广播设备", "套", 3, 0.5, 1, "c"),
        ("防疫信息宣讲", "场", 5, 0.5, 1, "c"),
    ),
    "other": (
        ("其他物资", "批", 2, 0.5, 1, "hqc"),
    ),
}

# Who a need in a context/category serves: {context: {category: {group: weight}}}.
# Hospital needs serve medical staff and patients; community needs serve the people a
# lockdown hit hardest (the elderly, migrant workers, children, the disabled).
_STAFF = {"medical_staff": 0.85, "patients": 0.15}
_PATIENTS = {"patients": 0.8, "medical_staff": 0.2}
_FRONTLINE = {"community_workers": 0.6, "volunteers": 0.3, "general": 0.1}
_HOUSEHOLDS = {"elderly": 0.35, "general": 0.25, "migrant_workers": 0.2, "disabled": 0.1,
               "children": 0.1}
BENEFICIARIES: dict[str, dict[str, dict[str, float]]] = {
    "h": {
        "medicine": _PATIENTS, "medical_equipment": _PATIENTS, "*": _STAFF,
    },
    "q": {
        "ppe": _FRONTLINE, "disinfection": _FRONTLINE,
        "*": {"general": 0.55, "patients": 0.3, "community_workers": 0.1, "volunteers": 0.05},
    },
    "c": {
        "ppe": _FRONTLINE, "disinfection": _FRONTLINE,
        "food": _HOUSEHOLDS, "daily_necessities": _HOUSEHOLDS,
        "medicine": {"elderly": 0.6, "patients": 0.25, "disabled": 0.15},
        "medical_equipment": {"elderly": 0.5, "patients": 0.5},
        "psychosocial": {"general": 0.4, "elderly": 0.3, "community_workers": 0.2,
                         "children": 0.1},
        "livelihood": {"migrant_workers": 0.6, "general": 0.3, "disabled": 0.1},
        "education": {"children": 1.0},
        "information": {"elderly": 0.5, "general": 0.5},
        "transport": {"patients": 0.5, "elderly": 0.3, "disabled": 0.2},
        "*": {"general": 1.0},
    },
}

# Category mix of needs per context at the start (2020-01-20) and the end (2020-03-31)
# of the scenario; the mix is interpolated linearly in between. Hospitals start with a
# PPE rush; communities drift from food towards livelihood and schooling.
CATEGORY_MIX: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    "h": (
        {"ppe": .45, "medical_equipment": .15, "medicine": .12, "disinfection": .12,
         "food": .05, "daily_necessities": .04, "psychosocial": .02, "transport": .03,
         "other": .02},
        {"ppe": .25, "medical_equipment": .15, "medicine": .18, "disinfection": .10,
         "food": .08, "daily_necessities": .08, "psychosocial": .08, "transport": .04,
         "other": .04},
    ),
    "q": (
        {"ppe": .20, "disinfection": .20, "food": .20, "daily_necessities": .25,
         "psychosocial": .05, "medicine": .05, "information": .03, "other": .02},
        {"ppe": .10, "disinfection": .15, "food": .25, "daily_necessities": .30,
         "psychosocial": .10, "medicine": .05, "information": .03, "other": .02},
    ),
    "c": (
        {"ppe": .12, "disinfection": .10, "food": .25, "daily_necessities": .20,
         "medicine": .15, "psychosocial": .05, "livelihood": .01, "education": .01,
         "information": .06, "transport": .03, "medical_equipment": .02},
        {"ppe": .03, "disinfection": .05, "food": .20, "daily_necessities": .17,
         "medicine": .15, "psychosocial": .08, "livelihood": .10, "education": .08,
         "information": .04, "transport": .04, "medical_equipment": .03, "other": .03},
    ),
}
