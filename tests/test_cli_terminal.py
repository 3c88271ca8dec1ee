"""What a clerk reads on the terminal, or in a cron mail: whole lines, grouped findings, no regexes."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
OCTOBER = ROOT / "samples" / "2026-10"


def test_piped_output_is_not_cut_at_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run_cli(["validate", str(OCTOBER), "--month", "2026-10"])
    assert code == 1, err
    # a finding's whole text stands on one line, not folded into a column 40 characters wide
    assert any("「客户编号」「YQ9999」在客户资料表中找不到" in line for line in out.splitlines()), out[:3000]
    assert max(len(line) for line in out.splitlines()) > 80


def test_validate_groups_findings_with_the_advice_once_and_no_regex(monkeypatch):
    code, out, _err = run_cli(["validate", str(OCTOBER), "--month", "2026-10"])
    assert code == 1
    assert "(?:" not in out and "规则：" not in out
    # address-format: several findings, one advice line, at most two examples and a pointer to the rest
    assert out.count("应写成 产业转移园**区**栋**房") == 1
    assert "其余" in out and "见报告" in out
    assert len(out.splitlines()) < 200


def test_numbers_are_shown_the_same_way_everywhere():
    from parkcrm.cli.history_opts import display_value

    assert display_value("按时率", 0.9355) == "93.5%" or display_value("按时率", 0.9355) == "93.6%"
    assert display_value("年度通信费用(万元)", 67.736609) == "67.74"
    assert display_value("金额", 1234567.891) == "1,234,567.89"
    assert display_value("客户数", 12345) == "12,345"
    assert display_value("备注", None) == ""


def test_sla_prints_rates_as_percentages_not_raw_floats():
    import re

    code, out, err = run_cli(["sla", str(ROOT / "samples" / "2026-11")])
    assert code in (0, 1), err
    assert re.search(r"\d+\.\d%", out), out[:1000]
    assert not re.search(r"\b\d+\.\d{3,}\b", out), re.findall(r"\b\d+\.\d{3,}\b", out)[:5]
