"""The XML parts parkcrm adds to a marked copy (comments, their VML drawing, the problem list),
rendered in pieces with pyarrow so that 100,000s of problems stay fast and bounded in memory."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAX_TEXT = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ILLEGAL_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"  # the same, for pyarrow (RE2)
CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]+)$")


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


CHUNK = 20_000  # items rendered at a time: bounds memory on 100,000s of problems


def _batches(items: list, size: int | None = None):
    size = size or CHUNK
    for start in range(0, len(items), size):
        yield start, items[start:start + size]


def comments_xml(marks: dict[str, Mark]) -> Iterator[bytes]:
    """The comments part, in pieces."""
    yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{NS}"><authors>'
           "<author>parkcrm</author></authors><commentList>").encode()
    for _start, batch in _batches(list(marks.items())):
        refs = pa.array([ref for ref, _m in batch], pa.string())
        bodies = xml_text(pa.array(["\n".join(m.messages) for _r, m in batch], pa.string()))
        yield joined(pc.binary_join_element_wise(
            '<comment ref="', refs, '" authorId="0"><text><r><rPr><sz val="9"/></rPr><t xml:space="preserve">',
            bodies, "</t></r></text></comment>", ""))
    yield b"</commentList></comments>"


def vml_xml(refs: list[str], first_block: int) -> Iterator[bytes]:
    """The legacy VML drawing Excel needs to show the comments, in pieces."""
    blocks = len(refs) // 1024 + 1
    data = ",".join(str(b) for b in range(first_block, first_block + blocks))
    yield ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:x="urn:schemas-microsoft-com:office:excel">'
           f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
           '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
           '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>').encode()
    for start, batch in _batches(refs):
        rows, cols = [], []
        for ref in batch:
            m = CELL_REF.match(ref)
            cols.append(col_number(m.group(1)) - 1)
            rows.append(int(m.group(2)) - 1)
        ids = pa.array([str(first_block * 1024 + start + n + 1) for n in range(len(batch))])
        anchors = pa.array([f"{c + 1}, 15, {max(r - 1, 0)}, 10, {c + 4}, 15, {r + 4}, 4" for r, c in zip(rows, cols)])
        yield joined(pc.binary_join_element_wise(
            '<v:shape id="_x0000_s', ids, '" type="#_x0000_t202" style="position:absolute;margin-left:0;margin-top:0;'
            'width:240pt;height:80pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>', anchors,
            "</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>", pa.array([str(r) for r in rows]), "</x:Row><x:Column>",
            pa.array([str(c) for c in cols]), "</x:Column></x:ClientData></v:shape>", ""))
    yield b"</xml>"


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


def listing_xml(listing: Listing, header_style: int) -> Iterator[bytes]:
    """The problem-list worksheet, in pieces."""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(listing.widths, 1))
    letters = [col_letters(c) for c in range(1, len(listing.header) + 1)]
    header = "".join(_cells(x, pa.array(["1"]), [v], f' s="{header_style}"')[0].as_py()
                     for x, v in zip(letters, listing.header))
    last = f"{letters[-1]}{listing.height + 1}"
    yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}" xmlns:r="{NS_R}">'
           f'<dimension ref="A1:{last}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
           '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
           f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData><row r="1">{header}</row>').encode()
    for start in range(0, listing.height, CHUNK):
        rows = pa.array([str(r) for r in range(start + 2, min(start + CHUNK, listing.height) + 2)], pa.string())
        cells = [_cells(x, rows, values[start:start + CHUNK]) for x, values in zip(letters, listing.columns)]
        yield joined(pc.binary_join_element_wise('<row r="', rows, '">', *cells, "</row>", ""))
    yield f'</sheetData><autoFilter ref="A1:{last}"/>'.encode()
    linked = [(r, s, c) for r, (s, c) in enumerate(listing.links, 2) if s and c]
    if linked:
        yield b"<hyperlinks>"
        for _start, batch in _batches(linked):
            sheets = pc.replace_substring(pa.array([s for _r, s, _c in batch], pa.string()), "'", "''")
            target = xml_text(pc.binary_join_element_wise("'", sheets, "'!", pa.array([c for _r, _s, c in batch]), ""))
            yield joined(pc.binary_join_element_wise(
                f'<hyperlink ref="{letters[listing.link_col]}', pa.array([str(r) for r, _s, _c in batch]),
                '" location="', target, '"/>', ""))
        yield b"</hyperlinks>"
    yield b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'


def sheet_ref(sheet: str, cell: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!" + cell
