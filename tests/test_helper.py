"""The helper process that takes the ID check digits off the main thread (parkcrm.helper)."""

from __future__ import annotations

import os
import sys
import time

import pytest

from parkcrm.checkdigits import check_ids
from parkcrm.helper import Helper
from parkcrm.validate import validate
from tests.validate_book import RIC, TODAY, USCC1, USCC2, sheets, write

# resident IDs and credit codes in every state the checks tell apart
CERTS = [RIC, "440103199001011234", "440103199002301235", USCC1, "91441400MA4UJ2XQ5N", USCC2, "440103900101123",
         "990103199001011233", "123456199001011233", "4401031990", "91110000600037341l", RIC, "91441400MA4UJ2XQ5N"]


def test_validate_finds_the_same_problems_with_and_without_the_helper(tmp_path, rules):
    book = sheets()
    header = book["客户资料"][0]
    template = book["客户资料"][3]
    for i, cert in enumerate(CERTS):
        row = list(template)
        row[0], row[1], row[header.index("证件号码")] = f"YQ1{i:03d}", f"丁{i}商行", cert
        book["客户资料"].append(row)
    path = write(tmp_path, book)
    with_helper = validate([path], rules, today=TODAY, helper=True)
    without = validate([path], rules, today=TODAY, helper=False)
    seen = [(p.sheet, p.row, p.column, p.code, p.message) for p in with_helper.problems]
    assert seen == [(p.sheet, p.row, p.column, p.code, p.message) for p in without.problems]
    codes = {code for *_rest, code, _m in seen}
    assert {"cert-invalid", "cert-legacy", "cert-region", "cert-shared"} <= codes


def test_jobs_run_in_a_child_process():
    with Helper() as helper:
        assert helper.submit(os.getpid)() != os.getpid()
        assert helper.submit(check_ids, [RIC], [USCC1, "91441400MA4UJ2XQ5N"], [])() == ([True], [True, False], [])


def test_answers_go_to_their_own_job_whatever_order_they_are_asked_in():
    with Helper() as helper:
        first = helper.submit(check_ids, [RIC], [], [])
        second = helper.submit(check_ids, [], [USCC1, "91441400MA4UJ2XQ5N"], [])
        assert second() == ([], [True, False], [])
        assert first() == ([True], [], [])


def test_a_job_not_answered_in_time_is_done_in_process():
    with Helper() as helper:
        helper.timeout = 0.5
        helper.submit(time.sleep, 3)  # keeps the child busy
        started = time.perf_counter()
        assert helper.submit(os.getpid)() == os.getpid()
        assert time.perf_counter() - started < 2.5


def test_a_helper_that_died_leaves_the_work_to_the_caller():
    helper = Helper()
    helper._proc.kill()
    helper._proc.wait()
    assert helper.submit(check_ids, [RIC, "440103199001011234"], [], [])() == ([True, False], [], [])
    assert helper.submit(os.getpid)() == os.getpid()
    helper.close()


def test_no_interpreter_to_start_means_in_process(monkeypatch):
    monkeypatch.setattr(sys, "executable", os.path.join(os.sep, "nonexistent", "python"))
    with Helper() as helper:
        assert helper._proc is None
        assert helper.submit(os.getpid)() == os.getpid()


def test_an_error_in_a_job_reaches_the_caller():
    with Helper() as helper:
        with pytest.raises(ValueError):
            helper.submit(int, "十二")()
        assert helper.submit(int, "12")() == 12  # and the helper goes on


def test_the_helper_is_only_worth_it_for_large_inputs_on_several_cores(tmp_path, monkeypatch):
    from parkcrm.validate import run as validate_run

    path = write(tmp_path, sheets())
    assert not validate_run.wants_helper([path])  # a few rows: starting a process costs more than it saves
    monkeypatch.setattr(validate_run, "HELPER_MIN_BYTES", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert validate_run.wants_helper([tmp_path])  # a folder counts the workbooks in it
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not validate_run.wants_helper([path])
