"""Where the history store is and how to talk to it safely.

SQLite (default, a file next to the project file): every write transaction starts with
BEGIN IMMEDIATE, so a second writer waits (busy timeout) instead of failing half-way or
deadlocking on a lock upgrade. The rollback journal (not WAL) is kept because WAL does not
work on network shares. PostgreSQL: every write transaction first takes a transaction-level
advisory lock on its park, so two imports of one park are serialised (the second waits, up to
lock_timeout) while different parks write side by side; a schema upgrade takes the lock of
the whole store.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError, ProgrammingError

from parkcrm.core.errors import BusyError, ParkcrmError

DB_FILE = "parkcrm.db"
ENV = "PARKCRM_DB"  # read by parkcrm.workspace
ADVISORY_KEY = 0x5041524B43524D  # "PARKCRM": the whole store (schema upgrades)
PARK_LOCK_CLASS = 0x504B  # "PK": first half of a park's two-part advisory key; the second is hashtext(park)


class StoreError(ParkcrmError):
    """The history store cannot be opened, is missing, or has an unknown version."""


@dataclass(frozen=True)
class Target:
    url: URL = field(repr=False)  # it may hold a password (also as a query parameter): repr shows `shown`
    shown: str  # for messages: the file path, or the URL without its password

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def path(self) -> Path | None:
        return Path(self.url.database) if self.is_sqlite and self.url.database else None


def resolve_target(db: str | None = None, home: Path | None = None) -> Target:
    """The store at db (a file path or URL), else parkcrm.db in home (default: the current folder).

    Which db and home apply (--db, $PARKCRM_DB, the project's folder) is decided once, by
    parkcrm.workspace; this only turns the answer into a target.
    """
    value = (db or "").strip()
    if not value:
        return _sqlite(Path(home or Path.cwd()) / DB_FILE)
    if "://" not in value:
        return _sqlite(Path(value))
    try:
        url = make_url(value)
        url.port  # noqa: B018  (a port that is not a number fails here, not later as an internal error)
    except (ArgumentError, ValueError):
        raise StoreError(f"数据库地址「{mask_url_text(value)}」无效；SQLite 写文件路径，PostgreSQL 写 "
                         "postgresql://用户@主机:端口/库名") from None
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        shown = url_shown(url)  # as the user wrote it, less the password
        if url.drivername in ("postgres", "postgresql"):
            url = url.set(drivername="postgresql+psycopg")
        return Target(url, shown)
    if backend == "sqlite":
        return _sqlite(Path(url.database)) if url.database else Target(url, str(url))
    raise StoreError(f"不支持的数据库「{backend}」：只支持 SQLite（文件路径）和 PostgreSQL（postgresql://…）")


SECRET_KEYS = ("password", "sslpassword")  # URL query parameters libpq reads as secrets


def url_shown(url: URL) -> str:
    """A URL for messages and logs: its password, and any password given as a query parameter, as ***."""
    query = {k: ("***" if k.lower() in SECRET_KEYS else v) for k, v in url.query.items()}
    return url.set(query=query).render_as_string(hide_password=True).replace("=%2A%2A%2A", "=***")


def mask_url_text(text: str) -> str:
    """Passwords in URL-like text that may not parse (user:password@, password=…) as ***."""
    import re

    text = re.sub(r"(://[^:/@\s]*):[^@\s]*@", r"\1:***@", text)
    return re.sub(r"(?i)((?:ssl)?password=)[^&\s]*", r"\1***", text)


def _sqlite(path: Path) -> Target:
    path = path.expanduser().absolute()
    return Target(URL.create("sqlite", database=str(path)), str(path))


def make_engine(target: Target, busy_seconds: float = 60) -> Engine:
    if target.is_sqlite:
        return _sqlite_engine(target, busy_seconds)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError("使用 PostgreSQL 需要安装驱动：pip install \"psycopg[binary]\"") from None
    # lock_timeout bounds the wait for another writer; options given in the URL are kept
    given = target.url.query.get("options", "")
    given = " ".join(given) if isinstance(given, tuple) else given
    options = f"{given} -c lock_timeout={int(busy_seconds * 1000)}".strip()
    # fallback_application_name: the server's pg_stat_activity shows "parkcrm" unless the URL or PGAPPNAME names another;
    # TCP keepalives: a server gone without a word (power, network) is noticed in about a minute, not hours.
    # Connection settings written in the URL win over these defaults.
    defaults = {"connect_timeout": 10, "fallback_application_name": "parkcrm", "keepalives": 1,
                "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
    args = {k: v for k, v in defaults.items() if k not in target.url.query}
    return create_engine(target.url.difference_update_query(["options"]), pool_pre_ping=True,
                         connect_args={**args, "options": options})


def _sqlite_engine(target: Target, busy_seconds: float) -> Engine:
    path = target.path
    if path is not None and not path.parent.is_dir():
        raise StoreError(f"数据库所在的文件夹不存在：{path.parent}")
    if path is not None:
        _create_private(path)
    engine = create_engine(target.url, connect_args={"timeout": busy_seconds})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("parkcrm_write") else "BEGIN")

    return engine


def _create_private(path: Path) -> None:
    """The store holds customer names and free text: a new file is readable by its owner only (0600);
    SQLite gives its journal the same mode. An existing file keeps the mode its owner chose."""
    import os

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # a read-only folder: SQLite reports it on connect, in Chinese via _translate
    os.close(fd)
    try:
        os.chmod(path, 0o600)  # whatever the umask
    except OSError:
        pass


@contextmanager
def write_transaction(engine: Engine, target: Target, park: str | None = None) -> Iterator[Connection]:
    """One transaction holding the write lock of a park (None: of the whole store); committed on
    success, rolled back otherwise (also when the server goes away: nothing half-written stays)."""
    committing = False  # a connection lost during COMMIT leaves the outcome unknown
    try:
        with engine.connect().execution_options(parkcrm_write=True) as conn:
            with conn.begin():
                if not target.is_sqlite:
                    if park is None:
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})")
                    else:
                        conn.execute(text(f"SELECT pg_advisory_xact_lock({PARK_LOCK_CLASS}, hashtext(:park))"),
                                     {"park": park})
                yield conn
                committing = True
    except (OperationalError, InterfaceError) as exc:
        raise _translate(exc, target, committing) from None
    except ProgrammingError as exc:
        raise _refused(exc, target, park) from None


@contextmanager
def read_transaction(engine: Engine, target: Target) -> Iterator[Connection]:
    try:
        with engine.connect() as conn:
            with conn.begin():
                yield conn
    except (OperationalError, InterfaceError) as exc:
        raise _translate(exc, target, reading=True) from None
    except ProgrammingError as exc:
        raise _refused(exc, target, None) from None


class StoreRefusedError(StoreError):
    """The server refused a read or write: the role lacks the privilege, or row-level security
    keeps it to another park's rows."""


# libpq and psycopg wordings of a connection lost mid-session (server restarted, backend terminated,
# network cut); SQLSTATE class 08 and the shutdown codes say the same where the server could still send one
_LOST = ("terminat", "server closed", "connection is closed", "consuming input failed", "connection already closed",
         "the connection is lost", "connection reset", "broken pipe", "eof detected", "ssl connection has been closed",
         "ssl syscall error", "no connection to the server", "lost synchronization", "could not receive data",
         "could not send data", "database system is shutting down", "server conn crashed")
_LOST_STATES = ("57P01", "57P02")  # admin_shutdown (pg_terminate_backend, fast shutdown), crash_shutdown


def _lost(exc: Exception, lower: str) -> bool:
    state = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return (bool(getattr(exc, "connection_invalidated", False)) or state.startswith("08") or state in _LOST_STATES
            or any(t in lower for t in _LOST))


def _translate(exc: Exception, target: Target, committing: bool = False, reading: bool = False) -> ParkcrmError:
    """The driver's error in Chinese. committing: it came from the COMMIT of a write; reading: from a
    read-only transaction (a lost connection then undid no write)."""
    message = _hide_password(str(getattr(exc, "orig", None) or exc), target).strip()
    lower = message.lower()
    if "locked" in lower or "busy" in lower or "lock timeout" in lower:
        return BusyError(f"历史库 {target.shown} 正被另一个 parkcrm 进程写入，等待超时；请稍后再试")
    if "unable to open" in lower:
        return StoreError(f"无法打开历史库 {target.shown}：{message}（请检查路径和写权限）")
    refused = _login_refused(lower, target)
    if refused:
        return StoreError(f"无法连接数据库 {target.shown}：{refused}（{message.splitlines()[0]}）")
    if "connection failed" in lower or ("connection to server" in lower and "failed:" in lower):
        return StoreError(f"无法连接数据库 {target.shown}：{message}")  # never connected: nothing was written
    if _lost(exc, lower):
        why = message.splitlines()[0] if message else "连接断开"
        if reading:
            return StoreError(f"与数据库 {target.shown} 的连接中断了（读取时，没有写入任何数据）。"
                              f"请检查网络和数据库服务器后重新运行（{why}）")
        if committing:
            return StoreError(f"与数据库 {target.shown} 的连接中断了，而且正是在提交写入时，无法确定这次的写入是否已保存。"
                              f"请检查网络和数据库服务器后重新运行：同一个月再次导入会整体替换，不会重复（{why}）")
        return StoreError(f"与数据库 {target.shown} 的连接中断了；这次的写入已整体撤销，历史库保持原样。"
                          f"请检查网络和数据库服务器后重新运行（{why}）")
    if "connection" in lower or "could not" in lower:
        return StoreError(f"无法连接数据库 {target.shown}：{message}")
    return StoreError(f"历史库 {target.shown} 出错：{message}")


def _login_refused(lower: str, target: Target) -> str | None:
    """Why the server turned the login away, in Chinese (the password, the role, the database), or None."""
    who = f"数据库用户「{target.url.username}」" if target.url.username else "数据库用户"
    if "password authentication failed" in lower or "no password supplied" in lower:
        return (f"{who}的密码不对，或没有提供密码。密码请写在只有本人可读的 ~/.pgpass（Windows 为 "
                "%APPDATA%\\postgresql\\pgpass.conf）或环境变量 PGPASSWORD 中，不要写在命令行上")
    if "role" in lower and "does not exist" in lower:
        return f"数据库服务器上没有{who}；请核对连接地址中的用户名，或请数据库管理员用 parkcrm db roles 建立"
    if "permission denied for database" in lower:
        return f"{who}没有连接这个数据库的权限；请数据库管理员授权（GRANT CONNECT）"
    return None


def _refused(exc: Exception, target: Target, park: str | None) -> ParkcrmError:
    """Privilege and row-level-security refusals in Chinese; other programming errors as they are."""
    message = _hide_password(str(getattr(exc, "orig", None) or exc), target).strip()
    lower = message.lower()
    first = message.splitlines()[0] if message else type(exc).__name__
    who = f"数据库用户「{target.url.username}」" if target.url.username else "当前数据库用户"
    if "row-level security" in lower:
        whose = f"园区「{park}」的数据" if park else "这些数据"
        return StoreRefusedError(f"数据库 {target.shown} 拒绝写入{whose}：{who}只能写数据库管理员为它登记的园区"
                                 "（行级安全策略），市公司账号只能读。请核对 parkcrm.yaml 的「园区代码」（或环境变量 "
                                 "PARKCRM_PARK）是否就是这个账号的园区；这次没有写入任何数据")
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if sqlstate == "42501" or any(
            t in lower for t in ("permission denied", "insufficient", "must be owner", "no schema has been selected")):
        return StoreRefusedError(f"数据库 {target.shown} 拒绝了这次操作：{who}没有这项权限（{first}）。市公司账号只能读；"
                                 "区县账号只能读写本园区的数据，不能修改表结构。需要授权时请数据库管理员运行 "
                                 "parkcrm db roles；这次没有写入任何数据")
    return StoreError(f"历史库 {target.shown} 出错：{first}")


def _hide_password(message: str, target: Target) -> str:
    """A driver's message with the URL's secrets (password, password= in the query) as ***, also percent-encoded."""
    from urllib.parse import quote

    secrets = [target.url.password] + [v for k, v in target.url.query.items() if k.lower() in SECRET_KEYS]
    for secret in secrets:
        for value in (secret if isinstance(secret, tuple) else (secret,)):
            if value:
                for form in {str(value), quote(str(value), safe="")}:
                    message = message.replace(form, "***")
    return mask_url_text(message)
