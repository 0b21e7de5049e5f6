"""Which allocator Arrow uses in this process: the system's (glibc malloc).

Every frame the pages read comes out of DuckDB as Arrow and is turned into pandas (whose
strings are Arrow too). pyarrow's wheel defaults to mimalloc, and with it the conversion
of the open needs at Hubei 100x (573,198 rows) took 0.03 to 0.9 s, the same call differing
run to run in one process; with the system allocator it took 0.02–0.06 s. The Funding
page's first render went from 2.6–3.2 s to 1.9–2.2 s, and Needs from 2.3–3.2 s to
2.2–2.4 s (each page in a fresh process, the two allocators alternating).

An operator who sets ``ARROW_DEFAULT_MEMORY_POOL`` (Arrow's own variable) to a pool this
pyarrow has keeps that pool; a name it does not know (Arrow would warn and fall back to
mimalloc) gets the system's.
"""

from __future__ import annotations

import os

import pyarrow as pa

ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


def use_system_allocator() -> str:
    """Make the system allocator Arrow's default pool in this process, unless
    ``ARROW_DEFAULT_MEMORY_POOL`` names a pool this pyarrow has; return the pool's
    backend name."""
    if os.environ.get(ARROW_POOL_VARIABLE, "").strip() not in pa.supported_memory_backends():
        pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name
