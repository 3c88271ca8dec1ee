"""Workbook structure, and the cell problems the reader already found (kept with their codes)."""

from __future__ import annotations

from parkcrm.io.headers import MONTH_COLUMNS
from parkcrm.io.reader import CUSTOMER
from parkcrm.validate.cells import choices
from parkcrm.validate.registry import check

# reader code -> (sheet kind, default severity, title). The reader sets the severity; a
# 级别 in validation.yaml overrides it.
READER_CODES = {
    "column-missing": ("结构", "error", "缺少必需的列或必填列"),
    "header-duplicate": ("结构", "error", "表头重复，无法判断用哪一列"),
    "sheet-unknown": ("结构", "warning", "无法识别的工作表"),
    "sheet-empty": ("结构", "warning", "空工作表或只有表头没有数据"),
    "sheet-hidden": ("结构", "warning", "隐藏的工作表"),
    "cell-stray": ("结构", "warning", "远离数据区域的单元格，未读入"),
    "formula-error": ("*", "error", "单元格是公式错误（#REF!、#DIV/0!、#N/A…）"),
    "id-damaged": ("*", "error", "证件号码以数字保存，已丢失位数"),
    "money-invalid": ("*", "error", "金额不是数字"),
    "money-ambiguous": ("*", "error", "金额写法有歧义"),
    "date-invalid": ("*", "error", "日期无效"),
    "flag-invalid": ("*", "error", "是/否无法识别"),
    "number-invalid": ("*", "error", "不是数字"),
}


def _passthrough(code: str):
    def run(tables, ctx):
        return [p for p in ctx.reader_problems if p.code == code]
    return run


for _code, (_kind, _severity, _title) in READER_CODES.items():
    if _code not in ("column-missing", "sheet-empty"):
        check(_code, _kind, _severity, _title)(_passthrough(_code))


def _read_sheets(ctx):
    """Recognised sheets whose columns were read (not refused for a structure error)."""
    return [info for book in ctx.books for info in book.sheets if info.kind and info.columns]


@check("column-missing", "结构", "error", READER_CODES["column-missing"][2])
def column_missing(tables, ctx):
    out = _passthrough("column-missing")(tables, ctx)
    for info in _read_sheets(ctx):
        spec = ctx.rules.columns.sheets[info.kind]
        for name, col in spec.columns.items():
            if col.required_value and not col.required_header and name not in info.columns:
                aliases = choices([name, *col.aliases])
                out.append(ctx.sheet(info.file, info.name,
                                     f"工作表「{info.name}」没有「{name}」列，而{info.kind}表每行都必须填写{name}；"
                                     f"请增加这一列（可用表头：{aliases}）", info.header_row))
        if info.kind == CUSTOMER and "年度通信费用" not in info.columns \
                and not any(m in info.columns for m in MONTH_COLUMNS):
            aliases = choices(["年度通信费用", *spec.columns["年度通信费用"].aliases])
            out.append(ctx.sheet(info.file, info.name,
                                 f"工作表「{info.name}」既没有年度通信费用列，也没有 1月…12月 费用列，无法分级；"
                                 f"请增加「年度通信费用（万元）」列（可用表头：{aliases}）或每月费用列", info.header_row))
    return out


@check("sheet-empty", "结构", "warning", READER_CODES["sheet-empty"][2])
def sheet_empty(tables, ctx):
    out = _passthrough("sheet-empty")(tables, ctx)
    for info in _read_sheets(ctx):
        if info.data_rows == 0:
            out.append(ctx.sheet(info.file, info.name,
                                 f"工作表「{info.name}」（{info.kind}）只有表头（第 {info.header_row} 行），没有数据行",
                                 info.header_row))
    return out
