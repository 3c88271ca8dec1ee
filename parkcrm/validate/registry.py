"""The explicit registry of checks, and the context every check runs in.

A check is a small function (tables, ctx) -> list[Problem], registered with a stable code,
the sheet kind it looks at, its default severity and the parameters it accepts (a pydantic
model with Chinese aliases and defaults). validation.yaml switches a check on or off,
changes its severity and gives its parameters; validate/settings.py checks the file against
these declarations and the runner applies all three (ctx.param reads a parameter).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
from pydantic import BaseModel

from parkcrm.core.periods import Month
from parkcrm.io.reader import Table, Workbook
from parkcrm.core.problems import Problem, Severity
from parkcrm.rules import RulePack

CheckFn = Callable[[dict[str, Table], "Context"], Iterable[Problem]]


@dataclass(frozen=True)
class Check:
    code: str
    kind: str  # sheet kind looked at ("*" = any, "结构" = workbook structure)
    severity: Severity  # default severity
    title: str  # what it checks, in Chinese
    fn: CheckFn
    # the parameters it accepts in validation.yaml: a pydantic model with Chinese aliases and
    # defaults (None: no parameters); the settings file is checked against it (validate/settings.py)
    params: type[BaseModel] | None = None


CHECKS: dict[str, Check] = {}


def check(code: str, kind: str, severity: Severity, title: str,
          params: type[BaseModel] | None = None) -> Callable[[CheckFn], CheckFn]:
    """Register fn as the check with this code (and the parameters it declares)."""

    def register(fn: CheckFn) -> CheckFn:
        if code in CHECKS:
            raise ValueError(f"duplicate check code {code}")
        CHECKS[code] = Check(code, kind, severity, title, fn, params)
        return fn

    return register


def all_checks() -> dict[str, Check]:
    import parkcrm.validate.checks  # noqa: F401  (registers every check)

    return CHECKS


def known_codes() -> set[str]:
    return set(all_checks())


@dataclass
class Context:
    """What a check may look at besides the tables; the runner sets code and severity."""

    rules: RulePack
    settings: Any  # parkcrm.rules.validation.ValidationRules
    month: Month  # the data month
    today: dt.date
    books: list[Workbook] = field(default_factory=list)
    reader_problems: list[Problem] = field(default_factory=list)
    mask: bool = True
    code: str = ""
    severity: Severity = "error"
    cache: dict[str, Any] = field(default_factory=dict)
    enabled: Callable[[str], bool] = lambda code: True

    def param(self, name: str, default: Any = None) -> Any:
        """A parameter of the running check (field name of its declared model), default when unset."""
        chk = CHECKS.get(self.code)
        if chk is None or chk.params is None:
            return default
        values = self.cached(("params", self.code),
                             lambda: chk.params.model_validate(self.settings.setting(self.code).params))
        value = getattr(values, name)
        return default if value is None else value

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    # ---- building problems ----
    def at(self, table: Table, mask: pd.Series | np.ndarray, column: str,
           message: str | pd.Series | Callable[[pd.Index], pd.Series | str],
           value: pd.Series | Callable[[pd.Index], pd.Series] | None = None) -> list[Problem]:
        """One problem per True row of mask, located at the cell of the canonical column.

        message and value may be functions of the flagged labels, so that texts are built
        for the bad rows only.
        """
        flags = mask.fillna(False).to_numpy(bool) if isinstance(mask, pd.Series) else np.asarray(mask, dtype=bool)
        positions = np.flatnonzero(flags)
        if not len(positions):
            return []
        df = table.df
        labels = df.index[positions]
        if callable(message):
            message = message(labels)
        if callable(value):
            value = value(labels)
        msgs = [message] * len(labels) if isinstance(message, str) else message.reindex(labels).tolist()
        vals = [""] * len(labels) if value is None else value.reindex(labels).astype("string").fillna("").tolist()
        files = df["_file"].to_numpy()[positions].tolist()
        sheets = df["_sheet"].to_numpy()[positions].tolist()
        rows = df["_row"].to_numpy()[positions].tolist()
        refs = {key: info.columns.get(column) for key, info in table.sheets.items()}
        code, severity = self.code, self.severity
        rows = [int(r) for r in rows]
        msgs = [m if type(m) is str else str(m) for m in msgs]
        if len(refs) == 1 and set(zip(files, sheets)) == set(refs):
            # one sheet (the usual case): every row has the same column header and letter
            ref = next(iter(refs.values()))
            header, cells = (ref.header, [f"{ref.letter}{r}" for r in rows]) if ref else (column, repeat(""))
            return list(map(Problem, repeat(code), repeat(severity), msgs, files, sheets, rows, repeat(header),
                            cells, vals))
        out = []
        for f, s, r, msg, v in zip(files, sheets, rows, msgs, vals):
            ref = refs.get((f, s))
            out.append(Problem(code, severity, msg, f, s, r, ref.header if ref else column,
                               f"{ref.letter}{r}" if ref else "", v))
        return out

    def sheet(self, file: str, sheet: str, message: str, row: int | None = None) -> Problem:
        """A problem about a whole sheet (or a header row)."""
        return Problem(self.code, self.severity, message, file, sheet, row)

    # ---- showing personal data ----
    def cert(self, series: pd.Series) -> pd.Series:
        """ID numbers as shown: first 6 and last 4 kept unless --no-mask."""
        return mask_middle(series, 6, 4, 11) if self.mask else series.astype("string")

    def phone(self, series: pd.Series) -> pd.Series:
        """Phone numbers as shown: 138****1234 unless --no-mask."""
        return mask_middle(series, 3, 4, 8) if self.mask else series.astype("string")


def mask_middle(series: pd.Series, head: int, tail: int, min_len: int) -> pd.Series:
    """Vectorised: values of at least min_len characters keep `head` + `tail` characters, the rest is *."""
    s = series.astype("string")
    n = s.str.len()
    out = s.copy()
    for length in n[n >= min_len].unique():
        rows = (n == length).fillna(False)
        out[rows] = s[rows].str[:head] + "*" * int(length - head - tail) + s[rows].str[-tail:]
    return out


def where(table: Table, labels: Iterable[int]) -> list[str]:
    """'客户资料第12行' names of rows, for messages that point at other rows."""
    df = table.df
    return [f"{df.at[label, '_sheet']}第{int(df.at[label, '_row'])}行" for label in labels]
