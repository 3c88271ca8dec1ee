"""The classified workbook (客户分级): `parkcrm classify` and `parkcrm run`."""

from __future__ import annotations

from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack

NAME = "客户分级"


def classify(books, tables, problems, rules: RulePack, month_label: str, *, mask: bool = True, store=None,
             about: dict | None = None) -> Deliverable | None:
    """The month's classification; None without a customer sheet.

    store: the history store in use, which gives the official tiers of the year and the card
    register of earlier months (parkcrm.store.cards); about: extra rows for its 说明 sheet.
    """
    from parkcrm.io.writer import write_xlsx
    from parkcrm.outputs.classify import build, sheet_specs

    if "客户资料" not in tables:
        return None
    context = {"month": month_label}
    if store is not None:
        from parkcrm.store.cards import classify_context

        context = classify_context(store, month_label)
    result = build(books, tables, problems, rules, mask=mask, **context)
    result.about.update(about or {})
    note = f"待核实 {result.pending} 户" if result.pending else ""
    return Deliverable(NAME, month_label, {"xlsx": lambda p: write_xlsx(p, sheet_specs(result), mask=mask)},
                       result, result.has_findings, note)


def record_cards(store, deliverable: Deliverable) -> int:
    """The month's upgrades into the store's card register, so next month's quota counts them."""
    result = deliverable.result
    if store is None or result.register is None:
        return 0
    from parkcrm.store.cards import save_register

    with store:
        return save_register(store, deliverable.label, result.register)
