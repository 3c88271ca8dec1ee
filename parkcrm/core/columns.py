"""Column names shared by the history store and the capabilities (the store sits below them and
must not import them, so the vocabulary both speak lives here).

A stored customer snapshot of month M carries the fees of M's year as fee_1 … fee_12 (fen);
parkcrm.capabilities.spend builds the same columns from a workbook's 1月…12月.
"""

from __future__ import annotations

FEES = [f"fee_{m}" for m in range(1, 13)]
# The card register (会员卡台账, parkcrm.capabilities.contacts; stored by parkcrm.store.cards): one row per
# card a person got or was found holding.
REGISTER_COLUMNS = ["客户编号", "姓名", "角色", "会员卡", "起始月份", "依据", "来源"]
# The 10000 priority list (parkcrm.capabilities.priority_list; stored masked by parkcrm.store.hotline).
LIST_COLUMNS = ["客户编号", "客户名称", "客户等级", "号码", "优先级", "号码来源", "姓名", "角色"]
