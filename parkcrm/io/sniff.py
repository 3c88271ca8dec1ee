"""Recognise a workbook by its first bytes, not its name, and refuse dangerous archives."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from parkcrm.core.errors import WorkbookError

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class ZipLimits:
    """Limits against zip bombs. The declared sizes are checked first; then every entry is
    inflated by us, counting what really comes out, before the Rust reader sees it (the
    central directory may lie: declared 900 KB, inflated 3 GB)."""

    entries: int = 10_000
    total: int = 2 * 1024**3  # all entries, declared
    entry: int = 1024**3  # one entry, declared and actually inflated
    ratio: int = 200  # per entry, for entries over 1 MB uncompressed


LIMITS = ZipLimits()  # a setting: tests lower it
_CHUNK = 1 << 20

EXCEL_EXTS = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_EXTS = {".csv", ".txt", ".tsv"}


def sniff(path: Path) -> str:
    """Return 'xlsx', 'xls', 'ods' or 'csv' for path, or raise WorkbookError in Chinese."""
    name = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise WorkbookError(f"{name}: 文件不存在（{path}）") from None
    except IsADirectoryError:
        raise WorkbookError(f"{name}: 这是一个文件夹，不是工作簿") from None
    except PermissionError:
        raise WorkbookError(f"{name}: 没有读取权限，文件可能被其他程序独占打开") from None
    except OSError as exc:
        if getattr(exc, "errno", None) == 36:
            raise WorkbookError(f"{name}: 路径过长，请把文件移到较短的文件夹路径下") from None
        raise WorkbookError(f"{name}: 无法读取（{exc.strerror or exc}）") from None
    if size == 0:
        raise WorkbookError(f"{name}: 文件为空（0 字节），请重新导出或复制该文件")
    ext = path.suffix.lower()
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(path)
    if head.startswith(OLE2_MAGIC):
        if _ole2_is_encrypted(path):
            raise WorkbookError(f"{name}: 工作簿设置了打开密码（已加密），请在 Excel 中取消密码后另存再试")
        return "xls"
    if ext in EXCEL_EXTS:
        lowered = path.read_bytes()[:2048].lower()
        if b"<html" in lowered or b"<table" in lowered:
            raise WorkbookError(
                f"{name}: 扩展名是 {ext}，但内容是网页（HTML）文件；请用 Excel 打开后"
                "「另存为」Excel 工作簿（.xlsx）再试"
            )
        if ext == ".xls" and head[:4] in (b"\x09\x08\x10\x00", b"\x09\x04\x06\x00"):
            raise WorkbookError(f"{name}: 这是 Excel 5.0/95 或更早的格式，请在 Excel 中另存为 .xlsx")
        raise WorkbookError(
            f"{name}: 扩展名是 {ext}，但内容不是 Excel 工作簿（开头字节 {head[:4].hex(' ')}），"
            "文件可能已损坏或不是表格；应为 .xlsx/.xls/.ods 工作簿或 .csv 文本"
        )
    return "csv"


def _sniff_zip(path: Path) -> str:
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            limits = LIMITS
            if len(infos) > limits.entries:
                raise WorkbookError(f"{name}: 压缩包内文件数 {len(infos)} 超过上限 {limits.entries}，拒绝读取")
            if len({i.filename for i in infos}) < len(infos):  # readers differ on which copy they take
                raise WorkbookError(f"{name}: 压缩包内有重名的文件，文件已损坏或被篡改，拒绝读取；请在 Excel 中打开后另存再试")
            total = sum(i.file_size for i in infos)
            if total > limits.total:
                raise WorkbookError(f"{name}: 解压后大小 {total / 1024**3:.1f} GB 超过上限，拒绝读取（疑似压缩炸弹）")
            for i in infos:
                if i.file_size > limits.entry:
                    raise WorkbookError(f"{name}: 压缩包内「{i.filename}」解压后 {_size(i.file_size)}，"
                                        f"超过单个文件的上限 {_size(limits.entry)}，拒绝读取（疑似压缩炸弹）")
                if i.file_size > 1024**2 and i.file_size > limits.ratio * max(i.compress_size, 1):
                    raise WorkbookError(f"{name}: 压缩比异常（{i.filename}），拒绝读取（疑似压缩炸弹）")
            names = {i.filename for i in infos}
            if "mimetype" in names:
                mime = zf.read("mimetype")[:100]
                if b"opendocument.spreadsheet" in mime:
                    return "ods"
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                if "xl/workbook.bin" in names:
                    raise WorkbookError(f"{name}: 这是二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx")
                return "xlsx"
            if "word/document.xml" in names:
                raise WorkbookError(f"{name}: 这是 Word 文档，不是 Excel 工作簿")
            raise WorkbookError(f"{name}: 这是一个 zip 压缩包，不是 Excel 工作簿；请解压后选择其中的 .xlsx 文件")
    except zipfile.BadZipFile:
        raise WorkbookError(f"{name}: 工作簿已损坏或不完整（zip 结构无效），请重新复制或导出该文件") from None


def _size(n: int) -> str:
    return f"{n / 1024**2:.1f} MB" if n >= 1024**2 else f"{n / 1024:.0f} KB"


def inflate_checked(source: Path | bytes, name: str, members: Iterable[str], keep: bool = True,
                    inspect: Callable[[str, bytes], None] | None = None) -> dict[str, bytes]:
    """Inflate the given entries of a zip ourselves, counting the bytes that really come out.

    An entry that inflates past its declared size (a lying central directory) or past
    LIMITS.entry is refused with a WorkbookError naming the file: nothing is handed to the
    Rust reader before its real size is known. keep=False only checks (returns {});
    inspect(member, data) is called on each entry as it is inflated.
    """
    limits = LIMITS
    out: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            fh = zf.fp
            for member in members:
                info = zf.getinfo(member)
                data = _inflate_entry(fh, info, min(info.file_size, limits.entry), keep or inspect is not None, name)
                if inspect is not None:
                    inspect(member, data)
                if keep:
                    out[member] = data
    except (zipfile.BadZipFile, KeyError, OSError, zlib.error, struct.error) as exc:
        raise WorkbookError(f"{name}: 工作簿已损坏或不完整（{exc}），请重新复制或导出该文件") from None
    return out


def _inflate_entry(fh, info: zipfile.ZipInfo, budget: int, keep: bool, name: str) -> bytes:
    fh.seek(info.header_offset)
    head = fh.read(30)
    if head[:4] != ZIP_MAGIC:
        raise zipfile.BadZipFile(f"「{info.filename}」的本地文件头无效")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise WorkbookError(f"{name}: 压缩包内「{info.filename}」使用了不支持的压缩方式（{info.compress_type}），拒绝读取")
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    parts: list[bytes] = []
    produced, left = 0, info.compress_size
    while left > 0 or (inflater is not None and inflater.unconsumed_tail):
        if inflater is not None and inflater.unconsumed_tail:
            raw = inflater.unconsumed_tail
        else:
            raw = fh.read(min(_CHUNK, left))
            if not raw:
                break
            left -= len(raw)
        # never more than one byte past the budget comes out of one call
        chunk = inflater.decompress(raw, budget - produced + 1) if inflater is not None else raw
        produced += len(chunk)
        if produced > budget:
            over = "声明的大小" if budget == info.file_size else f"上限 {_size(budget)}"
            raise WorkbookError(f"{name}: 压缩包内「{info.filename}」实际解压后超过{over}"
                                f"（声明 {_size(info.file_size)}），拒绝读取（疑似压缩炸弹）")
        if keep:
            parts.append(chunk)
    return b"".join(parts)


_SST = re.compile(rb"<(?:[\w.-]+:)?sst[\t\n\r ]([^>]*)>")
_UNIQUE_COUNT = re.compile(rb"(?:^|[\t\n\r ])uniqueCount[\t\n\r ]*=[\t\n\r ]*[\"']?[\t\n\r ]*([0-9]+)")


def check_declared_counts(name: str, member: str, data: bytes) -> None:
    """The reader reserves memory for the number of shared strings the file declares
    (uniqueCount="4000000000": 96 GB, then a native abort). Each string takes at least 9
    bytes of XML, so a count the member cannot hold is refused."""
    head = _SST.search(data)
    found = _UNIQUE_COUNT.search(head.group(1)) if head else None
    if found and int(found.group(1)) > len(data) // 9 + 1:
        raise WorkbookError(f"{name}: 工作簿的共享字符串表（{member}）声明有 {int(found.group(1)):,} 个字符串，"
                            "但文件容不下这么多，文件已损坏或被篡改，拒绝读取；请在 Excel 中打开后另存再试")


def _ole2_is_encrypted(path: Path) -> bool:
    """An encrypted .xlsx is an OLE2 file holding an 'EncryptedPackage' stream."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if marker in chunk:
                return True
            if len(chunk) < (1 << 20):
                break
            fh.seek(-len(marker), 1)
    return False
