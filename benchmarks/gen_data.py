"""Generate the large benchmark workbooks (deterministic, synthetic).

make_benchmark_workbook(path, customers=100_000, contacts=200_000) writes one .xlsx with a
客户资料 sheet of ~25 columns (incl. 12 monthly fees) and a 关键人 sheet.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np

ZONES = ["东部产业片区", "西部产业片区", "江北生活配套片区", "江南生活配套片区", "产业研发片区"]
MANAGERS = ["王晓明", "李文静", "陈志强", "刘海燕", "黄建国", "周丽娜", "吴俊杰", "赵雅琴"]
INDUSTRIES = ["制造业", "物流", "电子信息", "新材料", "食品加工", "商贸", "政府机关", "教育", "医疗"]
ROLES = ["领导人", "联系人", "经办人", "重要影响人"]
CARDS = ["钻石卡", "金卡", "银卡", "无", ""]
CUSTOMER_HEADER = (["客户编号", "客户名称", "片区", "地址", "联系电话", "证件号码", "客户经理", "行业", "年度通信费用（万元）"]
                   + [f"{m}月" for m in range(1, 13)] + ["核定等级", "进园日期", "更新日期", "状态"])


def credit_codes(n: int, rng, valid_every: int = 1) -> list[str]:
    """Unified social credit codes with a valid GB 32100 check character; with valid_every=k only
    every k-th is valid, the others get a wrong check character (dirty data for validate)."""
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = []
    for i in range(n):
        body = f"914414{i % 100:02d}" + "".join(alphabet[k] for k in rng.integers(0, len(alphabet), 9))
        check = uscc.calc_check_digit(body)
        if i % valid_every:
            check = alphabet[(alphabet.index(check) + 1) % len(alphabet)]
        out.append(body + check)
    return out


def customer_ids(n: int) -> list[str]:
    return [f"YQ{i:07d}" for i in range(1, n + 1)]


def make_benchmark_workbook(path: Path, customers: int = 100_000, contacts: int = 200_000, seed: int = 7,
                            valid_codes_every: int = 1) -> Path:
    """valid_codes_every=k: only every k-th credit code is valid (the others fail their check character)."""
    import xlsxwriter

    rng = np.random.default_rng(seed)
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet("客户资料")
    ws.write_row(0, 0, CUSTOMER_HEADER)
    # monthly fees in fen, and the annual spend their exact sum (clean data: no spend-mismatch)
    base = np.exp(rng.normal(0.8, 1.4, customers)) * 1_000_000 / 12
    monthly_fen = np.round(base[:, None] * rng.uniform(0.8, 1.2, (customers, 12))).astype(np.int64)
    annual_wan = monthly_fen.sum(axis=1) / 1_000_000
    monthly = monthly_fen / 100
    codes = credit_codes(customers, rng, valid_codes_every)
    zones = rng.integers(0, len(ZONES), customers)
    mgrs = rng.integers(0, len(MANAGERS), customers)
    inds = rng.integers(0, len(INDUSTRIES), customers)
    ids = customer_ids(customers)
    entered = dt.datetime(2020, 1, 1)
    for i in range(customers):
        r = i + 1
        ws.write_string(r, 0, ids[i])
        ws.write_string(r, 1, f"园区测试企业{i:06d}有限公司")
        ws.write_string(r, 2, ZONES[zones[i]])
        ws.write_string(r, 3, f"产业转移园{zones[i] + 1}区{i % 40 + 1}栋{i % 900 + 100}房")
        ws.write_string(r, 4, f"138{i:08d}")
        ws.write_string(r, 5, codes[i])
        ws.write_string(r, 6, MANAGERS[mgrs[i]])
        ws.write_string(r, 7, INDUSTRIES[inds[i]])
        ws.write_number(r, 8, float(annual_wan[i]))
        for m in range(12):
            ws.write_number(r, 9 + m, float(monthly[i, m]))
        ws.write_string(r, 21, "3B" if i % 7 == 0 else "")
        ws.write_datetime(r, 22, entered + dt.timedelta(days=int(i % 2000)), date_fmt)
        ws.write_datetime(r, 23, dt.datetime(2026, 10, 1 + i % 28), date_fmt)
        ws.write_string(r, 24, "在网")
    ws2 = book.add_worksheet("关键人")
    ws2.write_row(0, 0, ["客户编号", "姓名", "角色", "联系电话", "现有会员等级"])
    owner = rng.integers(0, customers, contacts)
    owner.sort()
    roles = rng.integers(0, len(ROLES), contacts)
    cards = rng.integers(0, len(CARDS), contacts)
    for j in range(contacts):
        r = j + 1
        ws2.write_string(r, 0, ids[owner[j]])
        ws2.write_string(r, 1, f"联系人{j:06d}")
        ws2.write_string(r, 2, ROLES[roles[j]])
        ws2.write_string(r, 3, f"139{j:08d}")
        if CARDS[cards[j]]:
            ws2.write_string(r, 4, CARDS[cards[j]])
    book.close()
    return path


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="生成基准测试工作簿")
    ap.add_argument("path", type=Path)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--contacts", type=int, default=200_000)
    a = ap.parse_args()
    make_benchmark_workbook(a.path, a.customers, a.contacts)
