"""city.yaml: the city roll-up of every park in a store (parkcrm report city): which indicators it
shows, the target of each (a park short of it is marked), how the parks are ranked.

The indicators are measured on each park's full workbooks when a month is imported
(parkcrm.jobs.indicators) and kept in the store under the stable names below; the sampling
one is counted from the supervisor's stored samples at report time. A pack without city.yaml
behaves as the shipped one.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from parkcrm.rules.models import Strict

VISITS, SAMPLING, CARE = "走访达标率", "抽查完成率", "关怀执行率"
COMPLETENESS, ACCURACY = "资料完整率", "资料准确率"
CHURN, MANAGERS = "流失预警数", "客户经理数"
SCORE = "加权得分"  # 排名.依据: rank by the weighted score of the rates
# on-time indicator -> the service time limit (history.yaml 服务时限.名称) it measures
DEFAULT_ON_TIME = {"故障及时率": "故障修复", "装机及时率": "新装", "支撑及时率": "支撑需求响应",
                   "绿色通道及时率": "管线需求答复（绿色通道）"}
COUNTS = {CHURN, MANAGERS}  # counts, not rates: shown, never weighted


def accuracy_name(group: str) -> str:
    """The indicator of one accuracy group of validation.yaml 质量目标.准确率目标."""
    return f"{ACCURACY}（{group}）"


class CityIndicator(Strict):
    name: str = Field(alias="名称", min_length=1)
    target: Optional[float] = Field(None, alias="目标", ge=0)
    # 不低于: a park below the target is marked (rates); 不高于: above it (counts such as 流失预警数)
    direction: Literal["不低于", "不高于"] = Field("不低于", alias="方向")
    basis: str = Field("", alias="依据")  # where the target comes from, shown in the report's notes

    def short(self, value: float | None) -> bool:
        """True when value misses the target (no target or no value: never)."""
        if self.target is None or value is None:
            return False
        return value < self.target if self.direction == "不低于" else value > self.target


def _indicators() -> list[CityIndicator]:
    rows = [(VISITS, 0.9, "标准要求各等级客户达到驻场和电话频次（第七部分 7.4 补充）；达标率目标标准未规定，默认 90%"),
            (SAMPLING, 1.0, "每周抽查不少于客户经理人数的 30%（第七部分\"四.3\"）：每周都应完成"),
            (CARE, 0.9, "1B/2B 每月短信、每季度外呼关怀（第七部分\"四.3(5)\"）；执行率目标标准未规定，默认 90%"),
            (COMPLETENESS, 0.95, "资料完整率 ≥ 95%（省公司集团客户方案，同 validation.yaml）"),
            (accuracy_name("3B及以上"), 0.95, "准确率 3B 及以上 ≥ 95%（省公司集团客户方案，同 validation.yaml）"),
            (accuracy_name("2B–1B"), 0.85, "准确率 其余 ≥ 85%（省公司集团客户方案，同 validation.yaml）"),
            *[(k, 0.95, "时限见 history.yaml 服务时限（第四部分\"九\"、\"七.3\"）；及时率目标标准未规定，默认 95%")
              for k in DEFAULT_ON_TIME]]
    out = [CityIndicator.model_validate({"名称": n, "目标": t, "依据": b}) for n, t, b in rows]
    return out + [CityIndicator.model_validate({"名称": CHURN, "方向": "不高于"})]


def _weights() -> dict[str, float]:
    return {VISITS: 3, SAMPLING: 1, CARE: 2, COMPLETENESS: 1, ACCURACY: 1, **{k: 1 for k in DEFAULT_ON_TIME}}


class Ranking(Strict):
    # 加权得分: the weighted mean of the park's rates (a rate the park has no value for is left out and
    # the other weights count in full); or the name of one indicator to rank by
    basis: str = Field(SCORE, alias="依据", min_length=1)
    weights: dict[str, float] = Field(default_factory=_weights, alias="权重")

    @model_validator(mode="after")
    def _positive(self):
        bad = [k for k, w in self.weights.items() if w < 0]
        if bad:
            raise ValueError(f"权重不能为负数：{'、'.join(bad)}")
        if self.basis == SCORE and not any(w > 0 for w in self.weights.values()):
            raise ValueError("按加权得分排名时，至少一项权重应大于 0")
        return self


class CityRules(Strict):
    # the report's header: its name (the start of the file name), who compiles it, for whom
    title: str = Field("全市园区汇总月报", alias="名称", min_length=1)
    author: str = Field("政企客户服务中心", alias="报送人")
    recipients: str = Field("销售部", alias="报送对象")
    copies: str = Field("", alias="抄送")
    indicators: list[CityIndicator] = Field(default_factory=_indicators, alias="指标", min_length=1)
    on_time: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ON_TIME), alias="及时率")
    ranking: Ranking = Field(default_factory=Ranking, alias="排名")

    @model_validator(mode="after")
    def _unique(self):
        names = [i.name for i in self.indicators]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"指标名称重复：{'、'.join(dup)}")
        return self

    def indicator(self, name: str) -> CityIndicator | None:
        return next((i for i in self.indicators if i.name == name), None)


def city_rules(pack) -> CityRules:
    """The pack's city settings (defaults when the pack has no city.yaml)."""
    rules = pack.extra.get("city") if pack is not None else None
    return rules if isinstance(rules, CityRules) else CityRules()


def known_indicators(pack) -> list[str]:
    """Every indicator name an import measures with this pack, rates first."""
    from parkcrm.rules.validation import ValidationRules

    v = pack.extra.get("validation")
    groups = (v if isinstance(v, ValidationRules) else ValidationRules()).quality.accuracy
    return [VISITS, SAMPLING, CARE, COMPLETENESS, ACCURACY, *[accuracy_name(g.name) for g in groups],
            *city_rules(pack).on_time, CHURN, MANAGERS]


def check_city(pack) -> list[str]:
    """city.yaml against the rest of the pack: indicator names measured, time limits of history.yaml."""
    from parkcrm.rules.pack import _fmt_path

    rules = city_rules(pack)
    doc = pack.docs.get("city")
    problems: list[str] = []
    if doc is None:  # no city.yaml: the defaults, never an error (a renamed time limit just has no figure)
        return problems

    def bad(path: tuple, msg: str) -> None:
        problems.append(f"{doc.where(path) if doc else 'city.yaml'} {_fmt_path(path)}: {msg}")

    known = known_indicators(pack)
    rates = [k for k in known if k not in COUNTS]
    # a time limit history.yaml no longer has is not an error here: its rate has no figure, and the
    # report says why (editing the limits must not break every command of the pack)
    fixed = [k for k in known if k not in rules.on_time] + [k for k in known if list(known).count(k) > 1]
    for k in rules.on_time:
        if k in fixed:
            bad(("及时率", k), f"「{k}」与其他指标同名，请换一个名称")
    for i, ind in enumerate(rules.indicators):
        if ind.name not in known:
            if ind.name.startswith(f"{ACCURACY}（"):  # a group validation.yaml renamed: no figure, said in the report
                continue
            bad(("指标", i, "名称"), f"未知的指标「{ind.name}」，应为 {'、'.join(known)} 之一")
        elif ind.name not in COUNTS and ind.target is not None and ind.target > 1:
            bad(("指标", i, "目标"), f"「{ind.name}」是比率，目标应在 0 到 1 之间（0.95 即 95%），实际是 {ind.target:g}")
    for k in rules.ranking.weights:
        if k not in rates:
            bad(("排名", "权重", k), f"「{k}」不能加权：应为比率指标 {'、'.join(rates)} 之一")
    basis = rules.ranking.basis
    if basis != SCORE and basis not in known:
        bad(("排名", "依据"), f"排名依据「{basis}」应为「{SCORE}」或指标 {'、'.join(known)} 之一")
    return problems


def missing_limits(pack) -> dict[str, str]:
    """{on-time indicator: time limit} of city.yaml 及时率 that history.yaml 服务时限 does not have."""
    from parkcrm.rules.history import history_rules

    limits = {i.name for i in history_rules(pack).sla.items}
    return {k: v for k, v in city_rules(pack).on_time.items() if v not in limits}
