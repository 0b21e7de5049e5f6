"""The server's warm-up: the briefing map's drawing modules are loaded in the background
once per process, so the first Briefing page does not wait for them."""

import subprocess
import sys
import textwrap

from tests.conftest import ROOT


def test_warm_up_loads_the_map_modules_once_in_the_background():
    # A fresh interpreter: this test process may have imported matplotlib already.
    script = textwrap.dedent("""
        import sys, threading
        from dashboard.app import warmup
        assert "matplotlib.figure" not in sys.modules
        warmup.start(); warmup.start()
        threads = [t for t in threading.enumerate() if t.name == "lifeline-warm-up"]
        assert len(threads) == 1, threads  # once per process
        threads[0].join(120)
        assert "matplotlib.figure" in sys.modules
        from dashboard.briefing.mapimage import cjk_font_path
        assert cjk_font_path.cache_info().currsize == 1  # the font was looked up
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    assert done.stdout.strip() == "ok", done.stderr
