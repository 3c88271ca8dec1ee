"""parkcrm report weekly|monthly|due through the real entry point: formats, outputs, project
file, template overrides, masking, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests import report_truth as truth
from tests.helpers import run_cli, run_json, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
NOV = ROOT / "samples" / "2026-11"
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def clean_data(folder: Path) -> Path:
    """A small month folder without any data problem."""
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(folder / "客户资料.xlsx", {
        "客户资料": [["客户编号", "客户名称", "片区", "客户经理", "联系电话", "年度通信费用（万元）", "行业", "进园日期", "更新日期", "状态"],
                 ["K001", "宏达机械有限公司", "东区", "张三", "13912345678", 15.0, "制造业", dt.date(2026, 11, 10), dt.date(2026, 11, 11), "新进园"],
                 ["K002", "顺达物流有限公司", "东区", "李四", "13800001111", 0.5, "物流", dt.date(2019, 5, 1), dt.date(2026, 10, 5), "在网"]],
    })
    return folder


@pytest.fixture
def samples_copy(tmp_path) -> Path:
    dest = tmp_path / "数据"
    for m in ("2026-10", "2026-11"):
        shutil.copytree(ROOT / "samples" / m, dest / m)
    return dest


@pytest.mark.parametrize("fmt", ["html", "md", "xlsx", "json"])
def test_weekly_every_format(tmp_path, fmt):
    out = tmp_path / f"周报.{fmt}"
    code, _o, err = run_cli(["report", "weekly", "--week", "2026-W46", str(NOV), "--format", fmt, "--out", str(out)])
    assert code == 1, err  # the samples hold planted data errors
    assert out.is_file() and out.stat().st_size > 1000
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write left no temp file
    now = truth.opportunities(NOV)
    before = truth.opportunities(ROOT / "samples" / "2026-10")
    won = sorted(k for k, o in now.items() if o["stage"] == "签约" and truth.in_range(o["updated"], dt.date(2026, 11, 9), dt.date(2026, 11, 15))
                 and before[k]["stage"] != "签约")
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(out)
        assert [ws.title for ws in wb.worksheets][-1] == "图表数据"  # the charts' source tables, after the sections
        assert [ws.title for ws in wb.worksheets][1:-1] == ["1.竞争信息", "2.新办业务", "3.新进园企业", "4.园区客户动态",
                                                          "5.客户资料更新", "6.ICT商机", "7.管线绿色通道", "8.流失预警",
                                                          "9.报送事项"]
        ws = wb["2.新办业务"]
        row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "签约商机")
        assert row[1] == len(won)
        found = [r[0] for r in ws.iter_rows(values_only=True) if isinstance(r[0], str) and r[0].startswith("SJ")]
        assert sorted(found) == won
        assert len(wb.chartsheets) >= 2 and all(len(c._charts) == 1 for c in wb.chartsheets)  # a page each
        assert wb["2.新办业务"].page_setup.paperSize == 9
    else:
        text = out.read_text(encoding="utf-8")
        for k in won:
            assert k in text
        if fmt == "json":
            data = json.loads(text)
            nb = data["sections"][1]
            assert nb["title"] == "新办业务" and next(f["value"] for f in nb["figures"] if f["label"] == "签约商机") == len(won)
        if fmt == "md":
            assert f"- 签约商机：**{len(won)}**" in text
        if fmt == "html":
            assert f'<div class="value">{len(won)}</div>' in text and "<svg" in text
        assert not MOBILE.search(text)


@pytest.mark.parametrize("fmt", ["html", "md", "xlsx", "json"])
def test_monthly_every_format(tmp_path, fmt):
    out = tmp_path / f"月报.{fmt}"
    code, _o, err = run_cli(["report", "monthly", "--month", "2026-11", str(NOV), "-f", fmt, "-o", str(out)])
    assert code == 1, err
    custs = [c for c in truth.customers(NOV) if c["status"] != "离网"]
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(out)
        ws = next(w for w in wb.worksheets if w.title.startswith("1."))
        assert next(r for r in ws.iter_rows(values_only=True) if r[0] == "客户数")[1] == len(custs)
        assert len(wb.worksheets) == 12 and wb.worksheets[-1].title == "图表数据"  # cover + 10 sections + chart data
    elif fmt == "json":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["sections"][0]["figures"][0] == {"label": "客户数", "value": len(custs), "format": "int"}
        assert [c["title"] for c in data["sections"]][-3:] == ["工作总结", "工作计划", "宣传情况"]
    else:
        text = out.read_text(encoding="utf-8")
        assert str(len(custs)) in text and "待填写" in text


def test_json_to_stdout(tmp_path):
    code, data = run_json(["report", "weekly", "--week", "2026-W46", str(NOV), "-f", "json"])
    assert code == 1 and data["period"]["label"] == "2026-W46" and len(data["sections"]) == 9


def test_markdown_to_stdout_and_xlsx_bytes_unless_a_terminal(monkeypatch):
    import io

    import openpyxl

    import parkcrm.cli.outfile as outfile
    from tests.test_cli_habits import run

    code, out, _e = run_cli(["report", "weekly", "--week", "2026-W46", str(NOV), "-f", "md", "--out", "-"])
    assert code == 1 and out.startswith("# XX产业转移工业园周报：2026年第46周")
    code, data, err = run(["report", "weekly", "--week", "2026-W46", str(NOV), "-f", "xlsx", "--out", "-"])
    assert code == 1, err
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames  # the workbook's bytes, piped
    monkeypatch.setattr(outfile, "_stdout_is_terminal", lambda: True)
    code, data, err = run(["report", "weekly", "--week", "2026-W46", str(NOV), "-f", "xlsx", "--out", "-"])
    assert code == 2 and "xlsx" in err and "终端" in err and data == b""


def test_clean_data_exits_zero_and_default_output(tmp_path, monkeypatch):
    data = clean_data(tmp_path / "2026-11")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["report", "weekly", "--date", "2026-11-12", str(data)])
    assert code == 0, err
    target = tmp_path / "园区周报-2026-W46.html"  # named for its calendar duty, outside a project here
    assert target.is_file() and f"已写入：{target}" in out
    html = target.read_text(encoding="utf-8")
    assert "宏达机械有限公司" in html and "139****5678" in html and "13912345678" not in html


def test_no_mask_shows_full_numbers(tmp_path):
    data = clean_data(tmp_path / "2026-11")
    code, out, _e = run_cli(["report", "weekly", "--week", "2026-W46", str(data), "-f", "md", "-o", "-", "--no-mask"])
    assert code == 0 and "13912345678" in out


def test_template_override_and_misspelt_variable(tmp_path):
    data = clean_data(tmp_path / "2026-11")
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "weekly.md.j2").write_text("本地模板 {{ report.period.label }} {{ report.sections | length }}\n", encoding="utf-8")
    code, out, _e = run_cli(["report", "weekly", "--week", "2026-W46", str(data), "-f", "md", "-o", "-", "--templates", str(tpl)])
    assert code == 0 and out == "本地模板 2026-W46 9\n"
    (tpl / "weekly.html.j2").write_text('{% extends "base.html.j2" %}{% block body %}{{ report.secions }}{% endblock %}',
                                        encoding="utf-8")
    target = tmp_path / "w.html"
    code, _o, err = run_cli(["report", "weekly", "--week", "2026-W46", str(data), "-o", str(target), "--templates", str(tpl)])
    assert code == 2 and "未定义" in err and "secions" in err and "Traceback" not in err
    assert not target.exists()
    code, _o, err = run_cli(["report", "weekly", str(data), "--templates", str(tmp_path / "nope")])
    assert code == 2 and "模板文件夹不存在" in err


def test_project_file(samples_copy, tmp_path, monkeypatch):
    project = tmp_path / "parkcrm.yaml"
    project.write_text("数据目录: 数据\n文件:\n  客户资料: \"*客户资料*\"\n  走访记录: \"*走访*\"\n  ICT商机: \"*商机*\"\n"
                       "输出目录: 输出\n园区名称: 东江产业转移工业园\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["report", "monthly", "--month", "2026-11"])
    assert code == 1, err
    target = tmp_path / "输出" / "2026-11" / "园区客户经理月报-2026-11.html"  # the archive, as parkcrm run files it
    assert target.is_file(), out
    html = target.read_text(encoding="utf-8")
    assert "东江产业转移工业园客户经理月报" in html and "上月数据：2026-10" in html
    # 关怀记录 is not among the project's file patterns: the care section says so
    assert "没有读到关怀记录表" in html
    code, data = run_json(["report", "weekly", "--week", "2026-W46", "--config", str(project), "-f", "json"])
    assert data["park"] == "东江产业转移工业园"


def test_week_across_month_end_reads_both_folders(samples_copy):
    # ISO week 44 of 2026: 10-26 .. 11-01; its Thursday is in October
    code, data = run_json(["report", "weekly", "--week", "2026-W44", str(samples_copy / "2026-10"), "-f", "json"])
    visits = [r for m in ("2026-10", "2026-11")
              for r in truth.rows(truth.month_file(samples_copy / m, "走访记录"), "走访记录", "日期")
              if truth.in_range(truth.to_date(r["日期"]), dt.date(2026, 10, 26), dt.date(2026, 11, 1))]
    dyn = data["sections"][3]
    assert next(f["value"] for f in dyn["figures"] if f["label"] == "本周走访记录") == len(visits)
    assert data["comparison"] == "上月数据：2026-09" or data["comparison"] == "没有上月数据可比"


def test_prev_option(tmp_path):
    code, data = run_json(["report", "monthly", "--month", "2026-11", str(NOV / "园区客户资料库-2026年11月.xlsx"),
                           "--prev", str(ROOT / "samples" / "2026-10"), "-f", "json"])
    changes = data["sections"][1]
    assert data["comparison"] == "上月数据：" or data["comparison"].startswith("上月数据")
    assert any(t["key"] == "flow" for t in changes["tables"])


@pytest.mark.parametrize("args,message", [
    (["report", "weekly", "--week", "2026-W60", str(NOV)], "没有第 60 周"),
    (["report", "weekly", "--week", "46", str(NOV)], "YYYY-Www"),
    (["report", "weekly", "--week", "2026-W46", "--date", "2026-11-12", str(NOV)], "只能给出一个"),
    (["report", "monthly", "--month", "2026-13", str(NOV)], "YYYY-MM"),
    (["report", "weekly", "--week", "2026-W46", "没有这个文件夹"], "找不到输入"),
    (["report", "monthly", "--month", "2026-11", str(NOV), "--notes", "无.md"], "--notes"),
    (["report", "due", "--date", "2026-02-30"], "不是有效日期"),
])
def test_user_errors_exit_2(args, message):
    code, _o, err = run_cli(args)
    assert code == 2 and message in err and "Traceback" not in err


def test_no_data_and_no_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _o, err = run_cli(["report", "weekly"])
    assert code == 2 and "parkcrm.yaml" in err


def test_unreadable_file_is_reported_and_others_go_on(tmp_path):
    data = clean_data(tmp_path / "2026-11")
    (data / "坏文件.xlsx").write_bytes(b"not a workbook")
    code, out, err = run_cli(["report", "weekly", "--week", "2026-W46", str(data), "-f", "md", "-o", "-"])
    assert code == 1 and "宏达机械有限公司" in out and "坏文件.xlsx" in err


def test_due_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # outside a project: no archive to check
    code, data = run_json(["report", "due", "--date", "2026-12-03", "-f", "json"])
    assert code == 0 and data["due_today"] == ["园区客户经理月报", "宣传方案反馈"]
    item = next(d for d in data["reports"] if d["名称"] == "园区客户经理月报" and d["周期"] == "2026-11")
    assert item["截止日期"] == "2026-12-05"
    assert item["命令"] == "parkcrm report monthly --month 2026-11 --report 园区客户经理月报"
    code, out, _e = run_cli(["report", "due", "--date", "2026-11-20"])
    assert code == 0 and "今天应报送：园区周报" in out and "parkcrm report weekly --week 2026-W47" in out


def test_help_is_chinese():
    for cmd in (["report"], ["report", "weekly"], ["report", "monthly"], ["report", "due"]):
        code, out, _e = run_cli(cmd + ["--help"])
        assert code == 0 and re.search(r"[\u4e00-\u9fff]", out), cmd
