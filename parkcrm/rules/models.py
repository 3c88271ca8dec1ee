"""Typed rule pack. YAML keys are Chinese (the clerk edits them); fields are English aliases.

Every model forbids unknown keys and uses strict types, so YAML 1.1 surprises such as an
unquoted `no` (which becomes False) fail loudly instead of changing a rule.
"""

from __future__ import annotations

import re
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Period = Literal["周", "月", "季度", "年"]
ColumnType = Literal["文本", "编号", "证件号", "电话", "金额", "数值", "日期", "时间", "是否", "等级"]
Unit = Literal["元", "万元"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False, frozen=True)


# ---- tiers.yaml -------------------------------------------------------------------------
class TierBand(Strict):
    name: str = Field(alias="等级")
    lower: Optional[float] = Field(None, alias="下限")
    upper: Optional[float] = Field(None, alias="上限")
    service_level: str = Field(alias="服务等级")


class TierRules(Strict):
    unit: Unit = Field(alias="单位")
    bands: list[TierBand] = Field(alias="分级", min_length=1)
    order: list[str] = Field(alias="等级顺序", min_length=1)
    assigned_tiers: list[str] = Field(default_factory=list, alias="核定保留等级")
    assigned_service_levels: dict[str, str] = Field(default_factory=dict, alias="核定等级服务等级")
    # Which tier decides the duties all year: the official tier of the year (核定等级, domain §1)
    # or the tier computed from the current spend.
    duties_follow: Literal["核定等级", "当前费用"] = Field("核定等级", alias="职责依据")


# ---- service.yaml -----------------------------------------------------------------------
class Frequency(Strict):
    count: int = Field(alias="次数", ge=0)
    period: Period = Field(alias="周期")

    def label(self) -> str:
        return f"每{self.period}{self.count}次"


class TierStandard(Strict):
    onsite: Optional[Frequency] = Field(None, alias="驻场")
    phone: Optional[Frequency] = Field(None, alias="电话")


class VisitCounting(Strict):
    onsite_kinds: list[str] = Field(alias="驻场方式")
    phone_kinds: list[str] = Field(alias="电话方式")
    onsite_needs_signature: bool = Field(alias="驻场需客户签名")


_WINDOW = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$")


class CareChannel(Strict):
    period: Period = Field(alias="周期")
    windows: list[str] = Field(alias="时段", min_length=1)
    sender: Optional[str] = Field(None, alias="发送号码")
    allowed_on_holidays: bool = Field(alias="节假日可发")
    # 均匀: spread over the working days of the period; 尽早: fill from the first working day.
    schedule: Literal["均匀", "尽早"] = Field("均匀", alias="安排方式")
    # Which months of the period hold the list (1 = its first month); empty = all of them.
    months: list[int] = Field(default_factory=list, alias="安排月份")

    @field_validator("windows")
    @classmethod
    def _windows(cls, v: list[str]) -> list[str]:
        for w in v:
            if not _WINDOW.match(w) or w[:5] >= w[6:]:
                raise ValueError(f"时段「{w}」应写成 HH:MM-HH:MM，且开始早于结束")
        return v

    @field_validator("months")
    @classmethod
    def _months(cls, v: list[int]) -> list[int]:
        for m in v:
            if not 1 <= m <= 12:
                raise ValueError(f"安排月份「{m}」应为 1–12（周期内的第几个月，1 为第一个月）")
        return v

    @model_validator(mode="after")
    def _months_fit(self):
        length = {"月": 1, "季度": 3, "年": 12}.get(self.period)
        if self.months and (length is None or max(self.months) > length):
            raise ValueError(f"周期为「{self.period}」时，安排月份只能在 1–{length or 1} 之间"
                             if length else "周期为「周」时不能设置安排月份")
        return self


class CareRules(Strict):
    tiers: list[str] = Field(alias="等级")
    sms: CareChannel = Field(alias="短信")
    call: CareChannel = Field(alias="外呼")
    daily_call_capacity: int = Field(alias="每日外呼上限", gt=0)
    daily_sms_capacity: int = Field(200, alias="每日短信上限", gt=0)
    # Whether an ordinary weekend counts as a holiday (节假日) for 节假日可发: false.
    weekend_is_holiday: bool = Field(True, alias="周末算节假日")
    # Length of one planned time slot inside the windows, in minutes.
    slot_minutes: int = Field(60, alias="计划时段分钟", gt=0, le=720)


class SamplingRules(Strict):
    ratio: float = Field(alias="比例", gt=0, le=1)
    minimum: int = Field(1, alias="最少人数", ge=1)


class PlanningRules(Strict):
    """service.yaml 工作量: a manager's capacity and how `parkcrm plan` rebalances (issue 14)."""

    visits_per_day: float = Field(3, alias="每日驻场", gt=0)
    calls_per_day: float = Field(15, alias="每日电话", gt=0)
    limit: float = Field(1.0, alias="负荷上限", gt=0)  # 1.0 = 100%
    # 取大: visits and calls have separate capacities, the load is the larger share;
    # 合计: they share the same working time, the load is the sum of the two shares.
    load_rule: Literal["取大", "合计"] = Field("取大", alias="负荷算法")
    same_zone: bool = Field(True, alias="调整限于片区")
    max_moves: int = Field(500, alias="最多调整户数", ge=0)


class ServiceRules(Strict):
    standards: dict[str, TierStandard] = Field(alias="服务标准")
    a_tier_reference: Optional[str] = Field(None, alias="A类参照等级")
    counting: VisitCounting = Field(alias="走访计数")
    care: CareRules = Field(alias="关怀")
    sampling: SamplingRules = Field(alias="抽查")
    planning: PlanningRules = Field(default_factory=lambda: PlanningRules(), alias="工作量")


# ---- cards.yaml -------------------------------------------------------------------------
class TierRange(Strict):
    start: str = Field(alias="从")
    end: str = Field(alias="到")


class CardRules(Strict):
    roles: list[str] = Field(alias="角色", min_length=1)
    priority: list[str] = Field(alias="角色优先级")
    discretionary: list[str] = Field(default_factory=list, alias="酌情角色")
    card_order: list[str] = Field(alias="卡级顺序", min_length=1)
    groups: dict[str, TierRange] = Field(alias="等级分组")
    table: dict[str, dict[str, str]] = Field(alias="对应卡级")
    min_tier: str = Field(alias="最低等级")
    keep_higher: bool = Field(alias="就高")
    quota: int = Field(alias="每户升级上限", ge=0)
    hotline: HotlineRules = Field(default_factory=lambda: HotlineRules(), alias="10000优先接入")


class HotlineRules(Strict):
    """The 10000 priority-access list (part 7 "四.2(2)(3)")."""

    # Tiers listed by the customer's registered numbers (客户资料 联系电话), with the service level.
    by_number_tiers: list[str] = Field(default_factory=lambda: ["2B", "1B"], alias="按登记号码等级")
    # Key contacts (customers of 最低等级 and above) are listed with these cards only.
    cards: list[str] = Field(default_factory=lambda: ["钻石卡", "金卡", "银卡"], alias="列入卡级")
    # The hotline matches the caller's full number: may a landline stand on the list?
    landline_for_registered: bool = Field(True, alias="登记号码可为固话")
    landline_for_contacts: bool = Field(False, alias="关键人号码可为固话")


# ---- columns.yaml -----------------------------------------------------------------------
class ColumnSpec(Strict):
    aliases: list[str] = Field(default_factory=list, alias="别名")
    type: ColumnType = Field("文本", alias="类型")
    required_header: bool = Field(False, alias="必需列")
    required_value: bool = Field(False, alias="必填")
    unique: bool = Field(False, alias="唯一")
    unit: Optional[Unit] = Field(None, alias="默认单位")
    vocabulary: Optional[str] = Field(None, alias="取值")


class MonthlyFees(Strict):
    patterns: list[str] = Field(alias="表头", min_length=1)
    unit: Unit = Field("元", alias="默认单位")


class SheetKind(Strict):
    sheet_names: list[str] = Field(alias="工作表名")
    signature: list[str] = Field(alias="识别列", min_length=1)
    columns: dict[str, ColumnSpec] = Field(alias="列")
    monthly_fees: Optional[MonthlyFees] = Field(None, alias="月度费用")


class ColumnRules(Strict):
    sheets: dict[str, SheetKind] = Field(alias="工作表")
    total_markers: list[str] = Field(default_factory=list, alias="合计行标记")
    vocabularies: dict[str, dict[str, list[str]]] = Field(alias="取值")
    closed_stages: list[str] = Field(default_factory=list, alias="商机结束阶段")


# ---- calendar.yaml ----------------------------------------------------------------------
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class HolidayExtras(Strict):
    holidays: list[str] = Field(default_factory=list, alias="放假")
    workdays: list[str] = Field(default_factory=list, alias="调休上班")
    # Years the holiday package does not know, whose 放假 / 调休上班 are fully listed here.
    years: list[int] = Field(default_factory=list, alias="补充年份")

    @field_validator("holidays", "workdays")
    @classmethod
    def _dates(cls, v: list[str]) -> list[str]:
        import datetime as dt

        for d in v:
            try:
                if not _DATE.match(d):
                    raise ValueError
                dt.date.fromisoformat(d)
            except ValueError:
                raise ValueError(f"日期「{d}」应写成 YYYY-MM-DD，例如 2027-01-01") from None
        return v

    @field_validator("years")
    @classmethod
    def _years(cls, v: list[int]) -> list[int]:
        for y in v:
            if not 2000 <= y <= 2100:
                raise ValueError(f"补充年份「{y}」应为四位年份，例如 2027")
        return v


class ReportDuty(Strict):
    name: str = Field(alias="名称")
    period: Literal["周", "月"] = Field(alias="周期")
    weekday: Optional[int] = Field(None, alias="星期", ge=1, le=7)
    due_day: Optional[int] = Field(None, alias="截止日", ge=1, le=28)
    # 当日: due on 截止日 itself (每月1日报送); 之前: due before it, i.e. by the day before (6日前).
    due_mode: Literal["当日", "之前"] = Field("之前", alias="截止方式")
    # A weekly report day that is a public holiday: 提前 to the last working day before it, or 照常.
    on_holiday: Literal["提前", "照常"] = Field("提前", alias="遇节假日")
    # Who sends, receives and is copied: names joined by 、 (shown in the report header).
    author: str = Field("", alias="报送人")
    recipients: str = Field("", alias="报送对象")
    copies: str = Field("", alias="抄送")
    note: str = Field("", alias="说明")
    # Which generated report fulfils this duty: 周报 or 月报 (default: by 周期).
    report: Optional[Literal["周报", "月报"]] = Field(None, alias="报表")
    # False: a due item parkcrm only tracks (written by people, e.g. 宣传方案反馈).
    generated: bool = Field(True, alias="生成")
    # Section titles this report holds (the start of each title); empty: every section.
    sections: list[str] = Field(default_factory=list, alias="章节")

    @model_validator(mode="after")
    def _day(self):
        if self.period == "周" and self.weekday is None:
            raise ValueError(f"报表「{self.name}」按周报送，需要写 星期（1=周一 … 7=周日）")
        if self.period == "月" and self.due_day is None:
            raise ValueError(f"报表「{self.name}」按月报送，需要写 截止日（每月几号）")
        return self

    @property
    def kind(self) -> str:
        return self.report or ("周报" if self.period == "周" else "月报")


class ScheduledJobs(Strict):
    """When `parkcrm run` files the supervisor's deliverables (each from that day on, until filed)."""

    # ISO weekday (1 = Monday) from which the current week's sampling sheet is written.
    sampling_weekday: int = Field(5, alias="走访抽查表星期", ge=1, le=7)
    # ISO weekday from which last week's sampling sheet is checked for opinions and signatures.
    audit_weekday: int = Field(1, alias="抽查核对星期", ge=1, le=7)
    # Day of the month from which last month's visit compliance and appraisal are filed.
    visits_day: int = Field(1, alias="走访考核日", ge=1, le=28)
    # The month's care plan: on its first working day (首个工作日) or on a fixed day of the month.
    care_plan_day: Union[Literal["首个工作日"], int] = Field("首个工作日", alias="关怀计划日")
    # Day of the month from which last month's care log is checked.
    care_check_day: int = Field(1, alias="关怀核对日", ge=1, le=28)

    @field_validator("care_plan_day")
    @classmethod
    def _care_day(cls, v):
        if isinstance(v, int) and not 1 <= v <= 28:
            raise ValueError("关怀计划日应为 首个工作日 或 1 到 28 之间的日期")
        return v


class ReportSettings(Strict):
    """How `parkcrm report` reads the data (interpretations, each a setting)."""

    top_customers: int = Field(10, alias="重点客户数", ge=1, le=100)
    rows_per_table: int = Field(50, alias="每表最多行数", ge=5, le=100_000)
    top_problems: int = Field(10, alias="列出问题数", ge=1, le=100)
    # A customer whose 状态 is 新进园 counts as new in the week: 总是 / 未填进园日期时 / 从不.
    new_by_status: Literal["总是", "未填进园日期时", "从不"] = Field("未填进园日期时", alias="新进园按状态")
    # Work-order types (工单.类型) counted as new business in the weekly report.
    new_business_orders: list[str] = Field(default_factory=lambda: ["新装"], alias="新办业务工单类型")
    weekly_author: str = Field("园区客户经理", alias="周报报送人")
    monthly_author: str = Field("园区客户经理", alias="月报报送人")


class CalendarRules(Strict):
    extras: HolidayExtras = Field(default_factory=HolidayExtras, alias="节假日补充")
    reports: list[ReportDuty] = Field(default_factory=list, alias="报表")
    report_settings: ReportSettings = Field(default_factory=ReportSettings, alias="报表设置")
    jobs: ScheduledJobs = Field(default_factory=ScheduledJobs, alias="定时任务")
