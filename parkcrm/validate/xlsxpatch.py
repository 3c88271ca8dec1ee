"""Mark cells in a copy of an .xlsx/.xlsm by patching its XML parts, without loading the workbook.

Only what is needed changes: styles.xml gets two fills and one cloned cell format per
(format, severity); the rows holding a marked cell get their `s` attribute (missing cells
are inserted in column order); each marked sheet gets a comments part and its legacy VML
drawing; a problem-list sheet is inserted first. Every other byte of every part is
copied, so layout, formats, formulas, merged cells, charts and macros stay as they were.
Anything unusual (prefixed XML, existing comments on a marked sheet, rows without an
`r` attribute…) raises Unsupported, and the caller falls back to openpyxl.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from parkcrm.validate.xlsxparts import (
    CELL_REF, NS, NS_R, Listing, Mark, col_letters, col_number, comments_xml, listing_xml, sheet_ref, vml_xml,
)

NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
FILL = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
HEADER_FILL = "FFDDEBF7"
_AFTER_LEGACY = (b"<legacyDrawingHF", b"<drawingHF", b"<picture", b"<oleObjects", b"<controls",
                 b"<webPublishItems", b"<tableParts", b"<extLst")


class Unsupported(Exception):
    """The file uses a layout this patcher does not handle."""


# ---- package structure -------------------------------------------------------------------------

def _part(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


def _rels_name(part: str) -> str:
    d, n = posixpath.split(part)
    return posixpath.join(d, "_rels", n + ".rels")


def _sheets(zin: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) in workbook order."""
    try:
        book = ElementTree.fromstring(zin.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise Unsupported("no xl/workbook.xml") from None
    targets = {r.get("Id"): (r.get("Type", ""), r.get("Target", "")) for r in rels}
    out = []
    for s in book.iter(f"{{{NS}}}sheet"):
        kind, target = targets.get(s.get(f"{{{NS_R}}}id"), ("", ""))
        if kind.endswith("/worksheet"):
            out.append((s.get("name"), _part("xl", target)))
    return out


def _add_rels(data: bytes | None, rels: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(f'<Relationship Id="{i}" Type="{REL}{t}" Target={quoteattr(target)}/>' for i, t, target in rels)
    if data is None:
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG}">'
                f"{entries}</Relationships>").encode()
    if b"</Relationships>" not in data:
        raise Unsupported("odd relationships part")
    return data.replace(b"</Relationships>", entries.encode() + b"</Relationships>", 1)


def _content_types(data: bytes, overrides: list[tuple[str, str]], vml: bool) -> bytes:
    add = "".join(f'<Override PartName="/{p}" ContentType="{ct}"/>' for p, ct in overrides)
    if vml and not re.search(rb'<Default\s+Extension="vml"', data, re.I):
        add = f'<Default Extension="vml" ContentType="{CT_VML}"/>' + add
    return data.replace(b"</Types>", add.encode() + b"</Types>", 1)


def _unique(names: set[str], pattern: str) -> str:
    k = 1
    while pattern.format(k) in names:
        k += 1
    return pattern.format(k)


# ---- styles ------------------------------------------------------------------------------------

_XF = re.compile(rb"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)


class Styles:
    """Adds fills, a bold font and cloned cell formats to styles.xml."""

    def __init__(self, data: bytes):
        self.data = data
        self.fills = self._block(b"fills")
        self.fonts = self._block(b"fonts")
        cell = re.search(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", data, re.S)
        if not cell or not self.fills or not self.fonts:
            raise Unsupported("styles.xml without fills/fonts/cellXfs")
        self.xfs = _XF.findall(cell.group(1))
        self.new_fills: list[bytes] = []
        self.new_xfs: list[bytes] = []
        self.fill_id: dict[str, int] = {}
        self.clones: dict[tuple[int, str], int] = {}
        self.bold_font: int | None = None

    def _block(self, tag: bytes):
        return re.search(rb"<" + tag + rb"\b[^>]*>(.*?)</" + tag + rb">", self.data, re.S)

    def _count(self, block, child: bytes) -> int:
        return len(re.findall(rb"<" + child + rb"[\s>/]", block.group(1)))

    def _fill(self, rgb: str) -> int:
        if rgb not in self.fill_id:
            self.new_fills.append(f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                                  f'<bgColor indexed="64"/></patternFill></fill>'.encode())
            self.fill_id[rgb] = self._count(self.fills, b"fill") + len(self.new_fills) - 1
        return self.fill_id[rgb]

    def marked(self, style: int, severity: str) -> int:
        """Index of the cell format `style` with the severity's fill."""
        key = (style, severity)
        if key not in self.clones:
            base = self.xfs[style] if style < len(self.xfs) else self.xfs[0]
            fill = self._fill(FILL[severity])
            self.clones[key] = self._xf(base, fill)
        return self.clones[key]

    def header(self) -> int:
        if self.bold_font is None:
            self.bold_font = self._count(self.fonts, b"font")
        return self._xf(b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>', self._fill(HEADER_FILL),
                        font=self.bold_font)

    def _xf(self, base: bytes, fill: int, font: int | None = None) -> int:
        m = re.match(rb"<xf\b([^>]*?)(/?)>", base)
        attrs = re.sub(rb'\s(?:fillId|applyFill)="[^"]*"', b"", m.group(1)) + f' fillId="{fill}" applyFill="1"'.encode()
        if font is not None:
            attrs = re.sub(rb'\s(?:fontId|applyFont)="[^"]*"', b"", attrs) + f' fontId="{font}" applyFont="1"'.encode()
        self.new_xfs.append(b"<xf" + attrs + (b"/>" if m.group(2) else b">") + base[m.end():])
        return len(self.xfs) + len(self.new_xfs) - 1

    def render(self) -> bytes:
        data = self.data
        data = _append(data, b"fills", b"fill", self.new_fills)
        if self.bold_font is not None:
            data = _append(data, b"fonts", b"font", [b'<font><b/><sz val="11"/></font>'])
        return _append(data, b"cellXfs", b"xf", self.new_xfs)


def _append(data: bytes, tag: bytes, child: bytes, items: list[bytes]) -> bytes:
    if not items:
        return data
    m = re.search(rb"<" + tag + rb"\b([^>]*)>(.*?)</" + tag + rb">", data, re.S)
    count = len(re.findall(rb"<" + child + rb"[\s>/]", m.group(2))) + len(items)
    attrs = re.sub(rb'\scount="[0-9]*"', b"", m.group(1)) + f' count="{count}"'.encode()
    new = b"<" + tag + attrs + b">" + m.group(2) + b"".join(items) + b"</" + tag + b">"
    return data[:m.start()] + new + data[m.end():]


# ---- one worksheet -----------------------------------------------------------------------------

_ROW = re.compile(rb"<row\b([^>]*?)(/?)>")
_R_ATTR = re.compile(rb'\sr="([0-9]+)"')
_C = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_C_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]+)"')
_S_ATTR = re.compile(rb'\ss="([0-9]+)"')
Restyle = Callable[[int, str], int]  # (current style index, severity) -> new style index


def _patch_row(attrs: bytes, body: bytes, cells: dict[int, str], restyle: Restyle) -> bytes:
    """A row with the given columns (number -> severity) restyled, missing cells inserted."""
    row_no = _R_ATTR.search(attrs).group(1)
    attrs = re.sub(rb'\sspans="[^"]*"', b"", attrs)
    fast = _restyle_in_place(body, row_no, cells, restyle)
    if fast is not None:
        return b"<row" + attrs + b">" + fast + b"</row>"
    out, todo = [], dict(cells)
    for m in _C.finditer(body):
        ref = _C_REF.search(m.group(1))
        if not ref:
            raise Unsupported("cell without r attribute")
        col = col_number(ref.group(1).decode())
        if todo and min(todo) < col:
            for c in sorted(k for k in todo if k < col):
                out.append(b'<c r="%s%s" s="%d"/>' % (col_letters(c).encode(), row_no, restyle(0, todo.pop(c))))
        cell = m.group(0)
        if col in todo:
            cell = _restyle_cell(cell, len(m.group(1)) + 2, todo.pop(col), restyle)
        out.append(cell)
    for c in sorted(todo):
        out.append(b'<c r="%s%s" s="%d"/>' % (col_letters(c).encode(), row_no, restyle(0, todo[c])))
    return b"<row" + attrs + b">" + b"".join(out) + b"</row>"


def _restyle_cell(cell: bytes, head_end: int, severity: str, restyle: Restyle) -> bytes:
    old = _S_ATTR.search(cell, 0, head_end)
    style = restyle(int(old.group(1)) if old else 0, severity)
    return _S_ATTR.sub(b"", cell[:head_end], count=1) + b' s="%d"' % style + cell[head_end:]


def _restyle_in_place(body: bytes, row_no: bytes, cells: dict[int, str], restyle: Restyle) -> bytes | None:
    """The common case: every marked cell exists and starts with its r attribute. None otherwise."""
    spans = []
    for col, severity in cells.items():
        start = body.find(b'<c r="%s%s"' % (col_letters(col).encode(), row_no))
        if start < 0:
            return None
        head_end = body.index(b">", start)
        if body[head_end - 1:head_end] == b"/":
            head_end -= 1
        spans.append((start, head_end, severity))
    out, pos = [], 0
    for start, head_end, severity in sorted(spans):
        out.append(body[pos:start])
        head = body[start:head_end]
        old = _S_ATTR.search(head)
        style = restyle(int(old.group(1)) if old else 0, severity)
        out.append(_S_ATTR.sub(b"", head, count=1) + b' s="%d"' % style)
        pos = head_end
    out.append(body[pos:])
    return b"".join(out)


def patch_sheet(data: bytes, cells: dict[int, dict[int, str]], restyle: Restyle, legacy_rid: str | None) -> bytes:
    """cells: Excel row -> {column number -> severity}. Adds <legacyDrawing> when legacy_rid is given."""
    if not re.search(rb"<worksheet\b[^>]*\sxmlns=\"" + NS.encode() + rb'"', data[:4000]):
        raise Unsupported("prefixed or unknown worksheet XML")
    if legacy_rid and b"<legacyDrawing " in data:
        raise Unsupported("sheet already has comments or form controls")
    start = data.find(b"<sheetData")
    if start < 0:
        raise Unsupported("no sheetData")
    head = re.sub(rb'tabSelected="(?:1|true)"', b'tabSelected="0"', data[:start])
    if data.startswith(b"<sheetData/>", start):
        data = data[:start] + b"<sheetData></sheetData>" + data[start + 12:]
    open_end = data.index(b">", start) + 1
    close = data.find(b"</sheetData>", open_end)
    out = [head, data[start:open_end]]
    pos, pending, last = open_end, sorted(cells), 0
    i = 0
    for m in _ROW.finditer(data, open_end, close):
        r_attr = _R_ATTR.search(m.group(1))
        if not r_attr:
            raise Unsupported("row without r attribute")
        r = int(r_attr.group(1))
        if r <= last:
            raise Unsupported("rows out of order")
        last = r
        while i < len(pending) and pending[i] < r:  # rows that do not exist yet
            out.append(data[pos:m.start()])
            pos = m.start()
            out.append(_patch_row(b' r="%d"' % pending[i], b"", cells[pending[i]], restyle))
            i += 1
        if i < len(pending) and pending[i] == r:
            end = m.end() if m.group(2) else data.index(b"</row>", m.end()) + 6
            body = b"" if m.group(2) else data[m.end():end - 6]
            out.append(data[pos:m.start()])
            out.append(_patch_row(m.group(1), body, cells[r], restyle))
            pos = end
            i += 1
        if i >= len(pending):
            break
    out.append(data[pos:close])
    for r in pending[i:]:
        out.append(_patch_row(b' r="%d"' % r, b"", cells[r], restyle))
    tail = data[close:]
    if legacy_rid:
        element = f'<legacyDrawing xmlns:r="{NS_R}" r:id="{legacy_rid}"/>'.encode()
        cut = min((p for p in (tail.find(t) for t in _AFTER_LEGACY) if p >= 0), default=tail.rfind(b"</worksheet>"))
        tail = tail[:cut] + element + tail[cut:]
    return b"".join(out) + tail


# ---- comments ----------------------------------------------------------------------------------

def _vml_blocks_in_use(zin: zipfile.ZipFile) -> int:
    top = 0
    for name in zin.namelist():
        if name.lower().endswith(".vml"):
            for m in re.finditer(rb'data="([0-9, ]+)"', zin.read(name)):
                top = max([top, *(int(x) for x in m.group(1).replace(b" ", b"").split(b",") if x)])
    return top


# ---- the problem list sheet --------------------------------------------------------------------

def _workbook(data: bytes, name: str, rid: str, filter_ref: str) -> bytes:
    if not re.search(rb"<workbook\b[^>]*\sxmlns=\"" + NS.encode() + rb'"', data[:2000]):
        raise Unsupported("prefixed workbook XML")
    prefix = re.search(rb"<sheet\b[^>]*\s([A-Za-z_][\w.-]*):id=", data)
    if not prefix:
        raise Unsupported("sheet without r:id")
    ids = [int(x) for x in re.findall(rb'sheetId="([0-9]+)"', data)]
    element = (f"<sheet name={quoteattr(name)} sheetId=\"{max(ids, default=0) + 1}\" "
               f'{prefix.group(1).decode()}:id="{rid}"/>').encode("utf-8")
    data = re.sub(rb"<sheets\b[^>]*>", lambda m: m.group(0) + element, data, count=1)
    data = re.sub(rb'localSheetId="([0-9]+)"', lambda m: b'localSheetId="%d"' % (int(m.group(1)) + 1), data)
    data = re.sub(rb'\s(?:activeTab|firstSheet)="[0-9]+"', b"", data)
    data = re.sub(rb"<workbookView\b", b'<workbookView activeTab="0"', data, count=1)
    defined = (f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
               f"{escape(sheet_ref(name, filter_ref))}</definedName>").encode("utf-8")
    if b"<definedNames>" in data:
        data = data.replace(b"<definedNames>", b"<definedNames>" + defined, 1)
    elif b"<definedNames/>" in data:
        data = data.replace(b"<definedNames/>", b"<definedNames>" + defined + b"</definedNames>", 1)
    else:
        data = data.replace(b"</sheets>", b"</sheets><definedNames>" + defined + b"</definedNames>", 1)
    return data


# ---- the whole package -------------------------------------------------------------------------

@dataclass
class _Marked:
    """One sheet to mark: its part, cells by row, and the new comments/VML parts."""

    part: str
    by_row: dict[int, dict[int, str]]
    cells: dict[str, Mark]
    comments: str
    vml: str
    block: int


def patch_xlsx(src: Path, dst: Path, marks: dict[str, dict[str, Mark]], listing: Listing, kind: str = "") -> None:
    """Write dst: a copy of src with marked cells, comments, and the listing as the first sheet;
    with kind, dst is marked as a parkcrm output of that kind (parkcrm.io.discover).

    Everything that can be refused is checked before dst is written; the big parts (marked
    sheets, comments, VML, the listing) are then written one at a time, in pieces.
    """
    with zipfile.ZipFile(src) as zin:
        names = set(zin.namelist())
        sheets = _sheets(zin)
        parts = dict(sheets)
        if "xl/styles.xml" not in names or "[Content_Types].xml" not in names:
            raise Unsupported("no styles.xml")
        styles = Styles(zin.read("xl/styles.xml"))
        header_style = styles.header()
        small: dict[str, bytes] = {}  # parts rewritten whole (all small)
        todo: dict[str, _Marked] = {}
        overrides: list[tuple[str, str]] = []
        block = _vml_blocks_in_use(zin) + 1
        taken = set(names)
        for sheet, cells in marks.items():
            part = parts.get(sheet)
            if part is None or not cells:
                continue
            rels_part = _rels_name(part)
            rels = zin.read(rels_part) if rels_part in names else None
            if rels is not None and (REL.encode() + b"comments" in rels or REL.encode() + b"vmlDrawing" in rels):
                raise Unsupported("sheet already has comments or form controls")
            by_row: dict[int, dict[int, str]] = {}
            for ref, mark in cells.items():
                m = CELL_REF.match(ref)
                if m:
                    by_row.setdefault(int(m.group(2)), {})[col_number(m.group(1))] = mark.severity
            comments = _unique(taken, "xl/comments{}.xml")
            vml = _unique(taken, "xl/drawings/vmlDrawing{}.vml")
            taken |= {comments, vml}
            ordered = dict(sorted(cells.items(), key=lambda kv: _order(kv[0])))
            todo[part] = _Marked(part, by_row, ordered, comments, vml, block)
            block += len(ordered) // 1024 + 1
            overrides.append((comments, CT_COMMENTS))
            base = posixpath.dirname(part)
            small[rels_part] = _add_rels(rels, [("rIdParkcrmC", "comments", posixpath.relpath(comments, base)),
                                                ("rIdParkcrmV", "vmlDrawing", posixpath.relpath(vml, base))])
        listing_part = _unique(taken, "xl/worksheets/parkcrm_problems{}.xml")
        existing = {n for n, _p in sheets}
        name = listing.name if listing.name not in existing else _unique(existing, listing.name + "({})")
        end = f"${col_letters(len(listing.header))}${listing.height + 1}"
        overrides.append((listing_part, CT_SHEET))
        small["xl/workbook.xml"] = _workbook(zin.read("xl/workbook.xml"), name, "rIdParkcrmList", f"$A$1:{end}")
        small["xl/_rels/workbook.xml.rels"] = _add_rels(
            zin.read("xl/_rels/workbook.xml.rels"), [("rIdParkcrmList", "worksheet", posixpath.relpath(listing_part, "xl"))])
        if kind:
            _mark(zin, names, small, overrides, kind)
        small["[Content_Types].xml"] = _content_types(zin.read("[Content_Types].xml"), overrides, vml=bool(todo))
        for part in todo.values():  # refuse odd sheet XML before anything is written
            _check_sheet(zin, part.part)
        worksheets = {p for _n, p in sheets}
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                n = info.filename
                if n == "xl/styles.xml":
                    continue  # written last: marking the sheets adds cell formats
                if n in small:
                    data = small[n]
                elif n in todo:
                    data = patch_sheet(zin.read(n), todo[n].by_row, styles.marked, "rIdParkcrmV")
                elif n in worksheets:
                    data = _untab(zin.read(n))
                else:
                    data = zin.read(n)
                zout.writestr(_clean_info(info), data)
                del data
            for n, data in small.items():
                if n not in names:
                    zout.writestr(n, data)
            for part in todo.values():
                _stream(zout, part.comments, comments_xml(part.cells))
                _stream(zout, part.vml, vml_xml(list(part.cells), part.block))
            _stream(zout, listing_part, listing_xml(listing, header_style))
            zout.writestr("xl/styles.xml", styles.render())


def _mark(zin: zipfile.ZipFile, names: set[str], small: dict[str, bytes], overrides: list[tuple[str, str]],
          kind: str) -> None:
    """Set the parkcrm marker in the custom document properties, adding the part if there is none."""
    from parkcrm.io.discover import CUSTOM_CT, CUSTOM_PART, custom_part, custom_xml

    part = custom_part(zin)
    if part is not None:
        data = custom_xml(kind, zin.read(part))
        if data is None:
            raise Unsupported("unusual custom properties part")
        small[part] = data
        return
    if CUSTOM_PART in names or "_rels/.rels" not in names:
        raise Unsupported("package without root relationships")
    small[CUSTOM_PART] = custom_xml(kind)
    small["_rels/.rels"] = _add_rels(zin.read("_rels/.rels"), [("rIdParkcrmProps", "custom-properties", CUSTOM_PART)])
    overrides.append((CUSTOM_PART, CUSTOM_CT))


def _stream(zout: zipfile.ZipFile, name: str, pieces: Iterator[bytes]) -> None:
    with zout.open(name, "w", force_zip64=True) as fh:
        for piece in pieces:
            fh.write(piece)


def _check_sheet(zin: zipfile.ZipFile, part: str) -> None:
    with zin.open(part) as fh:
        head = fh.read(4000)
    if not re.search(rb"<worksheet\b[^>]*\sxmlns=\"" + NS.encode() + rb'"', head):
        raise Unsupported("prefixed or unknown worksheet XML")


def _untab(data: bytes) -> bytes:
    """The sheet no longer selected (the problem list becomes the active sheet)."""
    start = max(data.find(b"<sheetData"), 0)
    if not re.search(rb'tabSelected="(?:1|true)"', data[:start]):
        return data
    return re.sub(rb'tabSelected="(?:1|true)"', b'tabSelected="0"', data[:start]) + data[start:]


def _clean_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    out.compress_type = zipfile.ZIP_DEFLATED
    out.external_attr = info.external_attr
    return out


def _order(ref: str) -> tuple[int, int]:
    m = CELL_REF.match(ref)
    return (int(m.group(2)), col_number(m.group(1))) if m else (0, 0)
