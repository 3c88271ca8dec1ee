"""The supervisor's weekly spot-check of visit records (domain §4).

Every week at least ceil(ratio × managers) customer managers (at least the minimum) have
their visit records checked and signed. The choice is reproducible: managers sampled
least recently come first (never-sampled ones before all others), ties broken by a seed
derived from the week, so the same week and data always give the same choice, and over a
few weeks everyone is checked. Only history of earlier weeks is used, so re-running a
week gives the same answer.

Pure: the history comes in as a mapping {week: [managers]}; reading and writing it is
parkcrm.io.sampling_history's job.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Mapping, Protocol

import pandas as pd

from parkcrm.core.problems import Problem
from parkcrm.capabilities.visits import NO_MANAGER
from parkcrm.core.periods import Period, Week

SIGNOFF_COLUMNS = ["周次", "客户经理", "日期", "客户编号", "客户名称", "方式", "客户签名", "内容",
                   "来源", "抽查意见", "抽查人签名", "抽查日期"]
NO_VISITS = "本周无走访记录"
# a week's returned sheet: every sampled record with an opinion and a signature, or not
FINISHED, UNFINISHED, NOT_RETURNED = "已完成", "未完成", "未收到"
AUDIT_COLUMNS = ["周次", "客户经理总数", "应抽查人数", "已抽查签名人数", "完成情况", "达标", "已抽查签名", "说明"]


class History(Protocol):
    """Where past samples are kept (a JSON file now; a database later)."""

    def load_history(self) -> dict[str, list[str]]: ...

    def record_sample(self, week: str, managers: list[str]) -> None: ...


def sample_size(total: int, ratio: float, minimum: int = 1) -> int:
    """ceil(ratio × total), at least minimum, at most total. Exact: 0.3 × 10 is 3, not 4."""
    if total <= 0:
        return 0
    need = math.ceil(Fraction(str(ratio)) * total)
    return min(total, max(minimum, need))


def rule_text(total: int, ratio: float, minimum: int) -> str:
    k = sample_size(total, ratio, minimum)
    return (f"客户经理共 {total} 人，每周至少抽查 {ratio:.0%}（向上取整，至少 {minimum} 人）= {k} 人；"
            "最久未被抽查的优先，同等情况按周次生成的随机顺序")


def roster(customers: pd.DataFrame | None, visits: pd.DataFrame | None) -> list[str]:
    """Customer managers: owners in the customer sheet and everyone who recorded visits."""
    names: set[str] = set()
    for df in (customers, visits):
        if df is not None and "客户经理" in df:
            s = df["客户经理"].astype("string").str.strip()
            names |= set(s[s.notna() & (s != "")].unique())
    names.discard(NO_MANAGER)
    return sorted(names)


def _tiebreak(week: str, name: str) -> str:
    seed = hashlib.sha256(f"parkcrm-sampling|{week}".encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{seed}|{name}".encode("utf-8")).hexdigest()


@dataclass
class SamplingChoice:
    week: str
    total: int
    size: int
    ratio: float
    minimum: int
    managers: list[str]  # the chosen, in order
    order: pd.DataFrame  # every manager: 顺序, 客户经理, 上次抽查, 本周抽查

    @property
    def rule(self) -> str:
        return rule_text(self.total, self.ratio, self.minimum)


def choose(managers: Iterable[str], week: str, history: Mapping[str, list[str]], ratio: float,
           minimum: int = 1) -> SamplingChoice:
    """Pick the managers whose records are checked in week (labels like 2026-W47)."""
    names = sorted(set(managers))
    last: dict[str, str] = {}
    for w, chosen in history.items():
        if w >= week:  # only earlier weeks count, so a re-run of the week gives the same choice
            continue
        for n in chosen:
            if w > last.get(n, ""):
                last[n] = w
    ranked = sorted(names, key=lambda n: (last.get(n, ""), _tiebreak(week, n)))
    k = sample_size(len(names), ratio, minimum)
    picked = ranked[:k]
    order = pd.DataFrame({
        "顺序": range(1, len(ranked) + 1),
        "客户经理": ranked,
        "上次抽查": [last.get(n, "从未") for n in ranked],
        "本周抽查": ["是" if i < k else "" for i in range(len(ranked))],
    })
    return SamplingChoice(week, len(names), k, ratio, minimum, picked, order)


def signoff_frame(visits: pd.DataFrame | None, customers: pd.DataFrame | None, period: Period,
                  managers: list[str]) -> pd.DataFrame:
    """Every visit record of the chosen managers in the week, with empty sign-off columns.

    A chosen manager without any record in the week still gets a row, so the supervisor
    signs off the absence too.
    """
    start = pd.Timestamp(period.start)
    end = pd.Timestamp(period.end) + pd.Timedelta(days=1)
    if visits is not None and len(visits):
        v = visits
        who = v["客户经理"].astype("string").str.strip()
        mask = (v["日期"] >= start) & (v["日期"] < end) & who.isin(managers).fillna(False)
        rows = v[mask.fillna(False).astype(bool)]
    else:
        rows = pd.DataFrame(columns=["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"])
    names = None
    if customers is not None and "客户名称" in customers:
        first = customers.drop_duplicates("客户编号")
        names = pd.Series(first["客户名称"].to_numpy(), index=first["客户编号"].astype("string"))

    def col(name: str, dtype: str = "string") -> pd.Series:
        return rows[name] if name in rows else pd.Series(pd.NA, index=rows.index, dtype=dtype)

    out = pd.DataFrame({
        "周次": period.label,
        "客户经理": col("客户经理").astype("string").str.strip(),
        "日期": pd.to_datetime(col("日期", "datetime64[ns]")),
        "客户编号": col("客户编号"),
        "客户名称": col("客户编号").astype("string").map(names) if names is not None else pd.NA,
        "方式": col("方式"),
        "客户签名": col("客户签名", "boolean").astype("boolean"),
        "内容": col("内容"),
        "来源": (col("_file").astype("string") + " / " + col("_sheet").astype("string") + " 第"
                 + col("_row").astype("string") + "行") if "_file" in rows else pd.NA,
    }, index=rows.index)
    missing = [m for m in managers if m not in set(out["客户经理"].dropna())]
    if missing:
        empty = pd.DataFrame({"周次": period.label, "客户经理": missing, "内容": NO_VISITS})
        out = pd.concat([out, empty], ignore_index=True)
    for c in ("抽查意见", "抽查人签名", "抽查日期"):
        out[c] = ""
    rank = {m: i for i, m in enumerate(managers)}
    out["_m"] = out["客户经理"].map(rank)
    out = out.sort_values(["_m", "日期", "客户编号"], na_position="last", kind="stable").drop(columns="_m")
    out["周次"] = out["周次"].astype("string")
    return out[SIGNOFF_COLUMNS].reset_index(drop=True)


# ---- audit of filled-in sign-off sheets ---------------------------------------------------

_WEEK_TEXT = re.compile(r"(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})")


@dataclass
class Audit:
    weeks: pd.DataFrame  # one row per week
    short_weeks: list[str]
    problems: list[Problem] = field(default_factory=list)


def audit(signoffs: pd.DataFrame | None, total_managers: int, ratio: float, minimum: int,
          expected_weeks: Iterable[str] = (), known_managers: Iterable[str] = ()) -> Audit:
    """Per week: how many managers were checked and signed, against ceil(ratio × managers).

    A manager is checked only when every sampled record of theirs carries both the
    supervisor's opinion and signature (domain §4); a week whose sheet has any record
    without both is 未完成 and not met, even when enough managers were fully checked.
    """
    need = sample_size(total_managers, ratio, minimum)
    known = set(known_managers)
    problems: list[Problem] = []
    frame = signoffs if signoffs is not None else pd.DataFrame(columns=["周次", "客户经理", "抽查人签名"])
    week = _weeks_of(frame)
    undated = week.isna()
    if undated.any():
        for label in frame.index[undated.to_numpy()][:100]:
            r = frame.loc[label]
            problems.append(Problem("signoff-week-unknown", "warning",
                                    "抽查表这一行既没有可识别的周次（如 2026-W47），也没有日期，无法归入某一周",
                                    str(r.get("_file", "")), str(r.get("_sheet", "")),
                                    int(r["_row"]) if "_row" in r and pd.notna(r["_row"]) else None))
    sig = frame["抽查人签名"].astype("string").str.strip() if "抽查人签名" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    signed = sig.notna() & (sig != "")
    opinion = frame["抽查意见"].astype("string").str.strip() if "抽查意见" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    no_opinion = signed & (opinion.isna() | (opinion == ""))
    manager = frame["客户经理"].astype("string").str.strip() if "客户经理" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    has_opinion = (opinion.notna() & (opinion != "")).fillna(False)
    work = pd.DataFrame({"周次": week, "客户经理": manager, "signed": signed.fillna(False),
                         "no_opinion": no_opinion.fillna(False), "complete": signed.fillna(False) & has_opinion})
    work = work[work["周次"].notna()]
    rows = []
    for w in sorted(set(work["周次"]) | set(expected_weeks)):
        part = work[work["周次"] == w]
        # a manager counts only when every sampled record of theirs has an opinion and a signature
        per_manager = part.dropna(subset=["客户经理"]).groupby("客户经理")["complete"].all()
        checked = sorted(per_manager.index[per_manager.to_numpy(bool)])
        listed = sorted(per_manager.index)
        unsigned_rows = int((~part["signed"]).sum())
        incomplete_rows = int((~part["complete"]).sum())
        notes = []
        if part.empty:
            notes.append("没有收到这一周的抽查表")
        if unsigned_rows:
            notes.append(f"{unsigned_rows} 条记录未签名")
        if int(part["no_opinion"].sum()):
            notes.append(f"{int(part['no_opinion'].sum())} 条记录已签名但没有抽查意见")
        unknown = [n for n in checked if known and n not in known]
        if unknown:
            notes.append(f"{'、'.join(unknown)} 不在本次数据的客户经理名单中")
        unfinished = [m for m in listed if m not in checked]
        if unfinished:
            notes.append(f"未完成（缺抽查意见或签名）：{'、'.join(unfinished)}")
        status = NOT_RETURNED if part.empty else (UNFINISHED if incomplete_rows else FINISHED)
        rows.append({"周次": w, "客户经理总数": total_managers, "应抽查人数": need, "已抽查签名人数": len(checked),
                     "完成情况": status, "达标": len(checked) >= need and status == FINISHED,
                     "已抽查签名": "、".join(checked), "说明": "；".join(notes)})
    weeks = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    short = weeks.loc[~weeks["达标"].astype(bool), "周次"].tolist() if len(weeks) else []
    return Audit(weeks, short, problems)


def _weeks_of(frame: pd.DataFrame) -> pd.Series:
    """The ISO week of each sign-off row: its 周次 text, else the week of its 日期."""
    out = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "周次" in frame:
        parts = frame["周次"].astype("string").str.normalize("NFKC").str.extract(_WEEK_TEXT)
        ok = parts[0].notna()
        if ok.any():
            out[ok] = pd.Series([f"{int(y)}-W{int(w):02d}" for y, w in zip(parts.loc[ok, 0], parts.loc[ok, 1])],
                                index=out.index[ok.to_numpy()], dtype="string")
    if "日期" in frame:
        dates = pd.to_datetime(frame["日期"], errors="coerce")
        fill = out.isna() & dates.notna()
        if fill.any():
            out[fill] = pd.Series([Week.of(d.date()).label for d in dates[fill]], index=out.index[fill.to_numpy()], dtype="string")
    return out
