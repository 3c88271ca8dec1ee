"""Read a workbook once in a child process before `parkcrm run` reads it in its own.

The Rust reader (calamine) can die on a file nobody foresaw: a native abort or a segfault
takes the whole process with it, and a file can make it run for ever. `run` therefore opens
each workbook it is about to read for the first time in this run in a child process, with
the same reader, loading every sheet, under a time limit. A child that dies (a signal, an
exit code other than the clean "reported" one) or runs out of time marks the file as failed:
it is logged, listed in the run summary and skipped, and the rest of the run goes on.
A file the reader refuses cleanly (WorkbookError) passes: the in-process read reports it
as every command does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROBE_SECONDS = 300  # a month's workbook loads in seconds; longer means the reader is stuck
REPORTED = 86  # the child's exit code for a file the reader refused with a WorkbookError (not 3: Windows' abort)

_CHILD = """
import sys
from pathlib import Path
from parkcrm.core.errors import WorkbookError
from parkcrm.io.grid import load_grids
from parkcrm.io.sniff import sniff
path = Path(sys.argv[1])
try:
    grids, _facts = load_grids(path, sniff(path))
    for _position, _grid in grids:
        pass
except WorkbookError:
    sys.exit(%d)
""" % REPORTED


def probe_command(path: Path) -> list[str]:
    """The child's command line for one file (tests replace it to make the child die)."""
    return [sys.executable, "-c", _CHILD, str(path)]


@dataclass
class Verdict:
    ok: bool
    error: str = ""  # why the file was skipped, in Chinese, for the log and the summary
    lasting: bool = True  # the same file fails again (a crash), unlike a time-out on a busy machine
    detail: str = ""  # the child's last words, for the log


def _died(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"信号 {name}"
    return f"退出码 {code:#x}" if code > 0xFFFF else f"退出码 {code}"


def probe(path: Path, seconds: float = PROBE_SECONDS) -> Verdict:
    """Open the workbook in a child process with the reader `run` uses and load every sheet."""
    import parkcrm

    env = dict(os.environ)
    package_root = str(Path(parkcrm.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([package_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONIOENCODING"] = "utf-8"
    try:
        done = subprocess.run(probe_command(path), stdin=subprocess.DEVNULL, capture_output=True, timeout=seconds,
                              env=env, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    except subprocess.TimeoutExpired:
        return Verdict(False, f"读取该文件超过 {seconds:g} 秒仍未完成（读取程序可能卡住），已停止读取", lasting=False)
    except OSError as exc:  # the child could not be started: read in-process as before
        return Verdict(True, detail=f"无法启动检查进程：{exc}")
    if done.returncode in (0, REPORTED):
        return Verdict(True)
    tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return Verdict(False, f"读取该文件时读取程序异常退出（{_died(done.returncode)}），文件可能已损坏或含有读取程序无法处理的内容；"
                          "请在 Excel 中打开检查并另存后再放回", detail=tail[0][:300])


class Prober:
    """Probes within one run, cached per (path, size, mtime, SHA-256): a file read by several
    steps of the run is probed once."""

    def __init__(self, log, seconds: float = PROBE_SECONDS):
        self.log = log
        self.seconds = seconds
        self._seen: dict[tuple, Verdict] = {}

    def check(self, path: Path, sha: str) -> Verdict:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns, sha)
        if key not in self._seen:
            verdict = probe(path, self.seconds)
            if not verdict.ok:
                from parkcrm.core.privacy import mask_text

                self.log.error("%s：%s%s", path.name, verdict.error,
                               f"（检查进程最后输出：{mask_text(verdict.detail)}）" if verdict.detail else "")
            elif verdict.detail:
                self.log.warning("%s：%s，按原方式读取", path.name, verdict.detail)
            self._seen[key] = verdict
        return self._seen[key]
