"""Arrow's allocator in every process that reads the store (data_loaders.store.arrow_memory)."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa

from data_loaders.store import arrow_memory
from tests.conftest import ROOT


def _pool_after_importing_the_store(**env: str) -> str:
    """The default pool's backend in a fresh interpreter that imported the store."""
    environ = {k: v for k, v in os.environ.items() if k != arrow_memory.ARROW_POOL_VARIABLE}
    done = subprocess.run(
        [sys.executable, "-c", "import data_loaders.store, pyarrow as pa; "
                               "print(pa.default_memory_pool().backend_name)"],
        capture_output=True, text=True, cwd=ROOT, env={**environ, **env}, check=True)
    return done.stdout.strip()


def test_a_process_that_reads_the_store_uses_the_system_allocator():
    # pyarrow's wheel defaults to mimalloc: a fresh interpreter without the store says so.
    bare = subprocess.run([sys.executable, "-c", "import pyarrow as pa; "
                           "print(pa.default_memory_pool().backend_name)"],
                          capture_output=True, text=True, check=True,
                          env={k: v for k, v in os.environ.items()
                               if k != arrow_memory.ARROW_POOL_VARIABLE})
    assert bare.stdout.strip() != "system"
    assert _pool_after_importing_the_store() == "system"
    assert pa.default_memory_pool().backend_name == "system"  # this test process too


def test_an_operator_s_choice_of_pool_is_kept():
    assert _pool_after_importing_the_store(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "mimalloc"


def test_a_pool_arrow_does_not_have_gives_the_system_allocator():
    # Arrow itself would warn and fall back to mimalloc, the allocator that stalled.
    assert _pool_after_importing_the_store(ARROW_DEFAULT_MEMORY_POOL="nonsense") == "system"
