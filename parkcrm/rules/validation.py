"""validation.yaml: which data-quality checks run, at what severity, with what parameters.

Keys are Chinese (the clerk edits them). Check codes are the stable kebab-case codes of
`parkcrm validate`; an unknown code or a parameter given to a check that does not use it
fails loudly with the key named.
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import Field, field_validator

from parkcrm.rules.models import Strict

# check code -> the parameters it accepts (field names of CheckSetting)
PARAMETERS: dict[str, set[str]] = {
    "address-format": {"pattern"},
    "spend-outlier": {"maximum"},
    "spend-mismatch": {"tolerance", "tolerance_ratio"},
    "leader-missing": {"min_tier"},
}
_PARAM_KEYS = {"pattern": "格式", "maximum": "上限", "tolerance": "容差", "tolerance_ratio": "容差比例",
               "min_tier": "最低等级"}


class CheckSetting(Strict):
    enabled: bool = Field(True, alias="启用")
    severity: Optional[Literal["error", "warning"]] = Field(None, alias="级别")
    pattern: Optional[str] = Field(None, alias="格式")
    maximum: Optional[float] = Field(None, alias="上限", gt=0)
    tolerance: Optional[float] = Field(None, alias="容差", ge=0)
    tolerance_ratio: Optional[float] = Field(None, alias="容差比例", ge=0, le=1)
    min_tier: Optional[str] = Field(None, alias="最低等级")

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: Optional[str]) -> Optional[str]:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"格式「{v}」不是有效的正则表达式（{exc}）") from None
        return v


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

    @field_validator("checks")
    @classmethod
    def _known(cls, v: dict[str, CheckSetting]) -> dict[str, CheckSetting]:
        from parkcrm.validate.registry import known_codes

        known = known_codes()
        for code, setting in v.items():
            if code not in known:
                raise ValueError(f"未知的检查代码「{code}」，可用的代码：{'、'.join(sorted(known))}")
            given = {f for f in _PARAM_KEYS if getattr(setting, f) is not None}
            extra = given - PARAMETERS.get(code, set())
            if extra:
                names = "、".join(_PARAM_KEYS[f] for f in sorted(extra))
                allowed = "、".join(_PARAM_KEYS[f] for f in sorted(PARAMETERS.get(code, set()))) or "无"
                raise ValueError(f"检查「{code}」没有参数「{names}」（可用参数：{allowed}）")
        return v

    def setting(self, code: str) -> CheckSetting:
        return self.checks.get(code) or _DEFAULT


_DEFAULT = CheckSetting()
