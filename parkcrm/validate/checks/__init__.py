"""Every check module, imported once so its checks register (order = report order of codes)."""

from parkcrm.validate.checks import common, contacts, customer, ict, orders, structure, visits  # noqa: F401
