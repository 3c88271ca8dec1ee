"""Chart tooltips: a value with its unit, written once."""

from __future__ import annotations

from parkcrm.reports.charts import bar, grouped, hbar


def test_a_percentage_tooltip_has_one_percent_sign():
    for svg in (hbar(["刘海燕"], [0.471], "达标率", "%", "pct"), bar(["刘海燕"], [0.471], "达标率", "%", "pct"),
                grouped(["刘海燕"], [("达标率", [0.471])], "达标率", "%", "pct")):
        assert "47.1%" in svg and "%%" not in svg


def test_other_tooltips_keep_their_unit():
    assert "<title>西部：929.84万元</title>" in hbar(["西部"], [929.84], "费用", "万元", "wan")
