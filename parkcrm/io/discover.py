"""Which of the given paths are inputs: one answer for every command.

A folder expands to the workbooks inside it (sub-folders too). Files parkcrm wrote itself
are known by a custom document property it puts into every workbook it writes (name
"parkcrm", value the kind of output, e.g. 客户分级), not by their file name: a user may
rename an output, and may name a data file …-分级.xlsx. Inside a folder those outputs, the
~$ owner files Excel and WPS leave while a workbook is open, and files that are not
workbooks (.et, .pdf, .docx …) are skipped, each with a reason the user can act on.

A file named explicitly is read whatever its marker says (a supervisor's filled-in
走访抽查表 is such a file); only formats that certainly are not workbooks are refused.

A CSV file has no document properties: the CSV files parkcrm writes itself (the 10001
sending list) end their first line, which is already a notice to the reader, with
「（parkcrm 输出：<kind>）」 (csv_mark). A first-line marker rather than a name pattern, for
the same reasons as above; CSV printed to stdout (--format csv) stays plain for scripts.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from parkcrm.core.errors import ParkcrmError, WorkbookError

MARKER = "parkcrm"  # name of the custom document property; its value is the kind of output
CUSTOM_PART = "docProps/custom.xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the format id Office gives user-defined properties

WORKBOOK_EXTS = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}
MARKABLE_EXTS = {".xlsx", ".xlsm"}
# formats that look like data to a user but cannot be read as a workbook, with what to do
NOT_WORKBOOKS = {
    ".et": "WPS 表格 .et 格式，请在 WPS 中另存为 .xlsx",
    ".ett": "WPS 表格模板（.ett），请另存为 .xlsx",
    ".xlsb": "Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx",
    ".numbers": "Numbers 表格，请导出为 .xlsx",
    ".wps": "WPS 文字文档，不是工作簿",
    ".doc": "Word 文档，不是工作簿（.doc）",
    ".docx": "Word 文档，不是工作簿（.docx）",
    ".pdf": "不是工作簿（.pdf）",
    ".zip": "压缩包，请解压后给出其中的 .xlsx",
    ".rar": "压缩包，请解压后给出其中的 .xlsx",
    ".7z": "压缩包，请解压后给出其中的 .xlsx",
    ".md": "文本说明（.md），不作为数据读取",
    ".txt": "文本说明（.txt），不作为数据读取",
}
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store"}  # the system's own files: not mentioned at all
_MAX_CUSTOM = 1 << 20  # a custom-properties part larger than this is not ours to read
CSV_MARK = re.compile(r"（parkcrm 输出：([^）]{1,40})）")


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, Chinese reason)
    notes: list[str] = field(default_factory=list)  # e.g. an explicitly named parkcrm output that is read


class NothingToReadError(WorkbookError):
    """Nothing is left to work on: no file, only skipped or unreadable files, or no data rows."""


def nothing_message(head: str, skipped: list[tuple[Path, str]], unreadable: list[tuple[Path, str]] = ()) -> str:
    lines = [head]
    if skipped:
        lines.append("已跳过的文件：")
        lines += [f"  - {p.name}：{reason}" for p, reason in skipped]
    if unreadable:
        lines.append("无法读取的文件：")
        lines += [f"  - {p.name}：{without_name(p, reason)}" for p, reason in unreadable]
    return "\n".join(lines)


def without_name(path: Path, message: str) -> str:
    """A reader message without its leading "<file name>: " (the caller names the file)."""
    prefix = f"{path.name}: "
    return message[len(prefix):] if message.startswith(prefix) else message


STDIN = "-"  # an input path "-" is a CSV (or workbook) piped on standard input, as in csvkit
STDIN_NAME = "标准输入"  # the name the user sees for it in messages, outputs and the 说明 sheet
_stdin_copy: tuple[object, Path] | None = None  # (the stdin stream read, its copy)


def is_stdin(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDIN


def stdin_file() -> Path:
    """Standard input copied once into a private temporary file named 「标准输入」, so every
    reader (sniffing, encodings: BOM, UTF-8, GB18030, the SHA-256) treats it as any CSV file.
    Later calls return the same copy: standard input can be read only once."""
    import sys

    global _stdin_copy
    if _stdin_copy is None or _stdin_copy[0] is not sys.stdin or not _stdin_copy[1].exists():
        import atexit
        import shutil
        import tempfile

        source = sys.stdin
        stream = getattr(source, "buffer", source)
        if stream is None or getattr(stream, "isatty", lambda: False)():
            raise WorkbookError("输入「-」表示从标准输入读取 CSV，但没有通过管道或重定向提供数据"
                                "（例如 parkcrm validate - < 客户资料.csv）")
        folder = Path(tempfile.mkdtemp(prefix="parkcrm-stdin-"))
        atexit.register(shutil.rmtree, folder, True)
        data = stream.read()
        target = folder / STDIN_NAME
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        _stdin_copy = (source, target)
    return _stdin_copy[1]


def input_path(path: Path | str) -> Path:
    """An input as a place to name outputs after: standard input is 「标准输入」 in the current folder."""
    return Path.cwd() / STDIN_NAME if is_stdin(path) else Path(path)


def discover(paths: Iterable[Path | str]) -> Inputs:
    """The input files of paths, in a stable order, and what was skipped and why ("-": standard input)."""
    found = Inputs()
    for p in map(Path, paths):
        if is_stdin(p):
            found.files.append(stdin_file())
        elif p.is_dir():
            _expand(p, found)
        else:
            _explicit(p, found)
    return found


def _explicit(path: Path, found: Inputs) -> None:
    reason = lock_reason(path) or NOT_WORKBOOKS.get(path.suffix.lower())
    if reason:
        found.skipped.append((path, reason))
        return
    kind = output_kind(path)
    if kind:
        found.notes.append(f"{path.name} 是 parkcrm 生成的输出（{kind}），因为明确给出，按输入读取")
    found.files.append(path)


def _expand(folder: Path, found: Inputs) -> None:
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder).parts
        if any(part.startswith(".") and not part.startswith(".~lock.") for part in rel) or not f.is_file() \
                or f.name.lower() in SYSTEM_FILES:
            continue  # hidden files and folders are parkcrm's or the system's own state (e.g. temp files)
        reason = skip_reason(f)
        if reason:
            found.skipped.append((f, reason))
        else:
            found.files.append(f)


def skip_reason(path: Path) -> str | None:
    """Why a file inside a folder is not an input, or None when it is one."""
    lock = lock_reason(path)
    if lock:
        return lock
    ext = path.suffix.lower()
    if ext not in WORKBOOK_EXTS:
        return NOT_WORKBOOKS.get(ext) or (f"不是工作簿（{ext}）" if ext else "不是工作簿（没有扩展名）")
    kind = output_kind(path)
    if kind:
        return f"parkcrm 生成的输出（{kind}）"
    return None


def lock_reason(path: Path) -> str | None:
    if path.name.startswith("~$"):
        return "Excel 临时文件（~$ 开头，文件正被打开时产生）"
    if path.name.startswith(".~lock."):
        return "WPS/LibreOffice 锁定文件"
    return None


# ---- the marker ----------------------------------------------------------------------------

_PROPERTY = re.compile(rb"<(?:\w+:)?property\b([^>]*)>(.*?)</(?:\w+:)?property>", re.S)
_NAME = re.compile(rb"""\bname\s*=\s*["']([^"']*)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?lpwstr>(.*?)</(?:\w+:)?lpwstr>", re.S)


def output_kind(path: Path) -> str | None:
    """The kind of parkcrm output path is (its marker), or None. Reads one small zip member only."""
    if path.suffix.lower() == ".csv":
        return _csv_kind(path)
    if path.suffix.lower() not in MARKABLE_EXTS:
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            part = custom_part(zf)
            if part is None:
                return None
            info = zf.getinfo(part)
            if info.file_size > _MAX_CUSTOM:
                return None
            return marker_in(zf.read(part))
    except (OSError, zipfile.BadZipFile, KeyError, RuntimeError, ValueError, NotImplementedError):
        return None  # not a readable zip: the reader says why, with the file named


def csv_mark(kind: str) -> str:
    """What a CSV file parkcrm writes appends to its first line."""
    return f"（parkcrm 输出：{kind}）"


def _csv_kind(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    line = head.split(b"\n", 1)[0]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            first = line.decode(encoding)
        except UnicodeDecodeError:
            continue
        m = CSV_MARK.search(first)
        return m.group(1) if m else None
    return None


def custom_part(zf: zipfile.ZipFile) -> str | None:
    """The name of the custom-properties part of an OOXML package, or None."""
    names = set(zf.namelist())
    if CUSTOM_PART in names:
        return CUSTOM_PART
    if "_rels/.rels" not in names:
        return None
    rels = zf.read("_rels/.rels")
    for m in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = m.group(0)
        if CUSTOM_REL.encode() in tag:
            t = re.search(rb"""Target\s*=\s*["']([^"']+)["']""", tag)
            target = t.group(1).decode("utf-8", "replace").lstrip("/") if t else ""
            return target if target in names else None
    return None


def marker_in(custom_xml: bytes) -> str | None:
    for m in _PROPERTY.finditer(custom_xml):
        name = _NAME.search(m.group(1))
        if name and name.group(1) == MARKER.encode():
            value = _VALUE.search(m.group(2))
            text = value.group(1).decode("utf-8", "replace").strip() if value else ""
            return _unescape(text) or "parkcrm"
    return None


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def custom_xml(kind: str, existing: bytes | None = None) -> bytes | None:
    """docProps/custom.xml with the marker set to kind; other properties of existing are kept
    (None when existing has a layout this does not handle)."""
    from xml.sax.saxutils import escape  # here: saxutils loads urllib, http and ssl (~9 ms a command)

    value = escape(kind)
    if existing is None:
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Properties xmlns="{NS_CUSTOM}" xmlns:vt="{NS_VT}">'
                f'<property fmtid="{FMTID}" pid="2" name="{MARKER}"><vt:lpwstr>{value}</vt:lpwstr></property>'
                f"</Properties>").encode()
    kept = existing
    for m in _PROPERTY.finditer(existing):
        name = _NAME.search(m.group(1))
        if name and name.group(1) == MARKER.encode():
            kept = existing[:m.start()] + existing[m.end():]
            break
    pids = [int(x) for x in re.findall(rb"""\bpid\s*=\s*["'](\d+)["']""", kept)]
    close = re.search(rb"</(\w+:)?Properties>\s*$", kept)
    if close is None or b"xmlns:vt=" not in kept or close.group(1):
        return None  # an unusual layout: the caller takes another way
    entry = (f'<property fmtid="{FMTID}" pid="{max(pids, default=1) + 1}" name="{MARKER}">'
             f"<vt:lpwstr>{value}</vt:lpwstr></property>").encode()
    return kept[:close.start()] + entry + kept[close.start():]


def mark_xlsxwriter(book, kind: str) -> None:
    """Mark a workbook being written with xlsxwriter as a parkcrm output of this kind."""
    book.set_custom_property(MARKER, kind)


def mark_openpyxl(book, kind: str) -> None:
    """Mark an openpyxl workbook (before save), replacing an earlier marker."""
    from openpyxl.packaging.custom import StringProperty

    props = book.custom_doc_props
    for prop in list(props):
        if prop.name == MARKER:
            props.props.remove(prop)
    props.append(StringProperty(name=MARKER, value=kind))


def check_not_input(target: Path, inputs: list[Path]) -> None:
    """Inputs are never written: refuse an output path that is one of them ("-" is stdout, not a file)."""
    if str(target) == "-":
        return
    try:
        t = target.resolve()
    except OSError:
        return
    for p in inputs:
        try:
            if p.resolve() == t:
                raise ParkcrmError(f"输出文件 {target} 就是输入文件；输入文件不会被覆盖，请用 --out 指定另一个文件名")
        except OSError:
            continue
