"""parkcrm db roles|upgrade: the admin's side of a PostgreSQL store shared by many parks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_OK, app
from parkcrm.cli.history_opts import say
from parkcrm.cli.options import ConfigOpt, workspace

db_app = typer.Typer(help="PostgreSQL 历史库的管理（由数据库管理员用管理账号运行）：各园区的账号和行级安全、升级历史库。",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")

AdminDbOpt = Annotated[Optional[str], typer.Option(
    "--db", help="历史库，用管理账号（建库、拥有表的账号）连接：postgresql://管理账号@主机:端口/库名。默认用环境变量 "
                 "PARKCRM_DB，否则用项目文件 parkcrm.yaml 的设置。密码不要写在这里：用 ~/.pgpass（Windows 为 "
                 "%APPDATA%\\postgresql\\pgpass.conf）或环境变量 PGPASSWORD", show_default=False)]
PrefixOpt = Annotated[str, typer.Option(
    "--group-prefix", help="parkcrm 组角色名的前缀：区县组为 <前缀>_county，市公司组为 <前缀>_city。"
                           "同一台数据库服务器上有多个 parkcrm 历史库时，每个库用不同的前缀")]

ROLES_EPILOG = (
    "示例：\n\n"
    "  parkcrm db roles --county 东坡县-高新园=dongpo_user --county 西岭县-工业园=xiling_user --city city_user "
    "--sql-out 园区账号.sql\n\n"
    "  parkcrm db roles --county 东坡县-高新园=dongpo_user --city city_user "
    "--db postgresql://parkcrm_admin@192.168.1.10/parkcrm --apply\n\n"
    "  parkcrm db roles --revoke dongpo_user --db postgresql://parkcrm_admin@192.168.1.10/parkcrm --apply   （停用账号）\n\n"
    "每个区县账号只能读写自己园区的数据（行级安全：看不到其他园区的行，写其他园区的数据会被拒绝）；市公司账号只读，"
    "可读全部园区（市公司汇总）；只有管理账号能修改表结构（parkcrm db upgrade）。可重复运行：已有的账号保留，"
    "所列区县账号的园区按本次所列为准。\n\n"
    "新建的登录账号没有密码，本命令也不接受密码（命令行上的密码会留在命令历史和进程列表中）。执行后请管理员在 psql 中"
    "用 \\password 账号名 逐个设置（密码在本机加密后发送，不会出现在服务器日志中），再把密码交给各园区，"
    "由他们写在自己的 ~/.pgpass 中（见 README「多个园区共用 PostgreSQL」）。\n\n"
    "退出码：0 已生成或已执行；2 参数有误、数据库拒绝或连接失败（不做任何改动）。")


def _pairs(values: list[str]) -> dict[str, list[str]]:
    """--county 园区代码=账号 (repeated) -> {account: [park codes]}."""
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.core.park import park_code_problem

    counties: dict[str, list[str]] = {}
    for value in values:
        park, sep, role = value.rpartition("=")
        park, role = park.strip(), role.strip()
        if not sep or not park or not role:
            raise ParkcrmError(f"--county「{value}」应写成 园区代码=数据库账号，例如 --county 东坡县-高新园=dongpo_user")
        problem = park_code_problem(park)
        if problem:
            raise ParkcrmError(f"--county「{value}」：{problem}")
        counties.setdefault(role, [])
        if park not in counties[role]:
            counties[role].append(park)
    return counties


@db_app.command("roles", epilog=ROLES_EPILOG)
def roles_command(
    county: Annotated[Optional[list[str]], typer.Option(
        "--county", help="区县账号及其园区：园区代码=数据库账号（园区代码即该园区 parkcrm.yaml 的「园区代码」），"
                         "每个区县一个，可重复；一个账号可写多次以管多个园区", show_default=False)] = None,
    city: Annotated[Optional[list[str]], typer.Option(
        "--city", help="市公司的只读账号（读全部园区，做市公司汇总），可重复", show_default=False)] = None,
    revoke: Annotated[Optional[list[str]], typer.Option(
        "--revoke", help="停用账号（人员调动、账号泄露时）：取消它的园区和组，此后读写不了任何园区；账号本身保留，"
                         "可重复", show_default=False)] = None,
    db: AdminDbOpt = None,
    apply: Annotated[bool, typer.Option(
        "--apply", help="用管理账号连接历史库，在一个事务中直接执行（全部成功或全部不做）；不给时只输出 SQL 脚本")] = False,
    sql_out: Annotated[Optional[Path], typer.Option(
        "--sql-out", help="把 SQL 脚本写到这个文件（交给数据库管理员用 psql -f 执行）；不给 --apply 也不给本项时输出到屏幕",
        show_default=False)] = None,
    prefix: PrefixOpt = "parkcrm",
    config: ConfigOpt = None,
) -> None:
    """生成或执行 PostgreSQL 账号和行级安全策略：每个区县账号只能读写本园区的行，市公司账号只读全部园区。"""
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.store import security

    con = Console()
    plan = security.Plan(_pairs(county or []), list(dict.fromkeys(c.strip() for c in city or [])), prefix,
                         list(dict.fromkeys(r.strip() for r in revoke or [])))
    if not plan.counties and not plan.cities and not plan.revoked:
        raise ParkcrmError("请至少给出一个 --county 园区代码=数据库账号、--city 数据库账号 或 --revoke 数据库账号")
    if apply and sql_out is not None:
        raise ParkcrmError("--apply 和 --sql-out 只能选一个：--apply 直接执行，--sql-out 写出脚本交给管理员")
    try:
        plan.check()
    except security.RoleNameError as exc:
        raise ParkcrmError(str(exc)) from None
    logins = [*plan.counties, *plan.cities]
    password_hint = "新建的账号没有密码，请在 psql 中逐个设置：" + "；".join(f"\\password {n}" for n in logins)
    if not apply:
        shown = ""
        if db or config:
            shown = workspace(None, config=config, db=db).store_target().shown
        text = security.script(plan, shown)
        if sql_out is None:
            con.data(text)
            raise typer.Exit(EXIT_OK)
        from parkcrm.io.writer import write_text

        write_text(sql_out, text)
        say(con, f"已写出 SQL 脚本：{sql_out}（{len(security.statements(plan))} 条语句，一个事务）。"
                 f"请数据库管理员用管理账号执行：psql -v ON_ERROR_STOP=1 -d 库名 -f {sql_out.name}")
        if logins:
            say(con, password_hint)
        raise typer.Exit(EXIT_OK)

    from parkcrm.store import open_store
    from parkcrm.store.admin import apply_plan, require_current, require_postgresql

    ws = workspace(con, config=config, db=db)
    target = ws.store_target()
    require_postgresql(target)
    require_current(target)  # an older store is upgraded first, by db upgrade (which asks for the park it needs)
    with open_store(ws.store_url, ws.root or ws.cwd, must_exist=True, park=ws.park_code or "默认园区") as store:
        count = apply_plan(store, plan)
    say(con, f"已在 {target.shown} 执行 {count} 条语句（一个事务）：")
    for role, parks in plan.counties.items():
        say(con, f"  区县账号 {role}：只能读写 {'、'.join(parks)} 的数据")
    for role in plan.cities:
        say(con, f"  市公司账号 {role}：只读，可读全部园区")
    for role in plan.revoked:
        say(con, f"  已停用账号 {role}：不能再读写任何园区（账号本身保留，需要时在 psql 中 DROP ROLE {role}）")
    say(con, f"  全部 {len(security.park_tables())} 张园区数据表已启用行级安全；只有管理账号能修改表结构")
    if logins:
        say(con, password_hint + "（密码在本机加密后发送，不会出现在服务器日志中）")
    raise typer.Exit(EXIT_OK)


UPGRADE_EPILOG = (
    "示例：\n\n"
    "  parkcrm db upgrade --db postgresql://parkcrm_admin@192.168.1.10/parkcrm\n\n"
    "区县和市公司账号不能修改表结构：新版本 parkcrm 需要升级历史库时，它们会提示请管理员运行本命令。已用 "
    "parkcrm db roles 设置过账号的历史库，升级后重新为每张表授权并启用行级安全。从第 6 版以前的历史库升级时，"
    "原有的数据归入本项目的园区（parkcrm.yaml 的「园区代码」或环境变量 PARKCRM_PARK）。\n\n"
    "退出码：0 已是最新或已升级；2 数据库拒绝或连接失败（历史库保持原样）。")


@db_app.command("upgrade", epilog=UPGRADE_EPILOG)
def upgrade_command(
    db: AdminDbOpt = None,
    prefix: PrefixOpt = "parkcrm",
    config: ConfigOpt = None,
) -> None:
    """用管理账号把历史库升级到本程序的版本（一个事务，失败时保持原样），并重新为各表授权、启用行级安全。"""
    from parkcrm.cli.console import Console
    from parkcrm.store import DEFAULT_PARK, migrate
    from parkcrm.store.admin import needs_park, upgrade, version_of

    con = Console()
    ws = workspace(con, config=config, db=db)
    target = ws.store_target()
    park = ws.park_code or DEFAULT_PARK
    if not target.is_sqlite and needs_park(version_of(target)):
        park = ws.require_park_code()
    done = upgrade(target, park, ws.park or None, prefix)
    if done.applied:
        before = "空数据库" if done.before is None else f"第 {done.before} 版"
        say(con, f"已升级历史库 {target.shown}：{before} → 第 {migrate.LATEST} 版")
    else:
        say(con, f"历史库 {target.shown} 已是最新（第 {migrate.LATEST} 版）")
    if done.policies:
        say(con, "已重新为各表授权并启用行级安全（区县账号只读写本园区，市公司账号只读）")
    raise typer.Exit(EXIT_OK)


StoreDbOpt = Annotated[Optional[str], typer.Option(
    "--db", help="历史库：SQLite 文件路径，或 postgresql://用户@主机:端口/库名。默认用环境变量 PARKCRM_DB，"
                 "否则用项目文件 parkcrm.yaml 旁的 parkcrm.db", show_default=False)]

PARKS_EPILOG = (
    "示例：\n\n  parkcrm db parks\n\n  parkcrm db parks --db postgresql://city_user@192.168.1.10/parkcrm\n\n"
    "列出历史库中有数据的园区（园区代码、名称、已导入客户资料的月份）。在行级安全下，区县账号只看到本园区，"
    "市公司账号看到全部园区。\n\n退出码：0；2 历史库不存在、数据库拒绝或连接失败。")


@db_app.command("parks", epilog=PARKS_EPILOG)
def parks_command(
    db: StoreDbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """列出历史库中的园区和各园区已导入的月份。"""
    from rich.table import Table

    from parkcrm.cli.console import Console
    from parkcrm.store.parks import parks_in

    con = Console()
    ws = workspace(con, config=config, db=db)
    with ws.open_store(must_exist=True, every_park=True) as store:
        parks = parks_in(store)
        shown, mine = store.shown, store.park
    if not parks:
        say(con, f"历史库 {shown} 中还没有任何园区的数据")
        raise typer.Exit(EXIT_OK)
    t = Table(title=f"历史库 {shown} 中的园区")
    for col in ("园区代码", "园区名称", "月份", "说明"):
        t.add_column(col, overflow="fold")
    for p in parks:
        span = f"{p.months[0]}～{p.months[-1]}（{len(p.months)} 个月）" if p.months else "无客户资料"
        t.add_row(p.park, p.name or "", span, "本项目" if p.park == mine else "")
    con.print(t)
    raise typer.Exit(EXIT_OK)


RENAME_EPILOG = (
    "示例：\n\n  parkcrm db rename-park 默认园区 东坡县-高新园\n\n"
    "在 parkcrm.yaml 写「园区代码」之前导入的数据归在「默认园区」下；写了园区代码之后，用本命令把这些数据归到新代码下"
    "（一个事务，全部表一起改）。新代码下已有数据时拒绝（两个园区的历史不会混在一起）。\n\n"
    "退出码：0 已改；2 旧代码下没有数据、新代码下已有数据、数据库拒绝或连接失败（不做任何改动）。")


@db_app.command("rename-park", epilog=RENAME_EPILOG)
def rename_park_command(
    old: Annotated[str, typer.Argument(help="原来的园区代码，例如 默认园区", metavar="原园区代码", show_default=False)],
    new: Annotated[str, typer.Argument(help="新的园区代码，例如 东坡县-高新园（与 parkcrm.yaml 的「园区代码」一致）", metavar="新园区代码",
                                       show_default=False)],
    db: StoreDbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """把历史库中一个园区代码下的全部数据改到另一个园区代码下（例如写园区代码之前导入的数据）。"""
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.store.parks import rename_park
    from parkcrm.core.park import park_code_problem

    con = Console()
    problem = park_code_problem(new)
    if problem:
        raise ParkcrmError(f"新的园区代码：{problem}")
    ws = workspace(con, config=config, db=db)
    with ws.open_store(must_exist=True) as store:
        moved = rename_park(store, old.strip(), new.strip())
        shown = store.shown
    say(con, f"已把历史库 {shown} 中园区「{old}」的 {moved} 行数据改到「{new}」下")
    if ws.park_code and ws.park_code != new.strip():
        con.warn(f"本项目的园区代码是「{ws.park_code}」，不是「{new}」：本项目的命令读不到改过去的数据")
    raise typer.Exit(EXIT_OK)
