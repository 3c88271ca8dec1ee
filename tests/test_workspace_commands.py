"""Every command resolves the same workspace: in an init-ed project with edited rules, from the
project folder, from a subfolder and with --config from elsewhere, it counts tiers as with --rules
given explicitly, and says which rules it used."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import run_cli, run_json, write_xlsx
from tests.history_fixtures import customer, month_book

SPENDS = {"C1": 55, "C2": 70, "C3": 20, "C4": 0.5, "C5": 2, "C6": 0.2}  # 万元
# with the project's rules (5B from 50, 2B from 0.4) C1 is 5B and C4 2B; with the built-in pack 4B and 1B
PROJECT_TIERS = {"5B": 2, "4B": 1, "2B": 2, "1B": 1}
BUILTIN_TIERS = {"5B": 1, "4B": 2, "2B": 1, "1B": 2}


def _month(home: Path, month: str) -> Path:
    folder = home / "数据" / month
    rows = [customer(cid, f"{cid}公司", wan, [round(wan * 10000 / 12)] * 9) for cid, wan in SPENDS.items()]
    orders = [[f"G{cid}", cid, "故障", f"{month}-03 08:00", f"{month}-03 10:00", None] for cid in ("C1", "C2")]
    month_book(folder, month, rows, orders=orders)
    visits = [["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"]]
    visits += [[f"{month}-{day:02d}", "王晓明", cid, "上门", "是", "走访"] for day in (6, 13) for cid in SPENDS]
    y, m = month.split("-")
    write_xlsx(folder / f"走访记录-{int(y)}年{int(m)}月.xlsx", {"走访记录": visits})
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("ws") / "园区项目"
    code, _o, err = run_cli(["init", str(home)])
    assert code == 0, err
    tiers = home / "rules" / "tiers.yaml"
    text = tiers.read_text(encoding="utf-8")
    for old, new in (("下限: 60", "下限: 50"), ("上限: 60", "上限: 50"), ("下限: 1\n", "下限: 0.4\n"),
                     ("上限: 1\n", "上限: 0.4\n")):
        text = text.replace(old, new)
    tiers.write_text(text, encoding="utf-8")
    _month(home, "2026-09")
    _month(home, "2026-10")
    (home / "别处").mkdir()
    return home


def _rules_used(data: dict) -> str:
    return data["workspace"]["规则目录"]["value"]


def _facts(home: Path, extra: list[str]) -> dict[str, object]:
    """What each command says, as tier counts where it counts tiers; every JSON names the rules it used."""
    oct_ = home / "数据" / "2026-10"
    book = oct_ / "园区客户资料库-2026年10月.xlsx"
    facts: dict[str, object] = {}
    used: dict[str, str] = {}

    code, data = run_json(["classify", str(book), "-f", "json", *extra])
    facts["classify"] = {r["客户等级"]: r["客户数"] for r in data["summary"]["by_tier"] if r["客户数"]}
    used["classify"] = _rules_used(data)
    code, data = run_json(["check-visits", str(oct_), "--month", "2026-10", "-f", "json", *extra])
    facts["check-visits"] = dict(Counter(r["客户等级"] for r in data["customers"]))
    used["check-visits"] = _rules_used(data)
    code, data = run_json(["care-plan", str(book), "--month", "2026-10", "-f", "json", *extra])
    # the care customers by tier: the SMS list holds mobiles only, these customers have no phone column
    facts["care-plan"] = dict(Counter(r["客户等级"] for r in data["sms"] + [u for u in data["unplanned"] if u["方式"] == "短信"]))
    used["care-plan"] = _rules_used(data)
    code, data = run_json(["validate", str(oct_), "-f", "json", *extra])
    used["validate"] = _rules_used(data)
    for kind, period in (("monthly", ["--month", "2026-10"]), ("weekly", ["--week", "2026-W42"])):
        code, data = run_json(["report", kind, *period, str(oct_), "-f", "json", *extra])
        assert code in (0, 1)
        facts[f"report {kind}"] = [(s["key"], s["figures"]) for s in data["sections"]]
        used[f"report {kind}"] = next(s["file"] for s in data["sources"] if s["file"].startswith("规则"))
    code, data = run_json(["report", "due", "--date", "2026-11-03", "-f", "json", *extra])
    used["report due"] = _rules_used(data)
    code, out, err = run_cli(["rules", "show", *extra])
    facts["rules show"] = next(line for line in out.splitlines() if "5B" in line and "金卡级" in line)
    used["rules show"] = out.splitlines()[0]
    code, out, err = run_cli(["rules", "check", *extra])
    used["rules check"] = out
    code, data = run_json(["import", str(oct_), "-f", "json", *extra])
    used["import"] = _rules_used(data)
    run_json(["import", str(home / "数据" / "2026-09"), "-f", "json", *extra])
    code, data = run_json(["changes", "--from", "2026-09", "--to", "2026-10", "-f", "json", *extra])
    facts["changes"] = dict(Counter(r["等级"] if "等级" in r else r.get("结束等级") for r in data["changes"]))
    used["changes"] = _rules_used(data)
    code, data = run_json(["churn", "-f", "json", *extra])
    used["churn"] = _rules_used(data)
    code, data = run_json(["review", "--year", "2027", "--dry-run", "-f", "json", *extra])
    used["review"] = _rules_used(data)
    code, data = run_json(["sla", str(book), "--at", "2026-11-01 08:00", "-f", "json", *extra])
    used["sla"] = _rules_used(data)
    return {"facts": facts, "used": used}


MODES = {
    "项目文件夹": lambda home: (home, []),
    "子文件夹": lambda home: (home / "数据" / "2026-10", []),
    "其他文件夹 --config": lambda home: (home / "别处", ["--config", str(home / "parkcrm.yaml")]),
}


@pytest.fixture(scope="module")
def explicit(project):
    """The reference: the project's rules given with --rules, from a folder outside the project."""
    import os

    here = os.getcwd()
    os.chdir(project / "别处")
    try:
        return _facts(project, ["--rules", str(project / "rules")])
    finally:
        os.chdir(here)


@pytest.mark.parametrize("mode", list(MODES))
def test_every_command_uses_the_project_rules(project, explicit, mode, monkeypatch):
    cwd, extra = MODES[mode](project)
    monkeypatch.chdir(cwd)
    got = _facts(project, extra)
    assert got["facts"] == explicit["facts"]
    assert got["facts"]["classify"] == PROJECT_TIERS
    assert got["facts"]["check-visits"] == {k: v for k, v in PROJECT_TIERS.items() if k not in ("2B", "1B")} \
        or got["facts"]["check-visits"] == PROJECT_TIERS
    assert got["facts"]["care-plan"] == {"2B": 2, "1B": 1}
    assert "50" in got["facts"]["rules show"]
    rules = str(project / "rules")
    for command, said in got["used"].items():
        assert rules in said, (command, said)


def test_run_uses_the_project_rules_and_records_them(project, monkeypatch):
    import pandas as pd

    monkeypatch.chdir(project / "数据")
    code, data = run_json(["run", "--date", "2026-11-03", "-f", "json"])
    assert data["command"] == "run" and data["workspace"]["规则目录"]["value"] == str(project / "rules")
    classified = next(Path(o["文件"]) for m in data["months"] if m["月份"] == "2026-10" for o in m["输出"]
                      if o.get("文件") and "分级" in Path(o["文件"]).name)
    tiers = pd.read_excel(classified, sheet_name="客户分级", engine="openpyxl")["客户等级"].value_counts().to_dict()
    assert tiers == PROJECT_TIERS
    summary = next((project / "输出").rglob("运行摘要-2026-11-03.txt")).read_text(encoding="utf-8")
    assert f"规则目录：{project / 'rules'}（项目文件 {project / 'parkcrm.yaml'} 的「规则」）" in summary


def test_option_and_environment_override_and_outside_the_built_in_pack(project, tmp_path, monkeypatch):
    from parkcrm.rules import default_rules_dir

    book = project / "数据" / "2026-10" / "园区客户资料库-2026年10月.xlsx"

    def tiers(*extra):
        _c, data = run_json(["classify", str(book), "-f", "json", *extra])
        return {r["客户等级"]: r["客户数"] for r in data["summary"]["by_tier"] if r["客户数"]}, data["workspace"]

    monkeypatch.chdir(project)
    counts, ws = tiers("--rules", str(default_rules_dir()))
    assert counts == BUILTIN_TIERS and ws["规则目录"]["origin"] == "命令行 --rules"
    monkeypatch.setenv("PARKCRM_RULES", str(default_rules_dir()))
    counts, ws = tiers()
    assert counts == BUILTIN_TIERS and ws["规则目录"]["origin"] == "环境变量 PARKCRM_RULES"
    counts, ws = tiers("--rules", str(project / "rules"))  # the option beats the environment
    assert counts == PROJECT_TIERS
    monkeypatch.delenv("PARKCRM_RULES")
    # outside any project, with data outside it too: the built-in pack, and the outputs say so
    outside = tmp_path / "外面"
    outside.mkdir()
    copy = outside / book.name
    copy.write_bytes(book.read_bytes())
    monkeypatch.chdir(outside)
    _c, data = run_json(["classify", str(copy), "-f", "json"])
    assert data["workspace"]["规则目录"]["origin"] == "内置规则包" and data["workspace"]["项目文件"]["value"] == "无"
    code, _out, err = run_cli(["classify", str(copy)])
    about = __import__("pandas").read_excel(outside / f"{copy.stem}-分级.xlsx", sheet_name="说明", dtype=str, engine="openpyxl")
    assert about["内容"].str.contains("规则目录：内置规则包").any()


def test_written_workbooks_say_which_workspace_in_their_about_sheet(project, tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.chdir(project / "数据")
    oct_ = project / "数据" / "2026-10"
    run_cli(["validate", str(oct_ / "园区客户资料库-2026年10月.xlsx"), "--out", str(tmp_path / "校验.xlsx")])
    run_cli(["check-visits", str(oct_), "--month", "2026-10", "--out", str(tmp_path / "走访.xlsx")])
    run_cli(["care-plan", str(oct_ / "园区客户资料库-2026年10月.xlsx"), "--month", "2026-10",
             "--out", str(tmp_path / "关怀.xlsx")])
    for name in ("校验.xlsx", "走访.xlsx", "关怀.xlsx"):
        about = pd.read_excel(tmp_path / name, sheet_name="说明", dtype=str, engine="openpyxl").fillna("")
        text = "\n".join(about.astype(str).agg(" ".join, axis=1))
        assert f"规则目录：{project / 'rules'}" in text or f"规则目录 {project / 'rules'}" in text, (name, text)
        assert "从当前文件夹向上找到" in text, name


def test_report_uses_the_project_templates(project, tmp_path, monkeypatch):
    custom = project / "templates" / "weekly.md.j2"
    original = custom.read_text(encoding="utf-8")
    custom.write_text("项目模板 {{ report.period.label }}\n", encoding="utf-8")
    try:
        args = ["report", "weekly", "--week", "2026-W42", str(project / "数据" / "2026-10"), "-f", "md", "-o", "-"]
        monkeypatch.chdir(tmp_path)
        code, out, err = run_cli([*args, "--config", str(project / "parkcrm.yaml")])
        assert out == "项目模板 2026-W42\n", err
        monkeypatch.chdir(project / "数据")
        assert run_cli(args)[1] == "项目模板 2026-W42\n"
        builtin = tmp_path / "内置"  # an option beats the project: an empty folder leaves the built-in templates
        builtin.mkdir()
        assert run_cli([*args, "--templates", str(builtin)])[1].startswith("# ")
    finally:
        custom.write_text(original, encoding="utf-8")


def test_without_inputs_a_command_reads_the_months_folder_run_reads(project, tmp_path, monkeypatch):
    """In a project, classify/validate/check-visits/care-plan without workbooks read the data folder's month
    (the newest, or the one --month/--week names), the same files `parkcrm run` finds, and say which."""
    from parkcrm.scheduled.files import Archive
    from parkcrm.workspace import project_months
    from parkcrm.workspace import load_project

    monkeypatch.chdir(project / "数据" / "2026-10")  # anywhere in the project
    oct_, sep = project / "数据" / "2026-10", project / "数据" / "2026-09"

    def same(args: list[str], folder: Path) -> None:
        code_implicit, implicit, err = run_cli([*args, "-f", "json"])
        code_explicit, explicit, _e = run_cli([*args[:1], str(folder), *args[1:], "-f", "json"])
        assert code_implicit == code_explicit, err
        strip = lambda text: re.sub(r'"(生成时间|运行时间)": "[^"]*"', "", text)  # noqa: E731
        assert strip(implicit) == strip(explicit), args

    def said(args: list[str]) -> str:
        _code, out, err = run_cli(args)
        return out + err

    same(["classify"], oct_)  # the newest month
    same(["classify", "--month", "2026-09"], sep)
    same(["validate"], oct_)
    same(["check-visits", "--week", "2026-W39"], sep)  # 2026-09-21..27
    same(["check-visits", "--week", "2026-W40"], oct_)  # Thursday 2026-10-01: an October week
    same(["care-plan", "--month", "2026-10"], oct_)
    assert "数据：项目 数据/2026-10/（数据目录中最新的月份；其他月份用 --month 指定），" in said(["validate"])
    assert "数据：项目 数据/2026-10/（--week 2026-W40，周四在 2026-10）" in said(
        ["check-visits", "--week", "2026-W40", "--out", str(tmp_path / "走访.xlsx")])
    # a month without data: the care plan takes the newest earlier month, as run's 关怀计划 does
    code, _out, err = run_cli(["care-plan", "--month", "2026-12", "--out", str(tmp_path / "关怀.xlsx")])
    assert code in (0, 1) and "2026-12 还没有数据，与 parkcrm run 相同，客户名单取自之前最近的 2026-10" in err
    # any other command refuses a month without data, naming the months there are
    code, _out, err = run_cli(["classify", "--month", "2026-12"])
    assert code == 2 and "没有 2026-12 的数据（已有：2026-09、2026-10）" in err
    # the files are those parkcrm run reads for the month
    months, _notes = project_months(load_project(project / "parkcrm.yaml"), Archive(project / "输出").root)
    assert sorted(p.name for p in months[max(months)]) == sorted(p.name for p in oct_.iterdir() if p.suffix == ".xlsx")
    # outside any project there is nothing to fall back on
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli(["validate"])
    assert code == 2 and "没有给出工作簿" in err and "parkcrm.yaml" in err
