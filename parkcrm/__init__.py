"""parkcrm: rules-driven spreadsheet toolkit for a county telecom park service centre."""

__version__ = "0.1.0"
