"""Load a rule pack folder into one RulePack, reporting every problem with file and line."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from parkcrm.core.errors import RulesError
from parkcrm.core.money import from_unit
from parkcrm.rules import models as m
from parkcrm.rules.city import CityRules
from parkcrm.rules.history import HistoryRules
from parkcrm.rules.validation import ValidationRules
from parkcrm.rules.yamlfile import YamlDoc, load_yaml
from parkcrm.core.text import norm_key

# attribute -> (file name, model). Every file is required in a pack.
RULE_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "tiers": ("tiers.yaml", m.TierRules),
    "service": ("service.yaml", m.ServiceRules),
    "cards": ("cards.yaml", m.CardRules),
    "columns": ("columns.yaml", m.ColumnRules),
    "calendar": ("calendar.yaml", m.CalendarRules),
}
# Optional files: loaded when present, else the model's defaults.
OPTIONAL_RULE_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "validation": ("validation.yaml", ValidationRules),
    "history": ("history.yaml", HistoryRules),
    "city": ("city.yaml", CityRules),
}


def default_rules_dir() -> Path:
    """The rule pack shipped with the package (wheel) or beside it (source checkout)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_data" / "rules", here.parent / "rules"):
        if (candidate / "tiers.yaml").is_file():
            return candidate
    raise RulesError([f"找不到内置规则包（在 {here} 附近），安装可能不完整"])


def resolve_rules_dir(rules_dir: Path | str | None) -> Path:
    """The folder given, else the built-in pack. Which folder a command uses (--rules, $PARKCRM_RULES,
    the project's rules/) is decided once, by parkcrm.workspace."""
    return Path(rules_dir) if rules_dir else default_rules_dir()


@dataclass
class RulePack:
    """All rules of one pack, plus lookups derived from them."""

    folder: Path
    tiers: m.TierRules
    service: m.ServiceRules
    cards: m.CardRules
    columns: m.ColumnRules
    calendar: m.CalendarRules
    docs: dict[str, YamlDoc] = field(default_factory=dict, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- tiers ----
    @cached_property
    def tier_rank(self) -> dict[str, int]:
        """0 = highest tier."""
        return {t: i for i, t in enumerate(self.tiers.order)}

    @cached_property
    def bands_fen(self) -> list[tuple[str, int | None, int | None]]:
        """(tier, lower, upper) with bounds in fen (0.01 元), exact integers."""
        unit = self.tiers.unit
        return [(b.name, from_unit(b.lower, unit), from_unit(b.upper, unit)) for b in self.tiers.bands]

    def service_level(self, tier: str) -> str | None:
        for b in self.tiers.bands:
            if b.name == tier:
                return b.service_level
        return self.tiers.assigned_service_levels.get(tier)

    def standard(self, tier: str) -> m.TierStandard | None:
        std = self.service.standards.get(tier)
        if std is None and tier in self.tiers.assigned_tiers and self.service.a_tier_reference:
            std = self.service.standards.get(self.service.a_tier_reference)
        return std

    def at_least(self, tier: str, floor: str) -> bool:
        """True when tier ranks at or above floor in the ten-tier order."""
        r, f = self.tier_rank.get(tier), self.tier_rank.get(floor)
        return r is not None and f is not None and r <= f

    def gets_care(self, tier: str) -> bool:
        return tier in self.service.care.tiers

    # ---- vocabularies ----
    @cached_property
    def _vocab_maps(self) -> dict[str, dict[str, str]]:
        maps: dict[str, dict[str, str]] = {}
        for name, entries in self.columns.vocabularies.items():
            lookup: dict[str, str] = {}
            for canonical, variants in entries.items():
                for v in [canonical, *variants]:
                    lookup[norm_key(v)] = canonical
            maps[name] = lookup
        return maps

    def vocab(self, name: str) -> dict[str, str]:
        """normalised variant -> canonical value, for one vocabulary."""
        return self._vocab_maps.get(name, {})


def _loc_path(loc: tuple) -> tuple:
    return tuple(loc)


def _fmt_path(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


_TYPE_WORDS = {
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "bool_type": "应为 true 或 false",
    "list_type": "应为列表（用 [a, b] 或每行 - 开头）",
    "dict_type": "应为键值表",
    "model_type": "应为键值表",
}


def pydantic_problems(doc: YamlDoc, exc: ValidationError, model: type[BaseModel] | None = None,
                      prefix: tuple = ()) -> list[str]:
    """One Chinese line per error, with file:line and key path (prefix: where the model sits in doc)."""
    out = []
    for err in exc.errors():
        path = (*prefix, *_loc_path(err["loc"]))
        where = f"{doc.where(path)} {_fmt_path(path) or '(整个文件)'}"
        kind, value = err["type"], err.get("input")
        if kind == "extra_forbidden":
            msg = f"未知的键「{path[-1]}」，请检查拼写或删除"
        elif kind == "missing":
            msg = f"缺少必填项「{path[-1]}」"
        elif kind in _TYPE_WORDS:
            msg = f"{_TYPE_WORDS[kind]}，实际是 {value!r}"
            if isinstance(value, bool):
                msg += "（YAML 会把未加引号的 yes/no/on/off/true/false 当作真假值，请加引号）"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            msg = f"取值「{value}」无效，应为 {expected} 之一"
        elif kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
            msg = f"数值 {value!r} 超出范围（{err['msg']}）"
        elif kind == "too_short":
            msg = "不能为空"
        elif kind == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        else:
            msg = err["msg"]
        out.append(f"{where}: {msg}")
    return out


_pydantic_problems = pydantic_problems

# Checks a layer above adds to every pack load (e.g. parkcrm.validate checks validation.yaml
# against its registered checks); each returns problem lines. The rules layer imports none of them.
PACK_CHECKS: list[Callable[[RulePack], list[str]]] = []


def register_pack_check(fn: Callable[[RulePack], list[str]]) -> Callable[[RulePack], list[str]]:
    if fn not in PACK_CHECKS:
        PACK_CHECKS.append(fn)
    return fn


def load_rules(rules_dir: Path | str | None = None) -> RulePack:
    """Load and check a rule pack; raise RulesError listing every problem found."""
    folder = resolve_rules_dir(rules_dir)
    if not folder.is_dir():
        raise RulesError([f"规则目录不存在：{folder}"])
    problems: list[str] = []
    parsed: dict[str, Any] = {}
    docs: dict[str, YamlDoc] = {}
    for attr, (fname, model) in {**RULE_FILES, **OPTIONAL_RULE_FILES}.items():
        path = folder / fname
        if not path.is_file():
            if attr in OPTIONAL_RULE_FILES:
                parsed[attr] = model()
                continue
            problems.append(f"{fname}: 缺少此文件（规则目录 {folder}）")
            continue
        doc, found = load_yaml(path)
        problems += found
        if doc is None:
            continue
        docs[attr] = doc
        try:
            parsed[attr] = model.model_validate(doc.data)
        except ValidationError as exc:
            problems += _pydantic_problems(doc, exc, model)
    if problems:
        raise RulesError(problems)
    core = {k: parsed[k] for k in RULE_FILES}
    pack = RulePack(folder=folder, docs=docs, **core)
    pack.extra.update({k: parsed[k] for k in OPTIONAL_RULE_FILES})
    from parkcrm.rules.checks import cross_check

    from parkcrm.rules.city import check_city

    problems = cross_check(pack) + check_city(pack)
    for extra_check in PACK_CHECKS:
        problems += extra_check(pack)
    if problems:
        raise RulesError(problems)
    return pack


if sys.version_info < (3, 10):  # pragma: no cover
    raise RuntimeError("parkcrm needs Python 3.10+")
