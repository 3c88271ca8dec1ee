"""The workspace resolution: option > environment variable > nearest parkcrm.yaml walking up > built-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli, run_json
from parkcrm.rules import default_rules_dir
from parkcrm.workspace import BUILTIN_RULES, ProjectFileError, resolve

NO_ENV: dict[str, str] = {}


def _init(folder: Path) -> Path:
    """An init-ed project whose rules say 5B from 50 (not 60) and 2B from 0.4 (not 1)."""
    code, _out, err = run_cli(["init", str(folder)])
    assert code == 0, err
    tiers = folder / "rules" / "tiers.yaml"
    text = tiers.read_text(encoding="utf-8")
    for old, new in (("下限: 60", "下限: 50"), ("上限: 60", "上限: 50"), ("下限: 1\n", "下限: 0.4\n"),
                     ("上限: 1\n", "上限: 0.4\n")):
        assert old in text, old
        text = text.replace(old, new)
    tiers.write_text(text, encoding="utf-8")
    return folder


# ---- resolution order ------------------------------------------------------------------------

def test_walks_up_from_a_subfolder_to_the_nearest_project(tmp_path):
    home = _init(tmp_path / "项目")
    deep = home / "数据" / "2026-10" / "更深"
    deep.mkdir(parents=True)
    ws = resolve(cwd=deep, environ=NO_ENV)
    assert ws.project_file == home / "parkcrm.yaml" and ws.root == home
    assert ws.rules_dir == home / "rules" and "项目文件" in ws.origins["rules"]
    assert ws.templates_dir == home / "templates" and ws.data_dir == home / "数据"
    assert ws.archive_dir == home / "输出" and ws.park == "XX产业转移工业园"
    assert ws.store_url == str(home / "parkcrm.db") and ws.origins["project"] == "从当前文件夹向上找到"
    assert ws.rules().tiers.bands[0].lower == 50
    assert ws.line().startswith(f"项目 {home}（parkcrm.yaml）") and "规则：项目 rules/" in ws.line()
    # a nested project is nearer than the outer one
    inner = home / "数据" / "子项目"
    inner.mkdir()
    (inner / "parkcrm.yaml").write_text("数据目录: .\n", encoding="utf-8")
    ws = resolve(cwd=inner, environ=NO_ENV)
    assert ws.project_file == inner / "parkcrm.yaml" and ws.builtin_rules  # it names no rules: built-in


def test_outside_any_project_the_built_in_pack_is_used(tmp_path):
    ws = resolve(cwd=tmp_path, environ=NO_ENV)
    assert ws.project_file is None and ws.rules_dir == default_rules_dir() and ws.origins["rules"] == BUILTIN_RULES
    assert ws.templates_dir is None and ws.store_url is None and ws.archive_dir is None
    assert ws.line() == "不在项目中 · 规则：内置规则包 · 历史库：无"
    assert ws.store_target().path == tmp_path / "parkcrm.db"  # where import would create one


def test_environment_beats_project_and_option_beats_environment(tmp_path):
    home = _init(tmp_path / "项目")
    other = tmp_path / "别的规则"
    other.mkdir()
    env = {"PARKCRM_RULES": str(default_rules_dir()), "PARKCRM_DB": str(tmp_path / "env.db"),
           "PARKCRM_TEMPLATES": str(other)}
    ws = resolve(cwd=home, environ=env)
    assert ws.rules_dir == default_rules_dir() and ws.origins["rules"] == "环境变量 PARKCRM_RULES"
    assert ws.store_url == str(tmp_path / "env.db") and ws.origins["store"] == "环境变量 PARKCRM_DB"
    assert ws.templates_dir == other and "（环境变量 PARKCRM_RULES）" in ws.line()
    ws = resolve(cwd=home, environ=env, rules=home / "rules", db=str(tmp_path / "arg.db"), templates=home / "templates")
    assert ws.rules_dir == home / "rules" and ws.origins["rules"] == "命令行 --rules"
    assert ws.store_url == str(tmp_path / "arg.db") and ws.origins["store"] == "命令行 --db"
    assert ws.templates_dir == home / "templates" and ws.origins["templates"] == "命令行 --templates"


def test_config_option_and_environment_name_the_project(tmp_path):
    home = _init(tmp_path / "项目")
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    ws = resolve(cwd=elsewhere, environ={"PARKCRM_CONFIG": str(home / "parkcrm.yaml")})
    assert ws.project_file == home / "parkcrm.yaml" and ws.origins["project"] == "环境变量 PARKCRM_CONFIG"
    ws = resolve(cwd=elsewhere, environ=NO_ENV, config=home)  # the folder is enough
    assert ws.project_file == home / "parkcrm.yaml" and ws.origins["project"] == "命令行 --config"
    assert ws.rules_dir == home / "rules"
    with pytest.raises(ProjectFileError, match="没有.yaml"):
        resolve(cwd=elsewhere, environ=NO_ENV, config=home / "没有.yaml")


def test_data_given_inside_a_project_finds_it_from_elsewhere(tmp_path):
    home = _init(tmp_path / "项目")
    book = home / "数据" / "2026-10" / "客户.xlsx"
    ws = resolve(cwd=tmp_path, environ=NO_ENV, near=[book])
    assert ws.project_file == home / "parkcrm.yaml" and ws.origins["project"] == "从数据所在文件夹向上找到"


def test_project_file_errors_name_the_key(tmp_path):
    (tmp_path / "parkcrm.yaml").write_text("数据目录: 数据\n规则: 没有的规则\n", encoding="utf-8")
    with pytest.raises(ProjectFileError, match="规则目录 .*没有的规则 不存在"):
        resolve(cwd=tmp_path, environ=NO_ENV)
    (tmp_path / "parkcrm.yaml").write_text("数据目录: 数据\n规矩: rules\n", encoding="utf-8")
    with pytest.raises(ProjectFileError, match="未知的键「规矩」"):
        resolve(cwd=tmp_path, environ=NO_ENV)


def test_as_dict_says_value_and_origin(tmp_path):
    home = _init(tmp_path / "项目")
    d = resolve(cwd=home, environ=NO_ENV).as_dict()
    assert list(d) == ["项目文件", "园区", "规则目录", "模板目录", "历史库", "数据目录", "输出目录"]
    assert d["园区"] == {"值": "XX产业转移工业园（代码 XX县-XX园区）", "来源": f"项目文件 {home / 'parkcrm.yaml'} 的「园区代码」"}
    assert d["规则目录"] == {"值": str(home / "rules"), "来源": f"项目文件 {home / 'parkcrm.yaml'} 的「规则」"}
    assert d["历史库"]["值"].endswith("parkcrm.db（尚未建立）")


# ---- the sampling history: one choice --------------------------------------------------------

def test_sampling_history_lives_in_the_store_else_in_the_project_folder(tmp_path):
    from parkcrm.io.sampling_history import FILE_NAME, JsonSamplingHistory
    from parkcrm.store.sampling import StoreSamplingHistory

    home = _init(tmp_path / "项目")
    ws = resolve(cwd=home, environ=NO_ENV)
    folder = home / "数据" / "2026-10"
    folder.mkdir()
    kept = ws.sampling_history(folder)
    # one file for the project, so November's sample rotates on from October's
    assert isinstance(kept, JsonSamplingHistory) and kept.path == home / FILE_NAME
    assert ws.sampling_history(home / "数据" / "2026-11").path == home / FILE_NAME
    outside = resolve(cwd=tmp_path, environ=NO_ENV)
    assert outside.sampling_history(folder).path == folder / FILE_NAME
    assert ws.find_store() is None  # the project's parkcrm.db does not exist yet: no store
    ws.open_store().close()
    with ws.find_store() as store:
        kept = ws.sampling_history(folder, store)
        assert isinstance(kept, StoreSamplingHistory) and kept.earlier.path == home / FILE_NAME
        explicit = ws.sampling_history(folder, store, tmp_path / "h.json")
        assert isinstance(explicit, JsonSamplingHistory) and explicit.path == tmp_path / "h.json"


# ---- info and init ---------------------------------------------------------------------------

def test_info_prints_each_item_and_why(tmp_path, monkeypatch):
    home = _init(tmp_path / "项目")
    monkeypatch.chdir(home / "数据")
    code, out, _err = run_cli(["info"])
    assert code == 0 and f"项目 {home}（parkcrm.yaml）" in out and "从当前文件夹向上找到" in out and "先有先用" in out
    code, data = run_json(["info", "--format", "json"])
    assert data["workspace"]["规则目录"]["value"] == str(home / "rules")
    monkeypatch.setenv("PARKCRM_RULES", str(default_rules_dir()))
    code, data = run_json(["info", "-f", "json"])
    assert data["workspace"]["规则目录"]["origin"] == "环境变量 PARKCRM_RULES"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PARKCRM_RULES")
    code, data = run_json(["info", "-f", "json"])
    assert data["workspace"]["项目文件"]["value"] == "无" and data["line"].startswith("不在项目中")


def test_init_says_the_folder_just_works(tmp_path):
    code, out, err = run_cli(["init", str(tmp_path / "项目")])
    assert code == 0, err
    assert "任何子文件夹" in out and "不需要再加 --rules" in out and "以后运行时加上 --rules" not in out
    assert sorted(p.name for p in (tmp_path / "项目").iterdir()) == ["parkcrm.yaml", "rules", "templates", "数据"]
    assert "模板: templates" in (tmp_path / "项目" / "parkcrm.yaml").read_text(encoding="utf-8")


def test_the_line_is_shown_on_a_terminal_unless_quiet(tmp_path, monkeypatch):
    from parkcrm.cli.options import workspace

    class Con:
        def __init__(self, tty: bool, quiet: bool):
            self.tty, self.quiet, self.lines = tty, quiet, []

        def info(self, text: str) -> None:
            self.lines.append(text)

    home = _init(tmp_path / "项目")
    monkeypatch.chdir(home / "数据")
    shown = {(tty, quiet): Con(tty, quiet) for tty in (True, False) for quiet in (True, False)}
    for con in shown.values():
        workspace(con)
    assert shown[True, False].lines == [f"项目 {home}（parkcrm.yaml） · 园区：XX县-XX园区 · 规则：项目 rules/ · 历史库：parkcrm.db（尚未建立）"]
    assert shown[True, True].lines == shown[False, False].lines == shown[False, True].lines == []


def test_a_project_file_may_only_pin_the_rules(tmp_path):
    """A parkcrm.yaml naming only 规则 serves commands given their workbooks; report and run ask for 数据目录."""
    home = _init(tmp_path / "项目")
    (home / "parkcrm.yaml").write_text("规则: rules\n", encoding="utf-8")
    ws = resolve(cwd=home, environ=NO_ENV)
    assert ws.rules_dir == home / "rules" and ws.data_dir is None
    with pytest.raises(ProjectFileError, match="缺少「数据目录」"):
        ws.require_project()


def test_a_store_url_is_shown_without_its_password_and_a_bad_one_does_not_stop_other_work(tmp_path):
    ws = resolve(cwd=tmp_path, environ={"PARKCRM_DB": "postgresql://parkcrm:secret@10.0.0.5/parkcrm"})
    assert "secret" not in ws.line() and "secret" not in str(ws.as_dict()) and "10.0.0.5" in ws.line()
    ws = resolve(cwd=tmp_path, environ={"PARKCRM_DB": "mysql://u@h/db"})
    assert ws.as_dict()["历史库"]["值"] == "mysql://u@h/db（地址无效）" and ws.rules().folder == ws.rules_dir
    ws = resolve(cwd=tmp_path, environ={"PARKCRM_DB": "mysql://u:pw@h/db"})
    assert ws.as_dict()["历史库"]["值"] == "mysql://u:***@h/db（地址无效）"
