"""`--out -` means standard output, in every command: one helper every --out goes through.

A text output (html, md, json, csv) is written to stdout as UTF-8; a workbook (.xlsx) as its
bytes to stdout's binary buffer, or refused when stdout is a terminal (bytes would garble it).
The writers keep taking a path: for "-" they write a private temporary file whose bytes are
copied to stdout once it is complete, so a failed write puts nothing half-made on stdout.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from parkcrm.core.errors import ParkcrmError

STDOUT = "-"
STDOUT_NAME = "标准输出"
TEXT_SUFFIXES = {".html", ".htm", ".md", ".json", ".csv", ".txt"}


REPORT_SUFFIXES = (".xlsx", ".html", ".htm", ".md", ".json")


def check_report_suffix(path: Path | None) -> None:
    """--out of a command that writes sheets or a report page: the extension says which (or "-": the workbook)."""
    if path is not None and not is_stdout(path) and path.suffix.lower() not in REPORT_SUFFIXES:
        raise ParkcrmError(f"--out {path.name}：请用 .xlsx、.html、.md 或 .json 作扩展名")


def is_stdout(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDOUT


def shown(path: Path | str) -> str:
    """How a written output is named to the user ("已写入：标准输出")."""
    return STDOUT_NAME if is_stdout(path) else str(path)


def _stdout_is_terminal() -> bool:
    stream = sys.stdout
    return bool(stream is not None and getattr(stream, "isatty", lambda: False)())


def check_stdout(path: Path | str | None, suffix: str = ".xlsx") -> None:
    """Refuse, before any work, a workbook to stdout when stdout is a terminal."""
    if is_stdout(path) and suffix.lower() not in TEXT_SUFFIXES and _stdout_is_terminal():
        raise ParkcrmError(f"--out - 表示输出到标准输出，但 {suffix.lstrip('.')} 工作簿是二进制文件，不能显示在终端上；"
                           f"请用 --out 指定文件名，或把输出重定向到文件或管道（例如 > 结果{suffix}）")


def refuse_with_data(path: Path | str | None, fmt: str) -> None:
    """--out - and --format json/csv would both write to stdout: one of them only."""
    if is_stdout(path) and fmt != "table":
        raise ParkcrmError(f"--out - 和 --format {fmt} 都输出到标准输出，只能选一个："
                           f"去掉 --out -，或用 --out 指定文件名")


@contextmanager
def target(path: Path, suffix: str = ".xlsx") -> Iterator[Path]:
    """The path to write an output to: path itself, or for "-" a temporary file sent to stdout."""
    if not is_stdout(path):
        yield path
        return
    check_stdout(path, suffix)
    folder = Path(tempfile.mkdtemp(prefix="parkcrm-out-"))
    try:
        temp = folder / f"{STDOUT_NAME}{suffix}"
        yield temp
        send(temp.read_bytes())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def send(data: bytes) -> None:
    """Bytes to stdout's binary buffer (a text-only stdout gets them decoded as UTF-8)."""
    stream = sys.stdout
    if stream is None:
        return
    buffer = getattr(stream, "buffer", None)
    stream.flush()
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8", "replace"))
        stream.flush()
