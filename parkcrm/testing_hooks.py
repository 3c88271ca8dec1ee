"""A hook for the crash tests: stall at a named point so a test can kill the process there.

Inactive unless the environment variable PARKCRM_TEST_STALL names the point. The tests use
it to SIGKILL an import inside its transaction, or a run in the middle of writing an output.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def stall(name: str) -> None:
    if os.environ.get("PARKCRM_TEST_STALL") != name:
        return
    marker = os.environ.get("PARKCRM_TEST_STALL_MARKER")
    if marker:
        Path(marker).write_text(name, encoding="utf-8")
    time.sleep(float(os.environ.get("PARKCRM_TEST_STALL_SECONDS", "120")))
