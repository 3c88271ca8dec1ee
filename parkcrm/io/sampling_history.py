"""Which managers were spot-checked in which week: a small JSON file next to the data.

Kept behind load_history() / record_sample(); when a history store is in use the same two
calls go to parkcrm.store.sampling instead, and this file is the fallback without one. Which
of the two a command uses is decided in one place: parkcrm.store.sampling.choose_history
(Workspace.sampling_history).
The file is written atomically (temp file + os.replace) under a lock file, and a damaged
file is an error, never silently replaced (it is the audit trail of the sampling).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from parkcrm.core.errors import ParkcrmError
from parkcrm.io.writer import write_text

FILE_NAME = ".parkcrm-sampling.json"
VERSION = 1


def default_history_path(first_workbook: Path | str) -> Path:
    p = Path(first_workbook)
    folder = p if p.is_dir() else p.parent
    return folder / FILE_NAME


class JsonSamplingHistory:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    @property
    def shown(self) -> str:
        return f"抽查记录文件 {self.path}"

    def _read(self) -> dict:
        if not self.path.exists():
            return {"版本": VERSION, "抽查": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("抽查"), dict):
                raise ValueError("缺少「抽查」")
            for week, entry in data["抽查"].items():
                if not isinstance(entry, dict) or not isinstance(entry.get("客户经理"), list):
                    raise ValueError(f"周次 {week} 的记录格式不对")
            return data
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParkcrmError(
                f"抽查记录文件 {self.path} 已损坏，无法读取（{exc}）。它记录了历次抽查，请从备份恢复；"
                "确认不再需要时可删除该文件（之后的抽查将从头轮换）"
            ) from None

    def load_history(self) -> dict[str, list[str]]:
        """{week label: managers sampled that week}."""
        return {w: list(e["客户经理"]) for w, e in self._read()["抽查"].items()}

    def record_sample(self, week: str, managers: list[str], when: dt.datetime | None = None) -> None:
        """Record (or replace) the sample of one week."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.path) + ".lock", timeout=10)
        try:
            with lock:
                data = self._read()
                data["抽查"][week] = {"客户经理": list(managers),
                                     "记录时间": (when or dt.datetime.now()).replace(microsecond=0).isoformat()}
                data["抽查"] = dict(sorted(data["抽查"].items()))
                write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        except Timeout:
            raise ParkcrmError(f"抽查记录文件 {self.path} 正被另一个 parkcrm 进程使用，请稍后再试") from None
