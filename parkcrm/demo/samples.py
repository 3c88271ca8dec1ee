"""Deterministic synthetic sample workbooks: one park, two months (2026-10, 2026-11).

``generate(out_dir, seed)`` writes, for each month M in ``MONTHS``, into ``out_dir/M/``
(label L = "2026年10月" / "2026年11月"):

* ``园区客户资料库-L.xlsx``: one customer sheet per zone (title in merged row 1, row 2
  blank, header row 3, data from row 4) and a ``关键人`` sheet (header row 1);
* ``走访记录-L.xlsx``: sheet ``走访记录`` (title row 1, header row 2);
* ``ICT商机库-L.xlsx``: sheets ``ICT商机`` and ``竞争信息`` (header row 1);
* ``关怀记录-L.xlsx``: sheet ``关怀记录`` (header row 1);
* ``工单-L.xlsx``: sheets ``工单`` and ``投诉故障`` (header row 1).

All names and phone numbers are fictional (mobiles look like 13800001234); ID numbers are
synthetic with valid check characters unless planted otherwise. Only ``random.Random``
instances derived from the seed are used; the files are byte-identical across runs.

Planted messy cells (fixed customer ids, the same for every seed; see ``PLANTED``):

* YQ0007 is named "=华创科技（测试）" (a string cell, not a formula);
* 年度通信费用 as text: YQ0015 "１２.５", YQ0023 "12万" (万元 sheets); YQ0031 "1,234.50",
  YQ0038 "¥3,000" (元 sheet 江南生活配套片区, header "年度消费额(元)");
* YQ0044 (西部产业片区): 年度通信费用 is a formula whose cached value is #DIV/0!;
  YQ0052: 年度通信费用 empty (the monthly fees are there);
* spend exactly on a boundary: YQ0060 60, YQ0068 12, YQ0023 12, YQ0075 4, YQ0090 4 (元
  sheet: 40000), YQ0083 1 (万元);
* YQ0099: unified social credit code with a wrong check character; YQ0104, YQ0112:
  resident IDs stored as NUMBER cells that lost precision (last 3 digits 000);
* phones: YQ0120 full-width digits, YQ0127 with spaces, YQ0133 landline with extension;
* YQ0140, YQ0147, YQ0155: the 12 monthly fees do not add up to the annual spend;
* A tiers in 核定等级: YQ0161 3A, YQ0168 2A, YQ0174 2A;
* 关键人: YQ0180 has 7 contacts that all want an upgrade (in November three of them are marked
  已按关键人升级, upgraded earlier: they use three of the five places); YQ0186 has a contact with the
  unknown role "财务"; a contact of the unknown customer YQ9999;
* dates as text in 进园日期 / 更新日期, stale 更新日期, 离网 / removed / new customers,
  tier moves in November, churn candidates (complaints, faults, falling spend);
* 走访记录: a visit of unknown customer YQ8888 in each month; visits on 2026-09-28..30
  (ISO week 40 also holds 2026-10-01..04) in the October file; dates partly as text;
* 关怀记录: a few care records outside the time windows and one call on a public holiday;
* ICT商机: SJ0013 open and overdue, SJ0027 a negative amount;
* 工单: a few orders over the time limit and one open order in November; new installs carry the
  customer's name, address, phone and ID; line-building needs (管线需求, confirmed and answered) with
  one answered after its 2-workday deadline (``green_channel_overdue``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import xlsxwriter
from stdnum.cn import ric, uscc
from xlsxwriter.utility import xl_col_to_name

try:  # the official holiday calendar, when installed
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover - fallback below
    _cc = None

# ---------------------------------------------------------------------------
# Park, people and tiers

PARK = "XX产业转移工业园"
MONTHS = ("2026-10", "2026-11")
ZONES = ("东部产业片区", "西部产业片区", "江北生活配套片区", "江南生活配套片区", "产业研发片区")
ZONE_SIZES = {"东部产业片区": 110, "西部产业片区": 100, "江北生活配套片区": 60,
              "江南生活配套片区": 60, "产业研发片区": 70}
MANAGERS = ("王晓明", "李文静", "陈志强", "刘海燕", "黄建国", "周丽娜", "吴俊杰", "赵雅琴")
ZONE_MANAGERS = {
    "东部产业片区": ("王晓明", "李文静"),
    "西部产业片区": ("陈志强", "刘海燕"),
    "江北生活配套片区": ("黄建国",),
    "江南生活配套片区": ("周丽娜",),
    "产业研发片区": ("吴俊杰", "赵雅琴"),
}
# probability that a manager meets a visit requirement in a period (week or month)
MANAGER_COMPLIANCE = {"王晓明": 0.96, "李文静": 0.90, "陈志强": 0.86, "刘海燕": 0.76,
                      "黄建国": 0.90, "周丽娜": 0.82, "吴俊杰": 0.72, "赵雅琴": 0.93}

TIERS = ("5B", "4B", "3B", "2B", "1B")
TIER_TARGET_2026_10 = {"5B": 10, "4B": 40, "3B": 90, "2B": 120, "1B": 140}
_FEN_PER_WAN = 1_000_000
# tier bounds in 元: [lo, hi)
_TIER_YUAN = {"5B": (600_000, 3_000_000), "4B": (120_000, 600_000), "3B": (40_000, 120_000),
              "2B": (10_000, 40_000), "1B": (500, 10_000)}


def tier_of_fen(fen: int) -> str:
    """Tier of an annual spend given in fen (1 万元 = 1,000,000 fen)."""
    if fen >= 60 * _FEN_PER_WAN:
        return "5B"
    if fen >= 12 * _FEN_PER_WAN:
        return "4B"
    if fen >= 4 * _FEN_PER_WAN:
        return "3B"
    if fen >= 1 * _FEN_PER_WAN:
        return "2B"
    return "1B"


def _high(tier: str) -> bool:
    return tier in ("5B", "4B", "3B")


# ---------------------------------------------------------------------------
# Planted messy cells: fixed ids, independent of the seed

_OCT_NEW = [f"YQ{n:04d}" for n in range(395, 401)]
_NOV_NEW = [f"YQ{n:04d}" for n in range(401, 409)]

PLANTED: dict[str, Any] = {
    "formula_like_name": {"客户编号": "YQ0007", "客户名称": "=华创科技（测试）"},
    "text_spend": {"YQ0015": "１２.５", "YQ0023": "12万", "YQ0031": "1,234.50", "YQ0038": "¥3,000"},
    # the true annual spend, in 万元, behind the text cells
    "text_spend_wan": {"YQ0015": 12.5, "YQ0023": 12.0, "YQ0031": 0.12345, "YQ0038": 0.3},
    "formula_error_spend": {"客户编号": "YQ0044", "sheet": "西部产业片区", "value": "#DIV/0!"},
    "empty_spend": "YQ0052",
    "yuan_sheet": {"sheet": "江南生活配套片区", "header": "年度消费额(元)"},
    "boundary_spend_wan": {"YQ0060": 60, "YQ0068": 12, "YQ0023": 12, "YQ0075": 4,
                           "YQ0090": 4, "YQ0083": 1},
    "invalid_id": "YQ0099",
    "precision_lost_id": ["YQ0104", "YQ0112"],
    "phone_fullwidth": "YQ0120",
    "phone_spaces": "YQ0127",
    "phone_extension": "YQ0133",
    "month_sum_mismatch": ["YQ0140", "YQ0147", "YQ0155"],
    "a_tier": {"YQ0161": "3A", "YQ0168": "2A", "YQ0174": "2A"},
    "seven_contacts": "YQ0180",
    # November's 关键人 sheet marks YQ0180's first three contacts 已按关键人升级 (upgraded in an
    # earlier month, cards now held): they use three of its five places (card register, issue 11)
    "earlier_upgrades": {"customer": "YQ0180", "month": "2026-11", "cards": ["金卡", "银卡", "银卡"]},
    "unknown_role_contact": {"客户编号": "YQ0186", "角色": "财务"},
    "orphan_contact": "YQ9999",
    "text_join_date": {"YQ0193": "2018年5月20日", "YQ0201": "2020/7/1", "YQ0397": "2026/10/8",
                       "YQ0399": "2026年10月16日", "YQ0404": "2026-11-12"},
    "stale_update": {"YQ0210": "2026-03-15", "YQ0217": "2025-12-20", "YQ0225": "2026-06-30"},
    # 更新日期 written as text "2026/10/12" (October) and "2026/11/12" (November)
    "text_update_date": "YQ0231",
    "offnet": {"2026-10": ["YQ0240", "YQ0246", "YQ0252"],
               "2026-11": ["YQ0240", "YQ0246", "YQ0252", "YQ0283", "YQ0289"]},
    "removed_2026_11": ["YQ0270", "YQ0277"],
    "new_customers": {"2026-10": list(_OCT_NEW), "2026-11": list(_NOV_NEW)},
    "tier_moves_2026_11": {"YQ0300": ("2B", "3B"), "YQ0305": ("3B", "4B"), "YQ0310": ("4B", "5B"),
                           "YQ0315": ("4B", "3B"), "YQ0320": ("3B", "2B"), "YQ0325": ("1B", "2B"),
                           "YQ0330": ("2B", "1B"), "YQ0335": ("5B", "4B")},
    # monthly fees fall by more than 20% in Aug, Sep, Oct (and Nov) in a row
    "churn_spend_drop": "YQ0260",
    # the only customers with 2+ complaints / 3+ faults in 投诉故障 across both months
    "churn_complaints": {"YQ0340": 2, "YQ0345": 2},
    "churn_faults": {"YQ0350": 3, "YQ0355": 3},
    "visit_unknown_customer": "YQ8888",
    "visit_prev_month_days": {"2026-10": ["2026-09-28", "2026-09-29", "2026-09-30"]},
    "care_outside_window": {
        "2026-10": [("YQ0362", "短信", "2026-10-13 20:40:00"), ("YQ0366", "短信", "2026-10-20 08:15:00"),
                    ("YQ0370", "外呼", "2026-10-22 12:40:00")],
        "2026-11": [("YQ0378", "外呼", "2026-11-18 17:35:00"), ("YQ0382", "短信", "2026-11-25 21:05:00")],
    },
    "care_call_on_holiday": ("YQ0374", "外呼", "2026-10-03 10:30:00"),
    "overdue_opportunity": "SJ0013",
    "negative_amount_opportunity": "SJ0027",
    "overdue_work_orders": {"2026-10": ["GD202610006", "GD202610019", "GD202610034", "GD202610048"],
                            "2026-11": ["GD202611010", "GD202611027", "GD202611045"]},
    "open_work_order": "GD202611060",
    # line-building needs (管线需求, the green channel): GD202611P02 answered after its 2-workday deadline;
    # GD202610P01 answered on the make-up Saturday 2026-10-10, in time
    "green_channel_overdue": {"2026-10": [], "2026-11": ["GD202611P02"]},
    # sheet layout variants
    "zone_column_sheets": ["东部产业片区", "江北生活配套片区", "产业研发片区"],
    "total_row_sheets": ["东部产业片区", "江北生活配套片区", "江南生活配套片区"],
    "blank_rows": {"sheet": "西部产业片区", "after_data_rows": 30, "count": 2},
    "month_header_style": {"东部产业片区": "1月", "西部产业片区": "01月", "江北生活配套片区": "一月",
                           "江南生活配套片区": "1月", "产业研发片区": "01月"},
    "header_aliases": {"产业研发片区": {"核定\n等级": "核定等级", "所属行业": "行业"}},
}

# cid -> (zone or None, tier in 2026-10 or None); None means drawn at random
_PLANTED_CUSTOMERS: dict[str, tuple[str | None, str | None]] = {
    "YQ0007": ("东部产业片区", "2B"), "YQ0015": ("东部产业片区", "4B"),
    "YQ0023": ("西部产业片区", "4B"), "YQ0031": ("江南生活配套片区", "1B"),
    "YQ0038": ("江南生活配套片区", "1B"), "YQ0044": ("西部产业片区", "3B"),
    "YQ0052": ("产业研发片区", "2B"), "YQ0060": ("东部产业片区", "5B"),
    "YQ0068": ("西部产业片区", "4B"), "YQ0075": ("产业研发片区", "3B"),
    "YQ0083": ("江北生活配套片区", "2B"), "YQ0090": ("江南生活配套片区", "3B"),
    "YQ0099": ("东部产业片区", "3B"), "YQ0104": ("江北生活配套片区", "1B"),
    "YQ0112": ("江南生活配套片区", "1B"), "YQ0120": (None, None), "YQ0127": (None, None),
    "YQ0133": (None, None), "YQ0140": (None, "3B"), "YQ0147": (None, "2B"), "YQ0155": (None, "4B"),
    "YQ0161": ("东部产业片区", "5B"), "YQ0168": ("产业研发片区", "4B"),
    "YQ0174": ("西部产业片区", "3B"), "YQ0180": ("西部产业片区", "4B"),
    "YQ0186": ("东部产业片区", "3B"), "YQ0193": (None, None), "YQ0201": (None, None),
    "YQ0210": (None, None), "YQ0217": (None, None), "YQ0225": (None, None), "YQ0231": (None, None),
    "YQ0240": (None, "2B"), "YQ0246": (None, "1B"), "YQ0252": (None, "1B"),
    "YQ0260": ("东部产业片区", "3B"), "YQ0270": (None, "1B"), "YQ0277": (None, "2B"),
    "YQ0283": (None, "2B"), "YQ0289": (None, "3B"),
    "YQ0300": (None, "2B"), "YQ0305": (None, "3B"), "YQ0310": (None, "4B"), "YQ0315": (None, "4B"),
    "YQ0320": (None, "3B"), "YQ0325": (None, "1B"), "YQ0330": (None, "2B"), "YQ0335": (None, "5B"),
    "YQ0340": (None, "2B"), "YQ0345": (None, "3B"), "YQ0350": (None, "4B"), "YQ0355": (None, "1B"),
    "YQ0362": (None, "1B"), "YQ0366": (None, "2B"), "YQ0370": (None, "1B"), "YQ0374": (None, "2B"),
    "YQ0378": (None, "1B"), "YQ0382": (None, "2B"),
    "YQ0395": (None, "1B"), "YQ0396": (None, "1B"), "YQ0397": (None, "2B"), "YQ0398": (None, "2B"),
    "YQ0399": (None, "1B"), "YQ0400": (None, "3B"),
}
_NOV_NEW_TIERS = ["1B", "1B", "2B", "1B", "2B", "3B", "2B", "1B"]
_FIXED_SPEND_WAN = {"YQ0015": Decimal("12.5"), "YQ0023": Decimal("12"), "YQ0031": Decimal("0.12345"),
                    "YQ0038": Decimal("0.3"), "YQ0060": Decimal("60"), "YQ0068": Decimal("12"),
                    "YQ0075": Decimal("4"), "YQ0083": Decimal("1"), "YQ0090": Decimal("4")}
_RIC_PLANTED = ["YQ0104", "YQ0112"]
_FIXED_JOIN = {"YQ0193": dt.date(2018, 5, 20), "YQ0201": dt.date(2020, 7, 1),
               "YQ0397": dt.date(2026, 10, 8), "YQ0399": dt.date(2026, 10, 16),
               "YQ0404": dt.date(2026, 11, 12)}
# customers that must have joined before the January review (all 12 months billed)
_OLD_CUSTOMERS = ["YQ0140", "YQ0147", "YQ0155", "YQ0161", "YQ0168", "YQ0174", "YQ0260",
                  "YQ0300", "YQ0305", "YQ0310", "YQ0315", "YQ0320", "YQ0325", "YQ0330", "YQ0335"]

_ZONE_LAYOUT = {
    "东部产业片区": {"zone_col": True, "months": "arabic", "unit": "wan", "total": True},
    "西部产业片区": {"zone_col": False, "months": "padded", "unit": "wan", "total": False},
    "江北生活配套片区": {"zone_col": True, "months": "chinese", "unit": "wan", "total": True},
    "江南生活配套片区": {"zone_col": False, "months": "arabic", "unit": "yuan", "total": True},
    "产业研发片区": {"zone_col": True, "months": "padded", "unit": "wan", "total": False},
}
_CN_MONTHS = ("一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
              "十一月", "十二月")

# ---------------------------------------------------------------------------
# Holidays (chinese_calendar when installed, otherwise the published 2026 arrangement)

def _span(y: int, m: int, d0: int, d1: int) -> list[dt.date]:
    return [dt.date(y, m, d) for d in range(d0, d1 + 1)]


# the State Council's 2026 arrangement (public-holiday days incl. the weekends inside them)
_HOLIDAYS_2026 = (_span(2026, 1, 1, 3) + _span(2026, 2, 15, 23) + _span(2026, 4, 4, 6) + _span(2026, 5, 1, 5)
                  + _span(2026, 6, 19, 21) + _span(2026, 9, 25, 27) + _span(2026, 10, 1, 7))
_MAKEUP_WORKDAYS_2026 = [dt.date(2026, 1, 4), dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 5, 9),
                         dt.date(2026, 9, 20), dt.date(2026, 10, 10)]


def is_workday(day: dt.date) -> bool:
    """Official working day (weekends off, public holidays off, make-up workdays on)."""
    if _cc is not None:
        try:
            return bool(_cc.is_workday(day))
        except NotImplementedError:  # pragma: no cover - year not covered
            pass
    if day in _MAKEUP_WORKDAYS_2026:
        return True
    if day in _HOLIDAYS_2026:
        return False
    return day.weekday() < 5


def is_public_holiday(day: dt.date) -> bool:
    """A day off that belongs to a public holiday (not an ordinary weekend)."""
    if _cc is not None:
        try:
            on_holiday, name = _cc.get_holiday_detail(day)
            return bool(on_holiday) and name is not None
        except NotImplementedError:  # pragma: no cover
            pass
    return day in _HOLIDAYS_2026


# ---------------------------------------------------------------------------
# Months


@dataclass(frozen=True)
class _Month:
    key: str
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @property
    def workdays(self) -> list[dt.date]:
        return [d for d in self.days if is_workday(d)]


_M = {k: _Month(k, int(k[:4]), int(k[5:])) for k in MONTHS}


def _weeks_of(m: _Month) -> list[list[dt.date]]:
    """ISO weeks (Mon..Sun) whose Thursday falls in month m."""
    monday = m.first - dt.timedelta(days=m.first.weekday())
    weeks = []
    while monday <= m.last:
        week = [monday + dt.timedelta(days=i) for i in range(7)]
        if week[3].month == m.month:
            weeks.append(week)
        monday += dt.timedelta(days=7)
    return weeks


# ---------------------------------------------------------------------------
# Name, ID and phone material (all fictional)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁钟叶邓曾谢彭温廖邱古蓝"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉玲婷慧琳晨欣宇浩然志海燕俊雅琴晓春红梅"
_BRANDS = ("华创", "恒达", "永盛", "鸿运", "联发", "金源", "嘉和", "宏图", "瑞丰", "广源", "兴业", "盛世",
           "新丰", "东江", "江北", "万通", "天润", "和泰", "博远", "信达", "安捷", "宝泰", "立信", "昌盛",
           "富康", "汇通", "锦程", "景泰", "凯达", "力拓", "隆兴", "茂源", "明辉", "南华", "鹏程", "启航",
           "润丰", "尚品", "泰和", "腾飞", "同创", "伟业", "祥瑞", "鑫源", "亚华", "益众", "裕丰", "卓越",
           "志诚", "中和", "致远", "长青", "诚信", "德润", "丰源", "国盛", "海纳", "宏基", "佳美", "建华",
           "骏马", "康达", "蓝天", "利民", "绿源", "美达", "宁远", "普华", "青松", "荣昌", "三和", "顺发")
_BUSINESS = {
    "制造业": ("精密模具", "五金制品", "机械设备", "塑胶制品", "电器", "家具制造", "陶瓷", "纺织",
            "包装材料", "汽车配件", "不锈钢制品", "灯饰"),
    "物流": ("物流", "供应链管理", "运输", "仓储服务", "冷链物流"),
    "电子信息": ("电子科技", "信息技术", "光电科技", "智能科技", "软件开发", "通信设备"),
    "新材料": ("新材料", "高分子材料", "复合材料", "新能源材料", "涂料"),
    "食品加工": ("食品", "饮料", "农产品加工", "茶业", "粮油"),
    "商贸": ("商贸", "贸易", "实业", "建材贸易", "酒店管理", "餐饮管理"),
}
_SUFFIXES = ("有限公司",) * 8 + ("股份有限公司", "有限责任公司")
_ZONE_SHORT = {"东部产业片区": "东部", "西部产业片区": "西部", "江北生活配套片区": "江北",
               "江南生活配套片区": "江南", "产业研发片区": "研发"}
_INSTITUTIONS = {
    "政府机关": ("管理委员会办公室", "税务所", "派出所", "市场监督管理所", "供电服务站", "社区居民委员会",
             "消防救援站", "劳动保障服务站", "生态环境监测站", "交通管理站"),
    "教育": ("实验小学", "中心幼儿园", "职业技术学校", "第一中学", "技能培训中心", "第二小学", "双语幼儿园",
           "成人教育中心"),
    "医疗": ("社区卫生服务中心", "卫生站", "门诊部", "口腔诊所", "中医馆", "康复中心", "体检中心", "医院"),
}
_SHOP_OWNERS = ("鸿发", "金福", "万家", "顺心", "好运", "家和", "老陈", "阿强", "小林", "兴旺", "惠民",
                "福满", "新时代", "开心", "旺角")
_SHOPS = ("便利店", "五金店", "快餐店", "打印店", "汽修店", "水果店", "理发店", "烟酒商行", "粮油店",
          "小吃店", "建材店", "药店")
_ZONE_INDUSTRY = {
    "东部产业片区": (("制造业", 40), ("物流", 15), ("新材料", 15), ("食品加工", 15), ("商贸", 10), ("电子信息", 5)),
    "西部产业片区": (("制造业", 45), ("物流", 20), ("新材料", 10), ("食品加工", 15), ("商贸", 10)),
    "江北生活配套片区": (("商贸", 45), ("政府机关", 10), ("教育", 8), ("医疗", 8), ("食品加工", 12), ("物流", 17)),
    "江南生活配套片区": (("商贸", 45), ("政府机关", 10), ("教育", 8), ("医疗", 8), ("食品加工", 12), ("物流", 17)),
    "产业研发片区": (("电子信息", 50), ("新材料", 30), ("制造业", 10), ("商贸", 10)),
}
_ZONE_AREAS = {"东部产业片区": (1, 4), "西部产业片区": (5, 8), "江北生活配套片区": (9, 10),
               "江南生活配套片区": (11, 12), "产业研发片区": (13, 15)}
_FREE_ADDRESSES = ("{zone}兴园大道{n}号", "园区创业路{n}号{b}栋", "产业转移园{a}区（原{brand}厂房）",
                   "{zone}商业街{n}号铺面", "园区综合服务中心{n}楼")
_MOBILE_PREFIXES = ("138", "139", "137", "135", "150", "186", "189", "133", "153", "177", "180", "181",
                    "199", "158", "188")
_USCC_REGIONS = ("441600", "441602", "441621", "441622", "441625")
_RIC_REGIONS = ("441602", "441621", "441622", "441623", "441624")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _weighted(rng: random.Random, pairs) -> Any:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def _person(rng: random.Random) -> str:
    n = 2 if rng.random() < 0.7 else 1
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(n))


def _uscc(rng: random.Random, head: str) -> str:
    """A unified social credit code: head (e.g. 91), region, organisation code, check."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    s = sum(int(ch) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    c = 11 - s % 11
    org = body + ("X" if c == 10 else "0" if c == 11 else str(c))
    base = head + rng.choice(_USCC_REGIONS) + org
    return base + uscc.calc_check_digit(base)


def _ric(rng: random.Random, digit_check: bool = False) -> str:
    """A resident ID with a real birth date (1988..2002) and a valid check digit."""
    while True:
        birth = dt.date(1988, 1, 1) + dt.timedelta(days=rng.randrange(15 * 365))
        base = rng.choice(_RIC_REGIONS) + birth.strftime("%Y%m%d") + f"{rng.randint(1, 999):03d}"
        number = base + ric.calc_check_digit(base + "0")
        if not digit_check or number[-1].isdigit():
            return number


# ---------------------------------------------------------------------------
# The data set


@dataclass
class _Customer:
    cid: str
    zone: str
    industry: str
    name: str = ""
    kind: str = "company"  # company | shop | institution
    id_no: str = ""
    address: str = ""
    phone: str = ""
    manager: str = ""
    join: dt.date = dt.date(2020, 1, 1)
    official: str = ""
    months: dict[str, list[int | None]] = field(default_factory=dict)  # per month key: 12 fees in fen
    status: dict[str, str] = field(default_factory=dict)
    update: dict[str, dt.date] = field(default_factory=dict)

    annual: dict[str, int] = field(default_factory=dict)  # true annual spend in fen

    def tier(self, mk: str) -> str:
        return tier_of_fen(self.annual[mk])


class _Dataset:
    def __init__(self, seed: int):
        self.seed = seed
        self.customers: dict[str, _Customer] = {}
        self.members: dict[str, list[str]] = {mk: [] for mk in MONTHS}  # cids present per month

    def rng(self, *tags: Any) -> random.Random:
        return random.Random("|".join([str(self.seed)] + [str(t) for t in tags]))

    def present(self, mk: str) -> list[_Customer]:
        return [self.customers[c] for c in self.members[mk]]


def _split(rng: random.Random, total: int, active: list[int]) -> list[int | None]:
    """Split total fen over the active month indexes; exact sum; None for inactive months."""
    weights = [rng.uniform(0.8, 1.2) for _ in active]
    s = sum(weights)
    fees: list[int | None] = [None] * 12
    acc = 0
    for i, w in zip(active[:-1], weights[:-1]):
        v = int(total * w / s)
        fees[i] = v
        acc += v
    fees[active[-1]] = total - acc
    return fees


def _rand_yuan(rng: random.Random, tier: str) -> int:
    lo, hi = _TIER_YUAN[tier]
    u = rng.random()
    y = lo + int((hi - lo) * u * u)
    return min(max(y, lo + 1), hi - 1)


def _build(seed: int) -> _Dataset:
    ds = _Dataset(seed)
    rng = ds.rng("customers")
    oct_ids = [f"YQ{n:04d}" for n in range(1, 401)]

    tier_pool = [t for t in TIERS for _ in range(TIER_TARGET_2026_10[t])]
    zone_pool = [z for z in ZONES for _ in range(ZONE_SIZES[z])]
    for zone, tier in _PLANTED_CUSTOMERS.values():
        if tier:
            tier_pool.remove(tier)
        if zone:
            zone_pool.remove(zone)
    rng.shuffle(tier_pool)
    rng.shuffle(zone_pool)
    tiers: dict[str, str] = {}
    zones: dict[str, str] = {}
    for cid in oct_ids:
        zone, tier = _PLANTED_CUSTOMERS.get(cid, (None, None))
        tiers[cid] = tier or tier_pool.pop()
        zones[cid] = zone or zone_pool.pop()
    for cid, tier in zip(_NOV_NEW, _NOV_NEW_TIERS):
        tiers[cid] = tier
        zones[cid] = rng.choice(ZONES)

    # individual businesses (个体户) identified by resident IDs: ~5%
    low = [c for c in oct_ids if tiers[c] in ("1B", "2B") and c not in _PLANTED_CUSTOMERS]
    shops = list(_RIC_PLANTED) + rng.sample(low, 18)

    used_names: list[str] = []
    used_phones: list[str] = []

    def unique(make) -> str:
        for _ in range(200):
            v = make()
            if v not in used_names and v not in used_phones:
                return v
        n = 2  # pragma: no cover - only for unlucky seeds
        while f"{v}（{n}）" in used_names:  # pragma: no cover
            n += 1
        return f"{v}（{n}）"  # pragma: no cover

    def mobile() -> str:
        v = unique(lambda: rng.choice(_MOBILE_PREFIXES) + "0000" + f"{rng.randint(0, 9999):04d}")
        used_phones.append(v)
        return v

    used_phones.append("0762-3381200")

    for cid in oct_ids + _NOV_NEW:
        zone = zones[cid]
        c = _Customer(cid=cid, zone=zone, industry="")
        if cid in shops:
            c.kind = "shop"
            c.industry = rng.choice(("商贸", "商贸", "食品加工"))
            c.name = unique(lambda: rng.choice(("", "园区")) + rng.choice(_SHOP_OWNERS) + rng.choice(_SHOPS))
            c.id_no = _ric(rng, digit_check=cid in _RIC_PLANTED)
        else:
            c.industry = _weighted(rng, _ZONE_INDUSTRY[zone])
            if cid == PLANTED["formula_like_name"]["客户编号"]:
                c.industry = "电子信息"
            if c.industry in _INSTITUTIONS:
                c.kind = "institution"
                short = _ZONE_SHORT[zone]
                places = ("产业转移园", short + "片区", short + "社区")
                c.name = unique(lambda: rng.choice(places) + rng.choice(_INSTITUTIONS[c.industry]))
                head = "11" if c.industry == "政府机关" else ("12" if rng.random() < 0.7 else "52")
                c.id_no = _uscc(rng, head)
            else:
                c.name = unique(lambda: rng.choice(_BRANDS) + rng.choice(_BUSINESS[c.industry])
                                + rng.choice(_SUFFIXES))
                c.id_no = _uscc(rng, "91")
        if cid == PLANTED["formula_like_name"]["客户编号"]:
            c.name = PLANTED["formula_like_name"]["客户名称"]
        used_names.append(c.name)
        if cid == "YQ0099":  # wrong check character
            good = c.id_no[-1]
            c.id_no = c.id_no[:-1] + ("0" if good != "0" else "1")

        # address
        a_lo, a_hi = _ZONE_AREAS[zone]
        if rng.random() < 0.04:
            c.address = rng.choice(_FREE_ADDRESSES).format(
                zone=zone, n=rng.randint(1, 88), b=rng.randint(1, 9), a=rng.randint(a_lo, a_hi),
                brand=rng.choice(_BRANDS))
        else:
            c.address = (f"产业转移园{rng.randint(a_lo, a_hi)}区{rng.randint(1, 30)}栋"
                         f"{rng.randint(1, 6)}{rng.randint(1, 12):02d}房")

        # phone
        landline = rng.random() < (0.6 if c.kind == "institution" else 0.15)
        if landline:
            c.phone = unique(lambda: f"0762-33{rng.randint(0, 99999):05d}")
            used_phones.append(c.phone)
        else:
            c.phone = mobile()
        if cid == "YQ0120":
            c.phone = mobile().translate(_FULLWIDTH)
        elif cid == "YQ0127":
            p = mobile()
            c.phone = f"{p[:3]} {p[3:7]} {p[7:]}"
        elif cid == "YQ0133":
            c.phone = "0762-3381200转801"

        c.manager = rng.choice(ZONE_MANAGERS[zone])

        # join date
        if cid in _FIXED_JOIN:
            c.join = _FIXED_JOIN[cid]
        elif cid in _OCT_NEW:
            c.join = rng.choice([d for d in _M["2026-10"].workdays if d.day > 8])
        elif cid in _NOV_NEW:
            c.join = rng.choice(_M["2026-11"].workdays)
        elif rng.random() < 0.12 and cid not in _OLD_CUSTOMERS and cid not in _PLANTED_CUSTOMERS:
            c.join = dt.date(2026, 2, 1) + dt.timedelta(days=rng.randrange(230))  # Feb..Sep 2026
        else:
            c.join = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(14 * 365 - 10))
        ds.customers[cid] = c

    # spend and monthly fees, October
    mk = "2026-10"
    for cid in oct_ids:
        c = ds.customers[cid]
        start = c.join.month - 1 if c.join.year == 2026 else 0
        active = list(range(start, 12))
        if cid in _FIXED_SPEND_WAN:
            total = int(_FIXED_SPEND_WAN[cid] * _FEN_PER_WAN)
        else:
            total = _rand_yuan(rng, tiers[cid]) * 100
        fees = _split(rng, total, active)
        if cid == PLANTED["churn_spend_drop"]:
            fees = [1_000_000] * 7 + [750_000, 560_000, 420_000, 420_000, 420_000]
            total = sum(fees)
        c.annual[mk] = total
        c.months[mk] = fees
        assert tier_of_fen(total) == tiers[cid], (cid, total, tiers[cid])

    # official tier from the January review
    for cid in oct_ids:
        c = ds.customers[cid]
        if cid in PLANTED["a_tier"]:
            c.official = PLANTED["a_tier"][cid]
        elif c.join >= dt.date(2026, 1, 1):
            c.official = ""
        else:
            t = c.tier(mk)
            i = TIERS.index(t)
            r = rng.random()
            if cid in PLANTED["tier_moves_2026_11"] or r < 0.78:
                c.official = t
            elif r < 0.89 and i > 0:
                c.official = TIERS[i - 1]
            elif i < len(TIERS) - 1:
                c.official = TIERS[i + 1]
            else:
                c.official = TIERS[i - 1]

    # status and update date, October
    m = _M[mk]
    late = [d for d in m.workdays if d.day >= 8]
    for cid in oct_ids:
        c = ds.customers[cid]
        c.status[mk] = ("离网" if cid in PLANTED["offnet"][mk] else
                        "新进园" if cid in _OCT_NEW else "在网")
        c.update[mk] = max(rng.choice(late), c.join)
    ds.members[mk] = list(oct_ids)

    # November: removals, new customers, tier moves, drift
    mk, prev = "2026-11", "2026-10"
    m = _M[mk]
    nov_ids = [c for c in oct_ids if c not in PLANTED["removed_2026_11"]] + list(_NOV_NEW)
    for cid in nov_ids:
        c = ds.customers[cid]
        if cid in _NOV_NEW:
            total = _rand_yuan(rng, tiers[cid]) * 100
            c.annual[mk] = total
            c.months[mk] = _split(rng, total, [10, 11])
        else:
            fees = list(c.months[prev])
            total = c.annual[prev]
            if cid in PLANTED["tier_moves_2026_11"]:
                target = PLANTED["tier_moves_2026_11"][cid][1]
                lo, hi = _TIER_YUAN[target]
                new_total = (lo + int((hi - lo) * rng.uniform(0.05, 0.4))) * 100
                fees = _scale(fees, new_total)
                total = new_total
            elif cid == PLANTED["churn_spend_drop"]:
                fees[10] = fees[11] = 300_000
                total = sum(fees)
            elif cid not in _PLANTED_CUSTOMERS and rng.random() < 0.4:
                old = fees[10]
                delta = int(old * rng.uniform(-0.15, 0.15))
                delta -= delta % 100
                if tier_of_fen(total + delta) == tier_of_fen(total) and old + delta > 0:
                    fees[10] = old + delta
                    total += delta
            c.annual[mk] = total
            c.months[mk] = fees
        c.status[mk] = ("离网" if cid in PLANTED["offnet"][mk] else
                        "新进园" if cid in _NOV_NEW else "在网")
        if cid in PLANTED["stale_update"]:
            c.update[mk] = dt.date.fromisoformat(PLANTED["stale_update"][cid])
        else:
            c.update[mk] = max(rng.choice(m.workdays), c.join)
    for cid, text in PLANTED["stale_update"].items():
        ds.customers[cid].update[prev] = dt.date.fromisoformat(text)
    ds.customers["YQ0231"].update[prev] = dt.date(2026, 10, 12)
    ds.customers["YQ0231"].update[mk] = dt.date(2026, 11, 12)
    ds.members[mk] = nov_ids

    # planted fee mismatches (the annual cell keeps the true spend)
    for mk in MONTHS:
        fees_a = ds.customers["YQ0140"].months[mk]
        fees_a[5] = fees_a[5] + 100_000
        fees_b = ds.customers["YQ0147"].months[mk]
        fees_b[2] = fees_b[2] // 2
        ds.customers["YQ0155"].months[mk][11] = None
    return ds


def _scale(fees: list[int | None], new_total: int) -> list[int | None]:
    old_total = sum(f for f in fees if f is not None)
    out: list[int | None] = []
    acc = 0
    last = max(i for i, f in enumerate(fees) if f is not None)
    for i, f in enumerate(fees):
        if f is None:
            out.append(None)
        elif i == last:
            out.append(new_total - acc)
        else:
            v = f * new_total // old_total
            out.append(v)
            acc += v
    return out


# ---------------------------------------------------------------------------
# Records derived per month


def _key_contacts(ds: _Dataset, mk: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    cards = (("钻石卡", 5), ("金卡", 15), ("银卡", 25), ("无", 35), ("", 20))
    for c in sorted(ds.present(mk), key=lambda c: c.cid):
        rng = ds.rng("contacts", c.cid)
        n_high = rng.randint(2, 6)
        has_low = rng.random() < 0.3
        people = []
        for i in range(7):
            role = ("领导人" if i == 0 else "联系人" if i == 1 else
                    _weighted(rng, (("经办人", 4), ("联系人", 2), ("重要影响人", 2))))
            people.append([c.cid, _person(rng), role, rng.choice(_MOBILE_PREFIXES) + "0000"
                           + f"{rng.randint(0, 9999):04d}", _weighted(rng, cards)])
        if c.cid == PLANTED["seven_contacts"]:
            roles = ("领导人", "联系人", "经办人", "联系人", "经办人", "经办人", "联系人")
            for p, role, card in zip(people, roles, ("无", "", "无", "", "无", "", "无")):
                p[2], p[4] = role, card
            earlier = PLANTED["earlier_upgrades"]
            if c.cid == earlier["customer"] and mk == earlier["month"]:
                for p, card in zip(people, earlier["cards"]):
                    p[4] = card
                    p.append("是")
            rows.extend(people)
        elif _high(c.tier(mk)):
            chosen = people[:n_high]
            if c.cid == PLANTED["unknown_role_contact"]["客户编号"]:
                chosen[-1][2] = PLANTED["unknown_role_contact"]["角色"]
            rows.extend(chosen)
        elif has_low:
            p = people[1]
            rows.append(p)
    rng = ds.rng("contacts", "orphan")
    rows.append([PLANTED["orphan_contact"], _person(rng), "联系人", "13900007788", "银卡"])
    return rows


_ONSITE_TEXT = ("驻场服务，巡检专线及宽带运行情况", "上门走访，了解企业用网需求", "拜访企业负责人，介绍天翼云主机方案",
                "现场处理网络故障后回访", "协助办理宽带提速", "沟通合同续约事宜", "收集ICT需求：视频监控",
                "了解企业扩产计划及通信需求", "送达业务账单并核对费用", "园区政企客户满意度调查")
_PHONE_TEXT = ("电话回访，客户反映网络正常", "电话沟通续费事宜", "电话了解员工宿舍宽带需求", "电话告知网络割接安排",
               "电话回访故障处理满意度", "电话介绍5G专网试点政策")


def _visits(ds: _Dataset, mk: str) -> list[list[Any]]:
    m = _M[mk]
    rng = ds.rng("visits", mk)
    rows: list[list[Any]] = []

    def add(day, c, mode, signed):
        if mode == "电话":
            sign = "" if rng.random() < 0.7 else "否"
            text = rng.choice(_PHONE_TEXT)
        else:
            sign = _weighted(rng, (("是", 6), ("√", 2), ("Y", 2))) if signed else rng.choice(("否", ""))
            text = rng.choice(_ONSITE_TEXT)
        rows.append([day, c.manager, c.cid, mode, sign, text])

    def onsite_mode():
        return "驻场" if rng.random() < 0.85 else "上门"

    for c in sorted(ds.present(mk), key=lambda c: c.cid):
        tier = c.tier(mk)
        if not _high(tier) or c.status[mk] == "离网":
            continue
        p = MANAGER_COMPLIANCE[c.manager]
        for week in _weeks_of(m):
            days = [d for d in week if is_workday(d) and d >= c.join]
            if not days:
                continue
            onsite, phone = (1, 2) if tier == "5B" else (0, 1)
            unsigned = 0
            if rng.random() >= p:
                if onsite and rng.random() < 0.4:
                    unsigned = 1
                elif onsite and rng.random() < 0.5:
                    onsite -= 1
                else:
                    phone -= 1
            for i in range(onsite):
                add(rng.choice(days), c, onsite_mode(), signed=i >= unsigned)
            for _ in range(phone):
                add(rng.choice(days), c, "电话", signed=False)
        if tier in ("4B", "3B"):
            days = [d for d in m.workdays if d >= c.join]
            if days:
                need = 3 if tier == "4B" else 2
                unsigned = 0
                if rng.random() >= p:
                    if rng.random() < 0.4:
                        unsigned = 1
                    else:
                        need -= 1
                for i in range(need):
                    add(rng.choice(days), c, onsite_mode(), signed=i >= unsigned)
        if rng.random() < 0.05:
            add(rng.choice(m.workdays), c, "上门", signed=True)
    unknown = ds.customers["YQ0001"]
    rows.append([rng.choice(m.workdays[5:]), unknown.manager, PLANTED["visit_unknown_customer"], "上门",
                 "是", "上门走访，了解企业用网需求"])
    rows.sort(key=lambda r: (r[0], MANAGERS.index(r[1]), r[2]))
    for r in rows:  # a few dates as text
        if rng.random() < 0.04:
            d = r[0]
            r[0] = rng.choice((f"{d.year}/{d.month}/{d.day}", d.isoformat(), f"{d.year}年{d.month}月{d.day}日"))
    return rows


_PRODUCTS = {"云专线": (2, 30), "天翼云主机": (1, 50), "视频监控": (3, 80), "智慧园区平台": (20, 300),
             "5G专网": (30, 500), "云电脑": (1, 20), "物联网卡": (0.5, 10), "安全服务": (2, 40)}
_STAGES = ("线索", "方案", "谈判", "签约", "丢单")


def _rand_day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


def _opportunities(ds: _Dataset) -> dict[str, list[list[Any]]]:
    rng = ds.rng("ict")
    weights = {"5B": 6, "4B": 4, "3B": 3, "2B": 1, "1B": 0.3}
    leaving = PLANTED["removed_2026_11"] + PLANTED["offnet"]["2026-11"]
    pool = [(c, weights[c.tier("2026-10")]) for c in ds.present("2026-10") if c.cid not in leaving]
    oct_rows: list[list[Any]] = []
    m10, m11 = _M["2026-10"], _M["2026-11"]
    for i in range(1, 116):
        c = _weighted(rng, pool)
        product = rng.choice(list(_PRODUCTS))
        lo, hi = _PRODUCTS[product]
        amount = round(rng.uniform(lo, hi), 2)
        stage = _weighted(rng, (("线索", 30), ("方案", 25), ("谈判", 18), ("签约", 17), ("丢单", 10)))
        if stage in ("签约", "丢单"):
            closed = (_rand_day(rng, m10.first, m10.last) if rng.random() < 0.5
                      else _rand_day(rng, dt.date(2026, 3, 1), dt.date(2026, 9, 30)))
            sign, update = closed, closed
        else:
            sign = _rand_day(rng, dt.date(2026, 11, 5), dt.date(2027, 4, 30))
            update = _rand_day(rng, dt.date(2026, 9, 20), m10.last)
        owner = c.manager if rng.random() < 0.9 else rng.choice(MANAGERS)
        sid = f"SJ{i:04d}"
        if sid == PLANTED["overdue_opportunity"]:
            stage, sign, update = "谈判", dt.date(2026, 8, 31), dt.date(2026, 9, 10)
        if sid == PLANTED["negative_amount_opportunity"]:
            stage, amount = "方案", -12.5
            sign = _rand_day(rng, dt.date(2026, 12, 1), dt.date(2027, 3, 31))
        oct_rows.append([sid, c.cid, product, amount, stage, sign, owner, update])

    nov_rows: list[list[Any]] = []
    for r in oct_rows:
        r = list(r)
        sid, stage, sign = r[0], r[4], r[5]
        if stage in ("签约", "丢单") or sid == PLANTED["overdue_opportunity"]:
            nov_rows.append(r)
            continue
        day = _rand_day(rng, m11.first, m11.last)
        x = rng.random()
        if sign <= m11.last:  # due this month: resolve or push back
            if x < 0.65:
                r[4], r[5], r[7] = "签约", day, day
            elif x < 0.8:
                r[4], r[7] = "丢单", day
                r[5] = day
            else:
                r[5], r[7] = sign + dt.timedelta(days=rng.randint(30, 90)), day
        elif x < 0.25:
            nxt = _STAGES[_STAGES.index(stage) + 1]
            r[4], r[7] = nxt, day
            if nxt == "签约":
                r[5] = day
        elif x < 0.28:
            r[4], r[5], r[7] = "丢单", day, day
        elif x < 0.65:
            r[7] = day
        nov_rows.append(r)
    pool11 = [(c, weights[c.tier("2026-11")] + (3 if c.cid in _NOV_NEW else 0))
              for c in ds.present("2026-11") if c.cid not in leaving]
    for i in range(116, 131):
        c = _weighted(rng, pool11)
        product = rng.choice(list(_PRODUCTS))
        lo, hi = _PRODUCTS[product]
        nov_rows.append([f"SJ{i:04d}", c.cid, product, round(rng.uniform(lo, hi), 2),
                         rng.choice(("线索", "线索", "方案")),
                         _rand_day(rng, dt.date(2026, 12, 15), dt.date(2027, 5, 31)),
                         c.manager, _rand_day(rng, m11.first, m11.last)])
    return {"2026-10": oct_rows, "2026-11": nov_rows}


_COMPETITION = {
    "管线建设": ("在{zone}沿兴园大道敷设光缆，疑似为{name}接入", "在园区{a}区新建室外基站", "进入{name}厂区勘察管线路由",
             "在园区{a}区架设光交箱"),
    "宣传": ("在园区派发企业宽带宣传单页", "在园区综合服务中心举办企业上云推介会", "在{zone}张贴5G专网宣传海报",
           "在园区食堂门口摆摊推广融合套餐"),
    "优惠": ("对{name}报价专线首年{n}折", "推出企业宽带首年免费活动", "向{name}报价500M专线年费{n}万元",
           "向{name}承诺合约期内免费提速", "推出新进园企业装机费全免"),
    "其他": ("客户经理多次拜访{name}", "挖角我方代理商", "为{name}免费提供视频监控试用", "了解到{name}的专线合同明年到期"),
}


def _competition(ds: _Dataset, mk: str) -> list[list[Any]]:
    rng = ds.rng("competition", mk)
    m = _M[mk]
    custs = [c for c in ds.present(mk) if c.status[mk] != "离网"]
    rows = []
    for _ in range(rng.randint(12, 18)):
        kind = _weighted(rng, (("管线建设", 3), ("宣传", 3), ("优惠", 4), ("其他", 2)))
        c = rng.choice(custs)
        tpl = rng.choice(_COMPETITION[kind])
        text = tpl.format(zone=c.zone, name=c.name, a=rng.randint(1, 15), n=rng.randint(3, 9))
        who = _weighted(rng, (("移动", 45), ("联通", 35), ("广电", 20)))
        rows.append([rng.choice(m.workdays), who, kind, text, c.cid if "{name}" in tpl else ""])
    rows.sort(key=lambda r: r[0])
    return rows


_SMS_WINDOWS = ((9 * 60, 12 * 60), (14 * 60, 20 * 60))
_CALL_WINDOWS = ((9 * 60, 12 * 60), (14 * 60, 17 * 60))


def _time_in(rng: random.Random, day: dt.date, windows) -> dt.datetime:
    lo, hi = _weighted(rng, [(w, w[1] - w[0]) for w in windows])
    minute = rng.randint(lo + 1, hi - 2)
    return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randint(0, 59))


def _care(ds: _Dataset, mk: str) -> list[list[Any]]:
    m = _M[mk]
    rng = ds.rng("care", mk)
    planted = {cid: (kind, dt.datetime.fromisoformat(t)) for cid, kind, t in PLANTED["care_outside_window"][mk]}
    if mk == "2026-10":
        cid, kind, t = PLANTED["care_call_on_holiday"]
        planted[cid] = (kind, dt.datetime.fromisoformat(t))
    rows: list[list[Any]] = []
    for c in sorted(ds.present(mk), key=lambda c: c.cid):
        if c.tier(mk) not in ("1B", "2B") or c.status[mk] == "离网":
            continue
        days = [d for d in m.workdays if d >= c.join]
        if not days:
            continue
        crng = ds.rng("call-month", c.cid)
        x = crng.random()
        call_month = "2026-10" if x < 0.5 else "2026-11" if x < 0.95 else "2026-12"
        if c.cid in ("YQ0370", "YQ0374"):
            call_month = "2026-10"
        elif c.cid == "YQ0378":
            call_month = "2026-11"
        prev = ds.customers[c.cid]
        if (call_month == "2026-10" and mk == "2026-11"
                and ("2026-10" not in prev.annual or prev.tier("2026-10") not in ("1B", "2B")
                     or c.cid not in ds.members["2026-10"])):
            call_month = "2026-11"
        p_kind, p_time = planted.get(c.cid, (None, None))
        # SMS
        if p_kind == "短信":
            rows.append([p_time, c.cid, "短信", "成功"])
        elif rng.random() < 0.92 or c.cid in planted:
            rows.append([_time_in(rng, rng.choice(days), _SMS_WINDOWS), c.cid, "短信",
                         "成功" if rng.random() < 0.95 else "失败"])
        # outbound call
        if p_kind == "外呼":
            rows.append([p_time, c.cid, "外呼", "成功"])
        elif call_month == mk:
            day = rng.choice(days)
            ok = rng.random() < 0.88
            rows.append([_time_in(rng, day, _CALL_WINDOWS), c.cid, "外呼", "成功" if ok else "失败"])
            later = [d for d in days if d > day]
            if not ok and later:
                rows.append([_time_in(rng, rng.choice(later), _CALL_WINDOWS), c.cid, "外呼",
                             "成功" if rng.random() < 0.75 else "失败"])
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


_WO_PLANTED_TYPES = {"2026-10": {5: "故障", 18: "新装", 33: "支撑需求", 47: "故障"},
                     "2026-11": {9: "新装", 26: "故障", 44: "支撑需求", 59: "故障"}}


ORDER_HEADER = ["工单编号", "客户编号", "类型", "受理时间", "完成时间", "响应时间", "客户名称", "装机地址", "联系电话",
                "证件号码", "确认时间", "答复时间"]
# month -> (order suffix, customer, confirmed, answered): the green channel (part 4 "七.3")
_PIPELINE_NEEDS = {
    "2026-10": [("P01", "YQ0015", "2026-10-09 11:00", "2026-10-10 15:00"),  # due 10-10 (调休上班)
                ("P02", "YQ0023", "2026-10-20 10:00", "2026-10-21 17:30")],
    "2026-11": [("P01", "YQ0060", "2026-11-05 10:00", "2026-11-06 16:00"),
                ("P02", "YQ0044", "2026-11-13 15:00", "2026-11-18 10:00"),  # due Tuesday 11-17: overdue
                ("P03", "YQ0015", "2026-11-26 09:30", "2026-11-27 11:00")],
}


def _order_rows(ds: _Dataset, mk: str, rows: list[list[Any]]) -> list[list[Any]]:
    """The month's orders with the new-install details (copied from the customer record, messy cells
    included) and the line-building needs appended; no random draw, so the other samples stay as they were."""
    by_id = {c.cid: c for c in ds.present(mk)}
    out = []
    for r in rows:
        c = by_id.get(r[1])
        extra = [c.name, c.address, c.phone, c.id_no] if r[2] == "新装" and c is not None else [None] * 4
        out.append([*r, *extra, None, None])
    for suffix, cid, confirmed, answered in _PIPELINE_NEEDS[mk]:
        at = dt.datetime.fromisoformat(confirmed)
        out.append([f"GD{mk.replace('-', '')}{suffix}", cid, "管线需求", at, None, None, None, None, None, None,
                    at, dt.datetime.fromisoformat(answered)])
    return out


def _work_orders(ds: _Dataset) -> dict[str, list[list[Any]]]:
    rng = ds.rng("work-orders")
    churn = list(PLANTED["churn_complaints"]) + list(PLANTED["churn_faults"])
    out: dict[str, list[list[Any]]] = {}
    used: list[str] = []
    h = dt.timedelta(hours=1)
    mi = dt.timedelta(minutes=1)
    for mk in MONTHS:
        m = _M[mk]
        pool = [c.cid for c in ds.present(mk)
                if c.status[mk] != "离网" and c.cid not in churn and c.cid not in used
                and c.join <= m.last - dt.timedelta(days=3)]
        cids = rng.sample(pool, 60)
        used.extend(cids)
        times = sorted(dt.datetime(d.year, d.month, d.day, rng.randint(8, 19), rng.randint(0, 59))
                       for d in [rng.choice(m.days) for _ in range(60)])
        if mk == "2026-11":  # the open order is accepted on the last evening
            times[-1] = dt.datetime(2026, 11, 30, 20, 30)
        rows = []
        for i, (accepted, cid) in enumerate(zip(times, cids)):
            kind = _WO_PLANTED_TYPES[mk].get(i) or _weighted(rng, (("故障", 50), ("新装", 25), ("支撑需求", 25)))
            oid = f"GD{mk.replace('-', '')}{i + 1:03d}"
            overdue = oid in PLANTED["overdue_work_orders"][mk]
            if kind == "故障":
                resp = accepted + rng.randint(5, 40) * mi
                done = accepted + (rng.randint(7 * 60, 20 * 60) if overdue else rng.randint(30, 330)) * mi
            elif kind == "新装":
                resp = accepted + rng.randint(20, 120) * mi
                done = accepted + (rng.randint(28 * 60, 72 * 60) if overdue else rng.randint(180, 22 * 60)) * mi
            else:
                resp = accepted + (rng.randint(150, 360) if overdue else rng.randint(5, 100)) * mi
                done = resp + rng.randint(1, 30) * h
            if oid == PLANTED["open_work_order"]:
                done = None
            rows.append([oid, cid, kind, accepted, done, resp])
        out[mk] = rows
    return out


_COMPLAINT_TEXT = ("宽带晚高峰网速慢，投诉处理不及时", "对账单费用有异议", "装机预约多次改期", "客户经理联系不上",
                   "专线割接未提前通知")
_FAULT_TEXT = ("专线中断", "宽带无法上网", "固话无拨号音", "光猫故障灯亮红", "视频监控掉线")


def _complaints(ds: _Dataset) -> dict[str, list[list[Any]]]:
    rng = ds.rng("complaints")
    d = dt.date
    planted = {
        "2026-10": [(d(2026, 10, 14), "YQ0340", "投诉"), (d(2026, 10, 12), "YQ0345", "投诉"),
                    (d(2026, 10, 26), "YQ0345", "投诉"), (d(2026, 10, 9), "YQ0350", "故障"),
                    (d(2026, 10, 21), "YQ0350", "故障")],
        "2026-11": [(d(2026, 11, 10), "YQ0340", "投诉"), (d(2026, 11, 5), "YQ0350", "故障"),
                    (d(2026, 11, 3), "YQ0355", "故障"), (d(2026, 11, 11), "YQ0355", "故障"),
                    (d(2026, 11, 24), "YQ0355", "故障")],
    }
    churn = list(PLANTED["churn_complaints"]) + list(PLANTED["churn_faults"])
    pool = [c.cid for c in ds.present("2026-10") if c.cid not in churn and c.cid not in _OCT_NEW
            and c.status["2026-10"] != "离网" and c.cid not in PLANTED["removed_2026_11"]]
    singles = rng.sample(pool, 16)
    out = {}
    for k, mk in enumerate(MONTHS):
        m = _M[mk]
        rows = [[day, cid, kind] for day, cid, kind in planted[mk]]
        for cid in singles[k * 8:(k + 1) * 8]:
            rows.append([rng.choice(m.days), cid, rng.choice(("投诉", "故障", "故障"))])
        for r in rows:
            r.append(rng.choice(_COMPLAINT_TEXT if r[2] == "投诉" else _FAULT_TEXT))
        rows.sort(key=lambda r: (r[0], r[1]))
        out[mk] = rows
    return out


# ---------------------------------------------------------------------------
# Writing


class _Formula(NamedTuple):
    formula: str
    value: Any


class _Book:
    def __init__(self, path: Path, m: _Month, title: str):
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                  "strings_to_numbers": False})
        created = dt.datetime(m.year + m.month // 12, m.month % 12 + 1, 1, 9, 0, 0)
        self.wb.set_properties({"title": title, "author": "parkcrm samples", "company": PARK,
                                "comments": "synthetic sample data, all names and numbers fictional",
                                "created": created})
        add = self.wb.add_format
        self.title = add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.head = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                         "align": "center", "valign": "vcenter"})
        self.fmt = {
            "date": add({"num_format": "yyyy-mm-dd"}),
            "datetime": add({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "wan": add({"num_format": "0.00##"}),
            "yuan": add({"num_format": "#,##0.00"}),
            "int": add({"num_format": "0"}),
            "bold": add({"bold": True}),
        }

    def put(self, ws, r: int, c: int, v: Any, fmt: str | None = None) -> None:
        f = self.fmt.get(fmt) if fmt else None
        if v is None or (isinstance(v, str) and v == ""):
            return
        if isinstance(v, _Formula):
            ws.write_formula(r, c, v.formula, f, v.value)
        elif isinstance(v, str):
            ws.write_string(r, c, v, self.fmt["bold"] if fmt == "bold" else None)
        elif isinstance(v, dt.datetime):
            ws.write_datetime(r, c, v, self.fmt["datetime"])
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, v, self.fmt["date"])
        else:
            ws.write_number(r, c, v, f)

    def table(self, name: str, headers: list[str], widths: list[float], rows: list[list[Any]],
              title: str | None = None, fmts: list[str | None] | None = None) -> None:
        ws = self.wb.add_worksheet(name)
        r0 = 0
        if title:
            ws.merge_range(0, 0, 0, len(headers) - 1, title, self.title)
            ws.set_row(0, 26)
            r0 = 1
        for j, (h, w) in enumerate(zip(headers, widths)):
            ws.write_string(r0, j, h, self.head)
            ws.set_column(j, j, w)
        ws.freeze_panes(r0 + 1, 0)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.put(ws, r0 + 1 + i, j, v, fmts[j] if fmts else None)

    def close(self) -> None:
        self.wb.close()


def _customer_columns(zone: str) -> list[tuple[str, str, float]]:
    lay = _ZONE_LAYOUT[zone]
    cols = [("客户编号", "cid", 10), ("客户名称", "name", 30)]
    if lay["zone_col"]:
        cols.append(("片区", "zone", 16))
    aliases = PLANTED["header_aliases"].get(zone, {})
    back = {v: k for k, v in aliases.items()}
    cols += [("地址", "address", 30), ("联系电话", "phone", 18), ("证件号码", "id", 22),
             ("客户经理", "manager", 10), (back.get("行业", "行业"), "industry", 10),
             ("年度消费额(元)" if lay["unit"] == "yuan" else "年度通信费用（万元）", "spend", 14)]
    for i in range(12):
        head = {"arabic": f"{i + 1}月", "padded": f"{i + 1:02d}月", "chinese": _CN_MONTHS[i]}[lay["months"]]
        cols.append((head, f"m{i}", 11))
    cols += [(back.get("核定等级", "核定等级"), "official", 8), ("进园日期", "join", 12),
             ("更新日期", "update", 12), ("状态", "status", 8)]
    return cols


def _write_customers(path: Path, ds: _Dataset, mk: str) -> None:
    m = _M[mk]
    b = _Book(path, m, f"{PARK}客户资料库（{m.label}）")
    for zone in ZONES:
        lay = _ZONE_LAYOUT[zone]
        cols = _customer_columns(zone)
        keys = [k for _, k, _ in cols]
        ws = b.wb.add_worksheet(zone)
        ws.merge_range(0, 0, 0, len(cols) - 1, f"{PARK}客户资料库（{m.label}）—{zone}", b.title)
        ws.set_row(0, 28)
        for j, (h, _, w) in enumerate(cols):
            ws.write_string(2, j, h, b.head)
            ws.set_column(j, j, w)
        ws.set_row(2, 30)
        ws.freeze_panes(3, 2)
        spend_col = keys.index("spend")
        money = "yuan" if lay["unit"] == "yuan" else "wan"
        sums = [0] * 13  # spend, 12 months (in fen)
        r = 3
        members = sorted((c for c in ds.present(mk) if c.zone == zone), key=lambda c: c.cid)
        for i, c in enumerate(members):
            if zone == PLANTED["blank_rows"]["sheet"] and i == PLANTED["blank_rows"]["after_data_rows"]:
                r += PLANTED["blank_rows"]["count"]
            fees = c.months[mk]
            for j, key in enumerate(keys):
                fmt = None
                if key == "cid":
                    v = c.cid
                elif key == "name":
                    v = c.name
                elif key == "zone":
                    v = c.zone
                elif key == "address":
                    v = c.address
                elif key == "phone":
                    v = c.phone
                elif key == "id":
                    v = c.id_no
                    if c.cid in PLANTED["precision_lost_id"]:
                        v, fmt = float(int(c.id_no[:15]) * 1000), "int"
                elif key == "manager":
                    v = c.manager
                elif key == "industry":
                    v = c.industry
                elif key == "spend":
                    fmt = money
                    if c.cid in PLANTED["text_spend"]:
                        v = PLANTED["text_spend"][c.cid]
                    elif c.cid == PLANTED["formula_error_spend"]["客户编号"]:
                        a, z = xl_col_to_name(spend_col + 1), xl_col_to_name(spend_col + 12)
                        v = _Formula(f"=SUM({a}{r + 1}:{z}{r + 1})/10000/$B$2", "#DIV/0!")
                    elif c.cid == PLANTED["empty_spend"]:
                        v = None
                    else:
                        fen = c.annual[mk]
                        v = fen / 100 if money == "yuan" else fen / _FEN_PER_WAN
                        sums[0] += fen
                elif key.startswith("m") and key[1:].isdigit():
                    fmt = "yuan"
                    f = fees[int(key[1:])]
                    v = None if f is None else f / 100
                    if f is not None:
                        sums[1 + int(key[1:])] += f
                elif key == "official":
                    v = c.official
                elif key == "join":
                    v = PLANTED["text_join_date"].get(c.cid, c.join)
                elif key == "update":
                    u = c.update[mk]
                    v = f"{u.year}/{u.month}/{u.day}" if c.cid == PLANTED["text_update_date"] else u
                elif key == "status":
                    v = c.status[mk]
                else:  # pragma: no cover
                    raise KeyError(key)
                b.put(ws, r, j, v, fmt)
            r += 1
        if lay["total"]:
            b.put(ws, r, keys.index("name"), "合计", "bold")
            for k in range(13):
                col = spend_col + k
                letter = xl_col_to_name(col)
                fen = sums[k]
                if k == 0 and money == "wan":
                    cached = round(fen / _FEN_PER_WAN, 6)
                else:
                    cached = round(fen / 100, 2)
                ws.write_formula(r, col, f"=SUM({letter}4:{letter}{r})", b.fmt[money if k == 0 else "yuan"],
                                 cached)
    b.table("关键人", ["客户编号", "姓名", "角色", "联系电话", "现有会员等级", "已按关键人升级"], [10, 10, 12, 16, 12, 14],
            _key_contacts(ds, mk))
    b.close()


def _month_files(m: _Month) -> dict[str, str]:
    return {k: f"{k}-{m.label}.xlsx" for k in ("园区客户资料库", "走访记录", "ICT商机库", "关怀记录", "工单")}


def generate(out_dir: Path, seed: int = 2026) -> list[Path]:
    """Write the sample workbooks of MONTHS into out_dir/<YYYY-MM>/; return the paths written."""
    out_dir = Path(out_dir)
    ds = _build(seed)
    opps = _opportunities(ds)
    orders = _work_orders(ds)
    complaints = _complaints(ds)
    written: list[Path] = []
    for mk in MONTHS:
        m = _M[mk]
        folder = out_dir / mk
        folder.mkdir(parents=True, exist_ok=True)
        names = _month_files(m)

        p = folder / names["园区客户资料库"]
        _write_customers(p, ds, mk)
        written.append(p)

        p = folder / names["走访记录"]
        b = _Book(p, m, f"{PARK}客户走访记录（{m.label}）")
        b.table("走访记录", ["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"], [12, 10, 10, 8, 9, 36],
                _visits(ds, mk), title=f"{PARK}客户走访记录（{m.label}）")
        b.close()
        written.append(p)

        p = folder / names["ICT商机库"]
        b = _Book(p, m, f"{PARK}ICT商机库（{m.label}）")
        b.table("ICT商机", ["商机编号", "客户编号", "产品", "预计金额（万元）", "阶段", "预计签约日期", "负责人", "更新日期"],
                [10, 10, 14, 14, 8, 13, 10, 12], opps[mk], fmts=[None, None, None, "wan", None, None, None, None])
        b.table("竞争信息", ["日期", "竞争对手", "类型", "内容", "客户编号"], [12, 10, 10, 44, 10],
                _competition(ds, mk))
        b.close()
        written.append(p)

        p = folder / names["关怀记录"]
        b = _Book(p, m, f"{PARK}1B/2B客户关怀记录（{m.label}）")
        b.table("关怀记录", ["时间", "客户编号", "方式", "结果"], [20, 10, 8, 8], _care(ds, mk))
        b.close()
        written.append(p)

        p = folder / names["工单"]
        b = _Book(p, m, f"{PARK}工单（{m.label}）")
        b.table("工单", ORDER_HEADER, [14, 10, 12, 20, 20, 20, 24, 30, 16, 22, 20, 20],
                _order_rows(ds, mk, orders[mk]))
        b.table("投诉故障", ["日期", "客户编号", "类型", "内容"], [12, 10, 8, 32], complaints[mk])
        b.close()
        written.append(p)
    return written


def tier_counts(seed: int = 2026) -> dict[str, dict[str, int]]:
    """Customers per tier (from the true annual spend) per month, as generated."""
    ds = _build(seed)
    out = {}
    for mk in MONTHS:
        counts = {t: 0 for t in TIERS}
        for c in ds.present(mk):
            counts[c.tier(mk)] += 1
        out[mk] = counts
    return out


if __name__ == "__main__":  # pragma: no cover
    import sys

    for path in generate(Path(sys.argv[1] if len(sys.argv) > 1 else "samples")):
        print(path)
