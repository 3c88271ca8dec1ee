"""Shared fixtures: small real workbooks written in the tests, the default rule pack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from parkcrm.rules import default_rules_dir, load_rules

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _no_store_from_the_environment(monkeypatch):
    """A PARKCRM_DB (or _RULES, _CONFIG, _TEMPLATES) set on the developer's machine must not reach the tests."""
    for name in ("PARKCRM_DB", "PARKCRM_RULES", "PARKCRM_CONFIG", "PARKCRM_TEMPLATES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    """A writable copy of the default rule pack, for tests that edit YAML."""
    dest = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), dest)
    return dest


@pytest.fixture
def samples_dir() -> Path:
    return ROOT / "samples"
