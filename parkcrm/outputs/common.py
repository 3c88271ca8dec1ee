"""Helpers shared by the report assemblers of check-visits and care-plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dataclasses import replace

from parkcrm.core.privacy import mask_series, mask_text
from parkcrm.core.problems import Problem
from parkcrm.io.writer import KEEP_UNMASKED  # noqa: F401  (codes and names kept as written)


def mask_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of df with resident IDs and mobiles masked in every text column (codes excepted)."""
    out = df.copy()
    for c in out.columns:
        if c not in KEEP_UNMASKED and (out[c].dtype == object or pd.api.types.is_string_dtype(out[c])):
            out[c] = mask_series(out[c])
    return out


def mask_problems(problems: list[Problem]) -> list[Problem]:
    """Problem messages and values can quote a cell (a phone, an ID): mask them like the data."""
    return [replace(p, message=mask_text(p.message), value=mask_text(p.value)) for p in problems]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([{"级别": "错误" if p.severity == "error" else "提醒", "文件": p.file, "工作表": p.sheet,
                          "行": p.row, "列": p.column, "单元格": p.cell, "代码": p.code, "说明": p.message}
                         for p in problems],
                        columns=["级别", "文件", "工作表", "行", "列", "单元格", "代码", "说明"]).astype("object")


def run_about(now) -> dict[str, str]:
    """The first two entries of every output's 说明: which parkcrm, and when it ran."""
    from parkcrm import __version__

    return {"工具": f"parkcrm {__version__}", "运行时间": now.isoformat(sep=" ")}


def about_frame(about: dict[str, object]) -> pd.DataFrame:
    rows = []
    for key, value in about.items():
        if isinstance(value, list):
            for item in value:
                rows.append((key, "；".join(f"{k}：{v}" for k, v in item.items()) if isinstance(item, dict) else str(item)))
        else:
            rows.append((key, str(value)))
    return pd.DataFrame(rows, columns=["项目", "内容"])


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: missing -> None, dates -> ISO text, numpy scalars -> Python."""
    clean = df.astype("object").where(df.notna(), None)
    return [{k: jsonable(v) for k, v in r.items()} for r in clean.to_dict("records")]


def jsonable(v):
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat(sep=" ")
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v
