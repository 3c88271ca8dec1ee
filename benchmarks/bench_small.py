"""A clerk's small month, run as whole processes: classify and validate of the bundled October samples
against a small floor, and `parkcrm --help`.

The floor is a Python process that imports pandas and pyarrow, reads every sheet of the customer
workbook with fastexcel and writes the same cells with xlsxwriter: what any tool doing this job pays.
Targets (issue 10): classify ≤ 1.3× the floor, validate of the October folder ≤ 2×, --help ≤ 0.2 s.

    python benchmarks/bench_small.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from common import timed

ROOT = Path(__file__).resolve().parent.parent
OCTOBER = ROOT / "samples" / "2026-10"

FLOOR = """
import sys
import pandas, pyarrow, fastexcel, xlsxwriter
src, out = sys.argv[1], sys.argv[2]
reader = fastexcel.read_excel(src)
book = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_urls": False})
for name in reader.sheet_names:
    df = reader.load_sheet_by_name(name, header_row=None, dtypes="string").to_pandas()
    ws = book.add_worksheet(name[:31])
    for r, row in enumerate(df.itertuples(index=False)):
        for c, v in enumerate(row):
            if v is not None and v == v:
                ws.write_string(r, c, str(v))
book.close()
"""


def best(cmd: list[str], repeat: int) -> float:
    return min(timed(cmd) for _ in range(repeat))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    # parkcrm's bytecode compiled once, as `pip install` does for an installed package and as the floor's
    # libraries have it: with PYTHONDONTWRITEBYTECODE set (as on some machines) an editable checkout
    # would otherwise recompile every module in every process (about 0.1 s).
    import compileall

    compileall.compile_dir(ROOT / "parkcrm", quiet=1)
    work = Path(tempfile.mkdtemp(prefix="parkcrm-bench-small-"))
    try:
        data = work / "2026-10"
        shutil.copytree(OCTOBER, data)
        customers = next(data.glob("*客户资料*.xlsx"))
        py, parkcrm = sys.executable, [sys.executable, "-m", "parkcrm"]
        floor = best([py, "-c", FLOOR, str(customers), str(work / "floor.xlsx")], args.repeat)
        classify = best([*parkcrm, "classify", str(customers), "--out", str(work / "classified.xlsx"), "-q"], args.repeat)
        validate = best([*parkcrm, "validate", str(data), "--month", "2026-10", "-q"], args.repeat)
        helps = best([*parkcrm, "--help"], args.repeat)
        print(f"floor (import pandas+pyarrow, fastexcel read, xlsxwriter write): {floor:.2f} s")
        print(f"classify October customers:  {classify:.2f} s = {classify / floor:.2f}× floor (target ≤ 1.3×)")
        print(f"validate October folder:     {validate:.2f} s = {validate / floor:.2f}× floor (target ≤ 2×)")
        print(f"parkcrm --help:              {helps:.2f} s (target ≤ 0.2 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
