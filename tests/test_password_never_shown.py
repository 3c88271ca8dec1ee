"""The store URL's password is never printed, written or logged: not on the terminal (stdout, stderr,
--debug tracebacks), not in JSON, not in run logs and summaries, not in reports' 说明 or workbooks.

Two kinds of URL: an unreachable server (every command fails to connect) and, when PARKCRM_TEST_PG_URL
is set, the real server with a password inserted (its trust authentication ignores it, so the commands
succeed and write everything they write). The password is given both in the URL's user part and as a
password= query parameter, plain and percent-encoded.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from tests.helpers import run_cli, workbook_text
from tests.history_fixtures import PG_ENV, customer, month_book

SECRET = "S3cret-pw"
ODD_SECRET = "S3cret@pw/1"  # percent-encoded in the URL
UNREACHABLE = [f"postgresql://dongpo:{SECRET}@127.0.0.1:1/x", f"postgresql://dongpo@127.0.0.1:1/x?password={SECRET}",
               f"postgresql://dongpo:{quote(ODD_SECRET, safe='')}@127.0.0.1:1/x",
               f"postgresql://dongpo:{SECRET}@127.0.0.1:notaport/x"]
QUIET_DAY = "2026-12-08"  # a Tuesday: no report is due


def _secrets() -> list[str]:
    return [SECRET, ODD_SECRET, quote(ODD_SECRET, safe=""), "S3cret"]


def _assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in _secrets():
            assert secret not in text, f"password shown: …{text[max(0, text.find(secret) - 80):text.find(secret) + 40]}…"


def _files_text(folder: Path) -> str:
    """Every file under folder as text (workbooks cell by cell), for a sweep."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix == ".db":
            continue
        if path.suffix == ".xlsx":
            parts.append(workbook_text(path))
        else:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "项目"
    rows = [customer("C1", "甲公司", 5, [3000] * 10), customer("C2", "乙公司", 0.5, [400] * 10, manager="李文静")]
    month_book(home / "数据" / "2026-10", "2026-10", rows, complaints=[["2026-10-05", "C1", "投诉", "慢"]])
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n输出目录: 输出\n园区名称: 测试园区\n园区代码: 测试县-测试园\n",
                                       encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return home


def _commands(home: Path, url: str, out: Path) -> list[list[str]]:
    data = str(home / "数据" / "2026-10")
    config = ["--config", str(home / "parkcrm.yaml")]
    return [
        ["info", "--db", url, *config],
        ["info", "--db", url, *config, "--format", "json"],
        ["import", data, "--db", url, *config],
        ["import", data, "--db", url, *config, "--format", "json"],
        ["--debug", "import", data, "--db", url, *config],
        ["report", "monthly", data, "--month", "2026-10", "--db", url, *config, "--out", str(out / "月报.html")],
        ["report", "monthly", data, "--month", "2026-10", "--db", url, *config, "--format", "json"],
        ["churn", "--month", "2026-10", "--db", url, *config],
    ]


def _sweep(home: Path, url: str, monkeypatch, expect_ok: bool) -> None:
    out = home.parent / "单独输出"
    out.mkdir(exist_ok=True)
    for args in _commands(home, url, out):
        code, stdout, stderr = run_cli(args)
        _assert_clean(stdout, stderr)
        if args[0] == "info":
            assert code == 0 and ("***" in stdout + stderr or "地址无效" in stdout + stderr)
        elif not expect_ok:
            assert code == 2 and ("Traceback (most recent call last)" not in stderr or args[0] == "--debug")
    # parkcrm run, the store named by PARKCRM_DB: its terminal output, parkcrm.log, summaries, outputs
    monkeypatch.setenv("PARKCRM_DB", url)
    for extra in ([], ["--format", "json"]):
        code, stdout, stderr = run_cli(["run", "--config", str(home / "parkcrm.yaml"), "--date", QUIET_DAY, *extra])
        _assert_clean(stdout, stderr)
        assert code in ((0, 1) if expect_ok else (1, 2)), stderr
    monkeypatch.delenv("PARKCRM_DB")
    assert (home / "parkcrm.log").exists()
    if expect_ok:  # a run that cannot open its store writes no summary (the log and stderr say why)
        assert list((home / "输出").rglob("运行摘要-*.json"))
    _assert_clean(_files_text(home), _files_text(out))


@pytest.mark.parametrize("url", UNREACHABLE)
def test_an_unreachable_server_and_a_bad_address(project, monkeypatch, url):
    _sweep(project, url, monkeypatch, expect_ok=False)
    log = (project / "parkcrm.log").read_text(encoding="utf-8")
    assert "***" in log or "地址无效" in log  # the store is named in the log, without its password


@pytest.fixture
def pg_with_password():
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL: set {PG_ENV} (see .ci/pg.sh)")
    import sqlalchemy as sa

    schema = "pw_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(base).set(password=SECRET).render_as_string(hide_password=False)
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


def test_the_real_server_with_a_password(project, monkeypatch, pg_with_password):
    assert SECRET in pg_with_password
    _sweep(project, pg_with_password, monkeypatch, expect_ok=True)
    code, stdout, stderr = run_cli(["import", str(project / "数据" / "2026-10"), "--db", pg_with_password,
                                    "--config", str(project / "parkcrm.yaml")])
    assert code == 0 and ":***@" in stdout  # the store is named, its password is not
    _assert_clean(stdout, stderr)
    # a refusal, as a county role would meet it, names the store without the password too
    from parkcrm.store.engine import _refused, resolve_target

    class Orig(Exception):
        sqlstate = "42501"

    class Refusal(Exception):
        orig = Orig(f"permission denied for table customers (connecting with {SECRET})")

    message = str(_refused(Refusal(), resolve_target(pg_with_password), "测试县-测试园"))
    assert "没有这项权限" in message
    _assert_clean(message)


def test_repr_of_workspace_and_target_hides_the_password():
    from parkcrm.workspace import resolve

    for url in UNREACHABLE[:3]:
        ws = resolve(db=url, environ={})
        _assert_clean(repr(ws), repr(ws.store_target()), ws.line(), str(ws.as_dict()))
