"""`--format csv`: a command's main table as CSV on stdout, for csvkit, Excel and scripts.

Plain UTF-8 (no BOM: it is piped, not opened), a header row with the table's own column
names, numbers as plain numbers (no thousands separators), dates as ISO dates. A text cell
that would start a formula in a spreadsheet (= + - @) gets a leading apostrophe
(reliability.md 18). Masking happens where every output is printed (Console.data).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import numbers
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def cell(value: Any) -> str:
    import pandas as pd

    from parkcrm.io.writer import safe_csv_cell

    if value is None or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    return safe_csv_cell(str(value))


def frame_csv(df: "pd.DataFrame") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([cell(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        writer.writerow([cell(v) for v in row])
    return buf.getvalue()


def rows_csv(rows: list[dict]) -> str:
    """Records (e.g. problems as dicts) as CSV, columns in first-seen order."""
    import pandas as pd

    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    return frame_csv(pd.DataFrame(rows, columns=columns))
