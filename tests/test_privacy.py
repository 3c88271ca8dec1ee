"""Personal data is masked in every output by default (PIPL; reliability.md 25)."""

from __future__ import annotations

import shutil

from parkcrm.core.privacy import mask_text
from tests.helpers import run_cli, unmasked_personal_data, workbook_text

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

import json  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import unicodedata  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from parkcrm.core.privacy import mask_json_text, mask_series  # noqa: E402
from tests.helpers import write_xlsx  # noqa: E402

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
    for text in ("0762-3381200", "１２.５万元", "合同号 2026110100001", "金额 12345678901.5", "91441400MA4UJ2XQ5N"):
        assert mask_text(text) == text


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
    from parkcrm.store.importer import import_month
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
