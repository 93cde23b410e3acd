"""Demo data: staff, customers and their products, parts, van stock and a week of work orders.

Run with `flask --app server seed-demo`. Deterministic (a fixed random seed) but laid
out around the day it runs: appointments fall today and in the coming days, finished
jobs in the days before. Shanghai jobs go to 王建国 (tech1), Beijing to 李明 (tech2),
Hangzhou to 陈磊 (tech3). Loading twice changes nothing; `reset=True` starts afresh.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from ..auth.passwords import hash_password
from ..domain import fees, warranty
from ..domain.service_day import SERVICE_TZ, service_date
from ..extensions import db
from ..models import (
    Customer,
    Diagnosis,
    FeeQuote,
    Part,
    PartFitted,
    Payment,
    Product,
    Role,
    SyncState,
    User,
    VanStock,
    VisitEvent,
    WorkOrder,
    utcnow,
)
from ..services import checklists, fee_schedule
from ..services.coverage import coverage_of
from ..services.work_orders import create_work_order

DEMO_PASSWORD = "onsite-demo"
SEED = 20261123
CST = SERVICE_TZ  # the service area's clock (Shanghai, Beijing, Hangzhou)

# email, name, role, city served (technicians), phone
STAFF = (
    ("dispatcher@demo.onsite", "张丽", Role.DISPATCHER, None, "13801760321"),
    ("manager@demo.onsite", "刘洋", Role.MANAGER, None, "13801760322"),
    ("tech1@demo.onsite", "王建国", Role.TECHNICIAN, "shanghai", "13817652208"),
    ("tech2@demo.onsite", "李明", Role.TECHNICIAN, "beijing", "13810437756"),
    ("tech3@demo.onsite", "陈磊", Role.TECHNICIAN, "hangzhou", "13858106619"),
)

# ---------------------------------------------------------------- parts catalogue

# part number, name, English name, price, barcode formats, serialised, ABC class, warranty months
PARTS = (
    ("AC-PCB-35", "空调室内机主控板", "Indoor unit main control board", "280.00", ("ean_13",), True, "B", 3),
    ("AC-CAP-35", "压缩机运行电容 35μF", "Compressor run capacitor 35 µF", "45.00", ("ean_13",), False, "A", 3),
    ("AC-FAN-IN", "室内风机电机", "Indoor fan motor", "165.00", ("code_128",), True, "B", 3),
    ("AC-SEN-T", "管温传感器", "Pipe temperature sensor", "18.00", ("ean_13",), False, "A", 3),
    ("AC-R32-3KG", "R32 制冷剂 3kg", "Refrigerant R32, 3 kg", "150.00", ("code_128",), False, "A", 0),
    ("AC-RC-01", "空调遥控器", "Air-conditioner remote control", "35.00", ("ean_8",), False, "B", 3),
    ("AC-COMP-1P5", "变频压缩机 1.5匹", "Inverter compressor 1.5 HP", "980.00", ("qr_code",), True, "C", 12),
    ("WM-PUMP-01", "洗衣机排水泵", "Washing-machine drain pump", "68.00", ("ean_13",), False, "A", 3),
    ("WM-BELT-1270", "洗衣机皮带 1270J5", "Drive belt 1270J5", "25.00", ("code_39",), False, "B", 3),
    ("WM-BRG-6205", "滚筒轴承套件 6205/6206", "Drum bearing kit 6205/6206", "120.00", ("ean_13",), False, "B", 3),
    ("WM-DOOR-LK", "门锁开关", "Door lock switch", "55.00", ("ean_13",), False, "A", 3),
    ("WM-INV-BD", "洗衣机变频驱动板", "Washing-machine inverter board", "360.00", ("data_matrix",), True, "B", 3),
    ("WH-ANODE-M", "热水器镁棒", "Magnesium anode rod", "38.00", ("ean_13",), False, "A", 3),
    ("WH-HEAT-2K", "加热管 2000W", "Heating element 2000 W", "95.00", ("ean_13",), False, "B", 3),
    ("WH-THERM", "热水器温控器", "Water-heater thermostat", "42.00", ("code_128",), False, "B", 3),
    ("WH-IGN-16", "燃气热水器点火器", "Gas water-heater igniter", "75.00", ("ean_13",), False, "B", 3),
    ("RF-THERM-01", "冰箱温控器", "Refrigerator thermostat", "48.00", ("ean_13",), False, "B", 3),
    ("RF-DEF-HT", "化霜加热丝", "Defrost heater", "85.00", ("code_128",), False, "B", 3),
    ("RF-DOOR-SEAL", "冰箱门封条", "Refrigerator door gasket", "65.00", ("ean_13",), False, "C", 3),
    ("RF-PCB-MAIN", "冰箱主控板", "Refrigerator main board", "320.00", ("data_matrix", "qr_code"), True, "C", 3),
    ("RH-MOTOR-220", "油烟机电机 220W", "Range-hood motor 220 W", "260.00", ("qr_code",), True, "C", 12),
    ("RH-FILTER", "油烟机油网", "Range-hood grease filter", "30.00", ("ean_13",), False, "A", 0),
    ("GEN-HOSE-15", "进水管 1.5米", "Inlet hose 1.5 m", "22.00", ("ean_13",), False, "A", 3),
)
SAFETY_STOCK = {"A": 3, "B": 2, "C": 1}
# Trade-in credit for the old part handed over (旧件折费, seed 003 §三(七)1): boards, motors, compressors.
TRADE_IN = {
    "AC-PCB-35": "30.00",
    "AC-COMP-1P5": "150.00",
    "WM-INV-BD": "40.00",
    "RF-PCB-MAIN": "35.00",
    "RH-MOTOR-220": "25.00",
}
# The product categories each part's prefix fits (catalogue compatibility, issue #15); the
# gas heater's igniter and the electric heater's parts are told apart; GEN- fits any model.
FITS_CATEGORY = {"AC-": "ac", "WM-": "washer", "WH-": "water_heater", "RF-": "fridge", "RH-": "hood"}
FITS_ONLY = {"WH-IGN-16": ("JSQ30-16CM",), **{n: ("F6030-X1(S)",) for n in ("WH-ANODE-M", "WH-HEAT-2K", "WH-THERM")}}
PAYMENT_METHODS = ("wechat", "wechat", "alipay", "cash", "card")


def ean_check_digit(digits: str) -> str:
    """GS1 check digit for an EAN-13 (12 digits given) or EAN-8 (7 digits given)."""
    # Weights 3,1,3,1... counted from the right-most digit, which is how GS1 defines them.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _barcode(index: int, part_number: str, fmt: str) -> str:
    """What the label on the box encodes, by symbology."""
    if fmt == "ean_13":  # 692 3450: a GS1 China company prefix
        body = f"6923450{100 + index:05d}"
        return body + ean_check_digit(body)
    if fmt == "ean_8":
        body = f"6903{100 + index:03d}"
        return body + ean_check_digit(body)
    if fmt == "code_39":  # upper case, digits and '-' only
        return f"P{part_number}"
    if fmt == "code_128":
        return f"ONS-{part_number}-{2400 + index}"
    return f"PN:{part_number};REV:B"  # QR code / Data Matrix labels carry a small record


# ---------------------------------------------------------------- products and faults


def fits_models(part_number: str) -> list[str]:
    """The demo product models a part fits (empty: any model)."""
    if part_number in FITS_ONLY:
        return list(FITS_ONLY[part_number])
    category = next((c for prefix, c in FITS_CATEGORY.items() if part_number.startswith(prefix)), None)
    return [m.model for m in MODELS if m.category == category] if category else []


@dataclass(frozen=True)
class Model:
    category: str
    model: str
    name: str
    warranty_months: int
    serial_prefix: str


MODELS = (
    Model("ac", "KFR-35GW/N8MJA1", "变频挂壁式空调 1.5匹", 72, "AC35"),
    Model("ac", "KFR-26GW/N8XHC1", "变频挂壁式空调 大1匹", 72, "AC26"),
    Model("ac", "KFR-72LW/N8MJA3", "立柜式空调 3匹", 72, "AC72"),
    Model("washer", "XQG100-14B", "滚筒洗衣机 10公斤", 36, "WM10"),
    Model("washer", "TB80-Q8S", "波轮洗衣机 8公斤", 36, "WT80"),
    Model("water_heater", "F6030-X1(S)", "电热水器 60升", 36, "WH60"),
    Model("water_heater", "JSQ30-16CM", "燃气热水器 16升", 36, "GW16"),
    Model("fridge", "BCD-470WDPG", "十字对开门冰箱 470升", 36, "RF47"),
    Model("fridge", "BCD-545WKPZM(E)", "对开门冰箱 545升", 36, "RF54"),
    Model("hood", "CXW-220-E900C", "侧吸式吸油烟机", 12, "RH22"),
    Model("hood", "CXW-260-JQ01T", "顶吸式吸油烟机", 12, "RH26"),
)


@dataclass(frozen=True)
class Fault:
    zh: str
    en: str
    cause: str
    method: str
    part: str | None


FAULTS = {
    "ac": (
        Fault(
            "空调不制冷，室外机不启动",
            "Air conditioner not cooling; the outdoor unit does not start.",
            "压缩机运行电容容量衰减，压缩机无法启动",
            "更换运行电容，试机制冷正常",
            "AC-CAP-35",
        ),
        Fault(
            "室内机漏水，水滴到地板上",
            "Indoor unit drips water onto the floor.",
            "排水管被灰尘和油污堵塞",
            "疏通排水管并清洗接水盘，试机无渗漏",
            None,
        ),
        Fault(
            "开机几分钟后停机，显示 E1 故障代码",
            "Stops after a few minutes and shows error E1.",
            "管温传感器阻值漂移，误报保护",
            "更换管温传感器，连续运行 30 分钟正常",
            "AC-SEN-T",
        ),
        Fault(
            "制冷效果差，出风不够凉",
            "Weak cooling; the air is barely cool.",
            "系统缺制冷剂，低压管接头微漏",
            "补漏后按铭牌加注 R32 制冷剂，进出风温差正常",
            "AC-R32-3KG",
        ),
        Fault(
            "室内机有嗡嗡声，风扇转动时更明显",
            "Indoor unit hums loudly when the fan runs.",
            "室内风机轴承磨损",
            "更换室内风机电机，噪音消除",
            "AC-FAN-IN",
        ),
        Fault(
            "空调无法开机，遥控器和按键都无反应",
            "Will not switch on; no response to remote or buttons.",
            "室内机主控板电源模块损坏",
            "更换室内机主控板，开关机正常",
            "AC-PCB-35",
        ),
    ),
    "washer": (
        Fault(
            "洗衣机不排水，显示 E21",
            "Washing machine will not drain; shows E21.",
            "排水泵叶轮被硬币卡死",
            "取出异物并更换排水泵，排水正常",
            "WM-PUMP-01",
        ),
        Fault(
            "脱水时剧烈抖动，有撞击声",
            "Violent shaking and banging during the spin.",
            "滚筒轴承磨损",
            "更换滚筒轴承套件，脱水平稳",
            "WM-BRG-6205",
        ),
        Fault(
            "门锁打不开，衣服取不出来",
            "The door stays locked; laundry cannot be taken out.",
            "门锁开关损坏",
            "更换门锁开关，开关门正常",
            "WM-DOOR-LK",
        ),
        Fault(
            "通电无反应，显示屏不亮",
            "No power at all; the display stays blank.",
            "变频驱动板烧毁",
            "更换变频驱动板，整机运行正常",
            "WM-INV-BD",
        ),
        Fault(
            "波轮不转，电机有嗡嗡声",
            "The drum does not turn; the motor hums.",
            "皮带老化打滑",
            "更换皮带，运转正常",
            "WM-BELT-1270",
        ),
    ),
    "water_heater": (
        Fault(
            "热水器不加热，指示灯不亮",
            "Water heater does not heat; the indicator is off.",
            "温控器损坏，加热回路不通",
            "更换温控器，加热正常",
            "WH-THERM",
        ),
        Fault(
            "漏电保护插头频繁跳闸",
            "The RCD plug keeps tripping.",
            "加热管结垢破损导致漏电",
            "更换加热管，绝缘测试合格",
            "WH-HEAT-2K",
        ),
        Fault(
            "燃气热水器打不着火，一直咔咔响",
            "Gas heater clicks but will not ignite.",
            "点火器老化，放电针积碳",
            "更换点火器，点火正常",
            "WH-IGN-16",
        ),
        Fault(
            "出水有异味，水发黄",
            "Hot water smells and looks yellowish.",
            "镁棒耗尽，内胆结垢",
            "更换镁棒并清洗内胆",
            "WH-ANODE-M",
        ),
    ),
    "fridge": (
        Fault(
            "冷藏室不冷，冷冻室正常",
            "Fridge compartment is warm; the freezer is fine.",
            "化霜加热丝断路，风道结冰堵塞",
            "更换化霜加热丝，除冰后制冷恢复",
            "RF-DEF-HT",
        ),
        Fault(
            "冰箱门关不严，门边结露",
            "The door does not seal; condensation along the edge.",
            "门封条老化变形",
            "更换门封条，密封良好",
            "RF-DOOR-SEAL",
        ),
        Fault(
            "显示屏报 E2，压缩机一直不停机",
            "Display shows E2; the compressor never stops.",
            "温控器失效",
            "更换温控器，温度控制正常",
            "RF-THERM-01",
        ),
        Fault(
            "完全不制冷，面板时亮时灭",
            "Not cooling at all; the panel flickers.",
            "主控板继电器损坏",
            "更换主控板，制冷正常",
            "RF-PCB-MAIN",
        ),
    ),
    "hood": (
        Fault(
            "油烟机吸力明显变小",
            "Range hood suction has become weak.",
            "油网和风轮油污堆积",
            "清洗风轮并更换油网，吸力恢复",
            "RH-FILTER",
        ),
        Fault(
            "油烟机开机无反应", "Range hood does not switch on.", "电机绕组烧毁", "更换电机，运行正常", "RH-MOTOR-220"
        ),
        Fault(
            "运行时噪音大，机身振动",
            "Loud noise and vibration when running.",
            "风轮积油失衡，固定螺丝松动",
            "清洗风轮并紧固螺丝，噪音正常",
            None,
        ),
    ),
}

INSTALLATION = {
    "ac": (
        "新购空调安装：客厅挂机，需打墙孔，外机放空调板",
        "Install a new wall-mounted AC in the living room; needs a wall hole.",
    ),
    "washer": (
        "新购洗衣机安装调试，已预留水龙头和地漏",
        "Install and set up a new washing machine; tap and drain are ready.",
    ),
    "water_heater": (
        "新购电热水器安装，卫生间瓷砖墙面",
        "Install a new electric water heater on a tiled bathroom wall.",
    ),
    "fridge": ("新冰箱送货后上门调平并检查运行", "Level and check the newly delivered refrigerator."),
    "hood": (
        "新房厨房安装油烟机，烟管需穿墙",
        "Install a range hood in a new kitchen; the duct goes through the wall.",
    ),
}
REPLACEMENT = (
    (
        "三包期内同一故障修过两次仍未修好，申请换机",
        "Same fault repaired twice under warranty and still not fixed; asks for a replacement.",
    ),
    ("送货拆箱发现外观破损，申请上门换新", "Unit arrived damaged; asks for an exchange."),
)
CONSULTATION = {
    "ac": ("咨询空调清洗保养服务及收费标准", "Asks about AC cleaning service and its prices."),
    "washer": ("咨询洗衣机筒自洁的正确方法", "Asks how to run the drum self-clean properly."),
    "water_heater": ("咨询热水器镁棒多久需要更换", "Asks how often the anode rod should be replaced."),
    "fridge": ("咨询冰箱搬家后多久可以通电", "Asks how long to wait before switching on a moved fridge."),
    "hood": ("咨询油烟机延保服务价格", "Asks about extended-warranty prices for the range hood."),
}
REPEAT_PREFIX = ("【重复报修】上周刚修过，同样的问题又出现了：", "Same problem again after last week's repair: ")

REQUIREMENTS_ZH = (
    "请上午来，下午家里没人",
    "工作日 18:00 以后方便",
    "家里有婴儿，进门请穿鞋套，动作轻一点",
    "小区车辆需提前登记，到门口请打电话",
    "门铃坏了，到了请直接打电话",
    "家里只有老人，请耐心讲解",
    "请带好配件，争取一次修好",
    "需要开具发票",
)
REQUIREMENTS_EN = (
    "Please call 30 minutes before arrival.",
    "The concierge will let you in; mention the apartment number.",
    "Please bring an invoice.",
)

# ---------------------------------------------------------------- customers

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN_NAMES = (
    "秀英",
    "桂兰",
    "志强",
    "海燕",
    "晓明",
    "丽华",
    "建华",
    "玉梅",
    "俊杰",
    "婷婷",
    "子涵",
    "浩然",
    "雨桐",
    "国庆",
    "淑珍",
    "红梅",
    "文博",
    "嘉怡",
    "振华",
    "美玲",
    "伟",
    "静",
    "敏",
    "勇",
    "洁",
    "涛",
    "霞",
    "欣怡",
    "宇航",
    "春生",
)
STAFF_NAMES = {s[1] for s in STAFF}


def _address_shanghai(rng: random.Random) -> str:
    district, street = rng.choice(
        (
            ("浦东新区", "张杨路"),
            ("浦东新区", "锦绣路"),
            ("浦东新区", "东方路"),
            ("徐汇区", "漕溪北路"),
            ("徐汇区", "田林路"),
            ("静安区", "江宁路"),
            ("静安区", "共和新路"),
            ("闵行区", "七莘路"),
            ("长宁区", "古北路"),
            ("长宁区", "仙霞路"),
            ("杨浦区", "国权路"),
            ("杨浦区", "控江路"),
        )
    )
    return (
        f"上海市{district}{street}{rng.randint(2, 180) * 10 + rng.randint(0, 9)}弄"
        f"{rng.randint(1, 24)}号{rng.randint(2, 28)}{rng.randint(1, 4):02d}室"
    )


def _address_beijing(rng: random.Random) -> str:
    district, street = rng.choice(
        (
            ("朝阳区", "望京西路"),
            ("朝阳区", "建国路"),
            ("朝阳区", "安立路"),
            ("海淀区", "学院路"),
            ("海淀区", "中关村大街"),
            ("海淀区", "北四环西路"),
            ("东城区", "和平里东街"),
            ("西城区", "西直门外大街"),
            ("丰台区", "马家堡东路"),
            ("通州区", "新华西街"),
        )
    )
    return (
        f"北京市{district}{street}{rng.randint(1, 120)}号院{rng.randint(1, 16)}号楼"
        f"{rng.randint(1, 4)}单元{rng.randint(2, 24)}{rng.randint(1, 3):02d}"
    )


def _address_hangzhou(rng: random.Random) -> str:
    district, street = rng.choice(
        (
            ("西湖区", "文三路"),
            ("西湖区", "古墩路"),
            ("西湖区", "天目山路"),
            ("拱墅区", "莫干山路"),
            ("拱墅区", "湖墅南路"),
            ("上城区", "望江路"),
            ("上城区", "秋涛北路"),
            ("滨江区", "江南大道"),
            ("滨江区", "长河路"),
            ("余杭区", "五常大道"),
        )
    )
    return (
        f"浙江省杭州市{district}{street}{rng.randint(10, 600)}号{rng.randint(1, 30)}幢"
        f"{rng.randint(1, 3)}单元{rng.randint(2, 18)}{rng.randint(1, 4):02d}室"
    )


@dataclass(frozen=True)
class City:
    key: str
    count: int  # customers in total
    english: tuple[str, ...]  # English-speaking customers (locale "en")
    business: tuple[str, ...]  # companies, always key accounts
    vip: int
    key_accounts: int
    address: Callable[[random.Random], str]


CITIES = (
    City("shanghai", 14, ("Emily Carter", "James Wilson"), ("上海味道餐饮管理有限公司",), 2, 2, _address_shanghai),
    City("beijing", 12, ("Daniel Kim",), ("北京悦居酒店式公寓管理有限公司",), 2, 2, _address_beijing),
    City("hangzhou", 10, ("Sophie Martin",), ("杭州西溪茶舍餐饮有限公司",), 1, 2, _address_hangzhou),
)

# ---------------------------------------------------------------- the plan of work orders


@dataclass(frozen=True)
class Day:
    """An appointment on a calendar day (0 = today) at a local time."""

    offset: int
    at: str


@dataclass(frozen=True)
class FromNow:
    """An appointment a number of minutes from the moment of seeding (jobs under way)."""

    minutes: int


@dataclass(frozen=True)
class Job:
    tech: str | None  # "tech1".. or None (not yet assigned)
    status: str
    when: Day | FromNow | None
    type: str
    priority: str
    customer: str | None = None  # "en", "vip" or "key": which kind of customer to pick
    warranty: str | None = None  # "in" or "out": the product's warranty on the day
    city: str | None = None  # for unassigned jobs
    created_ago: int | None = None  # minutes; default: some time before the appointment
    label: str | None = None
    repeat_of: str | None = None  # same customer, product and fault as the labelled job
    outcome: str | None = None
    late_response: bool = False  # first response after the SLA deadline


PLAN = (
    # 王建国, Shanghai: today's route (four confirmed, one to confirm), then the week.
    Job("tech1", "scheduled", Day(0, "09:00"), "repair", "urgent", repeat_of="repeat"),
    Job("tech1", "scheduled", Day(0, "10:30"), "repair", "normal", customer="en", warranty="out"),
    Job("tech1", "scheduled", Day(0, "13:00"), "installation", "normal"),
    Job("tech1", "assigned", Day(0, "15:00"), "repair", "important", warranty="in"),
    Job("tech1", "scheduled", Day(0, "16:30"), "replacement", "important", customer="key"),
    Job("tech1", "scheduled", Day(1, "09:30"), "repair", "normal"),
    Job("tech1", "scheduled", Day(1, "14:00"), "installation", "normal"),
    Job("tech1", "scheduled", Day(2, "10:00"), "repair", "important", warranty="out"),
    Job("tech1", "assigned", None, "repair", "normal"),
    Job("tech1", "scheduled", Day(4, "09:00"), "consultation", "normal"),
    Job("tech1", "awaiting_parts", Day(-1, "14:00"), "repair", "normal"),
    Job("tech1", "completed", Day(-1, "10:00"), "repair", "important"),
    Job("tech1", "closed", Day(-6, "09:30"), "repair", "normal", customer="vip", label="repeat"),
    Job("tech1", "closed", Day(-12, "15:00"), "installation", "normal"),
    Job("tech1", "cancelled", Day(2, "15:30"), "repair", "normal"),
    # 李明, Beijing: on site now, more this afternoon.
    Job("tech2", "on_site", FromNow(-40), "repair", "important"),
    Job("tech2", "completed", FromNow(-200), "repair", "urgent"),
    Job("tech2", "scheduled", Day(0, "14:00"), "repair", "normal"),
    Job("tech2", "scheduled", Day(0, "16:00"), "installation", "normal", customer="en"),
    Job("tech2", "scheduled", Day(1, "10:00"), "repair", "urgent", customer="vip"),
    Job("tech2", "assigned", Day(1, "15:00"), "repair", "normal"),
    Job("tech2", "scheduled", Day(3, "09:30"), "replacement", "important"),
    Job("tech2", "scheduled", Day(5, "14:00"), "installation", "normal"),
    Job("tech2", "awaiting_parts", Day(-2, "10:00"), "repair", "important", warranty="out", late_response=True),
    Job("tech2", "returned_to_factory", Day(-3, "14:00"), "repair", "important", warranty="in"),
    Job("tech2", "completed", Day(-1, "15:00"), "repair", "normal"),
    Job("tech2", "closed", Day(-8, "10:30"), "repair", "normal", warranty="out"),
    Job("tech2", "closed", Day(-15, "09:00"), "consultation", "normal"),
    # 陈磊, Hangzhou: one done this morning, on the way to the next.
    Job("tech3", "completed", FromNow(-150), "repair", "normal"),
    Job("tech3", "en_route", FromNow(25), "repair", "urgent", customer="key"),
    Job("tech3", "scheduled", Day(0, "14:30"), "repair", "normal"),
    Job("tech3", "scheduled", Day(0, "16:00"), "repair", "important", customer="en"),
    Job("tech3", "assigned", Day(1, "09:00"), "installation", "normal"),
    Job("tech3", "scheduled", Day(2, "13:30"), "repair", "normal", warranty="out"),
    Job("tech3", "scheduled", Day(5, "10:00"), "repair", "normal"),
    Job("tech3", "awaiting_parts", Day(-1, "16:00"), "repair", "normal"),
    Job("tech3", "completed", Day(-2, "11:00"), "replacement", "important"),
    Job("tech3", "closed", Day(-5, "14:00"), "repair", "urgent", customer="vip"),
    Job("tech3", "closed", Day(-9, "10:00"), "repair", "normal", warranty="out", outcome="refused"),
    Job("tech3", "cancelled", Day(3, "10:00"), "installation", "normal"),
    # The dispatcher's queue: new requests (two already past their response deadline).
    Job(None, "new", None, "repair", "urgent", city="shanghai", customer="vip", created_ago=180),
    Job(None, "new", None, "repair", "important", city="beijing", created_ago=50),
    Job(None, "new", None, "installation", "normal", city="hangzhou", created_ago=20),
    Job(None, "new", None, "consultation", "normal", city="shanghai", customer="en", created_ago=90),
    Job(None, "new", Day(1, "10:00"), "repair", "normal", city="beijing", created_ago=240),
    Job(None, "new", None, "replacement", "important", city="hangzhou", created_ago=360),
    Job(None, "cancelled", None, "repair", "normal", city="hangzhou", created_ago=2 * 24 * 60),
    Job(None, "closed", None, "consultation", "normal", city="beijing", created_ago=3 * 24 * 60),
)

DURATION = {"repair": 90, "installation": 120, "replacement": 60, "consultation": 60}
# Hours between a request coming in and its appointment, by priority.
LEAD_HOURS = {"urgent": (3, 14), "important": (8, 30), "normal": (20, 72)}
CHANNEL_WEIGHTS = {"phone": 40, "wechat": 25, "website": 15, "chat": 12, "walk_in": 8}
VISITED = {"on_site", "awaiting_parts", "returned_to_factory", "completed", "closed"}


# ---------------------------------------------------------------- entry point


def seed_demo(reset: bool = False, now: datetime | None = None) -> bool:
    """Load the demo data in one transaction; False (and nothing done) if it is already there."""
    now = now or utcnow()
    try:
        if reset:
            _delete_everything()
        elif _demo_present():
            return False
        _Seeder(random.Random(SEED), now).run()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return True


def _demo_present() -> bool:
    """The demo dispatcher exists and has taken in work orders."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(WorkOrder)
            .join(User, WorkOrder.created_by_id == User.id)
            .where(User.email == STAFF[0][0])
        )
    )


def _delete_everything() -> None:
    """Empty every table, children first; the change sequence carries on so no cursor is reused."""
    state = db.session.get(SyncState, 1)
    last_seq = state.last_seq if state else 0
    # Only tables the database has: a model whose migration is not applied yet holds no data.
    present = set(sa.inspect(db.session.connection()).get_table_names())
    for table in reversed(db.metadata.sorted_tables):
        if table.name in present:
            db.session.execute(table.delete())
    db.session.expunge_all()
    if last_seq:
        # Every change up to last_seq is gone: cursors from before the reset must start over.
        db.session.add(SyncState(id=1, last_seq=last_seq, oldest_seq=last_seq + 1))
        db.session.flush()


class _Seeder:
    """Builds the demo world step by step with one random generator."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.today = service_date(now)
        self.phones: set[str] = {s[4] for s in STAFF}
        self.serials: set[str] = set()
        self.users: dict[str, User] = {}
        self.parts: dict[str, Part] = {}
        self.customers: dict[str, list[Customer]] = {}
        self.products: dict[str, list[Product]] = {}  # by customer id
        self.category: dict[str, str] = {}  # product id -> category
        self.used: dict[str, int] = {}  # customer id -> jobs given
        self.van_needs: dict[str, set[str]] = {}
        self.van_short: dict[str, set[str]] = {}

    def run(self) -> None:
        self.staff()
        self.catalogue()
        for city in CITIES:
            self.city_customers(city)
        db.session.flush()  # ids for customers and products
        orders = self.work_orders()
        db.session.flush()  # ids for work orders
        for wo, plan in orders:
            self.visit_records(wo, plan)
        self.van_stock()

    # -- people and catalogue

    def staff(self) -> None:
        # One hash for all: the password is public anyway, and Argon2 is slow by design.
        password_hash = hash_password(DEMO_PASSWORD)
        areas = {"shanghai": "上海", "beijing": "北京", "hangzhou": "杭州"}
        for email, name, role, city, phone in STAFF:
            user = db.session.scalar(sa.select(User).where(User.email == email))
            if user is None:
                user = User(
                    email=email,
                    name=name,
                    role=role.value,
                    phone=phone,
                    password_hash=password_hash,
                    webauthn_user_handle=secrets.token_bytes(32),
                )
                db.session.add(user)
            elif user.role != role.value:
                raise RuntimeError(f"{email} exists as a {user.role}; the demo needs a {role.value}.")
            if role == Role.TECHNICIAN and not user.badge_no:
                user.badge_no = f"SH-{int(phone[-4:]):04d}"  # 上岗证 no., shown on the tracking page
            if role == Role.TECHNICIAN and not user.service_area:
                user.service_area = areas[city]  # dispatch warns of a job in another city (issue #14)
            self.users[email.split("@")[0]] = user

    def catalogue(self) -> None:
        for i, (number, name, name_en, price, formats, serialised, abc, months) in enumerate(PARTS):
            part = db.session.scalar(sa.select(Part).where(Part.part_number == number))
            if part is None:
                part = Part(
                    part_number=number,
                    name=name,
                    name_en=name_en,
                    price=Decimal(price),
                    barcode=_barcode(i, number, formats[0]),
                    barcode_formats=list(formats),
                    serialised=serialised,
                    abc_class=abc,
                    warranty_months=months,
                    trade_in_credit=Decimal(TRADE_IN.get(number, "0.00")),
                    fits_models=fits_models(number),
                )
                db.session.add(part)
            self.parts[number] = part
        fee_schedule.ensure()
        checklists.ensure()  # the per job-type checklists (issue #15)

    # -- customers and products

    def phone(self) -> str:
        while True:
            number = f"138{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def chinese_name(self, taken: set[str]) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)
            if name not in taken and name not in STAFF_NAMES:
                taken.add(name)
                return name

    def city_customers(self, city: City) -> None:
        taken: set[str] = set()
        people = [self.chinese_name(taken) for _ in range(city.count - len(city.english) - len(city.business))]
        tiers = ["vip"] * city.vip + ["key"] * (city.key_accounts - len(city.business))
        tiers += ["normal"] * (len(people) - len(tiers))
        self.rng.shuffle(tiers)
        rows = [(n, t, "zh-CN") for n, t in zip(people, tiers, strict=False)]
        rows += [(n, "key", "zh-CN") for n in city.business]
        rows += [(n, "normal", "en") for n in city.english]
        customers = []
        for name, tier, locale in rows:
            customer = Customer(name=name, phone=self.phone(), address=city.address(self.rng), tier=tier, locale=locale)
            db.session.add(customer)
            customers.append(customer)
            count = 3 if name in city.business else self.rng.choice((1, 1, 2, 2, 3))
            for _ in range(count):
                self.product(customer, self.rng.choice(MODELS), self.past_purchase())
        self.customers[city.key] = customers

    def past_purchase(self) -> date | None:
        """A purchase 2 months to 7 years ago; now and then unknown (no proof of purchase)."""
        if self.rng.random() < 0.06:
            return None
        return self.today - timedelta(days=self.rng.randint(60, 7 * 365))

    def product(self, customer: Customer, model: Model, bought: date | None) -> Product:
        made = bought or self.today - timedelta(days=self.rng.randint(3 * 365, 8 * 365))
        while True:
            serial = f"{model.serial_prefix}{made:%y%m}{self.rng.randrange(10**6):06d}"
            if serial not in self.serials:
                self.serials.add(serial)
                break
        proof = None
        if bought and self.rng.random() < 0.85:
            proof = self.rng.choice(
                (
                    f"JD{self.rng.randrange(10**12):012d}",
                    f"TM{self.rng.randrange(10**16):016d}",
                    f"FP{self.rng.randrange(10**8):08d}",
                )
            )
        product = Product(
            customer=customer,
            model=model.model,
            name=model.name,
            serial_no=serial,
            purchase_date=bought,
            proof_of_purchase=proof,
            warranty_months=model.warranty_months,
        )
        db.session.add(product)
        self.products.setdefault(id(customer), []).append(product)
        self.category[id(product)] = model.category
        return product

    # -- work orders

    def pick_customer(self, city: str, kind: str | None) -> Customer:
        pool = self.customers[city]
        if kind == "en":
            pool = [c for c in pool if c.locale == "en"]
        elif kind in ("vip", "key"):
            pool = [c for c in pool if c.tier == kind]
        else:
            pool = [c for c in pool if c.locale != "en" and c.tier == "normal"] or pool
        fewest = min(self.used.get(id(c), 0) for c in pool)
        customer = self.rng.choice([c for c in pool if self.used.get(id(c), 0) == fewest])
        self.used[id(customer)] = fewest + 1
        return customer

    def pick_product(self, customer: Customer, job: Job, on: date) -> Product:
        owned = self.products[id(customer)]
        if job.type == "installation":
            return self.product(customer, self.rng.choice(MODELS), on - timedelta(days=self.rng.randint(2, 7)))
        if job.type == "replacement":
            return self.product(customer, self.rng.choice(MODELS), on - timedelta(days=self.rng.randint(10, 200)))
        if job.warranty:
            want = job.warranty == "in"
            fits = [p for p in owned if warranty.in_warranty(p.purchase_date, p.warranty_months, on) == want]
            if fits:
                return self.rng.choice(fits)
            model = self.rng.choice(MODELS)
            months = (
                self.rng.randint(1, model.warranty_months - 1)
                if want
                else model.warranty_months + self.rng.randint(2, 30)
            )
            return self.product(customer, model, warranty.add_months(on, -months))
        return self.rng.choice(owned)

    def appointment(self, job: Job) -> tuple[datetime | None, datetime | None]:
        if job.when is None:
            return None, None
        if isinstance(job.when, FromNow):
            base = self.now.replace(second=0, microsecond=0)
            start = base - timedelta(minutes=base.minute % 5) + timedelta(minutes=job.when.minutes)
        else:
            day = self.today + timedelta(days=job.when.offset)
            start = datetime.combine(day, time.fromisoformat(job.when.at), CST)
        start = start.astimezone(UTC)
        return start, start + timedelta(minutes=DURATION[job.type])

    def created_at(self, job: Job, start: datetime | None) -> datetime:
        if job.created_ago is not None:
            taken_in = self.now - timedelta(minutes=job.created_ago)
            # Fresh requests keep their time (website and WeChat run all night); older ones not.
            return self.office_hours(taken_in) if job.created_ago > 12 * 60 else taken_in
        latest = self.now - timedelta(minutes=self.rng.randint(20, 180))
        if start is None:
            return self.office_hours(self.now - timedelta(minutes=self.rng.randint(120, 20 * 60)))
        low, high = LEAD_HOURS[job.priority]
        return self.office_hours(min(start - timedelta(minutes=self.rng.randint(low * 60, high * 60)), latest))

    def office_hours(self, taken_in: datetime) -> datetime:
        """Move a night-time intake back into that day's (or the day before's) office hours: never later."""
        local = taken_in.astimezone(CST)
        if 8 <= local.hour < 21:
            return taken_in
        day = local.date() - timedelta(days=1 if local.hour < 8 else 0)
        moved = datetime.combine(day, time(9, 0), CST) + timedelta(minutes=self.rng.randint(0, 11 * 60 + 30))
        return moved.astimezone(UTC)

    def describe(self, job: Job, customer: Customer, product: Product) -> tuple[str, Fault | None]:
        english = customer.locale == "en"
        category = self.category[id(product)]
        if job.type == "installation":
            return INSTALLATION[category][english], None
        if job.type == "replacement":
            return self.rng.choice(REPLACEMENT)[english], None
        if job.type == "consultation":
            return CONSULTATION[category][english], None
        faults = FAULTS[category]
        if job.status == "awaiting_parts":
            faults = tuple(f for f in faults if f.part)
        fault = self.rng.choice(faults)
        return (fault.en if english else fault.zh), fault

    def channels(self) -> list[str]:
        """One channel per job: every channel at least once, the rest by how common it is."""
        names = list(CHANNEL_WEIGHTS)
        rest = self.rng.choices(names, weights=list(CHANNEL_WEIGHTS.values()), k=len(PLAN) - len(names))
        channels = names + rest
        self.rng.shuffle(channels)
        return channels

    def work_orders(self) -> list[tuple[WorkOrder, dict]]:
        channels = self.channels()
        plans: dict[int, dict] = {}
        labelled: dict[str, dict] = {}
        # Jobs that repeat another come last, once the one they repeat is laid out.
        order = sorted(range(len(PLAN)), key=lambda i: PLAN[i].repeat_of is not None)
        for i in order:
            job = PLAN[i]
            start, end = self.appointment(job)
            on = service_date(start) if start else self.today
            if job.repeat_of:
                first = labelled[job.repeat_of]
                customer, product, fault = first["customer"], first["product"], first["fault"]
                english = customer.locale == "en"
                description = REPEAT_PREFIX[english] + (fault.en if english else fault.zh)
            else:
                city = job.city or next(s[3] for s in STAFF if s[0].startswith(f"{job.tech}@"))
                customer = self.pick_customer(city, job.customer)
                product = self.pick_product(customer, job, on)
                description, fault = self.describe(job, customer, product)
            plan = {
                "job": job,
                "customer": customer,
                "product": product,
                "fault": fault,
                "description": description,
                "start": start,
                "end": end,
                "created": self.created_at(job, start),
                "channel": channels[i],
            }
            plans[i] = plan
            if job.label:
                labelled[job.label] = plan
        db.session.flush()  # products made for installations and replacements need ids
        orders = []
        # Taken in oldest first, so ticket numbers rise with time within each day.
        for plan in sorted(plans.values(), key=lambda p: p["created"]):
            orders.append((self.work_order(plan), plan))
        return orders

    def requirements(self, customer: Customer) -> str | None:
        if self.rng.random() < 0.45:
            return None
        return self.rng.choice(REQUIREMENTS_EN if customer.locale == "en" else REQUIREMENTS_ZH)

    def work_order(self, plan: dict) -> WorkOrder:
        job: Job = plan["job"]
        tech = self.users[job.tech] if job.tech else None
        wo = create_work_order(
            {
                "customer_id": plan["customer"].id,
                "product_id": plan["product"].id,
                "channel": plan["channel"],
                "type": job.type,
                "priority": job.priority,
                "fault_description": plan["description"],
                "customer_requirements": self.requirements(plan["customer"]),
                "technician_id": tech.id if tech else None,
                "appointment_start": plan["start"],
                "appointment_end": plan["end"],
            },
            self.users["dispatcher"],
            now=plan["created"],
        )
        # Seed data: put each order straight into its planned state.
        wo.status = job.status
        created = plan["created"]
        if job.status != "new":
            if job.late_response:
                delay = timedelta(hours=5, minutes=self.rng.randint(0, 50))
            else:
                delay = timedelta(minutes=self.rng.randint(5, 45))
            wo.first_response_at = min(created + delay, self.now)
        if job.status in ("completed", "closed"):
            if plan["start"]:
                done = plan["start"] + timedelta(minutes=self.rng.randint(45, 110))
            else:
                done = created + timedelta(minutes=self.rng.randint(10, 30))
            wo.completed_at = min(done, self.now)
            if job.type != "consultation" or job.tech:
                wo.outcome = job.outcome or "fixed"
            wo.technician_notes = self.notes(plan)
        elif job.status == "awaiting_parts":
            wo.outcome = "awaiting_parts"
            part = self.parts[plan["fault"].part]
            wo.technician_notes = f"已确诊，需订购{part.name}（{part.part_number}），到货后预约二次上门"
        elif job.status == "returned_to_factory":
            wo.outcome = "return_to_factory"
            wo.technician_notes = "现场无法修复，整机返厂检测；返厂单一式两份，客户已签字并留存一份"
        elif job.status == "cancelled":
            wo.technician_notes = "客户来电取消：问题已自行解决" if not job.tech else "客户来电取消：已退货"
        if tech:
            fault = plan["fault"]
            if fault and fault.part:
                bucket = self.van_short if job.status == "awaiting_parts" else self.van_needs
                bucket.setdefault(job.tech, set()).add(fault.part)
        return wo

    def notes(self, plan: dict) -> str:
        job, fault = plan["job"], plan["fault"]
        if job.outcome == "refused":
            return "已出示收费标准，客户不同意自费维修，未施工"
        if fault:
            return fault.method
        return {
            "installation": "安装位置经客户确认，安装完成并试机正常，已讲解使用方法",
            "replacement": "已按三包规定为客户换新机，旧机带回，试机正常",
            "consultation": "已电话答复客户，客户表示满意" if not job.tech else "上门讲解保养方法，客户满意",
        }[job.type]

    # -- what the technician recorded on finished and current visits

    def visit_records(self, wo: WorkOrder, plan: dict) -> None:
        job: Job = plan["job"]
        start, tech = plan["start"], self.users.get(job.tech or "")
        if tech is None or start is None or job.status not in VISITED | {"en_route"}:
            return
        departed = min(start - timedelta(minutes=self.rng.randint(25, 45)), self.now - timedelta(minutes=5))
        self.record(VisitEvent(kind="departed"), wo, tech, departed)
        if job.status == "en_route":
            return
        arrived = start - timedelta(minutes=self.rng.randint(2, 10))
        self.record(VisitEvent(kind="arrived"), wo, tech, arrived)
        if job.status == "on_site":
            return
        fault = plan["fault"]
        diagnosed = arrived + timedelta(minutes=self.rng.randint(15, 30))
        if fault:
            self.record(
                Diagnosis(
                    fault_cause=fault.cause,
                    repair_method=None if job.outcome == "refused" else fault.method,
                    customer_visible=True,
                ),
                wo,
                tech,
                diagnosed,
            )
        if job.status == "returned_to_factory":
            self.record(VisitEvent(kind="returned_to_factory", note=wo.technician_notes), wo, tech, diagnosed)
        if job.status in ("completed", "closed") and fault and fault.part and job.outcome is None:
            # The quote and the customer's consent before the repair (seed 003 §三(五)2, §三(七)1).
            serials = self.serials_for(self.parts[fault.part])
            self.fee_quote(wo, plan, tech, diagnosed + timedelta(minutes=5), serials[1])
            self.part_fitted(wo, plan, tech, diagnosed + timedelta(minutes=20), serials)

    def serials_for(self, part: Part) -> tuple[str | None, str | None]:
        if not part.serialised:
            return (None, None)
        return tuple(f"{part.part_number.split('-')[1]}{self.rng.randrange(10**8):08d}" for _ in range(2))

    def fee_quote(self, wo: WorkOrder, plan: dict, tech: User, at: datetime, serial_removed: str | None) -> None:
        """A quote priced as the phone prices it (domain/fees.py), consented, and paid after the repair."""
        part = self.parts[plan["fault"].part]
        covered = coverage_of(db.session, wo, at).covered
        trade_in = Decimal(part.trade_in_credit or 0) > 0
        parts = [
            {"part_number": part.part_number, "quantity": 1, "trade_in": trade_in, "serial_removed": serial_removed}
        ]
        adjustments = []
        if not covered and plan["customer"].tier == "vip":
            adjustments.append({"kind": "waiver", "line": "call_out", "amount": None, "reason": "VIP 客户免上门费"})
        work_minutes = self.rng.choice((20, 30, 45, 60))
        schedule = fee_schedule.schedule(db.session, [part.part_number])
        quote = fees.compute_quote(
            schedule,
            fees.QuoteIn(
                covered=covered,
                work_minutes=work_minutes,
                parts=(fees.PartIn(part.part_number, 1, trade_in),),
                adjustments=tuple(fees.Adjustment(a["kind"], a["reason"], a["line"]) for a in adjustments),
            ),
        )
        words = {"call_out": "上门费", "labour": f"工时费（{work_minutes} 分钟）", "waiver": "减免上门费"}
        lines = [
            {
                **line,
                "description": words.get(line["kind"])
                or (f"以旧换新抵扣 {part.name}" if line["kind"] == "trade_in" else part.name),
            }
            for line in quote.lines
        ]
        self.record(
            FeeQuote(
                schedule_revision=schedule.revision,
                work_minutes=work_minutes,
                travel_minutes=self.rng.randint(15, 50),
                parts=parts,
                adjustments=adjustments,
                lines=lines,
                total=Decimal(quote.total),
                consented=True,
                consented_at=at,
            ),
            wo,
            tech,
            at,
        )
        receipt = self.rng.choice(("none", "receipt", "receipt", "invoice"))
        self.record(
            Payment(
                method=self.rng.choice(PAYMENT_METHODS),
                amount=Decimal(quote.total),
                receipt=receipt,
                invoice_title=f"{plan['customer'].name}" if receipt == "invoice" else None,
                receipt_no=f"R-{wo.ticket_no}" if receipt != "none" else None,
            ),
            wo,
            tech,
            at + timedelta(minutes=60),
        )

    def part_fitted(self, wo: WorkOrder, plan: dict, tech: User, at: datetime, serials) -> None:
        part = self.parts[plan["fault"].part]
        covered = coverage_of(db.session, wo, at).covered
        self.record(
            PartFitted(
                part_number=part.part_number,
                serial_fitted=serials[0],
                serial_removed=serials[1],
                quantity=1,
                unit_price=Decimal("0.00") if covered else part.price,  # the catalogue price, free under warranty
                under_warranty=covered,
            ),
            wo,
            tech,
            at,
        )

    def record(self, rec, wo: WorkOrder, tech: User, at: datetime) -> None:
        rec.work_order_id, rec.created_by_id, rec.device_at = wo.id, tech.id, at
        rec.corrected_at = at  # the demo's phones keep good time
        db.session.add(rec)

    # -- van stock

    def van_stock(self) -> None:
        """tech1's van holds every part; the others the fast movers and some of the rest."""
        for key, tech in self.users.items():
            if tech.role != Role.TECHNICIAN.value:
                continue
            have = {
                v.part_id: v for v in db.session.scalars(sa.select(VanStock).where(VanStock.technician_id == tech.id))
            }
            needs, short = self.van_needs.get(key, set()), self.van_short.get(key, set())
            for number, part in self.parts.items():
                if part.id in have:
                    continue
                abc = part.abc_class
                if number in short:
                    quantity = 0  # why the job is waiting for parts
                elif number in needs:
                    quantity = self.rng.randint(1, 4)
                elif key == "tech1" or abc == "A" or self.rng.random() < (0.7 if abc == "B" else 0.3):
                    quantity = self.rng.randint({"A": 1, "B": 0, "C": 0}[abc], {"A": 8, "B": 4, "C": 2}[abc])
                else:
                    continue
                db.session.add(
                    VanStock(technician_id=tech.id, part_id=part.id, quantity=quantity, safety_stock=SAFETY_STOCK[abc])
                )
