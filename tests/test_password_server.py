"""The README's ways of keeping the store password out of the command line, against a server that
checks passwords (the CI server trusts everyone on 127.0.0.1, so this starts its own small cluster
with scram-sha-256; skipped where PostgreSQL's initdb is not installed):

- a password file (~/.pgpass; PGPASSFILE here), chmod 600, and a URL without a password;
- an environment file readable by its owner only, loaded by the cron line with set -a; . file; set +a;
- a wrong password in the URL: refused, exit 2, and the password is not printed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.history_fixtures import customer, month_book

ADMIN_PASSWORD = "Adm1n-S3cret"
WRONG = "Wr0ng-S3cret"


def _bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: [int(x) for x in p.split("/")[4].split(".") if x.isdigit()])
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scram_server(tmp_path_factory):
    """A throwaway cluster that checks passwords; its URL without the password."""
    bin_dir = _bin()
    if bin_dir is None or sys.platform == "win32":
        pytest.skip("PostgreSQL initdb not installed")
    root = os.geteuid() == 0
    if root:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres user to own the cluster")
    folder = Path("/tmp") / f"parkcrm-scram-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    pwfile = folder / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")

    def owner(cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if root else cmd

    if root:
        shutil.chown(folder, "postgres")
        shutil.chown(pwfile, "postgres")
    port = _free_port()
    data = folder / "data"
    try:
        subprocess.run(owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
                              f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C"]), check=True, capture_output=True)
        subprocess.run(owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60", "-o",
                              f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
                              "-c fsync=off", "start"]), check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL cluster: {exc}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _parkcrm(args: list[str], env: dict, shell_prefix: str = "") -> subprocess.CompletedProcess:
    """parkcrm in a child process (as cron would start it), optionally after a shell prefix."""
    cmd = " ".join(f"'{a}'" for a in [sys.executable, "-m", "parkcrm", *args])
    return subprocess.run(["sh", "-c", f"{shell_prefix}{cmd}"], env=env, capture_output=True, timeout=300)


@pytest.fixture
def month(tmp_path) -> Path:
    return month_book(tmp_path / "数据" / "2026-10", "2026-10", [customer("C1", "甲公司", 5, [3000] * 10)]).parent


def _env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "PARKCRM_"))}
    root = str(Path(__file__).resolve().parent.parent)
    env.update({"PYTHONPATH": root, "PYTHONIOENCODING": "utf-8", "HOME": str(tmp_path), "PARKCRM_PARK": "东坡县-高新园",
                "PGPASSFILE": str(tmp_path / "none"), **extra})
    return env


def _text(done: subprocess.CompletedProcess) -> str:
    return done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")


def test_password_file_and_url_without_password(scram_server, month, tmp_path):
    host = scram_server.split("@")[1].split("/")[0]
    pgpass = tmp_path / ".pgpass"
    pgpass.write_text(f"{host}:*:postgres:{ADMIN_PASSWORD}\n")
    pgpass.chmod(0o600)
    done = _parkcrm(["import", str(month), "--db", scram_server], _env(tmp_path, PGPASSFILE=str(pgpass)))
    assert done.returncode == 0, _text(done)
    assert "已导入" in _text(done) and ADMIN_PASSWORD not in _text(done)
    # without it: refused, and nothing secret to show
    done = _parkcrm(["import", str(month), "--db", scram_server], _env(tmp_path))
    assert done.returncode == 2 and "无法连接数据库" in _text(done)


def test_environment_file_loaded_by_the_cron_line(scram_server, month, tmp_path):
    envfile = tmp_path / ".parkcrm.env"
    envfile.write_text(f"PARKCRM_DB={scram_server}\nPGPASSWORD={ADMIN_PASSWORD}\n", encoding="utf-8")
    envfile.chmod(0o600)
    done = _parkcrm(["import", str(month)], _env(tmp_path), f"set -a; . '{envfile}'; set +a; ")
    assert done.returncode == 0, _text(done)
    done = _parkcrm(["info", "--format", "json"], _env(tmp_path), f"set -a; . '{envfile}'; set +a; ")
    assert done.returncode == 0 and ADMIN_PASSWORD not in _text(done) and "环境变量 PARKCRM_DB" in _text(done)


def test_a_wrong_password_is_refused_and_not_printed(scram_server, month, tmp_path):
    url = scram_server.replace("postgres@", f"postgres:{WRONG}@")
    done = _parkcrm(["--debug", "import", str(month), "--db", url], _env(tmp_path))
    text = _text(done)
    assert done.returncode == 2 and "无法连接数据库" in text and "密码不对" in text and "pgpass" in text
    assert WRONG not in text and "S3cret" not in text
