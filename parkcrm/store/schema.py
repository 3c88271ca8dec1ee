"""The history store's tables (SQLAlchemy Core), latest version.

Every table but schema_version is keyed by the park first (schema version 6): many parks can
share one store (a city's PostgreSQL server), and each park's rows are its own. Snapshot
tables are then keyed by the data month ("2026-10"). Money is integer fen
(BigInteger), as in the reader, so sums are exact. Phone and ID numbers are not stored:
history needs neither, and a database that does not hold them cannot leak them.
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, DateTime, Float, Index, Integer, MetaData, String,
                        Table, Text)

from parkcrm.core.columns import FEES
from parkcrm.core.park import CODE_LENGTH

metadata = MetaData()

MONTH = 7  # "YYYY-MM"
PARK = CODE_LENGTH  # the park's code from parkcrm.yaml 园区代码, e.g. "东坡县-高新园"


def _park() -> Column:
    return Column("park", String(PARK), primary_key=True, nullable=False)


def _month(primary: bool = True) -> Column:
    return Column("month", String(MONTH), primary_key=primary, nullable=False)


def _source() -> list[Column]:
    return [Column("source_file", Text), Column("source_sheet", Text), Column("source_row", Integer)]


schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime, nullable=False),
)

months = Table(
    "months", metadata,
    _park(),
    _month(),
    Column("imported_at", DateTime, nullable=False),
)

# which sheet kinds a month holds; an import replaces the kinds it brings
month_parts = Table(
    "month_parts", metadata,
    _park(),
    _month(),
    Column("kind", String(20), primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("imported_at", DateTime, nullable=False),
)

source_files = Table(
    "source_files", metadata,
    _park(),
    _month(),
    Column("file_name", String(400), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("kinds", Text, nullable=False),  # sheet kinds read from it, joined by "、"
    Column("size", BigInteger),
    Column("imported_at", DateTime, nullable=False),
)

customers = Table(
    "customers", metadata,
    _park(),
    _month(),
    Column("customer_id", String(64), primary_key=True),
    Column("name", Text),
    Column("zone", Text),
    Column("manager", Text),
    Column("industry", Text),
    Column("status", Text),
    Column("official_tier", String(16)),  # 核定等级 as in the workbook
    Column("computed_tier", String(16)),  # from the spend
    Column("tier", String(16)),  # 客户等级: computed, or an upstream A tier kept; NULL = 待核实
    Column("tier_note", Text),
    Column("spend_fen", BigInteger),  # annual spend
    *[Column(f, BigInteger) for f in FEES],  # monthly fees of the snapshot's year
    Column("join_date", Date),
    Column("update_date", Date),
    *_source(),
)


def _records(name: str, *columns: Column) -> Table:
    """A per-month record table: (month, seq) key, then the columns, then where each row came from."""
    return Table(name, metadata, _park(), _month(), Column("seq", Integer, primary_key=True, autoincrement=False),
                 *columns, *_source())


key_contacts = _records(
    "key_contacts",
    Column("customer_id", String(64)), Column("name", Text), Column("role", Text), Column("card", Text),
)
visits = _records(
    "visits",
    Column("visit_date", Date), Column("manager", Text), Column("customer_id", String(64)), Column("mode", Text),
    Column("signed", Boolean), Column("content", Text),
)
opportunities = _records(
    "opportunities",
    Column("opportunity_id", String(64)), Column("customer_id", String(64)), Column("product", Text),
    Column("amount_fen", BigInteger), Column("stage", Text), Column("expected_date", Date), Column("owner", Text),
    Column("update_date", Date),
)
competition = _records(
    "competition",
    Column("note_date", Date), Column("competitor", Text), Column("kind", Text), Column("content", Text),
    Column("customer_id", String(64)),
)
complaints = _records(
    "complaints",
    Column("report_date", Date), Column("customer_id", String(64)), Column("kind", Text), Column("content", Text),
)
work_orders = _records(
    "work_orders",
    Column("order_id", String(64)), Column("customer_id", String(64)), Column("kind", Text),
    Column("accepted_at", DateTime), Column("completed_at", DateTime), Column("responded_at", DateTime),
)
Index("ix_complaints_date", complaints.c.park, complaints.c.report_date)
Index("ix_customers_id", customers.c.park, customers.c.customer_id)
Index("ix_customers_month", customers.c.month)  # the city roll-up reads one month of every park

# ---- added in schema version 2: the annual review ------------------------------------
official_tiers = Table(
    "official_tiers", metadata,
    _park(),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", String(64), primary_key=True),
    Column("tier", String(16), nullable=False),
    Column("previous_tier", String(16)),
    Column("spend_fen", BigInteger),
    Column("basis", Text),
    Column("reviewed_at", DateTime, nullable=False),
)
reviews = Table(
    "reviews", metadata,
    _park(),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("reviewed_at", DateTime, nullable=False),
    Column("customers", Integer, nullable=False),
    Column("changes", Integer, nullable=False),
)
V2_TABLES = [official_tiers, reviews]

# ---- added in schema version 3: the supervisor's weekly sample of visit records ----------
# One row per manager chosen for a week, in the order chosen (domain §4; parkcrm.capabilities.sampling).
supervisor_samples = Table(
    "supervisor_samples", metadata,
    _park(),
    Column("week", String(10), primary_key=True),  # ISO week, 2026-W47
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("manager", Text, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)
V3_TABLES = [supervisor_samples]

# ---- added in schema version 4: the key contacts' card register (会员卡台账) -----------------
# One row per card a person got (parkcrm升级) or was found holding (原有), from the month given;
# the quota of upgrades per customer counts the people upgraded in every earlier month (domain §3).
card_register = Table(
    "card_register", metadata,
    _park(),
    Column("customer_id", String(64), primary_key=True),
    Column("person", Text, primary_key=True),  # the key contact's name
    Column("card", String(16), primary_key=True),
    Column("since", String(MONTH), nullable=False),  # first month of the card, "2026-10"; "" when unknown
    Column("role", Text),
    Column("rule", Text),  # why: 关键人规则：领导人（客户等级 4B）→ 金卡, 就高保留现有卡级 …
    Column("origin", String(32), nullable=False),  # parkcrm升级 / 原有 / 以前已升级（关键人表标记）
    Column("recorded_at", DateTime, nullable=False),
)
Index("ix_card_register_since", card_register.c.park, card_register.c.since)
V4_TABLES = [card_register]

# ---- added in schema version 5: the month's 10000 priority list, without its numbers ---------
# Numbers are stored masked (138****0001): the store holds no full phone number. Next month's
# list is compared with it by who stands on it (customer, person or masked number), see
# parkcrm.capabilities.priority_list.changes.
hotline_entries = Table(
    "hotline_entries", metadata,
    _park(),
    _month(),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", String(64), nullable=False),
    Column("customer_name", Text),
    Column("tier", String(16)),
    Column("number_masked", Text),
    Column("level", Text),  # 优先级: the service level or the card
    Column("source", Text),  # 客户登记号码 / 关键人约定号码
    Column("person", Text),
    Column("role", Text),
    Column("recorded_at", DateTime, nullable=False),
)
V5_TABLES = [hotline_entries]

# ---- added in schema version 6: many parks in one store --------------------------------------
# Every table above gained the park column (first in its key); an older store's rows are assigned
# to the park of the project that upgrades it. parks names each park once; month_indicators keeps
# the month's indicators computed at import from the full workbooks (completeness, on-time rates …),
# which the store cannot recompute (it holds no phone or ID numbers): the city roll-up reads them.
parks = Table(
    "parks", metadata,
    _park(),
    Column("name", Text),
    Column("registered_at", DateTime, nullable=False),
)
month_indicators = Table(
    "month_indicators", metadata,
    _park(),
    _month(),
    Column("indicator", String(40), primary_key=True),
    Column("value", Float),  # a rate in 0..1, or a count; NULL when the month had nothing to measure
    Column("base", Integer),  # how many things the rate was measured over (NULL for counts)
    Column("recorded_at", DateTime, nullable=False),
)
V6_TABLES = [parks, month_indicators]
ADDED_IN = {2: V2_TABLES, 3: V3_TABLES, 4: V4_TABLES, 5: V5_TABLES, 6: V6_TABLES}  # schema version -> the tables it added

# sheet kind -> (table, canonical column -> db column)
KIND_TABLES: dict[str, tuple[Table, dict[str, str]]] = {
    "客户资料": (customers, {
        "客户编号": "customer_id", "客户名称": "name", "片区": "zone", "客户经理": "manager", "行业": "industry",
        "状态": "status", "核定等级": "official_tier", "进园日期": "join_date", "更新日期": "update_date",
        **{f"{m}月": f"fee_{m}" for m in range(1, 13)},
    }),
    "关键人": (key_contacts, {"客户编号": "customer_id", "姓名": "name", "角色": "role", "现有会员等级": "card"}),
    "走访记录": (visits, {"日期": "visit_date", "客户经理": "manager", "客户编号": "customer_id", "方式": "mode",
                      "客户签名": "signed", "内容": "content"}),
    "ICT商机": (opportunities, {"商机编号": "opportunity_id", "客户编号": "customer_id", "产品": "product",
                              "预计金额": "amount_fen", "阶段": "stage", "预计签约日期": "expected_date",
                              "负责人": "owner", "更新日期": "update_date"}),
    "竞争信息": (competition, {"日期": "note_date", "竞争对手": "competitor", "类型": "kind", "内容": "content",
                           "客户编号": "customer_id"}),
    "投诉故障": (complaints, {"日期": "report_date", "客户编号": "customer_id", "类型": "kind", "内容": "content"}),
    "工单": (work_orders, {"工单编号": "order_id", "客户编号": "customer_id", "类型": "kind", "受理时间": "accepted_at",
                         "完成时间": "completed_at", "响应时间": "responded_at"}),
}
SNAPSHOT_TABLES = [customers, key_contacts, visits, opportunities, competition, complaints, work_orders]
