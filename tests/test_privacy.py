"""Personal data is masked in every output by default (PIPL; reliability.md 25)."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from parkcrm.core.privacy import mask_json_text, mask_series, mask_text
from tests.helpers import run_cli, unmasked_personal_data, workbook_text, write_xlsx

SAMPLE = "2026-10/园区客户资料库-2026年10月.xlsx"


def test_mask_text_rules():
    assert mask_text("44140319900101123X") == "441403********123X"
    assert mask_text("441403900101123") == "441403*****1123"
    assert mask_text("电话13800001234，") == "电话138****1234，"
    assert mask_text("0762-3381200") == "0762-3381200"
    assert mask_text("91441400MA4UJ2XQ5N") == "91441400MA4UJ2XQ5N"  # a company code is not personal


def test_classify_outputs_have_no_clear_personal_data(tmp_path, samples_dir):
    src = tmp_path / "客户.xlsx"
    shutil.copy(samples_dir / SAMPLE, src)
    assert unmasked_personal_data(workbook_text(src)), "the sample should hold personal data to mask"
    code, out, err = run_cli(["classify", str(src), "--out", str(tmp_path / "o.xlsx")])
    assert code in (0, 1), err
    assert unmasked_personal_data(workbook_text(tmp_path / "o.xlsx")) == []
    assert unmasked_personal_data(out + err) == []
    code, out, err = run_cli(["classify", str(src), "--format", "json"])
    assert unmasked_personal_data(out + err) == []
    run_cli(["classify", str(src), "--no-mask", "--out", str(tmp_path / "full.xlsx")])
    assert unmasked_personal_data(workbook_text(tmp_path / "full.xlsx"))


# ---- masking by value, in every form people type (reliability.md 25, 38) --------------------


FORMS = [
    ("+86 13812345678", "+86 138****5678"),
    ("8613812345678", "86138****5678"),
    ("+8613812345678", "+86138****5678"),
    ("138-1234-5678", "138-****-5678"),
    ("138 1234 5678", "138 **** 5678"),
    ("138.1234.5678", "138.****.5678"),
    ("１３８１２３４５６７８", "138****5678"),
    ("电话：＋８６ １３８１２３４５６７８", "电话：+86 138****5678"),
    ("身份证440106198001011236住址", "身份证440106********1236住址"),
    ("440106 19800101 1236", "440106 ******** 1236"),
    ("法人440106-19800101-123x", "法人440106-********-123x"),
    ("核定等级「440106198001011236」不是已知等级", "核定等级「440106********1236」不是已知等级"),
    ("13812345678,13912345678,13712345678", "138****5678,139****5678,137****5678"),
]


@pytest.mark.parametrize("text,masked", FORMS)
def test_every_form_is_masked_in_text_and_in_columns(text, masked):
    assert mask_text(text) == masked
    assert mask_series(pd.Series([text, None, "无号码"], dtype=object)).tolist()[0] == masked


def test_numbers_that_are_not_personal_data_stay():
    texts = ["0762-3381200", "１２．５万元", "合同号 2026110100001", "金额 12345678901.5", "91441400MA4UJ2XQ5N"]
    for text in texts:
        assert mask_text(text) == text
    assert mask_series(pd.Series(texts, dtype=object)).tolist() == texts
    # beside a masked number, other full-width text is left as written
    assert mask_text("　电话１３８１２３４５６７８，金额１２．５万元") == "　电话138****5678，金额１２．５万元"


def test_json_is_masked_inside_strings_only():
    text = json.dumps({"费用分": 13812345678, "备注": "联系 13812345678", "名单": ["440106198001011236"]},
                      ensure_ascii=False)
    data = json.loads(mask_json_text(text))
    assert data == {"费用分": 13812345678, "备注": "联系 138****5678", "名单": ["440106********1236"]}


def test_the_log_masks_messages_and_tracebacks(tmp_path):
    from parkcrm.scheduled.files import close_log, open_log

    logger, handler = open_log(tmp_path, "parkcrm.test-privacy")
    logger.info("导入 %s 失败", "客户 13812345678")
    try:
        raise ValueError("证件号码 440106198001011236 无效")
    except ValueError:
        logger.exception("出错")
    close_log(logger, handler)
    text = (tmp_path / "parkcrm.log").read_text(encoding="utf-8")
    assert "138****5678" in text and "440106********1236" in text and "Traceback" in text
    assert "13812345678" not in text and "440106198001011236" not in text


def test_the_store_file_is_private_and_its_free_text_masked(tmp_path, rules, rules_copy):
    from sqlalchemy import select

    from parkcrm.io.reader import read_workbooks
    from parkcrm.rules import load_rules
    from parkcrm.store import open_store
    from parkcrm.store import schema as s
    from parkcrm.jobs.importing import import_month
    from parkcrm.core.periods import Month

    src = write_xlsx(tmp_path / "园区客户资料库-2026年10月.xlsx", {
        "客户资料": [["客户编号", "客户名称", "客户经理", "年度通信费用（万元）"], ["K1", "甲公司", "王晓明", 5]],
        "投诉故障": [["日期", "客户编号", "类型", "内容"], ["2026-10-08", "K1", "投诉", "法人 138-1234-5678 投诉网速"]],
        "走访记录": [["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"],
                 ["2026-10-09", "王晓明", "K1", "驻场", "是", "法人身份证440106198001011236，手机13912345678"]],
    })

    def stored(db: Path, pack) -> list[str]:
        books, tables, _p, _f = read_workbooks([src], pack)
        with open_store(str(db)) as store:
            import_month(store, Month(2026, 10), books, tables, pack)
            with store.read() as conn:
                return [r.content for r in conn.execute(select(s.visits.c.content))] + \
                       [r.content for r in conn.execute(select(s.complaints.c.content))]

    db = tmp_path / "parkcrm.db"
    texts = stored(db, rules)
    assert texts == ["法人身份证440106********1236，手机139****5678", "法人 138-****-5678 投诉网速"]
    assert db.stat().st_mode & 0o777 == 0o600
    history = rules_copy / "history.yaml"
    history.write_text(history.read_text(encoding="utf-8").replace("自由文本中的证件号和手机号: 遮蔽",
                                                                   "自由文本中的证件号和手机号: 保留原文"), encoding="utf-8")
    kept = stored(tmp_path / "full.db", load_rules(rules_copy))
    assert kept == ["法人身份证440106198001011236，手机13912345678", "法人 138-1234-5678 投诉网速"]


# ---- the sweep: every output of every command, for every full ID and mobile of its input ----

def _hostile_inputs(folder: Path) -> list[str]:
    """A month's workbooks with IDs and mobiles in every column and every typed form; returns their digits."""
    folder.mkdir(parents=True, exist_ok=True)
    mobile = [f"13{7 + i % 3}{i:04d}{5600 + i:04d}" for i in range(12)]
    ident = [f"44010619{80 + i:02d}0101{123 + i:03d}{'X' if i % 2 else '6'}" for i in range(12)]
    forms = [lambda m: "+86 " + m, lambda m: "86" + m, lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}",
             lambda m: f"{m[:3]} {m[3:7]} {m[7:]}", lambda m: f"{m[:3]}.{m[3:7]}.{m[7:]}",
             lambda m: m.translate(str.maketrans("0123456789", "０１２３４５６７８９"))]
    header = ["客户编号", "客户名称", "片区", "地址", "联系电话", "证件号码", "客户经理", "年度通信费用（万元）", "核定等级",
              "手机号码", "法人身份证号", "备注"]
    rows = [header]
    for i in range(6):
        rows.append([f"K{i}", f"公司{i}（法人手机{forms[i](mobile[i])}）", "东部产业片区",
                     f"园区路{i}号，联系人{mobile[6 + i]}", forms[(i + 1) % 6](mobile[i]), ident[i], "王晓明",
                     [80, 30, 12, 6, 2, 0.5][i], ident[6 + i] if i == 0 else None, mobile[(i + 3) % 12],
                     f"{ident[i][:6]} {ident[i][6:14]} {ident[i][14:]}", f"法人身份证{ident[(i + 1) % 12]}，电话{mobile[(i + 5) % 12]}"])
    rows.append(rows[1][:])  # a duplicate customer ID
    contacts = [["客户编号", "姓名", "角色", "联系电话", "现有会员等级"]] + \
               [[f"K{i}", f"张{i}", "领导人", forms[i](mobile[(i + 7) % 12]), None] for i in range(6)]
    visits = [["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"]] + \
             [[f"2026-10-{5 + i:02d}", "王晓明", f"K{i}", "驻场", "是", f"见法人 {forms[i](mobile[i])}，证件{ident[i]}"]
              for i in range(6)]
    complaints = [["日期", "客户编号", "类型", "内容"], ["2026-10-08", "K1", "投诉", f"{mobile[2]} 反映网速慢"]]
    write_xlsx(folder / "园区客户资料库-2026年10月.xlsx",
               {"客户资料": rows, "关键人": contacts, "投诉故障": complaints},
               title_rows={"客户资料": ["XX产业转移工业园客户资料库（2026年10月）"]})
    write_xlsx(folder / "走访记录-2026年10月.xlsx", {"走访记录": visits})
    return mobile + ident


def _clear_values(text: str, values: list[str]) -> list[str]:
    """Which of values appear in full in text, in any typed form (full-width, separators)."""
    flat = unicodedata.normalize("NFKC", text)
    flat = re.sub(r"(?<=[0-9])[ .\-](?=[0-9])", "", flat)
    return [v for v in values if v in flat or v.lower() in flat]


def _output_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        return workbook_text(path)
    if path.suffix == ".db":
        import sqlite3

        with sqlite3.connect(path) as con:
            tables = [t for (t,) in con.execute("select name from sqlite_master where type='table'")]
            return "\n".join(str(v) for t in tables for row in con.execute(f'select * from "{t}"') for v in row)
    return path.read_text(encoding="utf-8", errors="replace")


def test_sweep_every_output_of_every_command(tmp_path, monkeypatch):
    data = tmp_path / "项目" / "数据" / "2026-10"
    values = _hostile_inputs(data)
    src = data / "园区客户资料库-2026年10月.xlsx"
    visits = data / "走访记录-2026年10月.xlsx"
    out = tmp_path / "输出"
    out.mkdir()
    values = _clear_values(workbook_text(src) + workbook_text(visits), values)  # those the inputs hold
    assert len(values) >= 18
    runs = [
        ["classify", str(src), "--out", str(out / "分级.xlsx")],
        ["classify", str(src), "--format", "json"],
        ["validate", str(src), str(visits), "--out", str(out / "校验.xlsx")],
        ["validate", str(src), str(visits), "--out", str(out / "校验.html")],
        ["validate", str(src), str(visits), "--format", "json"],
        ["check-visits", str(src), str(visits), "--month", "2026-10", "--out", str(out / "走访.xlsx")],
        ["check-visits", str(src), str(visits), "--month", "2026-10", "--format", "json"],
        ["check-visits", str(src), str(visits), "--week", "2026-W41", "--sample", "--out", str(out / "走访周.xlsx"),
         "--sample-out", str(out / "抽查.xlsx"), "--history", str(out / "抽查记录.json")],
        ["care-plan", str(src), "--month", "2026-11", "--out", str(out / "关怀.xlsx")],
        ["care-plan", str(src), "--month", "2026-11", "--format", "json"],
        ["report", "monthly", str(data), "--month", "2026-10", "--out", str(out / "月报.html")],
        ["report", "monthly", str(data), "--month", "2026-10", "-f", "md", "--out", str(out / "月报.md")],
        ["report", "monthly", str(data), "--month", "2026-10", "-f", "json", "--out", str(out / "月报.json")],
        ["report", "weekly", str(data), "--week", "2026-W41", "--out", str(out / "周报.html")],
        ["report", "weekly", str(data), "--week", "2026-W41", "-f", "json", "--out", "-"],
        ["report", "weekly", str(data), "--week", "2026-W41", "-f", "xlsx", "--out", str(out / "周报.xlsx")],
        ["--debug", "classify", str(data / f"{values[0]}-{values[-1]}.xlsx")],  # an error quoting them, traceback
        ["import", str(data), "--db", str(out / "history.db")],
    ]
    leaks = {}
    for args in runs:
        code, stdout, err = run_cli(args)
        assert code in (0, 1, 2), (args, err)
        found = _clear_values(stdout + err, values)
        if found:
            leaks[" ".join(args[:3]) + " (terminal)"] = found
        if args[0] == "--debug":
            assert "Traceback" in err and code == 2  # the traceback is shown, masked
    project = tmp_path / "项目"
    run_cli(["init", str(project)])
    monkeypatch.chdir(project)
    code, stdout, err = run_cli(["run", "--date", "2026-11-02"])
    assert code in (0, 1), err
    if _clear_values(stdout + err, values):
        leaks["run (terminal)"] = _clear_values(stdout + err, values)
    outputs = [p for p in list(out.rglob("*")) + list((project / "输出").rglob("*")) if p.is_file()]
    outputs += [project / "parkcrm.log", project / "parkcrm.db"]
    assert {p.suffix for p in outputs} >= {".xlsx", ".html", ".md", ".json", ".txt", ".log", ".db"}
    for path in outputs:
        found = _clear_values(_output_text(path), values)
        if found:
            leaks[str(path.relative_to(tmp_path))] = found
    assert leaks == {}


def test_no_mask_outputs_say_so_in_their_first_line(tmp_path):
    data = tmp_path / "数据"
    values = _hostile_inputs(data)
    src = data / "园区客户资料库-2026年10月.xlsx"
    code, _, err = run_cli(["classify", str(src), "--no-mask", "--out", str(tmp_path / "全.xlsx")])
    assert code in (0, 1), err
    first = openpyxl_first_line(tmp_path / "全.xlsx")
    assert "完整" in first and "--no-mask" in first
    assert _clear_values(workbook_text(tmp_path / "全.xlsx"), values)  # the user asked for them
    code, stdout, _ = run_cli(["classify", str(src), "--no-mask", "--format", "json"])
    assert "完整" in json.loads(stdout)["privacy_notice"]
    run_cli(["report", "monthly", str(data), "--month", "2026-10", "--no-mask", "-f", "md", "--out", str(tmp_path / "月报.md")])
    assert "--no-mask" in (tmp_path / "月报.md").read_text(encoding="utf-8").splitlines()[0]


def openpyxl_first_line(path: Path) -> str:
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return str(next(ws.iter_rows(values_only=True))[0])


def test_masking_before_encoding_gives_the_text_masked_after_encoding():
    import datetime as dt
    import json
    from pathlib import Path

    from parkcrm.core.privacy import mask_json_data, mask_json_text

    data = {"problems": [{"message": f"「手机」「138 1234 {i:04d}」不对（如 91110000600037341L）；身份证 44010619800101123{i % 10}",
                          "row": i, "cell": f"E{i}"} for i in range(50)],
            "keys": {13812345678: "x", "k 138-1234-5678": (1, 2.5, None, True), 1.5: ""},
            "path": Path("/数据/13812345678.xlsx"), "day": dt.date(2026, 10, 1), "wide": "１３８１２３４５６７８ 与 １２．５万元"}
    enc = lambda v: json.dumps(v, ensure_ascii=False, default=str)  # noqa: E731
    assert enc(mask_json_data(data)) == mask_json_text(enc(data))


def test_long_texts_are_masked_as_a_whole_text_would_be():
    import random

    from parkcrm.core import privacy

    rnd = random.Random(7)
    bank = ["13812345678", "440106198001011236", "440106800101123", "+86 138-1234-5678", "138.1234.5678",
            "440106 19800101 1236", "91110000600037341L", "１３８１２３４５６７８", " ", "-", "x", "中"]
    for _ in range(3000):
        text = "".join(rnd.choice(bank) if rnd.random() < 0.5 else "".join(rnd.choice("0123456789 -.+X文")
                       for _ in range(rnd.randint(1, 9))) for _ in range(rnd.randint(5, 30)))
        if not privacy._WIDE_DIGIT_RX.search(text):
            expected = privacy._mask_all(text) if privacy._CANDIDATE_RX.search(text) else text
            assert privacy.mask_text(text) == expected


def test_masking_keeps_every_cell_whatever_the_frames_index(tmp_path):
    """A filtered frame (index 5, 6 …) written masked: its phone cells are masked, not lost (they were
    blank: the arrow round trip lined the masked values up by label instead of position)."""
    import pandas as pd

    from parkcrm.core.privacy import mask_series
    from parkcrm.io.writer import SheetSpec, write_xlsx

    for dtype in ("string", object):
        s = pd.Series(["13800001234", "园区路8号"], index=[7, 9], dtype=dtype)
        assert mask_series(s).tolist() == ["138****1234", "园区路8号"]
        assert list(mask_series(s).index) == [7, 9]
    df = pd.DataFrame({"客户": ["甲", "乙"], "电话": ["13800001234", "0762-3381200"]}, index=[5, 6])
    write_xlsx(tmp_path / "a.xlsx", [SheetSpec("a", df)], mask=True)
    back = pd.read_excel(tmp_path / "a.xlsx", engine="openpyxl", dtype=str)
    assert back["电话"].tolist() == ["138****1234", "0762-3381200"], back  # a landline is not personal


def test_money_and_arrow_round_trip_by_position_on_any_index():
    import pandas as pd
    import pyarrow as pa

    from parkcrm.core.arrow import from_arrow
    from parkcrm.io.coerce import parse_money

    assert from_arrow(pa.array(["a", None], pa.string()), pd.Index(["x", "y"])).tolist() == ["a", pd.NA]
    fen, failures = parse_money(pd.Series(["1.5", "2"], index=[10, 20], dtype="string"), 100)
    assert fen.tolist() == [150, 200] and list(fen.index) == [10, 20] and not failures
