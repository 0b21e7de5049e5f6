"""Throwaway PostgreSQL servers for the tests (dashboard/cli/pgserver.py), never a mock.
Without PostgreSQL installed the tests that need it fail in CI and are skipped on a
developer's machine."""

from __future__ import annotations

import os

import pytest

from dashboard.cli import pgserver


def Server() -> pgserver.Server:  # noqa: N802 - stands for the class, with the skip
    """A started server, or the test skipped (failed in CI) when PostgreSQL is missing."""
    if pgserver.bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("CI requires PostgreSQL (scripts/system-deps.sh installs it)")
        pytest.skip("PostgreSQL is not installed (sudo apt-get install postgresql)")
    return pgserver.Server()
