"""A park's identity in a store shared by many parks: its code (parkcrm.yaml 园区代码).

Kept here, free of SQLAlchemy, because every command resolves it (parkcrm.workspace) and most
never open a store.
"""

from __future__ import annotations

DEFAULT_PARK = "默认园区"  # the park of a project whose parkcrm.yaml names no 园区代码 (a one-park store)
CODE_LENGTH = 40  # the store's park column is String(CODE_LENGTH)


def park_code_problem(code: str) -> str | None:
    """Why a 园区代码 cannot be used, or None."""
    code = code.strip()
    if not code:
        return "「园区代码」不能为空"
    if len(code) > CODE_LENGTH:
        return f"「园区代码」最多 {CODE_LENGTH} 个字符（现在 {len(code)} 个）"
    if any(ch.isspace() or ord(ch) < 32 for ch in code):
        return f"「园区代码」「{code}」不能含空格或控制字符（可用 - 连接，例如 东坡县-高新园）"
    return None
