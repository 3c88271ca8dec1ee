"""Fixtures and workbook builders for the history tests (store, history, churn, SLA, run).

db_url: every store test runs on SQLite, and on PostgreSQL too when PARKCRM_TEST_PG_URL
is set (each test then gets its own schema, dropped afterwards).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from parkcrm.store import DEFAULT_PARK
from tests.helpers import write_xlsx

PG_ENV = "PARKCRM_TEST_PG_URL"
CUSTOMER_HEADER = ["客户编号", "客户名称", "片区", "客户经理", "年度通信费用（万元）", *[f"{m}月" for m in range(1, 13)],
                   "核定等级", "状态"]


def _pg_schema_url(base: str):
    import sqlalchemy as sa

    schema = "t_" + uuid.uuid4().hex[:12]
    url = base.replace("postgresql://", "postgresql+psycopg://", 1) if base.startswith("postgresql://") else base
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", engine, schema


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch) -> str:
    """A fresh, empty history store: a SQLite file, or a PostgreSQL schema of its own. A shared
    (PostgreSQL) store needs the park's code: the commands run in the test get it from PARKCRM_PARK."""
    if request.param == "sqlite":
        (tmp_path / "历史库").mkdir(exist_ok=True)
        yield str(tmp_path / "历史库" / "parkcrm.db")
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL: set {PG_ENV} (see .ci/pg.sh)")
    monkeypatch.setenv("PARKCRM_PARK", DEFAULT_PARK)  # the park open_store() uses when none is given
    url, engine, schema = _pg_schema_url(base)
    try:
        yield url
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


def customer(cid: str, name: str, spend_wan: float | None, fees_yuan: list | None = None, zone: str = "东部产业片区",
             manager: str = "王晓明", official: str | None = None, status: str = "在网") -> list:
    fees = list(fees_yuan or [None] * 12)
    fees += [None] * (12 - len(fees))
    return [cid, name, zone, manager, spend_wan, *fees, official, status]


def month_book(folder: Path, month: str, customers: list[list], complaints: list[list] | None = None,
               orders: list[list] | None = None, name: str | None = None) -> Path:
    """A month's workbook: a titled customer sheet, optional 投诉故障 and 工单 sheets."""
    y, m = month.split("-")
    label = f"{int(y)}年{int(m)}月"
    folder.mkdir(parents=True, exist_ok=True)
    sheets = {"客户资料": [CUSTOMER_HEADER, *customers]}
    titles = {"客户资料": [f"XX产业转移工业园客户资料库（{label}）"]}
    if complaints is not None:
        sheets["投诉故障"] = [["日期", "客户编号", "类型", "内容"], *complaints]
    if orders is not None:
        sheets["工单"] = [["工单编号", "客户编号", "类型", "受理时间", "完成时间", "响应时间"], *orders]
    return write_xlsx(folder / (name or f"园区客户资料库-{label}.xlsx"), sheets, titles)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
