"""I/O layer: read any workbook into canonical tables; write workbooks safely."""
