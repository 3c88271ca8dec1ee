"""Benchmark: `parkcrm plan` and `parkcrm rules diff` on the benchmark month vs `parkcrm classify`.

Issue 14's target: both within 2 × classify on the 100k benchmark month (end to end, child processes,
best of --repeat runs). rules diff gets a second rule pack: the built-in one with 5B from 60 to 50
万元 (and 4B's upper bound with it).

Run on demand:  python benchmarks/bench_planning.py [--customers 100000 --contacts 200000 --repeat 3]
Try it small first:  python benchmarks/bench_planning.py --customers 5000 --contacts 10000 --repeat 1
Prints seconds and ratios as JSON. Not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from common import benchmark_workbook, timed  # noqa: E402

MONTH = "2026-11"


def other_rules(folder: Path) -> Path:
    """The built-in rule pack with 5B from 60 to 50 万元."""
    from parkcrm.rules.pack import default_rules_dir

    dest = folder / "新规则"
    shutil.copytree(default_rules_dir(), dest)
    path = dest / "tiers.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (("  - 等级: 5B\n    下限: 60", "  - 等级: 5B\n    下限: 50"),
                     ("    下限: 12\n    上限: 60", "    下限: 12\n    上限: 50")):
        if old not in text:
            raise SystemExit(f"tiers.yaml of the built-in pack changed; cannot find:\n{old}")
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return dest


def best(cmd: list[str], repeat: int) -> float:
    return min(timed(cmd) for _ in range(repeat))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--contacts", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", type=Path, default=HERE / "_data")
    a = ap.parse_args()
    src = benchmark_workbook(a.data, a.customers, a.contacts)
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        new = other_rules(t)
        classify_s = best([py, "-m", "parkcrm", "classify", str(src), "--out", str(t / "分级.xlsx"), "-q"], a.repeat)
        plan_s = best([py, "-m", "parkcrm", "plan", str(src), "--month", MONTH, "--out", str(t / "工作量.xlsx"), "-q"],
                      a.repeat)
        diff_s = best([py, "-m", "parkcrm", "rules", "diff", str(src), "--against", str(new), "--month", MONTH,
                       "--out", str(t / "影响.xlsx"), "-q"], a.repeat)
        diff_json_s = best([py, "-m", "parkcrm", "rules", "diff", str(src), "--against", str(new), "--month", MONTH,
                            "--format", "json"], a.repeat)
    result = {"customers": a.customers, "contacts": a.contacts, "repeat": a.repeat,
              "classify_s": round(classify_s, 2), "plan_s": round(plan_s, 2), "rules_diff_s": round(diff_s, 2),
              "rules_diff_json_s": round(diff_json_s, 2),
              "plan_over_classify": round(plan_s / classify_s, 2),
              "rules_diff_over_classify": round(diff_s / classify_s, 2)}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print("targets: plan_over_classify <= 2; rules_diff_over_classify <= 2")


if __name__ == "__main__":
    main()
