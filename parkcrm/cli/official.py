"""The year's official tiers from the history store in use, for commands that judge duties."""

from __future__ import annotations


def official_tiers_for(ws, year: int) -> dict[str, str] | None:
    """客户编号 -> the tier `parkcrm review` recorded for `year`, from the workspace's store (None
    without a store). Used where the customer sheet's 核定等级 is blank (parkcrm.capabilities.classify)."""
    store = ws.find_store()
    if store is None:
        return None
    from parkcrm.store.history import official_tiers

    with store:
        return official_tiers(store, year).to_dict()
