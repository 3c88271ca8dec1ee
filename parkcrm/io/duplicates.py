"""A customer number that occurs twice is a finding in every command, not only in validate.

Two rows (in one workbook, or in two files read together) with the same 客户编号 are each
classified, planned and counted: without a word the same company would count twice. The
reader reports every repeat once, at the repeated row, naming where the number first
occurred; commands keep every row (none is dropped silently).
"""

from __future__ import annotations

import pandas as pd

from parkcrm.core.problems import Problem

CODE = "customer-duplicate"
KEY = "客户编号"
MAX_REPORTED = 1000  # a sheet pasted twice: the first thousand repeats are listed, the rest counted


def duplicate_customers(table) -> list[Problem]:
    """One error per repeated customer number of the merged customer table (None: no table)."""
    if table is None or KEY not in table.df.columns or len(table.df) == 0:
        return []
    df = table.df
    key = df[KEY].astype("string").str.upper()
    repeated = key.notna() & key.duplicated(keep="first")
    if not repeated.any():
        return []
    firsts = key[key.notna() & ~repeated]
    first_label = dict(zip(firsts.tolist(), firsts.index.tolist()))
    labels = list(df.index[repeated.to_numpy()])
    out = []
    for label in labels[:MAX_REPORTED]:
        first = first_label.get(key.at[label])
        where = _place(df, first) if first is not None else "前面"
        value = str(df.at[label, KEY])
        out.append(table.problem(label, KEY, CODE, "error",
                                 f"客户编号「{value}」重复：{where}已有这个编号。两行都会分别分级、统计，"
                                 "同一客户可能被计算两次；请删除重复的行或改正其中一个编号", value))
    if len(labels) > MAX_REPORTED:
        out.append(Problem(CODE, "error", f"另有 {len(labels) - MAX_REPORTED} 行客户编号重复，未逐条列出"))
    return out


def _place(df: pd.DataFrame, label) -> str:
    row = df.loc[label]
    return f"{row['_file']}「{row['_sheet']}」第 {int(row['_row'])} 行"
