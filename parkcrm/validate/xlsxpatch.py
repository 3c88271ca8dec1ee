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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
FILL = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
HEADER_FILL = "FFDDEBF7"
MAX_TEXT = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ILLEGAL_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"  # the same, for pyarrow (RE2)
_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
_AFTER_LEGACY = (b"<legacyDrawingHF", b"<drawingHF", b"<picture", b"<oleObjects", b"<controls",
                 b"<webPublishItems", b"<tableParts", b"<extLst")


class Unsupported(Exception):
    """The file uses a layout this patcher does not handle."""


@dataclass
class Mark:
    severity: str
    messages: list[str] = field(default_factory=list)


@dataclass
class Listing:
    """The problem-list sheet: a header and its columns (text, or int for numbers); links holds
    the (sheet, cell) each row points at, made a hyperlink in column link_col."""

    name: str
    header: list[str]
    columns: list[list]
    widths: list[float]
    links: list[tuple[str, str]] = field(default_factory=list)
    link_col: int = 1

    @property
    def height(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def rows(self) -> list[list]:
        return [list(r) for r in zip(*self.columns)]


def joined(arr: pa.Array) -> bytes:
    """All values of a string array (no nulls) concatenated, straight from its data buffer."""
    if len(arr) == 0:
        return b""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    offsets = arr.buffers()[1]
    width = 8 if pa.types.is_large_string(arr.type) else 4
    first = int.from_bytes(offsets[arr.offset * width:(arr.offset + 1) * width], "little", signed=True)
    last = int.from_bytes(offsets[(arr.offset + len(arr)) * width:(arr.offset + len(arr) + 1) * width], "little",
                          signed=True)
    return arr.buffers()[2][first:last].to_pybytes()


_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]] = True


def _needs_cleaning(arr: pa.Array) -> bool:
    """True when some value holds a character XML 1.0 forbids (a control character, U+FFFE, U+FFFF)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    data = arr.buffers()[2]
    if data is None or data.size == 0:
        return False
    buf = np.frombuffer(data, dtype=np.uint8)
    if buf.min() < 0x20 and _CONTROL[buf].any():
        return True
    raw = data.to_pybytes()
    return raw.find(b"\xef\xbf\xbe") >= 0 or raw.find(b"\xef\xbf\xbf") >= 0


def xml_text(arr: pa.Array) -> pa.Array:
    """Escaped for XML text and attributes, without characters XML 1.0 forbids, at most 32,767 long."""
    if _needs_cleaning(arr):
        arr = pc.replace_substring_regex(arr, _ILLEGAL_RE2, "")
    if len(arr) and (pc.max(pc.binary_length(arr)).as_py() or 0) > MAX_TEXT:
        arr = pc.utf8_slice_codeunits(arr, 0, MAX_TEXT)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        arr = pc.replace_substring(arr, a, b)
    return arr


def text(value: object) -> str:
    s = _ILLEGAL.sub("", "" if value is None else str(value))
    return s[:MAX_TEXT]


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


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

def comments_xml(marks: dict[str, Mark]) -> bytes:
    refs = pa.array(list(marks), pa.string())
    bodies = xml_text(pa.array(["\n".join(m.messages) for m in marks.values()], pa.string()))
    items = pc.binary_join_element_wise('<comment ref="', refs, '" authorId="0"><text><r><rPr><sz val="9"/></rPr>'
                                        '<t xml:space="preserve">', bodies, "</t></r></text></comment>", "")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{NS}"><authors>'
            "<author>parkcrm</author></authors><commentList>").encode() + joined(items) + b"</commentList></comments>"


def vml_xml(refs: list[str], first_block: int) -> bytes:
    blocks = len(refs) // 1024 + 1
    data = ",".join(str(b) for b in range(first_block, first_block + blocks))
    rows, cols = [], []
    for ref in refs:
        m = _CELL_REF.match(ref)
        cols.append(col_number(m.group(1)) - 1)
        rows.append(int(m.group(2)) - 1)
    s = pa.array
    ids = s([str(first_block * 1024 + n + 1) for n in range(len(refs))])
    anchors = s([f"{c + 1}, 15, {max(r - 1, 0)}, 10, {c + 4}, 15, {r + 4}, 4" for r, c in zip(rows, cols)])
    shapes = pc.binary_join_element_wise(
        '<v:shape id="_x0000_s', ids, '" type="#_x0000_t202" style="position:absolute;margin-left:0;margin-top:0;'
        'width:240pt;height:80pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
        '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>', anchors,
        "</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>", s([str(r) for r in rows]), "</x:Row><x:Column>",
        s([str(c) for c in cols]), "</x:Column></x:ClientData></v:shape>", "") if refs else s([], pa.string())
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
            '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
            '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            ).encode() + joined(shapes) + b"</xml>"


def _vml_blocks_in_use(zin: zipfile.ZipFile) -> int:
    top = 0
    for name in zin.namelist():
        if name.lower().endswith(".vml"):
            for m in re.finditer(rb'data="([0-9, ]+)"', zin.read(name)):
                top = max([top, *(int(x) for x in m.group(1).replace(b" ", b"").split(b",") if x)])
    return top


# ---- the problem list sheet --------------------------------------------------------------------

def _cells(letter: str, rows: pa.Array, values: list, style: str = "") -> pa.Array:
    """The <c> elements of one column, vectorised (pyarrow): inline strings, or numbers for ints."""
    numeric = bool(values) and all(isinstance(v, int) or v is None for v in values)
    arr = pa.array([None if v is None else str(v) for v in values], pa.string())
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    ref = pc.binary_join_element_wise(f'<c r="{letter}', rows, '"' + style, "")
    if numeric:
        cell = pc.binary_join_element_wise(ref, "><v>", arr, "</v></c>", "")
    else:
        arr = xml_text(arr)
        cell = pc.binary_join_element_wise(ref, ' t="inlineStr"><is><t xml:space="preserve">', arr, "</t></is></c>", "")
    return cell.fill_null("")


def listing_xml(listing: Listing, header_style: int) -> bytes:
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(listing.widths, 1))
    letters = [col_letters(c) for c in range(1, len(listing.header) + 1)]
    head_rows = pa.array(["1"])
    parts = [_cells(x, head_rows, [v], f' s="{header_style}"') for x, v in zip(letters, listing.header)]
    header = '<row r="1">' + "".join(p[0].as_py() for p in parts) + "</row>"
    rows = pa.array([str(r) for r in range(2, listing.height + 2)], pa.string())
    cells = [_cells(x, rows, values) for x, values in zip(letters, listing.columns)]
    body = pc.binary_join_element_wise('<row r="', rows, '">', *cells, "</row>", "") if listing.height else pa.array([], pa.string())
    last = f"{letters[-1]}{listing.height + 1}"
    links = b""
    if listing.links:
        sheets = pa.array([s if s and c else None for s, c in listing.links], pa.string())
        cells_ = pa.array([c if s and c else None for s, c in listing.links], pa.string())
        target = xml_text(pc.binary_join_element_wise("'", pc.replace_substring(sheets, "'", "''"), "'!", cells_, ""))
        link = pc.binary_join_element_wise(f'<hyperlink ref="{letters[listing.link_col]}',
                                           pa.array([str(r) for r in range(2, len(listing.links) + 2)], pa.string()),
                                           '" location="', target, '"/>', "")
        links = joined(link.drop_null())
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}" xmlns:r="{NS_R}">'
            f'<dimension ref="A1:{last}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{header}')
    return (head.encode("utf-8") + joined(body) + f'</sheetData><autoFilter ref="A1:{last}"/>'.encode()
            + (b"<hyperlinks>" + links + b"</hyperlinks>" if links else b"")
            + b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')


def _sheet_ref(sheet: str, cell: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!" + cell


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
               f"{escape(_sheet_ref(name, filter_ref))}</definedName>").encode("utf-8")
    if b"<definedNames>" in data:
        data = data.replace(b"<definedNames>", b"<definedNames>" + defined, 1)
    elif b"<definedNames/>" in data:
        data = data.replace(b"<definedNames/>", b"<definedNames>" + defined + b"</definedNames>", 1)
    else:
        data = data.replace(b"</sheets>", b"</sheets><definedNames>" + defined + b"</definedNames>", 1)
    return data


# ---- the whole package -------------------------------------------------------------------------

def patch_xlsx(src: Path, dst: Path, marks: dict[str, dict[str, Mark]], listing: Listing) -> None:
    """Write dst: a copy of src with marked cells, comments, and the listing as the first sheet."""
    with zipfile.ZipFile(src) as zin:
        names = set(zin.namelist())
        sheets = _sheets(zin)
        parts = dict(sheets)
        if "xl/styles.xml" not in names or "[Content_Types].xml" not in names:
            raise Unsupported("no styles.xml")
        styles = Styles(zin.read("xl/styles.xml"))
        replaced: dict[str, bytes] = {}
        added: list[tuple[str, bytes]] = []
        overrides: list[tuple[str, str]] = []
        block = _vml_blocks_in_use(zin) + 1
        taken = set(names)
        for sheet, cells in marks.items():
            part = parts.get(sheet)
            if part is None or not cells:
                continue
            by_row: dict[int, dict[int, int]] = {}
            for ref, mark in cells.items():
                m = _CELL_REF.match(ref)
                if not m:
                    continue
                by_row.setdefault(int(m.group(2)), {})[col_number(m.group(1))] = mark.severity
            rels_part = _rels_name(part)
            rels = zin.read(rels_part) if rels_part in names else None
            if rels is not None and REL.encode() + b"comments" in rels:
                raise Unsupported("sheet already has comments")
            replaced[part] = patch_sheet(zin.read(part), by_row, styles.marked, "rIdParkcrmV")
            comments = _unique(taken, "xl/comments{}.xml")
            vml = _unique(taken, "xl/drawings/vmlDrawing{}.vml")
            taken |= {comments, vml}
            ordered = dict(sorted(cells.items(), key=lambda kv: _order(kv[0])))
            added += [(comments, comments_xml(ordered)), (vml, vml_xml(list(ordered), block))]
            block += len(ordered) // 1024 + 1
            overrides.append((comments, CT_COMMENTS))
            base = posixpath.dirname(part)
            replaced[rels_part] = _add_rels(rels, [
                ("rIdParkcrmC", "comments", posixpath.relpath(comments, base)),
                ("rIdParkcrmV", "vmlDrawing", posixpath.relpath(vml, base))])
        # every other worksheet: only its tab selection changes (the list becomes the active sheet)
        for _name, part in sheets:
            if part not in replaced and part in names:
                data = zin.read(part)
                start = max(data.find(b"<sheetData"), 0)
                if re.search(rb'tabSelected="(?:1|true)"', data[:start]):
                    replaced[part] = re.sub(rb'tabSelected="(?:1|true)"', b'tabSelected="0"', data[:start]) + data[start:]
        listing_part = _unique(taken, "xl/worksheets/parkcrm_problems{}.xml")
        existing = {n for n, _p in sheets}
        name = listing.name if listing.name not in existing else _unique(existing, listing.name + "({})")
        last = f"{col_letters(len(listing.header))}{listing.height + 1}"
        added.append((listing_part, listing_xml(listing, styles.header())))
        overrides.append((listing_part, CT_SHEET))
        replaced["xl/workbook.xml"] = _workbook(zin.read("xl/workbook.xml"), name, "rIdParkcrmList",
                                                f"$A$1:${re.sub('[0-9]', '', last)}${listing.height + 1}")
        replaced["xl/_rels/workbook.xml.rels"] = _add_rels(
            zin.read("xl/_rels/workbook.xml.rels"),
            [("rIdParkcrmList", "worksheet", posixpath.relpath(listing_part, "xl"))])
        replaced["xl/styles.xml"] = styles.render()
        replaced["[Content_Types].xml"] = _content_types(zin.read("[Content_Types].xml"), overrides,
                                                         vml=any(p.endswith(".vml") for p, _d in added))
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                data = replaced.get(info.filename)
                zout.writestr(_clean_info(info), data if data is not None else zin.read(info.filename))
            for part_name, data in [*((n, d) for n, d in replaced.items() if n not in names), *added]:
                zout.writestr(part_name, data)


def _clean_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    out.compress_type = zipfile.ZIP_DEFLATED
    out.external_attr = info.external_attr
    return out


def _order(ref: str) -> tuple[int, int]:
    m = _CELL_REF.match(ref)
    return (int(m.group(2)), col_number(m.group(1))) if m else (0, 0)
