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
