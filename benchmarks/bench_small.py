"""A clerk's small month, run as whole processes: classify and validate of the bundled October samples
against a small floor, and `parkcrm --help`.

The floor is a Python process that imports pandas and pyarrow, reads every sheet of the customer
workbook with fastexcel and writes the same cells with xlsxwriter: what any tool doing this job pays.
Targets (issue 10): classify ≤ 1.3× the floor, validate of the October folder ≤ 2×, --help ≤ 0.2 s.

It also times a "stack floor" for classify: the libraries parkcrm is built on (a Typer command with
classify's options, pydantic, PyYAML, rich) reading the customer workbook and writing the cells of
classify's deliverable as plain strings with xlsxwriter, with no parkcrm code at all. Classify's
output has about 1.85× the floor's cells (its computed columns, the card sheet and the register),
so this is the least any classify on this stack can take.

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

# the stack floor: typer + pydantic + yaml + rich loaded, the input read, the deliverable's cells written plainly
STACK_FLOOR = """
import sys
from pathlib import Path
from typing import Annotated, Optional
import pandas, pyarrow, fastexcel, xlsxwriter, yaml, pydantic, rich.console
import typer

app = typer.Typer()


@app.command()
def classify(workbooks: Annotated[list[Path], typer.Argument()],
             out: Annotated[Optional[Path], typer.Option("--out")] = None,
             deliverable: Annotated[Optional[Path], typer.Option("--cells-of")] = None,
             rules: Annotated[Optional[Path], typer.Option("--rules")] = None,
             config: Annotated[Optional[Path], typer.Option("--config")] = None,
             db: Annotated[Optional[str], typer.Option("--db")] = None,
             month: Annotated[Optional[str], typer.Option("--month")] = None,
             fmt: Annotated[str, typer.Option("--format")] = "table",
             no_mask: Annotated[bool, typer.Option("--no-mask")] = False,
             quiet: Annotated[bool, typer.Option("-q")] = False):
    reader = fastexcel.read_excel(str(workbooks[0]))
    for name in reader.sheet_names:
        reader.load_sheet_by_name(name, header_row=None, dtypes="string").to_pandas()
    cells = fastexcel.read_excel(str(deliverable))  # read outside the timing would be fairer; it is ~20 ms
    book = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
    for name in cells.sheet_names:
        df = cells.load_sheet_by_name(name, header_row=None, dtypes="string").to_pandas()
        ws = book.add_worksheet(name)
        for r, row in enumerate(df.itertuples(index=False)):
            for c, v in enumerate(row):
                if v is not None and v == v:
                    ws.write_string(r, c, str(v))
    book.close()


app()
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
        stack = best([py, "-c", STACK_FLOOR, str(customers), "--out", str(work / "stack.xlsx"),
                      "--cells-of", str(work / "classified.xlsx"), "-q"], args.repeat)
        print(f"floor (import pandas+pyarrow, fastexcel read, xlsxwriter write): {floor:.2f} s")
        print(f"classify October customers:  {classify:.2f} s = {classify / floor:.2f}× floor (target ≤ 1.3×)")
        print(f"  stack floor (typer+pydantic+yaml+rich, read, classify's cells written plainly): "
              f"{stack:.2f} s = {stack / floor:.2f}× floor")
        print(f"validate October folder:     {validate:.2f} s = {validate / floor:.2f}× floor (target ≤ 2×)")
        print(f"parkcrm --help:              {helps:.2f} s (target ≤ 0.2 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
