"""Fixtures every test module may ask for; the constants and helpers they rest on are in ``shared.py``."""

from __future__ import annotations

import pytest

from junheng.policy.compiled import Policy
from shared import shipped_policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    """The shipped rules, compiled once for the whole session (nothing in the tests changes a compiled policy)."""
    return shipped_policy()
