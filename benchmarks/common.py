"""Helpers shared by the benchmark scripts: the benchmark workbook, and timing a child process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_data import make_benchmark_workbook  # noqa: E402


def benchmark_workbook(data: Path, customers: int, contacts: int, make=make_benchmark_workbook,
                       name: str = "bench") -> Path:
    """The generated benchmark workbook in data/, made once (by make(path, customers, contacts)) and reused."""
    data.mkdir(exist_ok=True)
    suffix = "" if contacts == 2 * customers else f"-{contacts}"
    src = data / f"{name}-{customers}{suffix}.xlsx"
    if not src.exists():
        t = time.perf_counter()
        make(src, customers, contacts)
        print(f"generated {src.name} ({src.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    return src


def timed(cmd: list[str]) -> float:
    """Wall seconds of a child process; exit codes 0 and 1 (data findings) count as success."""
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall
