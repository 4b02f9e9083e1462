"""Integration tests run real runtimes as root, each between two leak checks."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _check_leaks(no_leaks: None) -> None:
    """Every integration test gets the leak check of tests/conftest.py."""
