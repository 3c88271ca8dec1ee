"""Read any workbook into canonical DataFrames, one Table per sheet kind.

Every data row keeps its file, sheet and Excel row number (_file, _sheet, _row). Cells
that cannot be read become missing values with a Problem saying why; nothing is dropped
silently: blank rows and 合计 rows are counted per sheet, unknown sheets are reported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parkcrm.core.errors import WorkbookError
from parkcrm.io import coerce
from parkcrm.io.duplicates import duplicate_customers
from parkcrm.io.discover import NothingToReadError, discover, nothing_message
from parkcrm.io.extent import stray_problems
from parkcrm.io.grid import ERROR_TEXTS, Grid, load_grids
from parkcrm.io.headers import MONTH_COLUMNS, HeaderMatch, KindMatcher, find_header
from parkcrm.io.sniff import sniff
from parkcrm.core.problems import Problem, column_letter
from parkcrm.rules import RulePack
from parkcrm.core.text import clean_header, norm_key

META = ["_file", "_sheet", "_row"]
# raw text columns: the dtype to_pandas gives text by default ("str"), named so that it skips
# its slower generic conversion
_RAW_TEXT = {t: pd.StringDtype("pyarrow", na_value=np.nan) for t in (pa.string(), pa.large_string())}
CUSTOMER = "客户资料"
Progress = Callable[[str], None]


@dataclass
class ColumnRef:
    header: str  # as in the file, on one line
    letter: str
    unit: str | None = None


@dataclass
class SheetInfo:
    file: str
    name: str
    kind: str | None
    header_row: int | None = None  # Excel row number of the header
    columns: dict[str, ColumnRef] = field(default_factory=dict)  # canonical or extra name -> ref
    data_rows: int = 0
    blank_rows: int = 0
    total_rows: list[int] = field(default_factory=list)
    visible: bool = True
    title: str = ""


@dataclass
class Table:
    """All rows of one sheet kind: typed values in df, the text as written in raw."""

    kind: str
    df: pd.DataFrame
    raw: pd.DataFrame
    sheets: dict[tuple[str, str], SheetInfo]
    extra_columns: list[str] = field(default_factory=list)
    cell_issues: dict[tuple[int, str], Problem] = field(default_factory=dict)

    def ref(self, label: int, column: str) -> tuple[SheetInfo, ColumnRef | None]:
        row = self.df.loc[label]
        info = self.sheets[(row["_file"], row["_sheet"])]
        return info, info.columns.get(column)

    def problem(self, label: int, column: str, code: str, severity: str, message: str, value: str = "") -> Problem:
        """A Problem located at the cell of this row and canonical column."""
        row = self.df.loc[label]
        info = self.sheets[(row["_file"], row["_sheet"])]
        ref = info.columns.get(column)
        excel_row = int(row["_row"])
        return Problem(
            code=code, severity=severity, message=message, file=info.file, sheet=info.name,
            row=excel_row, column=ref.header if ref else column,
            cell=f"{ref.letter}{excel_row}" if ref else "", value=value,
        )


@dataclass
class Workbook:
    path: Path
    format: str
    sha256: str
    tables: dict[str, Table]
    sheets: list[SheetInfo]
    problems: list[Problem]
    encoding: str | None = None

    @property
    def title(self) -> str:
        return next((s.title for s in self.sheets if s.title), "")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_lock_file(path: Path) -> bool:
    """Excel's own owner files (~$name.xlsx) are not data."""
    return path.name.startswith("~$") or path.name.startswith(".~lock.")


def read_workbook(path: Path | str, rules: RulePack, progress: Progress | None = None) -> Workbook:
    """Read one file. Raises WorkbookError when the file cannot be read at all."""
    return _parse(Path(path), _start(Path(path)), rules, progress)


def _start(path: Path):
    """Sniff the file and start loading its sheets (in threads); a WorkbookError is kept for later."""
    try:
        fmt = sniff(path)
        return fmt, *load_grids(path, fmt)
    except WorkbookError as exc:
        return exc


def _parse(path: Path, started, rules: RulePack, progress: Progress | None) -> Workbook:
    if isinstance(started, WorkbookError):
        raise started
    fmt, grids, facts = started
    if progress:
        progress(f"读取 {path.name}")
    matchers = [KindMatcher(k, spec) for k, spec in rules.columns.sheets.items()]
    # sheets arrive as they finish loading; results are put back in workbook order
    done: dict[int, tuple[SheetInfo, tuple | None, list[Problem]]] = {}
    for position, grid in grids:
        if progress:
            progress(f"解析 {path.name} / {grid.name}")
        found: list[Problem] = []
        info, part = _read_sheet(path.name, grid, matchers, rules, found)
        done[position] = (info, part, found)
    problems: list[Problem] = []
    parts: dict[str, list[tuple[pd.DataFrame, pd.DataFrame, SheetInfo, dict]]] = {}
    infos: list[SheetInfo] = []
    for position in sorted(done):
        info, part, found = done[position]
        infos.append(info)
        problems += found
        if part is not None:
            parts.setdefault(info.kind, []).append(part)
    tables = {kind: _concat(kind, items, rules) for kind, items in parts.items()}
    return Workbook(path, fmt, sha256_of(path), tables, infos, problems, facts.get("encoding"))


def read_workbooks(paths: Iterable[Path | str], rules: RulePack, progress: Progress | None = None
                   ) -> tuple[list[Workbook], dict[str, Table], list[Problem], list[tuple[Path, str]]]:
    """Read several files; one that fails is reported and the others go on.

    The next file starts loading while one is parsed. Returns (workbooks, tables merged by
    kind across files, problems, failures).
    """
    return _read_files(expand_paths(paths), rules, progress)


def _read_files(files: list[Path], rules: RulePack, progress: Progress | None):
    books, failures = [], []
    upcoming = _start(files[0]) if files else None
    for i, p in enumerate(files):
        started, upcoming = upcoming, (_start(files[i + 1]) if i + 1 < len(files) else None)
        try:
            books.append(_parse(p, started, rules, progress))
        except WorkbookError as exc:
            failures.append((Path(p), str(exc)))
    merged: dict[str, list[Table]] = {}
    for b in books:
        for kind, t in b.tables.items():
            merged.setdefault(kind, []).append(t)
    tables = {k: merge_tables(ts) for k, ts in merged.items()}
    problems = [p for b in books for p in b.problems]
    problems += duplicate_customers(tables.get(CUSTOMER))  # in every command, across the files read together
    return books, tables, problems, failures


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; folders expand to their input workbooks (see parkcrm.io.discover)."""
    return discover(paths).files


@dataclass
class ReadInputs:
    """What a command works on: the workbooks read, and the files skipped or unreadable, with why."""

    books: list[Workbook]
    tables: dict[str, Table]
    problems: list[Problem]
    failures: list[tuple[Path, str]]  # files that could not be read; the others were
    skipped: list[tuple[Path, str]]
    notes: list[str]

    def as_tuple(self):
        return self.books, self.tables, self.problems, self.failures


def read_inputs(paths: Iterable[Path | str], rules: RulePack, progress: Progress | None = None) -> ReadInputs:
    """Discover and read the inputs. A file that cannot be read is listed and the rest go on;
    NothingToReadError (exit 2) when nothing is left to work on: no input file, none readable,
    or no data row (a customer sheet with a header and no rows)."""
    paths = [Path(p) for p in paths]
    found = discover(paths)
    if not found.files:
        where = "、".join(str(p) for p in paths) or "（未给出）"
        raise NothingToReadError(nothing_message(
            f"在 {where} 中没有可读取的工作簿（.xlsx、.xlsm、.xls、.ods、.csv），没有可处理的数据。", found.skipped))
    books, tables, problems, failures = _read_files(found.files, rules, progress)
    if not books:
        raise NothingToReadError(nothing_message("给出的工作簿都无法读取，没有可处理的数据。", found.skipped, failures))
    empty = nothing_in(tables)
    if empty:
        raise NothingToReadError(nothing_message(empty, found.skipped, failures))
    return ReadInputs(books, tables, problems, failures, found.skipped, found.notes)


def nothing_in(tables: dict[str, Table]) -> str | None:
    """Why there is nothing to work on although sheets were found (header-only sheets), or None."""
    def sheets(t: Table) -> str:
        return "、".join(f"{f} /「{s}」" for f, s in t.sheets)

    customers = tables.get(CUSTOMER)
    if customers is not None and len(customers.df) == 0:
        return f"客户资料表只有表头，没有数据行（{sheets(customers)}），没有可处理的客户。"
    if tables and all(len(t.df) == 0 for t in tables.values()):
        return "工作表只有表头，没有数据行（" + "；".join(sheets(t) for t in tables.values()) + "），没有可处理的数据。"
    return None


def merge_tables(tables: list[Table]) -> Table:
    if len(tables) == 1:
        return tables[0]
    offset = 0
    dfs, raws, issues, sheets, extras = [], [], {}, {}, []
    # rows labelled 0…n-1 in every table (as the reader makes them): concat numbers them on by itself
    numbered = all(_numbered(t.df) and _numbered(t.raw) for t in tables)
    for t in tables:
        # new frames on the same data (copy-on-write): the tables given stay as they are
        df, raw = ((t.df, t.raw) if numbered
                   else (t.df.set_axis(t.df.index + offset), t.raw.set_axis(t.raw.index + offset)))
        issues.update({(label + offset, col): p for (label, col), p in t.cell_issues.items()})
        sheets.update(t.sheets)
        extras += [c for c in t.extra_columns if c not in extras]
        dfs.append(df)
        raws.append(raw)
        offset += len(df)
    return Table(tables[0].kind, pd.concat(dfs, ignore_index=numbered), pd.concat(raws, ignore_index=numbered),
                 sheets, extras, issues)


def _numbered(frame: pd.DataFrame) -> bool:
    index = frame.index
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


# ---- one sheet --------------------------------------------------------------------------

def _head_rows(grid: Grid, n: int = 30) -> list[list[object]]:
    head = grid.table.slice(0, n)
    cols = [c.to_pylist() for c in head.columns]
    return [list(r) for r in zip(*cols)] if cols else []


def header_like(head: list[list[object]]) -> tuple[int, list[str]] | None:
    """The first row that looks like a header (two or more filled cells, most of them text, not
    numbers or dates): its index in head and its cells as written. None when no row does."""
    for r, row in enumerate(head):
        cells = [v for v in row if v not in (None, "") and str(v).strip()]
        texts = [clean_header(v) for v in cells if isinstance(v, str)]
        if len(cells) >= 2 and len(texts) * 2 > len(cells):
            return r, [t for t in texts if t]
    return None


def _read_sheet(fname: str, grid: Grid, matchers: list[KindMatcher], rules: RulePack, problems: list[Problem]):
    info = SheetInfo(file=fname, name=grid.name, kind=None, visible=grid.visible)
    if grid.stray is not None:  # cells far outside the data, left out before the reader sized its grid
        problems.extend(stray_problems(grid.stray, fname, grid.name))
    head = _head_rows(grid)
    if head:
        first = next((str(v) for v in head[0] if v not in (None, "")), "")
        info.title = first
    if grid.height == 0 or not head:
        problems.append(Problem("sheet-empty", "warning", f"工作表「{grid.name}」是空的，已跳过", fname, grid.name))
        return info, None
    guess = find_header(head, matchers, grid.name)
    if guess is None:
        named = next((m for m in matchers if m.matches_sheet_name(grid.name)), None)
        found = header_like(head)
        if named:
            problems.append(Problem(
                "column-missing", "error",
                f"工作表「{grid.name}」看起来是{named.kind}表，但在前 30 行找不到表头：应包含 "
                + "、".join(f"「{s}」（或 {'、'.join(named.spec.columns[s].aliases) or '无别名'}）" for s in named.spec.signature)
                + " 等列（别名可在 columns.yaml 中增加）"
                + (f"；第 {grid.first_row + found[0]} 行的表头是：" + "、".join(f"「{h}」" for h in found[1])
                   if found else ""),
                fname, grid.name, grid.first_row + found[0] if found else None, value="\t".join(found[1]) if found else ""))
        else:
            problems.append(Problem(
                "sheet-unknown", "warning",
                f"工作表「{grid.name}」不是可识别的表（客户资料、关键人、走访记录、ICT商机等），已跳过"
                + (f"；第 {grid.first_row + found[0]} 行的表头是：" + "、".join(f"「{h}」" for h in found[1])
                   if found else ""),
                fname, grid.name, grid.first_row + found[0] if found else None, value="\t".join(found[1]) if found else ""))
        return info, None
    matcher = next(m for m in matchers if m.kind == guess.kind)
    spec = matcher.spec
    info.kind = guess.kind
    info.header_row = grid.first_row + guess.row
    if not grid.visible:
        problems.append(Problem("sheet-hidden", "warning",
                                f"工作表「{grid.name}」是隐藏的工作表，已按{guess.kind}读入，请确认是否应包含", fname, grid.name))
    header_cells = head[guess.row]

    # canonical columns, duplicates refused, unmatched headers kept as extra columns
    chosen: dict[str, tuple[int, HeaderMatch]] = {}
    extras: dict[str, int] = {}
    fatal = False
    for c, hm in guess.matches.items():
        letter = column_letter(grid.col_index[c])
        if hm.canonical in chosen:
            prev = chosen[hm.canonical][0]
            problems.append(Problem(
                "header-duplicate", "error",
                f"「{clean_header(header_cells[prev])}」（{column_letter(grid.col_index[prev])}列）和"
                f"「{clean_header(header_cells[c])}」（{letter}列）都对应「{hm.canonical}」，无法判断用哪一列；请删除或改名其中一列",
                fname, grid.name, info.header_row, clean_header(header_cells[c]), f"{letter}{info.header_row}"))
            fatal = True
            continue
        chosen[hm.canonical] = (c, hm)
    for c, cell in enumerate(header_cells):
        if c in guess.matches:
            continue
        header = clean_header(cell)
        if not header:
            column = grid.table.column(c).slice(guess.row + 1)
            if column.null_count < len(column):
                header = f"({column_letter(grid.col_index[c])}列)"
            else:
                continue
        if header in extras:
            problems.append(Problem(
                "header-duplicate", "warning",
                f"表头「{header}」出现了两次（{column_letter(grid.col_index[extras[header]])}列和 "
                f"{column_letter(grid.col_index[c])}列），只读入第一列", fname, grid.name, info.header_row, header,
                f"{column_letter(grid.col_index[c])}{info.header_row}"))
            continue
        extras[header] = c
    for name, col in spec.columns.items():
        if col.required_header and name not in chosen:
            aliases = "、".join([name, *col.aliases])
            problems.append(Problem(
                "column-missing", "error",
                f"工作表「{grid.name}」缺少必需的「{name}」列（可用表头：{aliases}），该表未读入",
                fname, grid.name, info.header_row))
            fatal = True
    if fatal:
        return info, None

    for name, (c, hm) in chosen.items():
        info.columns[name] = ColumnRef(clean_header(header_cells[c]), column_letter(grid.col_index[c]), hm.unit)
    for header, c in extras.items():
        info.columns[header] = ColumnRef(header, column_letter(grid.col_index[c]))

    # data rows as text
    start = guess.row + 1
    order = list(chosen) + list(extras)
    positions = [chosen[n][0] for n in chosen] + list(extras.values())
    body = grid.table.slice(start)
    arrays = {}
    for name, pos in zip(order, positions):
        arr = body.column(pos)
        if arr.type != pa.string():
            arr = pc.cast(arr, pa.string())
        arrays[name] = arr
    height = body.num_rows if arrays else 0
    rows = np.arange(grid.first_row + start, grid.first_row + start + height)  # Excel row of each body row

    # blank and 合计 rows, decided on the arrow columns (no per-cell Python)
    blank = _blank_rows(list(arrays.values()), height)
    err_rows = {r for (r, _c) in grid.errors}
    if err_rows:
        blank &= ~np.isin(rows, list(err_rows))
    markers = pa.array(sorted({norm_key(m) for m in rules.columns.total_markers}), pa.large_string())
    probe_cols = [n for n in order[:3]] + [n for n in ("客户名称", "客户编号") if n in arrays]
    total = np.zeros(height, dtype=bool)
    longest = max((len(m) for m in rules.columns.total_markers), default=0) + 2
    for n in dict.fromkeys(probe_cols):
        column = pc.cast(arrays[n], pa.large_string())
        short = pc.fill_null(pc.less_equal(pc.utf8_length(column), longest), False).to_numpy(zero_copy_only=False)
        if not short.any():  # a 合计 cell is a short cell: most columns need no closer look
            continue
        keys = pc.utf8_lower(coerce.drop_spaces(coerce.normalise_arrow(column)))
        total |= short & pc.fill_null(pc.is_in(keys, value_set=markers), False).to_numpy(zero_copy_only=False)
    if "客户编号" in arrays and total.any():  # a 合计 name with a customer ID is a customer
        ids = pc.utf8_lower(coerce.drop_spaces(coerce.normalise_arrow(pc.cast(arrays["客户编号"], pa.large_string()))))
        has_id = pc.and_(pc.is_valid(ids), pc.invert(pc.is_in(ids, value_set=markers))).to_numpy(zero_copy_only=False)
        total &= ~has_id
    info.blank_rows = int(blank.sum())
    info.total_rows = rows[total & ~blank].tolist()
    keep = ~(blank | total)
    # the rows kept are taken in arrow, before pandas sees them (no copy when all are kept)
    table = pa.table(arrays) if keep.all() else pa.table(arrays).filter(keep)
    raw = table.to_pandas(types_mapper=_RAW_TEXT.get, ignore_metadata=True) if arrays else pd.DataFrame()
    raw.index = pd.RangeIndex(len(raw))
    excel_rows = pd.Series(rows[keep], index=raw.index)
    info.data_rows = len(raw)

    typed, issues = _type_columns(raw, excel_rows, spec, chosen, grid, info, rules)
    # the frame is built once, where and what each row is first (inserting columns costs a copy each)
    columns = {"_file": pd.Series(fname, index=raw.index), "_sheet": pd.Series(grid.name, index=raw.index),
               "_row": excel_rows.astype("int64"), **typed}
    if guess.kind == CUSTOMER and "片区" not in chosen:
        generic = any(norm_key(grid.name) == norm_key(n) for n in spec.sheet_names)
        columns["片区"] = pd.Series(pd.NA if generic else grid.name, index=raw.index, dtype="string")
    df = pd.DataFrame(columns, index=raw.index, copy=False)  # the columns are new: no copy needed
    problems.extend(issues.values())
    return info, (df, raw, info, issues)


def _blank_rows(arrays: list, height: int) -> np.ndarray:
    """Rows whose every cell is empty or only whitespace: one pass over all the columns, laid
    end to end (each a chunk), instead of three arrow calls a column."""
    if not arrays:
        return np.ones(height, dtype=bool)
    cells = pa.chunked_array([chunk for arr in arrays for chunk in arr.chunks], arrays[0].type)
    empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(cells), ""), True).to_numpy(zero_copy_only=False)
    return empty.reshape(len(arrays), height).all(axis=0)


def _type_columns(raw: pd.DataFrame, excel_rows: pd.Series, spec, chosen, grid: Grid, info: SheetInfo, rules: RulePack):
    """Typed canonical columns by name, and the cell problems met on the way (keyed by (label, column))."""
    issues: dict[tuple[int, str], Problem] = {}
    out = {}
    row_of = excel_rows.to_numpy()
    columns = dict(raw.items())  # each column taken out of the frame once

    def add(label: int, column: str, code: str, message: str, value: str = "", severity: str = "error") -> None:
        ref = info.columns[column]
        r = int(row_of[label])
        issues[(label, column)] = Problem(code, severity, message, info.file, info.name, r, ref.header,
                                          f"{ref.letter}{r}", value)

    # cached formula errors: the cell is missing, with the reason
    # (every column read, extra ones too: a formula error anywhere in the data is reported)
    name_of_letter = {ref.letter: name for name, ref in info.columns.items()}
    if grid.errors:
        label_of_row = {int(r): i for i, r in enumerate(row_of)}
        for (r, abs_col), err in grid.errors.items():
            name = name_of_letter.get(column_letter(abs_col))
            if name and r in label_of_row:
                if err.startswith("#"):
                    text = f"「{info.columns[name].header}」是公式错误 {err}，按缺失处理；请修正公式或填入数值"
                else:
                    text = (f"「{info.columns[name].header}」是公式，但文件中没有计算结果（可能由其他程序生成、"
                            "未在 Excel 中保存过），按缺失处理；请在 Excel 中打开并保存一次，或填入数值")
                add(label_of_row[r], name, "formula-error", text, err)

    # only a column holding long digit strings can hold IDs Excel stored as numbers
    candidates: dict[int, set[int]] = {}
    id_cols = []
    for name in chosen:
        if name in spec.columns and spec.columns[name].type == "证件号":
            long_digits = pc.fill_null(pc.match_substring_regex(coerce.to_arrow(columns[name]), r"^[0-9]{15,}$"),
                                       False).to_numpy(zero_copy_only=False)
            if long_digits.any():
                id_cols.append(name)
                candidates[chosen[name][0]] = {int(r) for r in row_of[long_digits]}
    if id_cols and grid.numeric_probe:
        numeric = grid.numeric_probe([chosen[n][0] for n in id_cols], candidates)
        label_of_row = {int(r): i for i, r in enumerate(row_of)}
        for n in id_cols:
            for r, v in numeric.get(chosen[n][0], {}).items():
                if abs(v) >= 1e15 and r in label_of_row:
                    shown = f"{v:.5E}".replace("E+", "E+")
                    add(label_of_row[r], n, "id-damaged",
                        f"「{n}」以数字格式保存（显示为 {shown}），Excel 只保留 15 位有效数字，后几位已丢失，"
                        "无法恢复；请把该列设为文本格式后重新录入完整号码", shown)

    # the money columns (the twelve monthly fees, the annual spend) in one pass
    units: dict[str, str] = {}
    for name in raw.columns:
        col = spec.columns.get(name)
        if name in MONTH_COLUMNS and spec.monthly_fees and name in chosen:
            units[name] = chosen[name][1].unit or spec.monthly_fees.unit
        elif col is not None and col.type == "金额":
            units[name] = chosen[name][1].unit or col.unit or rules.tiers.unit
    money = dict(zip(units, coerce.parse_money_many([(columns[n], coerce.FEN_PER[u]) for n, u in units.items()])))

    together = len(raw) <= TOGETHER_ROWS
    plain = _plain_columns(columns, spec, money, together)
    dates = _date_columns(columns, spec, money, together)
    for name, series in columns.items():
        col = spec.columns.get(name)
        if name in money:
            typed, fails = money[name]
            info.columns[name].unit = units[name]
        elif col is None:
            continue  # extra columns stay text, in raw only
        elif col.type == "数值":
            typed, fails = coerce.parse_number(series)
        elif col.type in ("日期", "时间"):
            typed, fails = dates[name]
            _flag_leap_day(series, typed, fails, grid, chosen[name][0], row_of)
        elif col.type == "是否":
            typed, fails = coerce.parse_flags(series, rules.vocab("是否"))
        elif name in plain:  # IDs, phones, tiers and plain text, typed together
            typed, fails = plain[name], {}
        else:
            typed, fails = coerce.map_vocab(series, rules.vocab(col.vocabulary)), {}
        for label, (code, message) in fails.items():
            if (label, name) in issues:
                continue
            text = str(series[label]).strip()
            if text in ERROR_TEXTS:
                add(label, name, "formula-error", f"「{info.columns[name].header}」是公式错误 {text}，按缺失处理", text)
            else:
                add(label, name, code, f"「{info.columns[name].header}」{message}", text)
        for (label, cname) in [k for k in issues if k[1] == name and issues[k].code == "id-damaged"]:
            typed[label] = pd.NA
        out[name] = typed
    return out, issues


# Up to this many rows, a sheet's plain columns are typed together: what that saves is a fixed
# cost per column. Larger sheets go column by column, where each column keeps its own shortcuts
# (an all-ASCII column skips NFKC, one without spaces skips their removal).
TOGETHER_ROWS = 5_000


def _date_columns(columns: dict[str, pd.Series], spec, money: dict, together: bool
                  ) -> dict[str, tuple[pd.Series, dict]]:
    """The date and time columns, as coerce.parse_dates reads them (together: in one pass)."""
    wanted = {name: spec.columns[name].type == "时间" for name in columns
              if name not in money and name in spec.columns and spec.columns[name].type in ("日期", "时间")}
    pairs = [(columns[name], with_time) for name, with_time in wanted.items()]
    if not together:
        return {name: coerce.parse_dates(series, with_time) for name, (series, with_time) in zip(wanted, pairs)}
    return dict(zip(wanted, coerce.parse_dates_many(pairs)))


def _plain_columns(columns: dict[str, pd.Series], spec, money: dict, together: bool) -> dict[str, pd.Series]:
    """The ID, phone, tier and plain text columns, typed in two passes over all of them (see
    coerce.normalise_codes); the same values as normalise_code, normalise_tier and strip_text."""
    codes, texts = {}, {}
    for name, series in columns.items():
        col = spec.columns.get(name)
        if name in money or col is None or col.type in ("数值", "日期", "时间", "是否"):
            continue
        if col.type in ("编号", "证件号", "电话", "等级"):
            codes[name] = series
        elif not col.vocabulary:
            texts[name] = series
    upper = [spec.columns[name].type == "等级" for name in codes]
    if not together:  # column by column (see TOGETHER_ROWS)
        typed = {name: coerce.normalise_tier(s) if up else coerce.normalise_code(s)
                 for (name, s), up in zip(codes.items(), upper)}
        typed.update({name: coerce.strip_text(s) for name, s in texts.items()})
        return typed
    typed = dict(zip(codes, coerce.normalise_codes(list(codes.values()), upper))) if codes else {}
    if texts:
        typed.update(zip(texts, coerce.strip_texts(list(texts.values()))))
    return typed


def _flag_leap_day(series: pd.Series, typed: pd.Series, fails: dict, grid: Grid, column: int, row_of) -> None:
    """A date cell holding serial 60 (Excel's 1900-02-29, which never was) comes back from the
    reader as 1900-02-28: look up the few such cells in the file and fail them."""
    maybe = pc.fill_null(pc.starts_with(coerce.to_arrow(series), "1900-02-28"), False).to_numpy(zero_copy_only=False)
    if not maybe.any() or grid.numeric_probe is None:
        return
    rows = {int(r) for r in row_of[maybe]}
    stored = grid.numeric_probe([column], {column: rows}).get(column, {})
    for label in np.flatnonzero(maybe):
        value = stored.get(int(row_of[label]))
        if value is not None and coerce.EXCEL_LEAP_BUG_SERIAL <= value < coerce.EXCEL_LEAP_BUG_SERIAL + 1:
            fails[series.index[label]] = ("date-invalid", f"是 Excel 日期序列值 60，{coerce.LEAP_BUG}")
            typed.iloc[label] = pd.NaT


def _concat(kind: str, items: list, rules: RulePack) -> Table:
    spec = rules.columns.sheets[kind]
    tables = []
    for df, raw, info, sheet_issues in items:
        extras = [c for c in raw.columns if c not in spec.columns and c not in MONTH_COLUMNS]
        tables.append(Table(kind, df, raw, {(info.file, info.name): info}, extras, dict(sheet_issues)))
    return merge_tables(tables)
