"""validation.yaml: which data-quality checks run, at what severity, with what parameters.

Keys are Chinese (the clerk edits them). Check codes are the stable kebab-case codes of
`parkcrm validate`. Which codes exist and which parameters each takes is known only to
parkcrm.validate: it checks this file when a pack is loaded (a hook it registers with
parkcrm.rules.pack) and again before it runs, so an unknown code or parameter still fails
loudly with file, line and key, without the rules layer importing the validate layer.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import ConfigDict, Field, field_validator

from parkcrm.rules.models import Strict


class CheckSetting(Strict):
    """启用 and 级别 of one check; any other key is a parameter of that check.

    The parameters are kept as written (Chinese key -> YAML value): each check declares the
    parameters it accepts in its @check registration (parkcrm.validate.registry), and the
    validate layer checks these keys and values against that declaration (as frictionless
    checks declare their own fields), so this layer needs to know no check.
    """

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=False, frozen=True)

    enabled: bool = Field(True, alias="启用")
    severity: Optional[Literal["error", "warning"]] = Field(None, alias="级别")

    @property
    def params(self) -> dict[str, Any]:
        """The check's own parameters as written in validation.yaml."""
        return dict(self.model_extra or {})


class AccuracyGroup(Strict):
    name: str = Field(alias="名称")
    start: str = Field(alias="从")
    end: str = Field(alias="到")
    target: float = Field(alias="目标", gt=0, le=1)


def _default_groups() -> list[AccuracyGroup]:
    return [AccuracyGroup.model_validate({"名称": "3B及以上", "从": "5A", "到": "3B", "目标": 0.95}),
            AccuracyGroup.model_validate({"名称": "2B–1B", "从": "2B", "到": "1B", "目标": 0.85})]


CUSTOMER_FIELDS = ["客户编号", "客户名称", "片区", "地址", "联系电话", "证件号码", "客户经理", "年度通信费用", "更新日期"]


class CompletenessScope(Strict):
    """The fields one sheet kind must have filled (domain §8), over the rows this scope covers."""

    sheet: str = Field(alias="表", min_length=1)  # a sheet kind of columns.yaml
    fields: list[str] = Field(alias="字段", min_length=1)
    name: Optional[str] = Field(None, alias="名称")  # shown in reports; default the sheet kind
    # only rows of customers at this tier or above (key contacts of 3B+: the 10000 data source)
    min_tier: Optional[str] = Field(None, alias="客户等级从")
    # only rows whose 类型 is one of these (new-install work orders)
    types: list[str] = Field(default_factory=list, alias="类型")

    @property
    def label(self) -> str:
        return self.name or self.sheet


def _default_scopes() -> list[CompletenessScope]:
    return [CompletenessScope.model_validate(s) for s in (
        {"表": "客户资料", "字段": CUSTOMER_FIELDS},
        {"表": "关键人", "名称": "3B及以上客户关键人", "字段": ["角色", "联系电话"], "客户等级从": "3B"},
        {"表": "工单", "名称": "新装工单", "字段": ["地址", "客户名称", "联系电话", "证件号码"], "类型": ["新装", "新装机"]},
    )]


class QualityTargets(Strict):
    scopes: list[CompletenessScope] = Field(default_factory=_default_scopes, alias="完整性字段", min_length=1)
    completeness: float = Field(0.95, alias="完整率目标", gt=0, le=1)
    accuracy: list[AccuracyGroup] = Field(default_factory=_default_groups, alias="准确率目标")

    @field_validator("scopes", mode="before")
    @classmethod
    def _plain_list(cls, v: Any) -> Any:
        """完整性字段: [a, b] (the earlier form) is the customer sheet's list."""
        if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            return [{"表": "客户资料", "字段": v}]
        return v


class ValidationRules(Strict):
    checks: dict[str, CheckSetting] = Field(default_factory=dict, alias="检查")
    quality: QualityTargets = Field(default_factory=QualityTargets, alias="质量目标")

    def setting(self, code: str) -> CheckSetting:
        return self.checks.get(code) or _DEFAULT


_DEFAULT = CheckSetting()
