"""Import one month's workbooks into the store: replace that month's data in one transaction.

An import replaces, for its month, every sheet kind it brings (customers, key contacts,
visits, …) and keeps the kinds it does not bring, so a work-order file imported on its own
does not wipe the month's customers. Running the same import twice leaves the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
from sqlalchemy import Date, DateTime, and_, delete, insert, select

from parkcrm.io.reader import Table, Workbook
from parkcrm.core.periods import Month
from parkcrm.core.privacy import mask_text
from parkcrm.rules import RulePack
from parkcrm.store import Store, StoreError
from parkcrm.store import schema as s

CUSTOMER = "客户资料"
Progress = Callable[[str], None]


class MonthMismatchError(StoreError):
    """--month names another month than the workbooks' title rows or file names."""


@dataclass(frozen=True)
class Skipped:
    file: str
    sheet: str
    row: int
    reason: str


@dataclass
class ImportResult:
    month: Month
    counts: dict[str, int] = field(default_factory=dict)  # sheet kind -> rows stored
    replaced: list[str] = field(default_factory=list)  # kinds that replaced earlier data of the month
    kept: list[str] = field(default_factory=list)  # kinds of the month kept from earlier imports
    files: list[tuple[str, str]] = field(default_factory=list)  # (file name, SHA-256)
    skipped: list[Skipped] = field(default_factory=list)
    ignored_kinds: list[str] = field(default_factory=list)  # read, but history does not keep them
    unchanged: bool = False  # the very same files were imported for this month before

    def as_dict(self) -> dict:
        return {"月份": str(self.month), "保存行数": self.counts, "替换": self.replaced, "保留": self.kept,
                "文件": [{"文件": n, "SHA-256": h} for n, h in self.files], "内容未变": self.unchanged,
                "未保存的行": [{"文件": k.file, "工作表": k.sheet, "行": k.row, "原因": k.reason} for k in self.skipped],
                "未保存的表": self.ignored_kinds}


def month_disagreements(books: list[Workbook], month: Month) -> list[str]:
    """The workbooks whose title row or file name names another month than the one given,
    each as 「name 为 2026-10（where）」: importing them as `month` would replace that month."""
    from parkcrm.core.periods import month_of_book

    out = []
    for book in books:
        named, where = month_of_book(book)
        if named is not None and named != month:
            out.append(f"{book.path.name} 为 {named}（{where}）")
    return out


def check_month(books: list[Workbook], month: Month, force: bool = False) -> None:
    """Refuse to store workbooks of one month as another unless forced (MonthMismatchError)."""
    other = month_disagreements(books, month)
    if other and not force:
        raise MonthMismatchError(
            f"指定的月份是 {month}，但工作簿是其他月份的：{'；'.join(other)}。导入会替换历史库中 {month} 的数据，"
            f"因此未导入任何数据；请核对 --month，确需按 {month} 导入时加 --force")


def save_month(store: Store, month: Month, books: list[Workbook], tables: dict[str, Table], rules: RulePack,
               computed: pd.DataFrame | None, progress: Progress | None = None,
               indicators: dict[str, tuple[float | None, int | None]] | None = None) -> ImportResult:
    """Store the park's snapshot of the month from already-read workbooks; one transaction. Only the
    store's park is touched: another park's month of the same name stays as it is.

    computed: what classify made of the customer sheet, one row per row of tables["客户资料"] in its order
    (tier, with 待核实 as missing; tier_note; computed_tier; spend_fen): parkcrm.jobs.importing.import_month
    computes it; the store does not classify. indicators: {name: (value, base)} measured on the full
    workbooks (parkcrm.jobs.indicators); replace the month's stored ones when given."""
    step = progress or (lambda _text: None)
    result = ImportResult(month)
    result.ignored_kinds = sorted(k for k in tables if k not in s.KIND_TABLES)
    rows: dict[str, list[dict]] = {}
    for kind, table in tables.items():
        if kind not in s.KIND_TABLES:
            continue
        step(f"准备 {kind}（{len(table.df)} 行）…")
        rows[kind] = _rows(kind, table, rules, str(month), result.skipped, computed, store.park)
    if not rows:
        names = "、".join(b.path.name for b in books) or "（无）"
        raise StoreError(f"{names} 中没有可以保存到历史库的表（客户资料、关键人、走访记录、ICT商机、竞争信息、投诉故障、工单）")
    now = dt.datetime.now().replace(microsecond=0)
    files = [_file_row(b, str(month), now, store.park) for b in books]
    result.files = [(f["file_name"], f["sha256"]) for f in files]
    step(f"写入历史库 {store.shown}…")
    park = store.park
    with store.write() as conn:
        key = str(month)

        def mine(table):  # this park's rows of the month
            return and_(table.c.park == park, table.c.month == key)

        store.register_park(conn)
        before = {r.kind for r in conn.execute(select(s.month_parts.c.kind).where(mine(s.month_parts)))}
        old_files = {(r.file_name, r.sha256, r.kinds) for r in conn.execute(
            select(s.source_files.c.file_name, s.source_files.c.sha256, s.source_files.c.kinds)
            .where(mine(s.source_files)))}
        result.unchanged = {(n, h) for n, h, _k in old_files} == set(result.files) and before == set(rows)
        for kind, kind_rows in rows.items():
            table = s.KIND_TABLES[kind][0]
            conn.execute(delete(table).where(mine(table)))
            conn.execute(delete(s.month_parts).where(and_(mine(s.month_parts), s.month_parts.c.kind == kind)))
            if kind_rows:
                conn.execute(insert(table), kind_rows)
            conn.execute(insert(s.month_parts), [{"park": park, "month": key, "kind": kind, "rows": len(kind_rows),
                                                  "imported_at": now}])
            result.counts[kind] = len(kind_rows)
        # a file is superseded when imported again, or when every kind it brought has been replaced
        new_names = {f["file_name"] for f in files}
        stale = [n for n, _h, k in old_files if n in new_names or set(k.split("、")) <= set(rows)]
        if stale:
            conn.execute(delete(s.source_files).where(and_(mine(s.source_files),
                                                           s.source_files.c.file_name.in_(stale))))
        if files:
            conn.execute(insert(s.source_files), files)
        if indicators is not None:
            conn.execute(delete(s.month_indicators).where(mine(s.month_indicators)))
            if indicators:
                conn.execute(insert(s.month_indicators), [
                    {"park": park, "month": key, "indicator": name, "value": value, "base": base, "recorded_at": now}
                    for name, (value, base) in indicators.items()])
        conn.execute(delete(s.months).where(mine(s.months)))
        conn.execute(insert(s.months), [{"park": park, "month": key, "imported_at": now}])
    result.replaced = sorted(before & set(rows))
    result.kept = sorted(before - set(rows))
    return result


def _file_row(book: Workbook, month: str, now: dt.datetime, park: str) -> dict:
    size = book.path.stat().st_size if book.path.exists() else None
    return {"park": park, "month": month, "file_name": book.path.name, "sha256": book.sha256,
            "kinds": "、".join(sorted(book.tables)), "size": size, "imported_at": now}


def _rows(kind: str, table: Table, rules: RulePack, month: str, skipped: list[Skipped],
          computed: pd.DataFrame | None, park: str) -> list[dict]:
    db_table, mapping = s.KIND_TABLES[kind]
    df = table.df
    columns: dict[str, list] = {}
    for canonical, col in mapping.items():
        sql_type = db_table.c[col].type
        columns[col] = _values(df[canonical], sql_type) if canonical in df.columns else [None] * len(df)
    if kind == CUSTOMER:
        keep = _customer_columns(table, computed, columns, skipped)
    else:
        keep = [True] * len(df)
    if _masks_free_text(rules):
        _mask_text_columns(columns)
    columns["source_file"] = df["_file"].tolist()
    columns["source_sheet"] = df["_sheet"].tolist()
    columns["source_row"] = [int(r) for r in df["_row"]]
    names = list(columns)
    out = []
    for values, ok in zip(zip(*columns.values()), keep):
        if ok:
            row = dict(zip(names, values))
            row["park"], row["month"] = park, month
            out.append(row)
    if kind != CUSTOMER:
        for i, row in enumerate(out):
            row["seq"] = i
    return out


def _masks_free_text(rules: RulePack) -> bool:
    from parkcrm.rules.history import history_rules

    return history_rules(rules).store.free_text == "遮蔽"


_KEYS = {"customer_id", "opportunity_id", "order_id"}  # codes that link the months: kept as written


def _mask_text_columns(columns: dict[str, list]) -> None:
    """IDs and mobiles inside the stored text (visit notes, competition and complaint text, names, notes,
    a tier cell holding an ID) are masked; the linking codes are kept as written."""
    for col, values in columns.items():
        if col not in _KEYS:
            columns[col] = [mask_text(v) if isinstance(v, str) else v for v in values]


def _customer_columns(table: Table, computed: pd.DataFrame | None, columns: dict[str, list],
                      skipped: list[Skipped]) -> list[bool]:
    """Add the computed columns; rows without an ID or with a repeated ID are not stored."""
    df = table.df
    if computed is None or len(computed) != len(df):
        raise ValueError("save_month needs the computed tiers of every customer row (parkcrm.jobs.importing)")
    for col in ("tier", "tier_note", "computed_tier", "spend_fen"):
        columns[col] = _values(computed[col], None)
    ids = df["客户编号"]
    missing = ids.isna().to_numpy()
    repeated = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    first_row = {}
    for i, (cid, file, sheet, row) in enumerate(zip(ids.tolist(), df["_file"], df["_sheet"], df["_row"])):
        if missing[i]:
            skipped.append(Skipped(file, sheet, int(row), "客户编号为空，未保存"))
        elif repeated[i]:
            f0, s0, r0 = first_row[cid]
            skipped.append(Skipped(file, sheet, int(row), f"客户编号 {cid} 重复（第一次出现在 {s0} 第 {r0} 行），只保存第一行"))
        else:
            first_row.setdefault(cid, (file, sheet, int(row)))
    return list(~(missing | repeated))


def _values(series: pd.Series, sql_type) -> list:
    """A column as Python values for the driver: None for missing, dates as date, times as datetime."""
    if pd.api.types.is_datetime64_any_dtype(series):
        if isinstance(sql_type, Date) and not isinstance(sql_type, DateTime):
            return [None if pd.isna(v) else v.date() for v in series]
        return [None if pd.isna(v) else v.to_pydatetime() for v in series]
    return series.astype(object).where(series.notna(), None).tolist()
