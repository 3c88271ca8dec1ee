"""parkcrm classify end to end through the real entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.helpers import Formula, run_cli, run_json, write_xlsx

HEADER = ["客户编号", "客户名称", "联系电话", "证件号码", "客户经理", "年度通信费用（万元）"]


def book(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "园区客户资料库-2026年10月.xlsx", {
        "东部产业片区": [HEADER,
                    ["C1", "=华创科技（测试）", "13800001234", "44140319900101123X", "王晓明", 70],
                    ["C2", "乙公司", "0762-3381200", "91441400MA4UJ2XQ5N", "王晓明", Formula("=1/0", "#DIV/0!")]],
        "西部产业片区": [HEADER, ["C3", "丙公司", "13900001111", None, "李文静", 2]],
        "关键人": [["客户编号", "姓名", "角色", "联系电话", "现有会员等级"],
                ["C1", "张总", "领导人", "13700002222", None], ["C3", "李", "领导人", None, None]],
    }, title_rows={"东部产业片区": ["XX产业转移工业园客户资料库（2026年10月）"]})


def test_classify_writes_the_four_sheets_beside_the_input(tmp_path):
    src = book(tmp_path)
    before = src.read_bytes()
    code, out, err = run_cli(["classify", str(src)])
    assert code == 1, err  # C2 is pending: written, with findings
    target = tmp_path / "园区客户资料库-2026年10月-分级.xlsx"
    assert target.exists() and src.read_bytes() == before
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["客户分级", "关键人会员卡", "分级汇总", "说明"]
    ws = wb["客户分级"]
    header = [c.value for c in ws[1]]
    for col in ("客户编号", "客户名称", "片区", "年度通信费用（万元）", "年度通信费用(万元)", "核定等级", "测算等级",
                "客户等级", "等级来源", "服务等级", "驻场频次", "电话频次", "关怀方式", "等级变动预警", "分级备注"):
        assert col in header, col
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    assert [r["客户编号"] for r in rows] == ["C1", "C2", "C3"]  # every row, none dropped
    assert [r["客户等级"] for r in rows] == ["5B", "待核实", "2B"]
    assert "#DIV/0!" in rows[1]["分级备注"]
    assert rows[0]["片区"] == "东部产业片区"
    cell = ws.cell(row=2, column=header.index("客户名称") + 1)
    assert cell.value == "=华创科技（测试）" and cell.data_type == "s"  # text, never a formula
    # personal data masked by default
    assert rows[0]["联系电话"] == "138****1234" and rows[0]["证件号码"] == "441403********123X"
    cards = [[c.value for c in r] for r in wb["关键人会员卡"].iter_rows()]
    assert cards[0][:8] == ["客户编号", "客户名称", "客户等级", "姓名", "角色", "现有会员等级", "联系电话", "建议会员等级"]
    assert cards[1][7] == "金卡" and cards[1][8] == "升级" and cards[2][8] == "不适用"
    about = {r[0].value: r[1].value for r in wb["说明"].iter_rows(min_row=2)}
    assert "SHA-256" in about["输入文件"] and about["规则包"]
    assert "138****1234" in out or "已写入" in out


def test_no_mask_shows_full_values(tmp_path):
    src = book(tmp_path)
    code, _, _ = run_cli(["classify", str(src), "--no-mask", "--out", str(tmp_path / "full.xlsx")])
    ws = openpyxl.load_workbook(tmp_path / "full.xlsx")["客户分级"]
    values = [c.value for row in ws.iter_rows(max_row=4) for c in row]  # the first line may say it is unmasked
    assert "13800001234" in values and "44140319900101123X" in values


def test_json_has_the_same_content(tmp_path):
    code, data = run_json(["classify", str(book(tmp_path)), "--format", "json"])
    assert code == 1
    assert list(data)[:4] == ["command", "workspace", "skipped", "unreadable"] and data["command"] == "classify"
    assert set(data) >= {"about", "customers", "cards", "summary", "problems"}
    assert [r["客户等级"] for r in data["customers"]] == ["5B", "待核实", "2B"]
    assert data["customers"][0]["联系电话"] == "138****1234"
    assert {r["客户等级"]: r["客户数"] for r in data["summary"]["by_tier"]} == {"5B": 1, "2B": 1, "待核实": 1}


def test_clean_input_exits_zero(tmp_path):
    src = write_xlsx(tmp_path / "ok.xlsx", {"客户资料": [["客户编号", "客户名称", "年度通信费用"], ["C1", "甲", 5]]})
    code, _, err = run_cli(["classify", str(src), "-q"])
    assert code == 0, err


def test_output_open_in_excel_is_a_clear_error(tmp_path):
    src = book(tmp_path)
    (tmp_path / "~$结果.xlsx").write_bytes(b"owner")
    code, _, err = run_cli(["classify", str(src), "--out", str(tmp_path / "结果.xlsx")])
    assert code == 2 and "正在被 Excel 打开" in err and "Traceback" not in err
    assert not (tmp_path / "结果.xlsx").exists()


def test_replace_refused_by_the_os_is_a_clear_error(tmp_path, monkeypatch):
    import os

    src = book(tmp_path)

    def refuse(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    code, _, err = run_cli(["classify", str(src), "--out", str(tmp_path / "r.xlsx")])
    assert code == 2 and "被其他程序" in err
    assert not list(tmp_path.glob("*.tmp"))  # the temp file is cleaned up


def test_unreadable_input_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook at all")
    code, _, err = run_cli(["classify", str(bad)])
    assert code == 2 and "坏.xlsx" in err and "Traceback" not in err
    no_customers = write_xlsx(tmp_path / "无客户.xlsx", {"走访记录": [["日期", "客户经理", "客户编号", "方式"], ["2026-10-08", "王", "C1", "驻场"]]})
    code, _, err = run_cli(["classify", str(no_customers)])
    assert code == 2 and "找不到客户资料表" in err


def test_debug_shows_a_traceback(tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "parkcrm", "--debug", "classify", str(bad)],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_quiet_when_not_a_terminal_and_safe_on_a_gbk_pipe(tmp_path):
    src = book(tmp_path)
    env = {**__import__("os").environ, "PYTHONIOENCODING": "cp936"}
    proc = subprocess.run([sys.executable, "-m", "parkcrm", "classify", str(src)], capture_output=True, env=env)
    assert proc.returncode == 1
    assert b"\x1b[" not in proc.stdout + proc.stderr  # no colours or live display in a pipe
    assert "已写入".encode("cp936") in proc.stdout


def test_help_is_chinese_with_examples():
    for args in (["--help"], ["classify", "--help"], ["rules", "--help"], ["rules", "check", "--help"],
                 ["rules", "show", "--help"], ["init", "--help"], ["samples", "--help"]):
        code, out, _ = run_cli(args)
        assert code == 0 and "显示帮助并退出" in out, args
    assert "示例" in run_cli(["classify", "--help"])[1]
    code, out, _ = run_cli(["--version"])
    assert code == 0 and out.startswith("parkcrm ")


def test_init_copies_rules_and_the_copy_is_used(tmp_path):
    code, _, err = run_cli(["init", str(tmp_path / "项目")])
    assert code == 0, err
    rules_dir = tmp_path / "项目" / "rules"
    assert (rules_dir / "tiers.yaml").exists() and (tmp_path / "项目" / "parkcrm.yaml").exists()
    text = (rules_dir / "tiers.yaml").read_text(encoding="utf-8").replace("下限: 60", "下限: 50").replace("上限: 60", "上限: 50")
    (rules_dir / "tiers.yaml").write_text(text, encoding="utf-8")
    src = write_xlsx(tmp_path / "c.xlsx", {"客户资料": [["客户编号", "客户名称", "年度通信费用"], ["C1", "甲", 55]]})
    _, data = run_json(["classify", str(src), "--format", "json", "--rules", str(rules_dir)])
    assert data["customers"][0]["客户等级"] == "5B"
    code, _, err = run_cli(["init", str(tmp_path / "项目")])
    assert code == 2 and "--force" in err


def test_output_gets_normal_file_permissions(tmp_path):
    import os
    import stat

    src = write_xlsx(tmp_path / "ok.xlsx", {"客户资料": [["客户编号", "客户名称", "年度通信费用"], ["C1", "甲", 5]]})
    run_cli(["classify", str(src), "--out", str(tmp_path / "o.xlsx"), "-q"])
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "o.xlsx").stat().st_mode) == 0o666 & ~umask


def test_usage_errors_are_chinese_with_a_help_hint():
    code, _, err = run_cli(["classify", "a.xlsx", "--format", "xml"])
    assert code == 2 and "--format" in err and "「xml」不是" in err and "parkcrm classify --help" in err
    code, _, err = run_cli(["sla"])
    assert code == 2 and "缺少参数" in err
    code, _, err = run_cli(["rules", "check", "--bogus"])
    assert code == 2 and "没有选项 --bogus" in err and "parkcrm rules check --help" in err


def test_output_onto_the_input_is_refused(tmp_path):
    src = book(tmp_path)
    before = src.read_bytes()
    code, _, err = run_cli(["classify", str(src), "--out", str(src)])
    assert code == 2 and "Traceback" not in err
    assert src.read_bytes() == before


def test_input_headers_stay_as_the_user_wrote_them(tmp_path):
    src = write_xlsx(tmp_path / "别名.xlsx", {"客户资料": [["客户ID", "单位名称", "年度费用（万元）", "1月"],
                                                       ["C1", "甲", None, 5000], ["C2", "乙", 3, None]]})
    code, out, err = run_cli(["classify", str(src), "--out", str(tmp_path / "o.xlsx")])
    header = [c.value for c in openpyxl.load_workbook(tmp_path / "o.xlsx")["客户分级"][1]]
    assert header[:2] == ["客户ID", "单位名称"] and "年度费用（万元）" in header and "1月" in header
    assert "年度通信费用(万元)" in header and "客户编号" not in header


def test_no_customer_sheet_names_the_headers_found_and_the_alias_to_add(tmp_path):
    english = write_xlsx(tmp_path / "英文.xlsx", {"Customers": [["Customer ID", "Customer Name", "Industry"], ["C1", "Acme", "IT"]]})
    code, _, err = run_cli(["classify", str(english)])
    assert code == 2 and "找不到客户资料表" in err
    assert "工作表「Customers」第 1 行的表头是：「Customer ID」、「Customer Name」、「Industry」" in err
    assert '在 rules/columns.yaml 的 客户资料 → 客户编号 → 别名 中加上 "Customer ID"' in err
    assert '客户资料 → 客户名称 → 别名 中加上 "Customer Name"' in err
