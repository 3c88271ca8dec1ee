"""history.yaml: churn warning, service time limits, month-over-month and history-store settings.

Keys are Chinese (the clerk edits them). The defaults here are the domain's (§6, §9), so a
rule pack without history.yaml behaves as the shipped one.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from parkcrm.core.periods import Month
from parkcrm.rules.models import Strict


class SpendDrop(Strict):
    months: int = Field(3, alias="连续月数", ge=1, le=11)
    drop: float = Field(0.20, alias="降幅", gt=0, lt=1)
    # 上月: each month against the month before it (环比); 去年同月: against the same month a year earlier (同比)
    compare_to: Literal["上月", "去年同月"] = Field("上月", alias="比较对象")
    # 大于: a drop of exactly the 降幅 does not count; 大于等于: it does
    comparison: Literal["大于", "大于等于"] = Field("大于", alias="判定")

    def months_needed(self, ref: Month) -> tuple[list[Month], list[Month]]:
        """(the months judged for ref, oldest first; the month each is compared with)."""
        judged = [ref.shift(-i) for i in range(self.months - 1, -1, -1)]
        back = 1 if self.compare_to == "上月" else 12
        return judged, [m.shift(-back) for m in judged]


class ComplaintRule(Strict):
    window_months: int = Field(3, alias="统计月数", ge=1, le=24)
    complaints: int = Field(2, alias="投诉次数", ge=1)
    faults: int = Field(3, alias="故障次数", ge=1)
    complaint_types: list[str] = Field(default_factory=lambda: ["投诉"], alias="投诉类型", min_length=1)
    fault_types: list[str] = Field(default_factory=lambda: ["故障", "故障申告", "障碍"], alias="故障类型", min_length=1)

    def window(self, ref: Month) -> tuple[Month, Month]:
        """(first, last) month whose complaints and fault reports count for ref."""
        return ref.shift(-(self.window_months - 1)), ref


class ChurnRules(Strict):
    spend: SpendDrop = Field(default_factory=SpendDrop, alias="费用下降")
    complaints: ComplaintRule = Field(default_factory=ComplaintRule, alias="投诉故障")


class SlaItem(Strict):
    name: str = Field(alias="名称", min_length=1)
    types: list[str] = Field(alias="工单类型", min_length=1)
    # 确认时间 / 答复时间: a line-building need, confirmed by the manager, answered by the sales department
    start: Literal["受理时间", "响应时间", "确认时间"] = Field("受理时间", alias="起点")
    end: Literal["完成时间", "响应时间", "答复时间"] = Field(alias="终点")
    hours: Optional[float] = Field(None, alias="时限小时", gt=0)
    # a limit in official working days instead of hours: due by the end of the n-th workday after
    # the start day (holidays and make-up workdays of calendar.yaml apply)
    workdays: Optional[int] = Field(None, alias="时限工作日", ge=1, le=60)
    # tier (5B, 钻石 …) or service level (金卡级 …) -> hours; a tier beats its service level
    by_tier: dict[str, float] = Field(default_factory=dict, alias="按等级")

    @field_validator("by_tier")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        for k, hours in v.items():
            if hours <= 0:
                raise ValueError(f"按等级「{k}」的时限应大于 0 小时，实际是 {hours}")
        return v

    @model_validator(mode="after")
    def _distinct_ends(self):
        if self.start == self.end:
            raise ValueError(f"时限「{self.name}」的起点和终点都是「{self.start}」")
        if (self.hours is None) == (self.workdays is None):
            raise ValueError(f"时限「{self.name}」应写 时限小时 或 时限工作日 其中之一")
        if self.workdays is not None and self.by_tier:
            raise ValueError(f"时限「{self.name}」按工作日计时，不能再写 按等级（按等级的时限是小时数）")
        return self


def _default_sla() -> list[SlaItem]:
    items = [("故障修复", ["故障", "故障修复", "障碍"], "完成时间", 6),
             ("新装", ["新装", "新装机"], "完成时间", 24),
             ("支撑需求响应", ["支撑需求", "支撑", "需求支撑"], "响应时间", 2)]
    return [SlaItem.model_validate({"名称": n, "工单类型": t, "终点": e, "时限小时": h}) for n, t, e, h in items] + [
        SlaItem.model_validate({"名称": GREEN_CHANNEL, "工单类型": ["管线需求", "管线建设需求"], "起点": "确认时间",
                                "终点": "答复时间", "时限工作日": 2})]


GREEN_CHANNEL = "管线需求答复（绿色通道）"


class SlaRules(Strict):
    items: list[SlaItem] = Field(default_factory=_default_sla, alias="时限", min_length=1)
    # an order still open when the check runs: 计入 (overdue once its limit has passed) or 不计
    open_orders: Literal["计入", "不计"] = Field("计入", alias="未完成工单")

    @model_validator(mode="after")
    def _unique_names(self):
        names = [i.name for i in self.items]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"时限名称重复：{'、'.join(dup)}")
        return self


class ChangeRules(Strict):
    # a customer with one of these statuses counts as lost (流失) even when still listed
    gone_status: list[str] = Field(default_factory=lambda: ["离网"], alias="流失状态")


class StoreRules(Strict):
    # how long an import waits for another one to finish before giving up
    busy_seconds: float = Field(60, alias="等待秒数", gt=0, le=3600)
    # IDs and mobiles inside stored free text (visit notes, competition and complaint text): 遮蔽 or 保留原文
    free_text: Literal["遮蔽", "保留原文"] = Field("遮蔽", alias="自由文本中的证件号和手机号")


class HistoryRules(Strict):
    churn: ChurnRules = Field(default_factory=ChurnRules, alias="流失预警")
    sla: SlaRules = Field(default_factory=SlaRules, alias="服务时限")
    changes: ChangeRules = Field(default_factory=ChangeRules, alias="月度变化")
    store: StoreRules = Field(default_factory=StoreRules, alias="历史库")


def history_rules(pack) -> HistoryRules:
    """The pack's history settings (defaults when the pack has no history.yaml)."""
    rules = pack.extra.get("history") if pack is not None else None
    return rules if isinstance(rules, HistoryRules) else HistoryRules()
