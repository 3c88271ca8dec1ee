"""parkcrm validate: data quality of the monthly workbooks, cell by cell."""

from parkcrm.validate import settings as _settings  # noqa: F401  (checks validation.yaml at rule-load time)
from parkcrm.validate.run import ValidationReport, validate, validate_tables

__all__ = ["ValidationReport", "validate", "validate_tables"]
