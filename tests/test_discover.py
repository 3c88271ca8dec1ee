"""Input discovery: a folder yields the same inputs whatever parkcrm wrote into it; what is
skipped is said, nothing to work on is exit 2, one unreadable file among good ones is exit 1."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from parkcrm.io.discover import custom_xml, discover, marker_in, output_kind
from parkcrm.io.writer import SheetSpec, write_xlsx
from tests.helpers import CUSTOMER_HEADER, run_cli, run_json
from tests.helpers import write_xlsx as write_input

CUSTOMERS = [CUSTOMER_HEADER,
             ["C001", "华创科技有限公司", "东部产业片区", "王晓明", "0751-8881234", "", 12, "4B"],
             ["C002", "恒达物流有限公司", "西部产业片区", "李文静", "0751-8881235", "", 3, "3B"]]


def _data_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "数据"
    folder.mkdir()
    write_input(folder / "客户资料.xlsx", {"客户资料": CUSTOMERS})
    return folder


# ---- discover() ------------------------------------------------------------------------------

def test_a_folder_skips_parkcrm_outputs_owner_files_and_non_workbooks(tmp_path):
    folder = _data_folder(tmp_path)
    write_xlsx(folder / "改了名字的输出.xlsx", [SheetSpec("客户分级", pd.DataFrame({"客户编号": ["C001"]}))])
    (folder / "~$客户资料.xlsx").write_bytes(b"\x00owner")
    (folder / "客户资料.et").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "说明.pdf").write_bytes(b"%PDF-1.4")
    (folder / "通知.docx").write_bytes(b"PK\x03\x04")
    (folder / ".客户资料.xlsx.tmp").write_bytes(b"")  # a half-written temp file: hidden, not listed
    (folder / "Thumbs.db").write_bytes(b"\x00")  # Windows' own: not listed either
    found = discover([folder])
    assert found.files == [folder / "客户资料.xlsx"]
    reasons = {p.name: r for p, r in found.skipped}
    assert reasons == {
        "改了名字的输出.xlsx": "parkcrm 生成的输出（客户分级）",
        "~$客户资料.xlsx": reasons["~$客户资料.xlsx"],
        "客户资料.et": reasons["客户资料.et"],
        "说明.pdf": "不是工作簿（.pdf）",
        "通知.docx": "Word 文档，不是工作簿（.docx）",
    }
    assert "Excel 临时文件" in reasons["~$客户资料.xlsx"]
    assert "WPS" in reasons["客户资料.et"] and ".xlsx" in reasons["客户资料.et"]


def test_a_data_file_named_like_an_output_is_still_data(tmp_path):
    """Outputs are known by their marker, not their name."""
    folder = tmp_path / "d"
    folder.mkdir()
    write_input(folder / "客户资料-分级.xlsx", {"客户资料": CUSTOMERS})
    assert discover([folder]).files == [folder / "客户资料-分级.xlsx"]


def test_an_explicitly_named_output_is_read_with_a_note(tmp_path):
    out = tmp_path / "走访抽查表-2026-W47.xlsx"
    write_xlsx(out, [SheetSpec("抽查说明", pd.DataFrame({"项目": ["a"]}))], kind="走访抽查表")
    found = discover([out])
    assert found.files == [out] and not found.skipped
    assert "走访抽查表" in found.notes[0]


def test_the_marker_survives_a_save_in_another_program(tmp_path):
    import openpyxl

    out = tmp_path / "o.xlsx"
    write_xlsx(out, [SheetSpec("客户分级", pd.DataFrame({"a": [1]}))])
    book = openpyxl.load_workbook(out)
    book.save(tmp_path / "saved.xlsx")
    assert output_kind(tmp_path / "saved.xlsx") == "客户分级"


def test_custom_xml_keeps_other_properties_and_replaces_the_marker():
    theirs = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.'
              'org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
              'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="部门">'
              "<vt:lpwstr>政企</vt:lpwstr></property></Properties>").encode()
    assert marker_in(theirs) is None
    once = custom_xml("客户分级", theirs)
    twice = custom_xml("校验标注副本", once)
    assert marker_in(twice) == "校验标注副本"
    assert "部门".encode() in twice and twice.count(b'name="parkcrm"') == 1 and b'pid="3"' in twice


def test_the_marked_copy_is_marked_and_keeps_the_users_properties(tmp_path):
    import openpyxl
    from openpyxl.packaging.custom import StringProperty

    src = tmp_path / "客户资料.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "客户资料"
    for row in CUSTOMERS + [["C003", "", "东部产业片区", "王晓明", "12345", "", "abc", "9B"]]:
        ws.append(row)
    book.custom_doc_props.append(StringProperty(name="部门", value="政企"))
    book.save(src)
    marked = tmp_path / "标注.xlsx"
    code, _o, err = run_cli(["validate", str(src), "--marked", str(marked), "-q"])
    assert code == 1, err
    assert output_kind(marked) == "校验标注副本"
    props = {p.name: p.value for p in openpyxl.load_workbook(marked).custom_doc_props}
    assert props == {"部门": "政企", "parkcrm": "校验标注副本"}
    with zipfile.ZipFile(marked) as zf:
        assert "docProps/custom.xml" in zf.namelist()


# ---- the same answer before and after parkcrm wrote into the folder ---------------------------

def _without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


def _results(folder: Path) -> dict:
    f = str(folder)
    out = {}
    code, v = run_json(["validate", f, "--month", "2026-10", "-f", "json"])
    out["validate"] = (code, v["problems"], _without(v["summary"], "listed", "truncated", "工作区"))
    code, cv = run_json(["check-visits", f, "--month", "2026-10", "-f", "json"])
    out["check-visits"] = (code, _without(cv, "skipped", "unreadable", "工作区", "about"))
    code, cp = run_json(["care-plan", f, "--month", "2026-10", "-f", "json"])
    out["care-plan"] = (code, _without(cp, "skipped", "unreadable", "工作区", "about"))
    for kind, period in (("weekly", ["--week", "2026-W43"]), ("monthly", ["--month", "2026-10"])):
        code, rep, err = run_cli(["report", kind, *period, f, "-f", "md", "-o", "-"])
        assert code in (0, 1), err
        out[kind] = (code, "\n".join(line for line in rep.splitlines() if "生成时间" not in line and "生成于" not in line))
    return out


def test_results_are_the_same_after_parkcrm_wrote_its_outputs_into_the_folder(tmp_path, samples_dir):
    folder = tmp_path / "2026-10"
    shutil.copytree(samples_dir / "2026-10", folder)
    before = _results(folder)
    customers = folder / "园区客户资料库-2026年10月.xlsx"
    writes = [["classify", str(customers), "-q"],
              ["validate", str(folder), "--month", "2026-10", "--marked", str(folder / "标注.xlsx"),
               "--out", str(folder / "校验报告.xlsx"), "-q"],
              # the sampling history is state the weekly report shows, not an input: kept elsewhere here
              ["check-visits", str(folder), "--week", "2026-W43", "--sample", "-q",
               "--history", str(tmp_path / "抽查记录.json")],
              ["care-plan", str(folder), "--month", "2026-10", "-q"]]
    for args in writes:
        code, _o, err = run_cli(args)
        assert code in (0, 1), (args, err)
    written = {p.name for p in folder.iterdir()} - {p.name for p in (samples_dir / "2026-10").iterdir()}
    assert {"园区客户资料库-2026年10月-分级.xlsx", "标注-园区客户资料库-2026年10月.xlsx", "校验报告.xlsx",
            "走访抽查表-2026-W43.xlsx"} <= written  # one marked copy per input
    assert any(n.startswith("关怀计划") for n in written) and any(n.startswith("走访达标") for n in written)
    after = _results(folder)
    for command in before:
        assert after[command] == before[command], command
    code, _o, err = run_cli(["validate", str(folder), "--month", "2026-10"])
    assert "跳过 园区客户资料库-2026年10月-分级.xlsx：parkcrm 生成的输出（客户分级）" in err
    assert "跳过 标注-走访记录-2026年10月.xlsx：parkcrm 生成的输出（校验标注副本）" in err
    code, _o, err = run_cli(["report", "monthly", "--month", "2026-10", str(folder), "-f", "md",
                             "-o", str(tmp_path / "月报.md")])
    assert "跳过 校验报告.xlsx：parkcrm 生成的输出" in err
    code, data = run_json(["validate", str(folder), "--month", "2026-10", "-f", "json"])
    assert {s["file"] for s in data["skipped"]} >= {"标注-走访记录-2026年10月.xlsx", "园区客户资料库-2026年10月-分级.xlsx"}


# ---- nothing to work on: exit 2, naming what was skipped ---------------------------------------

def _empty(folder: Path) -> list[str]:
    return []


def _unsupported(folder: Path) -> list[str]:
    (folder / "客户资料.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    (folder / "说明.pdf").write_bytes(b"%PDF-1.4")
    (folder / "通知.docx").write_bytes(b"PK\x03\x04")
    return ["客户资料.et", "说明.pdf", "通知.docx"]


def _header_only(folder: Path) -> list[str]:
    write_input(folder / "客户资料.xlsx", {"客户资料": [CUSTOMER_HEADER]})
    (folder / "~$客户资料.xlsx").write_bytes(b"\x00")
    return ["~$客户资料.xlsx", "客户资料.xlsx"]


def _only_outputs(folder: Path) -> list[str]:
    write_xlsx(folder / "客户资料-分级.xlsx", [SheetSpec("客户分级", pd.DataFrame([CUSTOMERS[1]], columns=CUSTOMER_HEADER))])
    return ["客户资料-分级.xlsx"]


@pytest.mark.parametrize("make", [_empty, _unsupported, _header_only, _only_outputs])
@pytest.mark.parametrize("command", [["validate"], ["classify"], ["check-visits", "--month", "2026-10"],
                                     ["care-plan", "--month", "2026-10"], ["report", "weekly", "--week", "2026-W43"],
                                     ["report", "monthly", "--month", "2026-10"]])
def test_nothing_to_work_on_is_exit_2_naming_what_was_skipped(tmp_path, make, command):
    folder = tmp_path / "数据"
    folder.mkdir()
    names = make(folder)
    code, out, err = run_cli([*command[:-2], str(folder), *command[-2:]] if command[0] == "report"
                             else [command[0], str(folder), *command[1:]])
    assert code == 2, (out, err)
    assert "没有" in err and "没有发现问题" not in out + err
    for name in names:
        assert name in err
    assert not [p for p in folder.iterdir() if p.name not in names]  # nothing written


def test_a_header_only_workbook_given_as_a_file_is_exit_2(tmp_path):
    src = write_input(tmp_path / "客户资料.xlsx", {"客户资料": [CUSTOMER_HEADER]})
    code, _o, err = run_cli(["classify", str(src)])
    assert code == 2 and "只有表头" in err
    assert not (tmp_path / "客户资料-分级.xlsx").exists()


# ---- one unreadable file among good ones: the rest is done, exit 1 -----------------------------

def _folder_with_a_corrupt_file(tmp_path: Path) -> Path:
    folder = _data_folder(tmp_path)
    good = (folder / "客户资料.xlsx").read_bytes()
    (folder / "坏文件.xlsx").write_bytes(good[: len(good) // 2])  # a copy cut short
    return folder


def test_classify_processes_the_good_files_and_lists_the_bad_one(tmp_path):
    folder = _folder_with_a_corrupt_file(tmp_path)
    out = tmp_path / "分级.xlsx"
    code, _o, err = run_cli(["classify", str(folder), "--out", str(out)])
    assert code == 1, err
    assert "无法读取 坏文件.xlsx" in err
    assert len(pd.read_excel(out, sheet_name="客户分级", engine="openpyxl")) == 2
    code, data = run_json(["classify", str(folder), "-f", "json"])
    assert code == 1 and [u["file"] for u in data["unreadable"]] == ["坏文件.xlsx"]


def test_validate_processes_the_good_files_and_lists_the_bad_one(tmp_path):
    folder = _folder_with_a_corrupt_file(tmp_path)
    clean = folder.parent / "clean"
    clean.mkdir()
    shutil.copy(folder / "客户资料.xlsx", clean)
    _c, alone = run_json(["validate", str(clean), "--month", "2026-10", "-f", "json"])
    code, data = run_json(["validate", str(folder), "--month", "2026-10", "-f", "json"])
    assert code == 1
    assert [u["file"] for u in data["unreadable"]] == ["坏文件.xlsx"]
    assert data["problems"] == alone["problems"] and [f["file"] for f in data["summary"]["files"]] == ["客户资料.xlsx"]
    report = tmp_path / "校验报告.xlsx"
    code, _o, err = run_cli(["validate", str(folder), "--month", "2026-10", "--out", str(report)])
    assert code == 1 and "无法读取 坏文件.xlsx" in err
    about = pd.read_excel(report, sheet_name="说明", engine="openpyxl")
    assert about.loc[about["项目"] == "无法读取", "内容"].str.startswith("坏文件.xlsx：").tolist() == [True]
    assert output_kind(report) == "校验报告"


def test_only_unreadable_files_is_exit_2_naming_them(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04broken")
    code, _o, err = run_cli(["validate", str(folder)])
    assert code == 2 and "坏文件.xlsx" in err and "都无法读取" in err


def test_run_finds_the_same_inputs_in_a_month_folder(tmp_path):
    """`parkcrm run` lists a month folder through the same discovery, and says what it skipped."""
    from types import SimpleNamespace

    from parkcrm.core.periods import Month
    from parkcrm.scheduled.files import Archive
    from parkcrm.workspace import project_months

    data = tmp_path / "数据"
    month = data / "2026-10"
    month.mkdir(parents=True)
    write_input(month / "客户资料-2026年10月.xlsx", {"客户资料": CUSTOMERS})
    write_xlsx(month / "客户资料-2026年10月-分级.xlsx", [SheetSpec("客户分级", pd.DataFrame({"a": [1]}))])
    (month / "~$客户资料-2026年10月.xlsx").write_bytes(b"\x00")
    (month / "旧表.et").write_bytes(b"\xd0\xcf\x11\xe0")
    months, notes = project_months(SimpleNamespace(data_dir=data, patterns=[]), Archive(data / "输出").root)
    assert [p.name for p in months[Month.parse("2026-10", "文件夹")]] == ["客户资料-2026年10月.xlsx"]
    assert any("客户资料-2026年10月-分级.xlsx：parkcrm 生成的输出（客户分级）" in n for n in notes)
    assert any("旧表.et" in n for n in notes)


def test_history_commands_skip_outputs_with_a_note_and_refuse_an_empty_folder(tmp_path):
    folder = _data_folder(tmp_path)
    write_xlsx(folder / "客户资料-分级.xlsx", [SheetSpec("客户分级", pd.DataFrame([CUSTOMERS[1]], columns=CUSTOMER_HEADER))])
    db = tmp_path / "h.db"
    code, _o, err = run_cli(["import", str(folder), "--month", "2026-10", "--db", str(db), "--force"])
    assert code in (0, 1), err
    assert "跳过 客户资料-分级.xlsx：parkcrm 生成的输出（客户分级）" in err
    code, data = run_json(["import", str(folder), "--month", "2026-10", "--db", str(db), "--force", "-f", "json"])
    skipped = [{"file": "客户资料-分级.xlsx", "path": str(folder / "客户资料-分级.xlsx"), "reason": "parkcrm 生成的输出（客户分级）"}]
    assert data["skipped"] == skipped
    code, data = run_json(["churn", str(folder), "--month", "2026-10", "-f", "json"])
    assert data["skipped"] == skipped
    empty = tmp_path / "空"
    empty.mkdir()
    (empty / "客户资料.et").write_bytes(b"\xd0\xcf\x11\xe0")
    code, _o, err = run_cli(["import", str(empty), "--month", "2026-10", "--db", str(db)])
    assert code == 2 and "客户资料.et" in err and "WPS" in err


def test_explicitly_named_non_workbooks_are_skipped_and_nothing_left_is_exit_2(tmp_path):
    et = tmp_path / "客户资料.et"
    et.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    pdf = tmp_path / "说明.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    code, out, err = run_cli(["validate", str(et), str(pdf)])
    assert code == 2 and "客户资料.et：WPS 表格 .et 格式" in err and "说明.pdf：不是工作簿（.pdf）" in err
    assert "没有发现问题" not in out


def test_report_json_lists_the_skipped_files(tmp_path, samples_dir):
    folder = tmp_path / "2026-10"
    shutil.copytree(samples_dir / "2026-10", folder)
    write_xlsx(folder / "客户分级.xlsx", [SheetSpec("客户分级", pd.DataFrame({"客户编号": ["YQ0001"]}))])
    code, data = run_json(["report", "weekly", "--week", "2026-W43", str(folder), "-f", "json"])
    assert code in (0, 1)
    assert [(s["file"], s["reason"]) for s in data["skipped"]] == [("客户分级.xlsx", "parkcrm 生成的输出（客户分级）")]
    assert "客户分级.xlsx" not in [s.get("file") for s in data["sources"]]


def test_care_plan_processes_the_good_files_and_lists_the_bad_one(tmp_path):
    folder = _folder_with_a_corrupt_file(tmp_path)
    out = tmp_path / "关怀计划.xlsx"
    code, _o, err = run_cli(["care-plan", str(folder), "--month", "2026-10", "--out", str(out)])
    assert code == 1 and "无法读取 坏文件.xlsx" in err and out.is_file()


def test_the_10001_sending_csv_is_known_by_its_first_line(tmp_path):
    """CSV has no document properties: parkcrm's own CSV carries its marker on the first line."""
    from parkcrm.io.discover import csv_mark

    folder = _data_folder(tmp_path)
    send = folder / "发送名单.csv"
    code, _o, err = run_cli(["care-plan", str(folder / "客户资料.xlsx"), "--month", "2026-10", "--sms-file", str(send),
                             "--out", str(tmp_path / "关怀计划.xlsx"), "-q"])
    assert code in (0, 1), err
    assert send.read_text(encoding="utf-8-sig").splitlines()[0].endswith(csv_mark("短信发送名单"))
    assert output_kind(send) == "短信发送名单"
    (folder / "名单.csv").write_text("客户编号,客户名称\nC009,某公司\n", encoding="gb18030")
    assert [p.name for p in discover([folder]).files] == ["名单.csv", "客户资料.xlsx"]


def test_every_way_of_writing_a_marked_copy_marks_it(tmp_path):
    """The copy is patched (xlsx), rebuilt (.xls) or written by openpyxl (a sheet with comments)."""
    import openpyxl
    from openpyxl.comments import Comment

    from tests.helpers import write_xls

    rows = CUSTOMERS + [["C003", "", "东部产业片区", "王晓明", "12345", "", "abc", "9B"]]
    xls = write_xls(tmp_path / "客户资料.xls", {"客户资料": rows})
    commented = tmp_path / "有批注.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "客户资料"
    for row in rows:
        book.active.append(row)
    book.active["B4"].comment = Comment("原有批注", "用户")
    book.save(commented)
    for src in (xls, commented):
        marked = tmp_path / f"标注-{src.stem}.xlsx"
        code, _o, err = run_cli(["validate", str(src), "--marked", str(marked), "-q"])
        assert code == 1, err
        assert output_kind(marked) == "校验标注副本", src.name
