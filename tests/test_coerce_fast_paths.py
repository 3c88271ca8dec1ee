"""The reader's fast paths give exactly what the general routes give (values, dtypes, failures)."""

import pandas as pd
import pytest

from parkcrm.io import coerce

DATE_TEXTS = [
    "2026-10-08 00:00:00", "2026-10-08", "2020/7/1", "2026年10月16日", "2026.10.8", "2018年5月20日",
    "2026/10/12", " 2026 / 10 / 12 ", "2026年10月8", "2026/10/8日", "2026-10/8", "2026/10-8", "2026-10-8",
    "２０２６／１０／８", "2026/2/30", "2026/13/1", "2026/0/1", "1600/1/1", "9999/12/31", "1677/9/22",
    "2262/4/11", "1678/1/1", "2261/12/31", "2026/10/8 14:30", "20261008", "45678", "60", "abc", "",
    None, "2026年10月8日 9时5分", "2026/10/08", "2024/2/29", "2023/2/29", "٢٠٢٦/١٠/٨",
]


def _series(texts):
    return pd.Series(texts, dtype="str")


@pytest.mark.parametrize("with_time", [False, True])
@pytest.mark.parametrize("texts", [DATE_TEXTS, DATE_TEXTS[2:], ["2020/7/1", None, "2026年10月16日"],
                                   ["2026-10-08 00:00:00"] * 5 + ["2020/7/1"], DATE_TEXTS * 40])
def test_parse_dates_matches_the_general_route(texts, with_time):
    series = _series(texts)
    typed, fails = coerce.parse_dates(series, with_time)
    general, general_fails = coerce._parse_dates_all(series, with_time)
    assert typed.dtype == general.dtype
    pd.testing.assert_series_equal(typed, general)
    assert list(fails.items()) == list(general_fails.items())


MONEY_TEXTS = ["1234.5", "1,234.50", "12万", "¥3,000", "１２３", " 7 ", "", None, "abc", "1.234,5", "12,5",
               "nan", "inf", "1e400", "9007199254740993", "-3.333", "+0.005", ".5", "3元", "2万元", "1e3"]


@pytest.mark.parametrize("columns", [
    [(MONEY_TEXTS, 100), (list(reversed(MONEY_TEXTS)), 1_000_000)],
    [(["1", "2", None], 100), (["3.5", None, "4"], 100), ([None, None, None], 1_000_000)],
    [(["1", "x"], 100), (["5", "6"], 100)],
])
def test_parse_money_many_matches_parse_money_column_by_column(columns):
    series = [(pd.Series(texts, dtype="str"), per)
              for texts, per in columns]
    many = coerce.parse_money_many(series)
    for (typed, fails), (column, per) in zip(many, series):
        alone, alone_fails = coerce.parse_money(column, per)
        pd.testing.assert_series_equal(typed, alone)
        assert list(fails.items()) == list(alone_fails.items())


@pytest.mark.parametrize("texts", [["a", " b ", "", "  ", None, "\u3000c\u3000", "\td\n", "e f"], [], [None, None]])
def test_strip_text_is_pandas_strip_with_blanks_missing(texts):
    series = pd.Series(texts, dtype="str")
    expected = series.astype("string").str.strip()
    expected = expected.mask(expected == "")
    pd.testing.assert_series_equal(coerce.strip_text(series), expected)


@pytest.mark.parametrize("with_time", [False, True])
def test_parse_dates_with_times_in_a_date_column(with_time):
    texts = ["2026-10-08 14:30:00", "1969-12-31 23:59:59", "1678-01-01 12:00:00", "2261-12-31 23:59:59", None,
             "2026/10/8", "2026-10-08"]
    series = _series(texts)
    typed, fails = coerce.parse_dates(series, with_time)
    general, general_fails = coerce._parse_dates_all(series, with_time)
    pd.testing.assert_series_equal(typed, general)
    assert fails == general_fails


def test_parse_flags_as_before():
    vocab = {"是": "是", "y": "是", "√": "是", "否": "否", "n": "否", "×": "否"}
    series = pd.Series(["是", " 否 ", "Y", "√", "x", "", None, "maybe", "×", "Ｎ"], dtype="str")
    typed, fails = coerce.parse_flags(series, vocab)
    text = coerce.normalise(series)
    mapped = coerce._lookup(series, vocab)
    expected = pd.Series(pd.NA, index=series.index, dtype="boolean")
    expected[mapped == "是"] = True
    expected[mapped == "否"] = False
    pd.testing.assert_series_equal(typed, expected)
    bad = text.notna() & mapped.isna()
    assert list(fails.items()) == [(label, ("flag-invalid", f"「{v}」无法识别为是/否，应填 是、否、√ 或 ×"))
                                   for label, v in text[bad].items()]


def _find_header_by_hand(rows, matchers, sheet_name):
    """find_header without its shortcuts: every cell asked of every kind, every row scored."""
    from parkcrm.io.headers import HEADER_SCAN_ROWS, HeaderGuess

    best = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        for matcher in matchers:
            named = matcher.matches_sheet_name(sheet_name)
            matches = {c: hm for c, cell in enumerate(row) if (hm := matcher.match(cell))}
            found = {hm.canonical for hm in matches.values()}
            complete = all(s in found for s in matcher.spec.signature)
            if not complete and not (named and len(found) >= 2):
                continue
            score = len(found) * 2 + (1 if named else 0) + (100 if complete else 0)
            if best is None or score > best.score:
                best = HeaderGuess(matcher.kind, r, matches, score)
    return best


@pytest.mark.parametrize("sheet_name", ["客户资料", "东部片区", "关键人", "Sheet1"])
def test_find_header_shortcuts_change_nothing(rules, sheet_name):
    from parkcrm.io.headers import KindMatcher, find_header

    matchers = [KindMatcher(k, spec) for k, spec in rules.columns.sheets.items()]
    rows = [
        ["园区客户资料（2026年10月）", None, None],
        [None, "制表：张三", "2026-10-31"],
        ["客户名称", "客户编号", "片区", "1月", "2月（元）", "十二月份", "2026-03", "年度通信费用\n（万元）", "客户经理"],
        ["某某公司", "C001", "东部", "100", "200", "300", "5", "1.2", "李四"],
        ["姓名", "客户编号", "角色", "电话"],
        ["合计", None, None, "100"],
        ["是", "否", "A", "2026-10-08 00:00:00", "1月份", "客户名称"],
    ]
    for head in (rows, rows[1:], rows[4:], rows[::-1], [["客户名称", "1月"]] * 3):
        got, expected = find_header(head, matchers, sheet_name), _find_header_by_hand(head, matchers, sheet_name)
        assert (got is None) == (expected is None)
        if got is not None:
            assert (got.kind, got.row, got.matches, got.score) == (expected.kind, expected.row, expected.matches,
                                                                   expected.score)


def test_columns_typed_together_as_one_by_one():
    columns = [pd.Series(texts, dtype="str") for texts in (
        ["  A 1 ", "ｂ２", None, "", "x\u3000y"], ["13800000000", " 138 0000 0000 "], [], ["a", "b", None],
        ["ab", " c ", "\u3000", None, "Ｄ"])]
    upper = [False, False, True, True, False]
    for got, column, up in zip(coerce.normalise_codes(columns, upper), columns, upper):
        pd.testing.assert_series_equal(got, coerce.normalise_tier(column) if up else coerce.normalise_code(column))
    for got, column in zip(coerce.strip_texts(columns), columns):
        pd.testing.assert_series_equal(got, coerce.strip_text(column))
    plain = [pd.Series(["a", "b"], dtype="str"), pd.Series(["c d"], dtype="str")]  # no whitespace drop needed in one
    for got, column in zip(coerce.normalise_codes(plain, [False, False]), plain):
        pd.testing.assert_series_equal(got, coerce.normalise_code(column))


@pytest.mark.parametrize("cell, missing", [
    (b'<c r="B2" s="1"><f>SUM(A1:A3)</f></c>', True),
    (b'<c r="B2"><f t="shared" si="0"/></c>', True),
    (b'<c r="B2"><f>A1</f><v/></c>', True),
    (b'<c r="B2"><f>A1</f>\n  <v> </v>\n</c>', True),
    (b'<c r="B2"><f>A1</f><v>3</v></c>', False),
    (b'<c r="B2"><f t="shared" si="0"/><v>3</v></c>', False),
    (b'<c r="B2" t="s"><v>7</v></c>', False),
])
def test_formulas_without_a_value_are_found(cell, missing):
    from parkcrm.io.grid import _sheet_extras

    xml = b'<worksheet><sheetData><row r="2"><c r="A2"/>' + cell + b'<c r="C2" t="s"><v>1</v></c></row></sheetData></worksheet>'
    assert (_sheet_extras(xml)[0] == {(2, 1): True}) is missing


def test_blank_rows_as_column_by_column():
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from parkcrm.io.reader import _blank_rows

    columns = [pa.chunked_array([pa.array(["a", None, " ", ""], pa.string()), pa.array([None, "\u3000"], pa.string())]),
               pa.chunked_array([pa.array([None, None, "\t", "x", None, " "], pa.string())])]
    expected = np.ones(6, dtype=bool)
    for arr in columns:
        expected &= pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arr), ""), True).to_numpy(zero_copy_only=False)
    assert _blank_rows(columns, 6).tolist() == expected.tolist()
    assert _blank_rows([], 3).tolist() == [True, True, True]
    assert _blank_rows([pa.chunked_array([], pa.string())], 0).tolist() == []


def test_merge_tables_numbers_rows_on():
    from parkcrm.io.reader import Table, merge_tables

    def table(n, extra):
        df = pd.DataFrame({"a": pd.Series(range(n), dtype="Int64")})
        raw = pd.DataFrame({"a": pd.Series([str(i) for i in range(n)], dtype="str"), extra: "x"})
        return Table("k", df, raw, {("f", extra): None}, [extra], {(n - 1, "a"): extra})

    merged = merge_tables([table(2, "x1"), table(3, "x2"), table(1, "x1")])
    expected_df = pd.concat([table(2, "x1").df, table(3, "x2").df.set_axis(pd.RangeIndex(2, 5)),
                             table(1, "x1").df.set_axis(pd.RangeIndex(5, 6))])
    expected_raw = pd.concat([table(2, "x1").raw, table(3, "x2").raw.set_axis(pd.RangeIndex(2, 5)),
                              table(1, "x1").raw.set_axis(pd.RangeIndex(5, 6))])
    pd.testing.assert_frame_equal(merged.df, expected_df, check_index_type=True)
    pd.testing.assert_frame_equal(merged.raw, expected_raw, check_index_type=True)
    assert merged.cell_issues == {(1, "a"): "x1", (4, "a"): "x2", (5, "a"): "x1"}
    assert merged.extra_columns == ["x1", "x2"]


@pytest.mark.parametrize("columns", [
    [(["2026-10-08 00:00:00", None], False), (["2026/10/8", "2026-10-09 14:30:00"], True)],
    [(["2026-10-08 00:00:00", "2026-10-08 14:30:00"], False), (["abc", "2026-02-30", "45678"], False), ([None, None], False)],
    [(DATE_TEXTS, False), ([], True), (DATE_TEXTS[:6], True)],
])
def test_parse_dates_many_as_one_by_one(columns):
    series = [(_series(texts), with_time) for texts, with_time in columns]
    for (typed, fails), (column, with_time) in zip(coerce.parse_dates_many(series), series):
        alone, alone_fails = coerce.parse_dates(column, with_time)
        pd.testing.assert_series_equal(typed, alone)
        assert list(fails.items()) == list(alone_fails.items())
