"""Fixtures every test module may ask for; the constants and helpers they rest on are in ``shared.py``."""

from __future__ import annotations

import os
import tempfile

import pytest

from junheng.policy.compiled import Policy
from shared import shipped_policy


def pytest_configure(config: pytest.Config) -> None:
    """The rules cache of the test run lives in a folder of its own, never in the user's cache (subprocesses inherit it)."""
    os.environ["JUNHENG_CACHE_DIR"] = tempfile.mkdtemp(prefix="junheng-test-cache-")


@pytest.fixture(scope="session")
def policy() -> Policy:
    """The shipped rules, compiled once for the whole session (nothing in the tests changes a compiled policy)."""
    return shipped_policy()
