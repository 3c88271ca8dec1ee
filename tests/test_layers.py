"""The layers import downwards only (architecture.md): no module imports a layer above its own.

Every import statement counts, also the ones inside functions: a lazy import closes a circle
just as well (rules/validation.py once imported parkcrm.validate inside a validator).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "parkcrm"

# layer -> the parkcrm layers it may import besides itself. A capability is handed its frames: it never
# queries the store, nor reaches up into the commands, jobs, scheduled runs, outputs or reports.
ALLOWED = {
    "core": set(),
    "rules": {"core"},
    "io": {"core", "rules"},
    "store": {"core", "rules", "io"},  # it writes what callers computed: classify runs in jobs/importing.py
    "capabilities": {"core", "rules", "io"},
    "validate": {"core", "rules", "io", "capabilities"},
    # above them: reports, then the sheets each command writes (outputs: planning and rules diff render
    # through reports.model; the 10000 list keeps last month's list in the store), then the builders (jobs)
    # both the commands and `parkcrm run` use, then run itself.
    "reports": {"core", "rules", "io", "store", "capabilities", "validate", "workspace"},
    "outputs": {"core", "rules", "io", "store", "capabilities", "validate", "reports"},
    "jobs": {"core", "rules", "io", "store", "capabilities", "validate", "workspace", "outputs", "reports"},
    "scheduled": {"core", "rules", "io", "store", "capabilities", "validate", "workspace", "outputs", "reports", "jobs"},
}


def parkcrm_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a parkcrm module in the file, relative ones resolved."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = parts[:-1]  # the package a relative import starts from (also for __init__.py)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return [(line, m) for line, m in found if m == "parkcrm" or m.startswith("parkcrm.")]


def layer_of(module: str) -> str:
    """'core' for parkcrm.core.x; '' for the package root (which holds only __version__)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_package_root_imports_nothing():
    assert parkcrm_imports(PACKAGE / "__init__.py") == []


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer):
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no modules under parkcrm/{layer}"
    upward = [f"{f.relative_to(PACKAGE.parent)}:{line} imports {module}"
              for f in files for line, module in parkcrm_imports(f)
              if layer_of(module) not in ALLOWED[layer] | {layer, ""}]
    assert upward == []


def test_capabilities_and_io_never_import_the_layers_above():
    """Spelled out, so a widened ALLOWED cannot let these through unnoticed."""
    forbidden = {"capabilities": {"store", "cli", "jobs", "scheduled", "outputs", "reports", "workspace", "validate"},
                 "io": {"capabilities", "validate", "reports", "store", "cli", "jobs", "scheduled", "outputs"}}
    upward = [f"{f.relative_to(PACKAGE.parent)}:{line} imports {module}"
              for layer, above in forbidden.items() for f in sorted((PACKAGE / layer).rglob("*.py"))
              for line, module in parkcrm_imports(f) if layer_of(module) in above]
    assert upward == []


def test_the_check_finds_an_upward_import(tmp_path, monkeypatch):
    fake = tmp_path / "parkcrm" / "rules"
    fake.mkdir(parents=True)
    (fake / "x.py").write_text("def f():\n    from parkcrm.validate.registry import known_codes\n", encoding="utf-8")
    (fake / "y.py").write_text("from ..core import errors\nfrom . import pack\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "parkcrm")
    assert parkcrm_imports(fake / "x.py") == [(2, "parkcrm.validate.registry")]
    assert parkcrm_imports(fake / "y.py") == [(1, "parkcrm.core"), (2, "parkcrm.rules")]


def test_rule_settings_are_checked_against_the_checks_declared_parameters(rules_copy):
    """validation.yaml is checked by parkcrm.validate (which knows the checks), at rule-load time."""
    from parkcrm.core.errors import RulesError
    from parkcrm.rules import load_rules
    from parkcrm.validate.registry import all_checks
    from parkcrm.validate.settings import param_names

    declared = {code: param_names(c.params) for code, c in all_checks().items() if c.params is not None}
    assert declared["spend-outlier"] == ["上限"] and declared["leader-missing"] == ["最低等级"]
    path = rules_copy / "validation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("最低等级: 3B", "最低等级: 3C").replace("上限: 1000", "上限: -1"), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    found = str(err.value)
    assert "validation.yaml:" in found and "未知的等级「3C」" in found and "检查.spend-outlier.上限" in found


def test_rules_check_reports_a_parameter_the_check_does_not_declare(rules_copy):
    from tests.helpers import run_cli

    path = rules_copy / "validation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("tier-unknown: {启用: true, 级别: error}", "tier-unknown: {启用: true, 容差: 3}"),
                    encoding="utf-8")
    code, out, err = run_cli(["rules", "check", str(rules_copy)])
    assert code == 2 and "检查「tier-unknown」没有参数「容差」（可用参数：无）" in out + err
