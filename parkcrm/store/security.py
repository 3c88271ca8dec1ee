"""Who may touch what in a PostgreSQL store shared by many parks: roles and row-level security.

Pure: builds SQL text from the tables in parkcrm.store.schema (so a table added later gets its
grants and policies too); running it is the caller's business (parkcrm db roles).

The design:
  - the admin (the role that created the store) owns every table and alone changes the schema;
    row-level security does not apply to a table's owner (no FORCE), so the admin sees all;
  - a county group role ({prefix}_county, NOLOGIN) holds SELECT, INSERT, UPDATE, DELETE on every
    park table and SELECT on schema_version; each county's login role is a member;
  - a city group role ({prefix}_city, NOLOGIN) holds SELECT only; the city's login roles are members;
  - park_roles (role_name, park) says which park(s) each county role may touch; a county reads
    its own mapping only ({prefix}_own_mapping), and only the admin changes it;
  - every table with a park column has row-level security enabled and two policies:
    {prefix}_county_park: FOR ALL TO the county group, USING and WITH CHECK
        park IN (SELECT park FROM park_roles WHERE role_name = current_user)
    {prefix}_city_read: FOR SELECT TO the city group USING (true)
    so a county reads and writes only its park's rows (another park's rows are invisible, and a
    row for another park is refused), and the city reads every park and writes nothing.
Re-runnable: roles are created only when missing (DO blocks over pg_roles), policies dropped
and created again, a county's mapping replaced by the one given. Login roles get no password
here: the DBA sets it with psql's \\password, which sends only a hash (never in a file, shell
history or the server's log).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parkcrm.store import schema as s

MAPPING_TABLE = "park_roles"
DEFAULT_PREFIX = "parkcrm"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleNameError(ValueError):
    """A role name parkcrm will not put into SQL."""


def role_problem(name: str) -> str | None:
    """Why name cannot be a role name here, or None (lower-case letters, digits, _; as psql folds them)."""
    if not ROLE_NAME.fullmatch(name):
        return (f"数据库用户名「{name}」无效：只能用小写英文字母、数字和下划线，以字母或下划线开头，最多 63 个字符"
                "（例如 dongpo_user）")
    if name.startswith("pg_"):
        return f"数据库用户名「{name}」无效：pg_ 开头的名字为 PostgreSQL 保留"
    return None


@dataclass(frozen=True)
class Plan:
    """What to set up: county login role -> its park codes, the city's login roles, the group roles' prefix."""

    counties: dict[str, list[str]] = field(default_factory=dict)
    cities: list[str] = field(default_factory=list)
    prefix: str = DEFAULT_PREFIX
    revoked: list[str] = field(default_factory=list)  # login roles that lose their parks and groups

    @property
    def county_group(self) -> str:
        return f"{self.prefix}_county"

    @property
    def city_group(self) -> str:
        return f"{self.prefix}_city"

    def check(self) -> None:
        names = [*self.counties, *self.cities, *self.revoked, self.county_group, self.city_group]
        for name in names:
            problem = role_problem(name)
            if problem:
                raise RoleNameError(problem)
        both = sorted(set(self.counties) & set(self.cities))
        if both:
            raise RoleNameError(f"数据库用户「{'、'.join(both)}」既是区县账号又是市公司账号；一个账号只能是其中一种")
        kept_and_revoked = sorted(set(self.revoked) & (set(self.counties) | set(self.cities)))
        if kept_and_revoked:
            raise RoleNameError(f"数据库用户「{'、'.join(kept_and_revoked)}」既要授权又要停用；一次只能选一种")
        groups = {self.county_group, self.city_group} & set(names[:-2])
        if groups:
            raise RoleNameError(f"「{'、'.join(sorted(groups))}」是 parkcrm 的组角色名，不能用作登录账号")


def park_tables() -> list[str]:
    """Every table keyed by park, in the schema's order."""
    return [t.name for t in s.metadata.sorted_tables if "park" in t.c]


def open_tables() -> list[str]:
    """Tables without a park column, readable by every parkcrm role (schema_version)."""
    return [t.name for t in s.metadata.sorted_tables if "park" not in t.c]


def q(name: str) -> str:
    """An identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A string literal."""
    return "'" + value.replace("'", "''") + "'"


def _group(name: str) -> str:
    return (f"DO $$ BEGIN\n"
            f"  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {lit(name)}) THEN\n"
            f"    CREATE ROLE {q(name)} NOLOGIN;\n"
            f"  END IF;\n"
            f"END $$")


def _login(name: str, group: str) -> str:
    """A login role (created without a password when missing) made a member of group; a role that
    would escape row-level security (superuser, BYPASSRLS, or the tables' owner) is refused."""
    return (f"DO $$ BEGIN\n"
            f"  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {lit(name)}) THEN\n"
            f"    CREATE ROLE {q(name)} LOGIN;\n"
            f"  ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {lit(name)} AND (rolsuper OR rolbypassrls))\n"
            f"        OR {lit(name)} = current_user THEN\n"
            f"    RAISE EXCEPTION '数据库用户 {name} 是超级用户、可绕过行级安全或就是管理账号，行级安全对它无效；"
            f"请另建一个普通账号';\n"
            f"  END IF;\n"
            f"END $$;\n"
            f"GRANT {q(group)} TO {q(name)}")


def _schema_usage(groups: list[str]) -> str:
    """USAGE on the schema the tables are in (the first of the search path), whichever it is."""
    grants = "\n".join(f"  EXECUTE 'GRANT USAGE ON SCHEMA ' || quote_ident(current_schema()) || ' TO {q(g)}';"
                       for g in groups)
    return f"DO $$ BEGIN\n{grants}\nEND $$"


def groups_sql(plan: Plan) -> list[str]:
    """The two group roles."""
    return [_group(plan.county_group), _group(plan.city_group)]


def tables_sql(plan: Plan) -> list[str]:
    """Grants and policies on every table (re-runnable; needs nothing but the group roles and the tables).
    Run again after a schema upgrade that adds or rebuilds tables (parkcrm db upgrade does)."""
    county, city = q(plan.county_group), q(plan.city_group)
    mine = f"park IN (SELECT park FROM {q(MAPPING_TABLE)} WHERE role_name = current_user)"
    out = [
        _schema_usage([plan.county_group, plan.city_group]),
        f"CREATE TABLE IF NOT EXISTS {q(MAPPING_TABLE)} (\n"
        f"  role_name text NOT NULL,\n"
        f"  park varchar({s.PARK}) NOT NULL,\n"
        f"  PRIMARY KEY (role_name, park))",
        f"REVOKE ALL ON {q(MAPPING_TABLE)} FROM PUBLIC",
        f"GRANT SELECT ON {q(MAPPING_TABLE)} TO {county}",
        f"ALTER TABLE {q(MAPPING_TABLE)} ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {q(plan.prefix + '_own_mapping')} ON {q(MAPPING_TABLE)}",
        f"CREATE POLICY {q(plan.prefix + '_own_mapping')} ON {q(MAPPING_TABLE)} FOR SELECT TO {county}\n"
        f"  USING (role_name = current_user)",
    ]
    for name in open_tables():
        out += [f"REVOKE ALL ON {q(name)} FROM PUBLIC",
                f"GRANT SELECT ON {q(name)} TO {county}, {city}"]
    for name in park_tables():
        t = q(name)
        out += [
            f"REVOKE ALL ON {t} FROM PUBLIC",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {county}",
            f"GRANT SELECT ON {t} TO {city}",
            f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {q(plan.prefix + '_county_park')} ON {t}",
            f"CREATE POLICY {q(plan.prefix + '_county_park')} ON {t} FOR ALL TO {county}\n"
            f"  USING ({mine})\n  WITH CHECK ({mine})",
            f"DROP POLICY IF EXISTS {q(plan.prefix + '_city_read')} ON {t}",
            f"CREATE POLICY {q(plan.prefix + '_city_read')} ON {t} FOR SELECT TO {city} USING (true)",
        ]
    return out


def members_sql(plan: Plan) -> list[str]:
    """The login roles, their groups, and each county's park(s) (replacing what it had)."""
    out: list[str] = []
    for role, parks in plan.counties.items():
        out.append(_login(role, plan.county_group))
        out.append(f"DELETE FROM {q(MAPPING_TABLE)} WHERE role_name = {lit(role)}")
        out += [f"INSERT INTO {q(MAPPING_TABLE)} (role_name, park) VALUES ({lit(role)}, {lit(park)})"
                for park in dict.fromkeys(parks)]
    for role in plan.cities:
        out.append(_login(role, plan.city_group))
    return out


def revoke_sql(plan: Plan) -> list[str]:
    """Each revoked login role loses its parks and both groups, so it reads and writes nothing; the role
    itself stays (it may own other things on the server: the DBA drops it with DROP ROLE if wanted)."""
    out: list[str] = []
    for role in plan.revoked:
        out.append(f"DELETE FROM {q(MAPPING_TABLE)} WHERE role_name = {lit(role)}")
        out += [_revoke_member(group, role) for group in (plan.county_group, plan.city_group)]
    return out


def _revoke_member(group: str, role: str) -> str:
    """REVOKE group FROM role, when role exists and is a member (plain REVOKE fails on a role that is gone)."""
    return (f"DO $$ BEGIN\n"
            f"  IF EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid\n"
            f"             JOIN pg_roles r ON r.oid = m.member WHERE g.rolname = {lit(group)} AND r.rolname = {lit(role)}) THEN\n"
            f"    REVOKE {q(group)} FROM {q(role)};\n"
            f"  END IF;\n"
            f"END $$")


def statements(plan: Plan) -> list[str]:
    """Everything, in order, one statement each (no trailing semicolon)."""
    plan.check()
    return [*groups_sql(plan), *tables_sql(plan), *members_sql(plan), *revoke_sql(plan)]


def script(plan: Plan, store_shown: str = "") -> str:
    """The SQL for a DBA: one transaction, to run with psql as the admin (the tables' owner)."""
    logins = [*plan.counties, *plan.cities]
    head = [
        "-- parkcrm：多个园区共用一个 PostgreSQL 历史库时的账号和行级安全策略",
        *([f"-- 历史库：{store_shown}"] if store_shown else []),
        "-- 请用管理账号（建库、拥有这些表的账号）在该数据库中执行，例如：",
        "--   psql -h 主机 -U 管理账号 -d 库名 -v ON_ERROR_STOP=1 -f 本文件.sql",
        "-- 可重复执行：已有的账号保留，策略重建，所列区县账号的园区按本次所列为准。",
        f"-- 区县账号（{plan.county_group} 的成员）只能读写 {MAPPING_TABLE} 中登记的本园区的行；",
        f"-- 市公司账号（{plan.city_group} 的成员）只读，可读全部园区；只有管理账号能修改表结构（升级历史库）。",
        *(["-- 新建的登录账号没有密码。执行后请在 psql 中逐个设置（密码在本机加密后发送，不会出现在文件、命令历史或服务器日志中）："]
          if logins else []),
        *[f"--   \\password {name}" for name in logins],
        *([f"-- 停用的账号（不再能读写任何园区；账号本身保留，需要时用 DROP ROLE 删除）：{'、'.join(plan.revoked)}"]
          if plan.revoked else []),
        "-- 以后停用某个账号：parkcrm db roles --revoke 账号名",
        "",
        "BEGIN;",
    ]
    body = [stmt + ";" for stmt in statements(plan)]
    return "\n".join([*head, *body, "COMMIT;", ""])
