"""Every command's JSON follows one convention (docs/json.md), checked against docs/json-schema.json
by a small hand-written checker of the keywords the schema uses (no jsonschema dependency)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_json, write_xlsx

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "json-schema.json").read_text(encoding="utf-8"))
TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool,
         "null": type(None)}


def resolve(node: dict) -> dict:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def check(value, node: dict, where: str = "$") -> list[str]:
    node = resolve(node)
    errors: list[str] = []
    for part in node.get("allOf", []):
        errors += check(value, part, where)
    if "const" in node and value != node["const"]:
        errors.append(f"{where}: {value!r} != {node['const']!r}")
    if "enum" in node and value not in node["enum"]:
        errors.append(f"{where}: {value!r} not in {node['enum']}")
    if "type" in node:
        kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
        ok = any(isinstance(value, TYPES[k]) and not (k in ("integer", "number") and isinstance(value, bool))
                 for k in kinds)
        if not ok:
            return errors + [f"{where}: {type(value).__name__} is not {kinds}"]
    if isinstance(value, dict):
        errors += [f"{where}: missing {k}" for k in node.get("required", []) if k not in value]
        for k, sub in node.get("properties", {}).items():
            if k in value:
                errors += check(value[k], sub, f"{where}.{k}")
        if "additionalProperties" in node and isinstance(node["additionalProperties"], dict):
            for k, v in value.items():
                if k not in node.get("properties", {}):
                    errors += check(v, node["additionalProperties"], f"{where}.{k}")
        if "propertyNames" in node:
            errors += [f"{where}: key {k!r} is not a string" for k in value if not isinstance(k, str)]
    if isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            errors += check(item, node["items"], f"{where}[{i}]")
    return errors


def validate(data: dict) -> list[str]:
    name = "command_" + data.get("command", "?").replace(" ", "_").replace("-", "_")
    if name not in SCHEMA["$defs"]:
        return [f"no schema for command {data.get('command')!r}"]
    return check(data, SCHEMA["$defs"][name])


def test_the_checker_catches_a_missing_key_a_wrong_type_and_a_chinese_structural_key():
    good = {"command": "info", "workspace": {"规则目录": {"value": "x", "origin": "y"}}, "line": "l", "order": "o"}
    assert validate(good) == []
    assert validate({**good, "line": 3}) and validate({k: v for k, v in good.items() if k != "order"})
    assert validate({"command": "info", "工作区": {}, "摘要": "", "决定顺序": ""})  # the old Chinese keys fail


def test_schema_is_draft_2020_12_and_lists_every_command_it_defines():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    listed = {ref["$ref"].rsplit("/", 1)[1] for ref in SCHEMA["anyOf"]}
    assert listed == {k for k in SCHEMA["$defs"] if k.startswith("command_")}


HEADER = ["客户编号", "客户名称", "片区", "联系电话", "客户经理", "年度通信费用"]
ROWS = [["C1", "甲公司", "东部产业片区", "13800001234", "王晓明", 70], ["C2", "乙公司", "西部产业片区", "13900001111", "李文静", 2]]
VISITS = [["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"], ["2026-10-08", "王晓明", "C1", "驻场", "是", "走访"]]


@pytest.fixture
def book(tmp_path) -> Path:
    return write_xlsx(tmp_path / "客户资料-2026年10月.xlsx", {"客户资料": [HEADER, *ROWS], "走访记录": VISITS})


@pytest.mark.parametrize("args", [
    ["validate", "{book}"],
    ["classify", "{book}"],
    ["check-visits", "{book}", "--month", "2026-10"],
    ["care-plan", "{book}", "--month", "2026-10"],
    ["hotline-list", "{book}"],
    ["report", "due", "--date", "2026-11-03"],
    ["plan", "{book}", "--month", "2026-10"],
    ["report", "weekly", "--week", "2026-W41", "{book}"],
    ["report", "monthly", "--month", "2026-10", "{book}"],
    ["info"],
], ids=lambda a: " ".join(x for x in a if not x.startswith("{")))
def test_command_json_follows_the_schema(book, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    _code, data = run_json([a.format(book=book) for a in args] + ["--format", "json"])
    assert validate(data) == []
    assert list(data)[0] in ("command", "privacy_notice")


def test_run_summary_on_stdout_and_on_disk_follows_the_schema(tmp_path):
    home = tmp_path / "项目"
    (home / "数据" / "2026-10").mkdir(parents=True)
    write_xlsx(home / "数据" / "2026-10" / "客户资料-2026年10月.xlsx", {"客户资料": [HEADER, *ROWS]})
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n", encoding="utf-8")
    _code, data = run_json(["run", "--config", str(home / "parkcrm.yaml"), "--date", "2026-11-03", "--format", "json"])
    assert validate(data) == []
    on_disk = next((home / "输出").rglob("运行摘要-2026-11-03.json"))
    assert validate(json.loads(on_disk.read_text(encoding="utf-8"))) == []


def test_validate_summary_has_no_second_workspace(book):
    _code, data = run_json(["validate", str(book), "--format", "json"])
    assert "工作区" not in data["summary"] and "规则目录" in data["workspace"]


@pytest.mark.parametrize("kind, period", [("weekly", ["--week", "2026-W41"]), ("monthly", ["--month", "2026-10"])])
def test_report_json_has_english_structure_and_chinese_rows(book, kind, period):
    _code, data = run_json(["report", kind, *period, str(book), "--format", "json"])
    assert list(data)[:4] == ["command", "workspace", "skipped", "unreadable"] and data["command"] == f"report {kind}"
    ascii_ = lambda keys: all(k.isascii() for k in keys)  # noqa: E731
    assert ascii_(data) and ascii_(data["period"]) and all(ascii_(s) for s in data["sources"])
    for section in data["sections"]:
        assert ascii_(section) and all(ascii_(f) for f in section["figures"])
        for table in section["tables"]:
            assert ascii_(table) and all(list(row) == table["columns"] for row in table["rows"])
        for chart in section["charts"]:
            assert ascii_(chart) and all(ascii_(x) for x in chart["series"])
    assert any(row and not ascii_(row) for s in data["sections"] for t in s["tables"] for row in t["rows"])
