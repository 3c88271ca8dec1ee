"""Renderers of a ValidationReport: JSON (workbooks.md contract), an xlsx problem list, an HTML page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from parkcrm import __version__
from parkcrm.core.errors import ParkcrmError
from parkcrm.validate.run import ValidationReport, gc_paused

SEVERITY = {"error": "错误", "warning": "警告"}
PROBLEM_COLUMNS = ["文件", "工作表", "行", "列", "单元格", "代码", "级别", "说明"]


def listed(report: ValidationReport, max_problems: int | None) -> list:
    return report.problems if max_problems is None else report.problems[:max_problems]


def to_json(report: ValidationReport, max_problems: int | None = None, encoded: bool = False) -> dict:
    """encoded: the problems as privacy.EncodedItems (for cli.jsonout.dumps) instead of a list of dicts."""
    problems = listed(report, max_problems)
    summary = dict(report.summary)
    summary.pop("工作区", None)  # the JSON envelope's workspace says it (docs/json.md)
    summary["listed"] = len(problems)
    summary["truncated"] = len(problems) < len(report.problems)
    items = encoded_problems(problems) if encoded else [p.as_dict() for p in problems]
    return {"problems": items, "summary": summary}


_FIELDS = ("code", "severity", "message", "file", "sheet", "row", "column", "cell")  # Problem.as_dict's keys
_JSON_ESCAPED = r'[\x00-\x1f"\\]'  # what json's encode_basestring (ensure_ascii=False) escapes


def encoded_problems(problems: list):
    """[p.as_dict() for p in problems] as privacy.EncodedItems: each item's JSON text, masked or not, the
    same as json.dumps(mask_json_data(item) or item, ensure_ascii=False) writes it, assembled column by
    column in pyarrow (100,000s of findings: only the few texts a mask rule may change, or that need
    escaping, go through Python one by one)."""
    from parkcrm.core.privacy import EncodedItems

    def encode(masked: bool):
        if not problems:
            return []
        with gc_paused():  # 100,000s of new strings: no collection walks them all again
            return _encoded_rows(problems, masked)

    return EncodedItems(encode)


def _encoded_rows(problems: list, masked: bool):
    """The items' JSON texts: a pyarrow text array (or a list, when some field is not plain text)."""
    import json
    from json.encoder import encode_basestring
    from operator import attrgetter

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from parkcrm.core.privacy import mask_json_data, mask_text, may_change

    columns = [list(map(attrgetter(f), problems)) for f in _FIELDS]
    rows = columns.pop(5)
    if not (all(set(map(type, col)) <= {str} for col in columns) and set(map(type, rows)) <= {int, type(None)}):
        dump = json.JSONEncoder(ensure_ascii=False, default=str).encode  # anything else: item by item
        return [dump(mask_json_data(p.as_dict()) if masked else p.as_dict()) for p in problems]
    text = pa.large_string()

    def inner(col: list[str]):
        """The column's texts (masked) as in JSON string literals, without their quotes."""
        distinct = dict.fromkeys(col)
        if len(distinct) * 4 <= len(col):  # code, severity, file, sheet, column: each distinct text once
            literals = [encode_basestring(mask_text(t) if masked else t)[1:-1] for t in distinct]
            number = {t: i for i, t in enumerate(distinct)}
            return pc.take(pa.array(literals, text), pa.array(np.fromiter(map(number.__getitem__, col), np.int64, len(col))))
        arr = pa.array(col, text)
        if masked:
            picked = may_change(arr)
            if len(picked):
                col = list(col)
                for i in picked.tolist():
                    col[i] = mask_text(col[i])
                arr = pa.array(col, text)
        data = arr.buffers()[2]  # every text's UTF-8 bytes (in which no byte of a multi-byte character is < 0x80)
        data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        if not ((data < 0x20).any() or (data == ord('"')).any() or (data == ord("\\")).any()):
            return arr  # no text needs escaping (one pass over the bytes: faster than the regex)
        escaped = pc.match_substring_regex(arr, _JSON_ESCAPED).to_numpy(zero_copy_only=False)
        if escaped.any():
            literals = [encode_basestring(col[i])[1:-1] for i in np.flatnonzero(escaped).tolist()]
            arr = pc.replace_with_mask(arr, pa.array(escaped), pa.array(literals, text))
        return arr

    try:
        values = [inner(col) for col in columns]
        values.insert(5, pc.fill_null(pc.cast(pa.array(rows, pa.int64()), text), "null"))
    except (pa.ArrowException, UnicodeError, OverflowError):  # not encodable as UTF-8, a huge number: in Python
        dump = json.JSONEncoder(ensure_ascii=False, default=str).encode
        return [dump(mask_json_data(p.as_dict()) if masked else p.as_dict()) for p in problems]
    # {"code": "…", "severity": "…", …, "row": 17, …}: the literal parts between the columns merged
    pieces: list = []
    for i, (field, value) in enumerate(zip(_FIELDS, values)):
        quote = "" if field == "row" else '"'
        pieces += [("{" if i == 0 else ", ") + encode_basestring(mask_text(field) if masked else field) + ": " + quote,
                   value, quote]
    pieces.append("}")
    merged: list = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return pc.binary_join_element_wise(*[pa.scalar(x, text) if isinstance(x, str) else x for x in merged],
                                       pa.scalar("", text))


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _met(met: bool | None) -> str:
    return "—" if met is None else ("达标" if met else "未达标")


def quality_rows(report: ValidationReport) -> list[dict]:
    """Quality figures as rows: 指标, 项目, 实际, 目标, 结论, 说明."""
    q = report.quality
    rows = []
    comp = q.get("completeness")
    if comp:
        for f in comp["fields"]:
            item = f["field"] if f.get("sheet", "客户资料") == "客户资料" else f"{f['scope']}：{f['field']}"
            rows.append({"指标": "完整率", "项目": item, "实际": _pct(f["rate"]), "目标": f"≥ {comp['target']:.0%}",
                         "结论": _met(f["met"]), "说明": f"{f['filled']} / {f['total']} 行已填写"})
        for sc in comp.get("scopes", []):
            rows.append({"指标": "完整率", "项目": f"{sc['scope']}（合计）", "实际": _pct(sc["rate"]),
                         "目标": f"≥ {comp['target']:.0%}", "结论": _met(sc["met"]),
                         "说明": f"{sc['rows']} 行，{sc['filled']} / {sc['total']} 个必填单元格已填写"})
        o = comp["overall"]
        rows.append({"指标": "完整率", "项目": "总体", "实际": _pct(o["rate"]), "目标": f"≥ {comp['target']:.0%}",
                     "结论": _met(o["met"]), "说明": f"{o['filled']} / {o['total']} 个必填单元格已填写"})
    for a in q.get("accuracy", []):
        target = "—" if a["target"] is None else f"≥ {a['target']:.0%}"
        tiers = "、".join(a["tiers"]) if a["tiers"] else "费用和核定等级都无法确定等级的客户"
        rows.append({"指标": "准确率", "项目": a["group"], "实际": _pct(a["rate"]), "目标": target, "结论": _met(a["met"]),
                     "说明": f"{a['rows_ok']} / {a['rows']} 行没有错误（{tiers}）"})
    if not rows and q.get("note"):
        rows.append({"指标": "—", "项目": "—", "实际": "—", "目标": "—", "结论": "—", "说明": q["note"]})
    return rows


def problem_frame(report: ValidationReport, max_problems: int | None = None) -> pd.DataFrame:
    problems = listed(report, max_problems)
    return pd.DataFrame({
        "文件": [p.file for p in problems], "工作表": [p.sheet for p in problems],
        "行": pd.array([p.row for p in problems], dtype="Int64"), "列": [p.column for p in problems],
        "单元格": [p.cell for p in problems], "代码": [p.code for p in problems],
        "级别": [SEVERITY[p.severity] for p in problems], "说明": [p.message for p in problems],
    }, columns=PROBLEM_COLUMNS)


def code_frame(report: ValidationReport) -> pd.DataFrame:
    return pd.DataFrame([{"代码": c["code"], "检查内容": c["title"], "错误": c["errors"], "警告": c["warnings"],
                          "合计": c["count"]} for c in report.summary["codes"]],
                        columns=["代码", "检查内容", "错误", "警告", "合计"])


def about_rows(report: ValidationReport, mask: bool, max_problems: int | None, now: dt.datetime | None = None) -> list[dict]:
    s = report.summary
    now = now or dt.datetime.now().replace(microsecond=0)
    shown = len(listed(report, max_problems))
    rows = [
        {"项目": "工具", "内容": f"parkcrm {__version__} validate"},
        {"项目": "运行时间", "内容": now.isoformat(sep=" ")},
        {"项目": "数据月份", "内容": f"{s['month']}（{s['month_source']}）"},
        {"项目": "问题", "内容": f"共 {s['problems']} 个：错误 {s['errors']} 个，警告 {s['warnings']} 个"
                                + (f"；本清单只列出前 {shown} 个（--max-problems）" if shown < s["problems"] else "")},
        {"项目": "个人信息", "内容": "已脱敏（身份证号保留前6后4位，手机号保留前3后4位）" if mask else "未脱敏（--no-mask）"},
    ]
    rows += [{"项目": "输入文件", "内容": f"{f['file']}（{f['format']}，SHA-256 {f['sha256']}）"} for f in s["files"]]
    rows += [{"项目": "无法读取", "内容": f"{p.name}：{msg}（未校验，其他文件照常校验）"} for p, msg in report.unreadable]
    rows += [{"项目": "已跳过", "内容": f"{p.name}：{reason}"} for p, reason in report.skipped]
    # the workspace the command used (parkcrm.workspace.Workspace.about): rules, templates, store and why
    rows += [{"项目": k, "内容": v} for item in s.get("工作区", []) for k, v in item.items()]
    return rows


def write_report(path: Path, report: ValidationReport, mask: bool = True, max_problems: int | None = None) -> list[str]:
    """Write the report as .xlsx or .html (by the extension); returns truncated cells (xlsx)."""
    from parkcrm.io.writer import write_text

    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_report_xlsx(path, report, mask, max_problems)
    if suffix in (".html", ".htm"):
        write_text(path, render_html(report, mask, max_problems), mask=mask)
        return []
    raise ParkcrmError(f"--out 只支持 .xlsx 或 .html 文件，收到「{path.name}」")


def write_report_xlsx(path: Path, report: ValidationReport, mask: bool = True, max_problems: int | None = None) -> list[str]:
    from parkcrm.io.writer import SheetSpec, write_xlsx

    level_fill = {"级别": {"错误": "#FFC7CE", "警告": "#FFEB9C"}}
    verdict_fill = {"结论": {"达标": "#C6EFCE", "未达标": "#FFC7CE"}}
    return write_xlsx(path, [
        SheetSpec("问题清单", problem_frame(report, max_problems), fill_by_value=level_fill,
                  widths={"文件": 24, "工作表": 16, "行": 7, "列": 16, "单元格": 8, "代码": 18, "级别": 6, "说明": 90}),
        SheetSpec("按代码汇总", code_frame(report), widths={"代码": 20, "检查内容": 60}),
        SheetSpec("质量指标", pd.DataFrame(quality_rows(report), columns=["指标", "项目", "实际", "目标", "结论", "说明"]),
                  fill_by_value=verdict_fill, widths={"项目": 16, "说明": 50}),
        SheetSpec("说明", pd.DataFrame(about_rows(report, mask, max_problems), columns=["项目", "内容"]),
                  autofilter=False, widths={"项目": 12, "内容": 100}),
    ], mask=mask, kind="校验报告")


_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>数据质量校验报告 {{ summary.month }}</title>
<style>
body{font-family:"Microsoft YaHei","PingFang SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#DDEBF7}.error{background:#FFC7CE}.warning{background:#FFEB9C}.met{background:#C6EFCE}.unmet{background:#FFC7CE}
</style></head><body>
<h1>数据质量校验报告（{{ summary.month }}）</h1>
<p>共 {{ summary.problems }} 个问题：错误 {{ summary.errors }} 个，警告 {{ summary.warnings }} 个。</p>
<h2>质量指标</h2>
<table><tr><th>指标</th><th>项目</th><th>实际</th><th>目标</th><th>结论</th><th>说明</th></tr>
{% for r in quality %}<tr><td>{{ r["指标"] }}</td><td>{{ r["项目"] }}</td><td>{{ r["实际"] }}</td><td>{{ r["目标"] }}</td>
<td class="{{ 'met' if r['结论'] == '达标' else ('unmet' if r['结论'] == '未达标' else '') }}">{{ r["结论"] }}</td><td>{{ r["说明"] }}</td></tr>
{% endfor %}</table>
<h2>按代码汇总</h2>
<table><tr><th>代码</th><th>检查内容</th><th>错误</th><th>警告</th><th>合计</th></tr>
{% for c in summary.codes %}<tr><td>{{ c.code }}</td><td>{{ c.title }}</td><td>{{ c.errors }}</td><td>{{ c.warnings }}</td><td>{{ c.count }}</td></tr>
{% endfor %}</table>
<h2>问题清单</h2>
{% if problems|length < summary.problems %}<p>只列出前 {{ problems|length }} 个问题（--max-problems）。</p>{% endif %}
<table><tr><th>文件</th><th>工作表</th><th>单元格</th><th>列</th><th>代码</th><th>级别</th><th>说明</th></tr>
{% for p in problems %}<tr class="{{ p.severity }}"><td>{{ p.file }}</td><td>{{ p.sheet }}</td><td>{{ p.cell or (p.row or "") }}</td>
<td>{{ p.column }}</td><td>{{ p.code }}</td><td>{{ severity[p.severity] }}</td><td>{{ p.message }}</td></tr>
{% endfor %}</table>
<h2>说明</h2>
<table>{% for r in about %}<tr><th>{{ r["项目"] }}</th><td>{{ r["内容"] }}</td></tr>{% endfor %}</table>
</body></html>
"""


def render_html(report: ValidationReport, mask: bool = True, max_problems: int | None = None) -> str:
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined)
    return env.from_string(_HTML).render(
        summary=report.summary, quality=quality_rows(report), problems=listed(report, max_problems),
        severity=SEVERITY, about=about_rows(report, mask, max_problems))
