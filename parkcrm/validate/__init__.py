"""parkcrm validate: data quality of the monthly workbooks, cell by cell."""

from parkcrm.validate.run import ValidationReport, validate

__all__ = ["ValidationReport", "validate"]
