"""validation.yaml: which data-quality checks run, at what severity, with what parameters.

Keys are Chinese (the clerk edits them). Check codes are the stable kebab-case codes of
`parkcrm validate`. Which codes exist and which parameters each takes is known only to
parkcrm.validate: it checks this file when a pack is loaded (a hook it registers with
parkcrm.rules.pack) and again before it runs, so an unknown code or parameter still fails
loudly with file, line and key, without the rules layer importing the validate layer.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import ConfigDict, Field

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


class QualityTargets(Strict):
    fields: list[str] = Field(default_factory=lambda: ["客户编号", "客户名称", "客户经理", "年度通信费用"],
                              alias="完整性字段", min_length=1)
    completeness: float = Field(0.95, alias="完整率目标", gt=0, le=1)
    accuracy: list[AccuracyGroup] = Field(default_factory=_default_groups, alias="准确率目标")


class ValidationRules(Strict):
    checks: dict[str, CheckSetting] = Field(default_factory=dict, alias="检查")
    quality: QualityTargets = Field(default_factory=QualityTargets, alias="质量目标")

    def setting(self, code: str) -> CheckSetting:
        return self.checks.get(code) or _DEFAULT


_DEFAULT = CheckSetting()
