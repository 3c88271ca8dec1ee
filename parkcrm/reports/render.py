"""Render a Report as HTML or Markdown through Jinja2 templates, or as JSON.

Templates come from the package's templates/ folder; a user's --templates DIR overrides
them file by file (a ChoiceLoader looks there first). HTML templates (*.html.j2) are
autoescaped; Markdown templates escape every cell with the `md` filter. StrictUndefined
makes a misspelt variable an error instead of an empty string.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import escape as html_escape
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from parkcrm.core.errors import ParkcrmError
from parkcrm.reports import charts
from parkcrm.reports.model import Report

AUTOESCAPE_EXTENSIONS = ("html", "htm", "xml", "html.j2", "htm.j2", "xml.j2", "svg.j2")


class TemplateError(ParkcrmError):
    """A report template is missing, has a syntax error or uses an unknown variable."""


def templates_dir() -> Path:
    """The templates shipped with the package (wheel) or beside it (source checkout)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_data" / "templates", here.parent / "templates"):
        if (candidate / "base.html.j2").is_file():
            return candidate
    raise TemplateError(f"找不到内置报表模板（在 {here} 附近），安装可能不完整")


def environment(user_dir: Path | str | None = None) -> Environment:
    loaders = []
    if user_dir is not None:
        user_dir = Path(user_dir)
        if not user_dir.is_dir():
            raise TemplateError(f"--templates 指定的模板文件夹不存在：{user_dir}")
        loaders.append(FileSystemLoader(str(user_dir), encoding="utf-8"))
    loaders.append(FileSystemLoader(str(templates_dir()), encoding="utf-8"))
    # sandboxed: templates may come from a shared folder, and a template must not reach
    # Python internals (cycler.__init__.__globals__ -> os.popen)
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=AUTOESCAPE_EXTENSIONS, disabled_extensions=("md.j2", "txt.j2"),
                                     default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update({"cell": cell, "md": md_escape, "mdcell": md_cell, "num": num, "pct": pct,
                        "paras": paras, "svg": svg, "mdtext": md_text})
    return env


# ---- filters ------------------------------------------------------------------------------

def num(v: Any, digits: int = 0) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (int, float)):
        return f"{v:,.{digits}f}"
    return str(v)


def pct(v: Any) -> str:
    if v is None or not isinstance(v, (int, float)):
        return "—" if v is None else str(v)
    return f"{v * 100:.1f}%"


def cell(v: Any, fmt: str = "text") -> str:
    """One table cell as text (the template escapes it)."""
    if v is None:
        return ""
    if fmt == "pct":
        return pct(v)
    if fmt == "wan":
        return num(v, 2) if isinstance(v, (int, float)) else str(v)
    if fmt == "int":
        return num(v, 0) if isinstance(v, (int, float)) else str(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M") if fmt != "date" else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return num(v, 2)
    return str(v)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(text: Any) -> str:
    """Text safe inside Markdown (and a table cell): | ` \\ * _ [ ] # escaped, < and > as entities,
    line breaks as spaces."""
    if text is None:
        return ""
    s = str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return re.sub(r"\s*[\r\n]+\s*", " ", s)


def md_cell(v: Any, fmt: str = "text") -> str:
    return md_escape(cell(v, fmt))


def md_text(text: Any) -> str:
    """The manager's own Markdown (work summary …): kept as Markdown, but raw HTML neutralised."""
    if not text:
        return ""
    return str(text).replace("<", "&lt;").replace(">", "&gt;")


def paras(text: Any) -> Markup:
    """The manager's text as HTML: escaped; lines starting with - or * become a list."""
    if not text:
        return Markup("")
    out, items = [], []

    def flush():
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in str(text).splitlines():
        stripped = line.strip()
        m = re.match(r"^(?:[-*•]|\d+[.、)）])\s+(.*)$", stripped)
        if m:
            items.append(html_escape(m.group(1)))
            continue
        flush()
        if stripped:
            heading = re.match(r"^#{1,6}\s*(.*)$", stripped)
            out.append(f"<h4>{html_escape(heading.group(1))}</h4>" if heading else f"<p>{html_escape(stripped)}</p>")
    flush()
    return Markup("".join(out))


def svg(chart) -> Markup:
    return charts.draw(chart)


# ---- entry points -------------------------------------------------------------------------

def template_name(report: Report, fmt: str) -> str:
    return f"{report.kind}.{ 'html' if fmt == 'html' else 'md'}.j2"


def render(report: Report, fmt: str, user_templates: Path | str | None = None, row_limit: int | None = None) -> str:
    """HTML or Markdown text of the report."""
    if fmt == "json":
        return json.dumps(to_json(report), ensure_ascii=False, indent=1, default=_default)
    env = environment(user_templates)
    name = template_name(report, fmt)
    try:
        template = env.get_template(name)
        return template.render(report=report, limit=row_limit or 50, fmt=fmt)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"找不到模板「{exc.name}」（模板文件夹：{user_templates or templates_dir()}）") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"模板 {exc.filename or exc.name} 第 {exc.lineno} 行语法错误：{exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"模板{_template_line(exc) or ' ' + name}试图访问不允许的内容，已拒绝：{exc}"
                            "（模板只能使用报表数据和过滤器）") from None
    except jinja2.UndefinedError as exc:
        where = _template_line(exc)
        raise TemplateError(f"模板{where}使用了未定义的变量：{exc.message}（请检查拼写）") from None


def _template_line(exc: BaseException) -> str:
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f" {Path(frame.filename).name} 第 {frame.lineno} 行"
    return ""


def _default(v: Any):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return str(v)


# the report's own Chinese keys for its sources (the xlsx writes them) as JSON structural keys
_SOURCE_KEYS = {"文件": "file", "SHA-256": "sha256", "用途": "purpose", "历史库": "store"}


def to_json(report: Report) -> dict:
    """The report as JSON (docs/json.md): the envelope, then English structural keys; the rows of
    each table are keyed by the table's column headers (Chinese, as printed)."""
    p = report.period
    out: dict = {"command": f"report {report.kind}"}
    if report.workspace is not None:
        out["workspace"] = report.workspace
    out.update({
        "skipped": report.skipped, "unreadable": report.unreadable,
        "title": report.title, "kind": report.kind, "park": report.park,
        "period": {"label": p.label, "title": p.title, "start": p.start.isoformat(), "end": p.end.isoformat()},
        "author": report.author, "recipients": report.recipients, "copies": report.copies,
        "generated": report.generated.isoformat(sep=" "), "comparison": report.comparison,
        "masked": report.masked, "data_errors": report.data_errors, "warnings": report.warnings,
        "sources": [{_SOURCE_KEYS.get(k, k): v for k, v in src.items()} for src in report.sources],
        "sections": [{
            "number": s.number, "key": s.key, "title": s.title, "empty": s.empty,
            "empty_text": s.empty_text if s.empty else "",
            "figures": [{"label": f.label, "value": f.value, "format": f.fmt, **({"note": f.note} if f.note else {})}
                        for f in s.figures],
            "tables": [{"key": b.key, "title": b.title, "columns": [c.name for c in b.columns], "rows": b.records(),
                        "empty_text": b.empty_text if b.empty else "", "period_bound": b.period_bound,
                        **({"below_target": [{"row": i, "column": b.columns[j].name} for i, j in b.marks]}
                           if b.marks else {})} for b in s.blocks],
            "charts": [{"key": c.key, "kind": c.kind, "title": c.title, "categories": c.categories,
                        "series": [{"name": x.name, "values": x.values} for x in c.series],
                        **({"matrix": c.matrix} if c.matrix else {}), "unit": c.unit} for c in s.charts],
            "missing": s.missing, "notes": s.notes,
            **({"text": s.text} if s.text else {}), **({"fill_in": s.fill_in} if s.fill_in and not s.text else {}),
        } for s in report.sections],
    })
    return out
