"""Weekly and monthly reports (domain §7): gather sections from the workbooks, render them
as HTML, Markdown, xlsx or JSON."""

from parkcrm.reports.build import build_monthly, build_weekly
from parkcrm.reports.model import Block, Chart, Column, Figure, Report, Section, Series

__all__ = ["build_weekly", "build_monthly", "Report", "Section", "Block", "Column", "Figure", "Chart", "Series"]
