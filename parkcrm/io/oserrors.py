"""File-system faults in the user's words: which folder, what went wrong, what to do.

The operating system reports "[Errno 30] Read-only file system" in English; the clerk
needs the folder and the next step in Chinese.
"""

from __future__ import annotations

import errno
from pathlib import Path

_ADVICE = {
    errno.EACCES: ("没有写入权限", "请换一个有写权限的文件夹（如“文档”下的文件夹），或请管理员开放该文件夹的写权限"),
    errno.EPERM: ("操作系统不允许写入", "请换一个有写权限的文件夹，或请管理员开放该文件夹的写权限"),
    errno.EROFS: ("文件夹是只读的（只读磁盘、光盘或只读共享）", "请换一个可写的文件夹，用 --out 指定输出位置"),
    errno.ENOSPC: ("磁盘空间已满", "请清理磁盘空间，或换到空间充足的磁盘后重试"),
    getattr(errno, "EDQUOT", -1): ("磁盘配额已用完", "请清理磁盘空间，或换到空间充足的磁盘后重试"),
}


def root_os_error(exc: BaseException) -> OSError | None:
    """The OSError behind exc (xlsxwriter wraps it in FileCreateError), if any."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or exc.__cause__ or exc.__context__
        seen += 1
    return None


_DENIED = (errno.EACCES, errno.EPERM)


def os_error_message(exc: BaseException, path: Path | str | None = None, writing: bool = True) -> str | None:
    """A Chinese message for a permission / read-only / full-disk fault, or None for other errors.

    writing=False (the CLI's last resort, where it is not known whether a file was being read or
    written): a permission fault names the file itself and does not claim it was a write."""
    err = root_os_error(exc)
    if err is None or err.errno not in _ADVICE:
        return None
    what, todo = _ADVICE[err.errno]
    where = Path(err.filename) if err.filename else (Path(path) if path else None)
    if not writing and err.errno in _DENIED:
        place = str(where) if where is not None else "所需的文件或文件夹"
        return f"没有权限访问 {place}（操作系统拒绝读取或写入）。请确认该文件没有被其他程序独占打开，" \
               "并换一个有权限的文件夹，或请管理员开放权限。"
    if where is not None and not where.is_dir():
        where = where.parent
    place = f"文件夹 {where}" if where is not None else "目标文件夹"
    return f"无法写入{place}：{what}。{todo}。"
