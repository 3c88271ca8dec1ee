"""A clean four-sheet workbook for the validate tests; each test dirties one thing.

Rows: header on row 1, data from row 2. Customers YQ0001 (5B), YQ0002 (3B), YQ0003 (1B);
the month is 2026-11 (from the file name) and "today" is 2026-11-25 in library tests.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from tests.helpers import write_xlsx

TODAY = dt.date(2026, 11, 25)
RIC = "440103199001011236"  # valid GB 11643 resident ID (synthetic)
USCC1 = "91441400MA4UJ2XQ58"  # valid GB 32100 credit codes (synthetic)
USCC2 = "91110000600037341L"
CUSTOMER_HEADER = ["客户编号", "客户名称", "片区", "地址", "联系电话", "证件号码", "客户经理", "年度通信费用（万元）",
                   "核定等级", "更新日期", "状态"]
CONTACT_HEADER = ["客户编号", "姓名", "角色", "联系电话", "现有会员等级"]
VISIT_HEADER = ["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"]
ICT_HEADER = ["商机编号", "客户编号", "产品", "预计金额（万元）", "阶段", "预计签约日期", "负责人", "更新日期"]

CLEAN = {
    "客户资料": [
        CUSTOMER_HEADER,
        ["YQ0001", "甲科技有限公司", "东部片区", "产业转移园A区1栋101房", "13800001234", USCC1, "王晓明", 80, "5B",
         "2026-11-03", "在网"],
        ["YQ0002", "乙物流有限公司", "东部片区", "产业转移园A区2栋202房", "0762-3381200", USCC2, "王晓明", 5, "3B",
         "2026-11-04", "在网"],
        ["YQ0003", "丙便利店", "西部片区", "产业转移园B区3栋103房", "13900003333", RIC, "李文静", 0.5, "1B",
         "2026-11-05", "新进园"],
    ],
    "关键人": [
        CONTACT_HEADER,
        ["YQ0001", "张三", "领导人", "13900001111", "金卡"],
        ["YQ0002", "李四", "领导人", "13900002222", "无"],
        ["YQ0002", "王五", "联系人", "0762-3381201", None],
    ],
    "走访记录": [
        VISIT_HEADER,
        ["2026-11-03", "王晓明", "YQ0001", "驻场", "是", "需求沟通"],
        ["2026-11-04", "王晓明", "YQ0002", "电话", None, "回访"],
        ["2026-11-05", "李文静", "YQ0003", "上门", "√", "装机回访"],
    ],
    "ICT商机": [
        ICT_HEADER,
        ["SJ0001", "YQ0001", "云专线", 35.5, "方案", "2026-12-20", "王晓明", "2026-11-05"],
        ["SJ0002", "YQ0002", "视频监控", 8, "签约", "2026-10-10", "王晓明", "2026-11-02"],
    ],
}

MONTHS = [f"{m}月" for m in range(1, 13)]


def sheets() -> dict[str, list[list]]:
    return copy.deepcopy(CLEAN)


def with_months(book: dict[str, list[list]]) -> dict[str, list[list]]:
    """The customer sheet with 1月…12月 fees (元) that add up to the annual spend."""
    rows = book["客户资料"]
    rows[0] = rows[0] + MONTHS
    for row in rows[1:]:
        annual_yuan = round(row[7] * 10_000, 2)
        month = round(annual_yuan / 12, 2)
        row += [month] * 11 + [round(annual_yuan - month * 11, 2)]
    return book


def write(tmp_path: Path, book: dict[str, list[list]] | None = None, name: str = "园区资料-2026年11月.xlsx",
          **kwargs) -> Path:
    return write_xlsx(tmp_path / name, book if book is not None else sheets(), **kwargs)
