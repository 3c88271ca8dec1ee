"""validation.yaml checked against the checks: known codes, and each check's declared parameters.

The rules layer keeps a check's parameters as written; only here are both the settings and
the checks known (frictionless' way: a check declares its parameters, the settings file is
checked against the checks). The check runs when a rule pack is loaded, through the hook
this module registers with parkcrm.rules.pack (importing parkcrm.validate registers it),
and again before validate runs, for a pack loaded before parkcrm.validate was imported.
"""

from __future__ import annotations

from pydantic import ValidationError

from parkcrm.core.errors import RulesError
from parkcrm.rules import RulePack
from parkcrm.rules.pack import pydantic_problems, register_pack_check
from parkcrm.rules.validation import ValidationRules
from parkcrm.validate.registry import all_checks

_CHECKED = "validation_settings_checked"


def _where(pack: RulePack, path: tuple) -> str:
    doc = pack.docs.get("validation")
    shown = ".".join(str(p) for p in path)
    return f"{doc.where(path)} {shown}" if doc else f"validation.yaml {shown}"


def param_names(model) -> list[str]:
    """The Chinese keys a parameter model accepts, in declaration order."""
    return [f.alias or name for name, f in model.model_fields.items()] if model is not None else []


def settings_problems(pack: RulePack) -> list[str]:
    """Every problem of the pack's validation.yaml 检查 section, with file:line and key path."""
    settings = pack.extra.get("validation")
    if not isinstance(settings, ValidationRules):
        return []
    checks = all_checks()
    doc = pack.docs.get("validation")
    problems: list[str] = []
    for code, setting in settings.checks.items():
        chk = checks.get(code)
        if chk is None:
            problems.append(f"{_where(pack, ('检查', code))}: 未知的检查代码「{code}」，"
                            f"可用的代码：{'、'.join(sorted(checks))}")
            continue
        given = setting.params
        allowed = param_names(chk.params)
        extra = [k for k in given if k not in allowed]
        if extra:
            problems.append(f"{_where(pack, ('检查', code, extra[0]))}: 检查「{code}」没有参数「{'、'.join(extra)}」"
                            f"（可用参数：{'、'.join(allowed) or '无'}）")
            continue
        if chk.params is None:
            continue
        try:
            values = chk.params.model_validate(given)
        except ValidationError as exc:
            if doc is None:
                problems += [f"validation.yaml 检查.{code}: {e['msg']}" for e in exc.errors()]
            else:
                problems += pydantic_problems(doc, exc, prefix=("检查", code))
            continue
        for key, message in getattr(values, "pack_problems", lambda _pack: [])(pack):
            problems.append(f"{_where(pack, ('检查', code, key))}: {message}")
    return problems


def check_settings(pack: RulePack) -> None:
    """Raise RulesError listing every settings problem; a pack is checked once."""
    if pack.extra.get(_CHECKED):
        return
    problems = settings_problems(pack)
    if problems:
        raise RulesError(problems)
    pack.extra[_CHECKED] = True


register_pack_check(settings_problems)
