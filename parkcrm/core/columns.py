"""Column names shared by the history store and the capabilities that are handed its frames.

A stored customer snapshot of month M carries the fees of M's year as fee_1 … fee_12 (fen);
parkcrm.capabilities.spend builds the same columns from a workbook's 1月…12月.
"""

from __future__ import annotations

FEES = [f"fee_{m}" for m in range(1, 13)]
