"""What `parkcrm run` needs around its files: the run lock, the log, the archive and safe publishing.

Outputs are written into a staging folder inside the output folder, then moved into the
archive with os.replace, so a killed run leaves no half-written file under 输出/YYYY-MM
(only a staging file, removed by the next run). A file open in Excel cannot be replaced
on Windows: after a few tries a timestamped copy is written instead, and the run says so.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Callable, Iterator

from parkcrm.core.errors import BusyError, ParkcrmError
from parkcrm.core.privacy import mask_json_text, mask_text

LOCK_FILE = ".parkcrm-run.lock"
LOG_FILE = "parkcrm.log"
STAGING = ".parkcrm-tmp"
MANIFEST = ".parkcrm-run.json"
MAX_PATH = 259  # Windows without long-path support


@contextmanager
def run_lock(folder: Path, wait_seconds: float) -> Iterator[Path]:
    """An OS-level lock on folder/.parkcrm-run.lock; released by the OS if the process dies."""
    from filelock import FileLock, Timeout

    path = folder / LOCK_FILE
    lock = FileLock(str(path), timeout=wait_seconds)
    try:
        lock.acquire()
    except Timeout:
        raise BusyError(f"另一个 parkcrm run 正在运行（锁文件 {path}），等待 {wait_seconds:g} 秒后仍未结束，本次退出；"
                        "请稍后再运行") from None
    try:
        yield path
    finally:
        lock.release()


def open_log(folder: Path, name: str = "parkcrm.run") -> tuple[logging.Logger, logging.Handler | None]:
    """A logger writing to folder/parkcrm.log (UTF-8, rotated at 1 MB, 5 old files kept)."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        handler: logging.Handler = RotatingFileHandler(folder / LOG_FILE, maxBytes=1_000_000, backupCount=5,
                                                       encoding="utf-8", delay=True)
    except OSError:
        return logger, None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(MaskingFilter())
    logger.addHandler(handler)
    return logger, handler


class MaskingFilter(logging.Filter):
    """The log file is personal data too: mask IDs and mobiles in every message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_text(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def close_log(logger: logging.Logger, handler: logging.Handler | None) -> None:
    if handler is not None:
        logger.removeHandler(handler)
        handler.close()


@dataclass
class Archive:
    """The output folder: 输出/YYYY-MM/… (parkcrm.io.archive), with a staging folder for writing."""

    root: Path

    @property
    def staging(self) -> Path:
        return self.root / STAGING

    def folder(self, year: int, month: int) -> Path:
        from parkcrm.io.archive import month_folder_name

        return self.root / month_folder_name(year, month)

    def clean_staging(self) -> list[str]:
        """Remove what a killed run left in the staging folder."""
        left = sorted(p.name for p in self.staging.iterdir()) if self.staging.is_dir() else []
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        return left

    def publish(self, target: Path, write: Callable[[Path], object]) -> Path:
        """Write via write(staging_path), then move onto target. Returns the path actually written."""
        if os.name == "nt" and len(str(target.resolve())) > MAX_PATH:
            raise ParkcrmError(f"输出路径太长（{len(str(target))} 个字符，Windows 最多 {MAX_PATH} 个）：{target}；"
                               "请把项目放到较短的文件夹中")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)
        staged = self.staging / f"{time.monotonic_ns()}-{target.name}"
        write(staged)
        return _move(staged, target)


def _move(staged: Path, target: Path, tries: int = 5, delay: float = 0.5) -> Path:
    owner = target.with_name("~$" + target.name)
    for attempt in range(tries):
        if not owner.exists():
            try:
                os.replace(staged, target)
                return target
            except PermissionError:
                pass
        time.sleep(delay if attempt < tries - 1 else 0)
    copy = target.with_name(f"{target.stem}-{dt.datetime.now():%H%M%S}{target.suffix}")
    os.replace(staged, copy)
    return copy


def write_json(archive: Archive, target: Path, data: dict) -> Path:
    text = mask_json_text(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    return archive.publish(target, lambda p: p.write_text(text, encoding="utf-8"))


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
