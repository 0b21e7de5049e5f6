"""The server's warm-up: the briefing map's drawing modules are loaded in the background
once per process, so the first Briefing page does not wait for them."""

import os
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


def test_the_server_imports_the_pages_and_starts_its_background_work_before_anyone_comes():
    script = textwrap.dedent("""
        import sys, threading
        from dashboard.app import serve
        assert "dashboard.app.needs" not in sys.modules
        serve.preload()
        for module in ("dashboard.app.needs", "dashboard.app.briefing", "dashboard.pages",
                       "plotly.graph_objects", "duckdb"):
            assert module in sys.modules, module
        names = {t.name for t in threading.enumerate()}
        assert "lifeline-warm-up" in names and "lifeline-rewarm" in names, names
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=180,
                          env=os.environ | {"LIFELINE_REWARM_SECONDS": "5"})  # the default
    assert done.stdout.strip() == "ok", done.stderr
    assert "No runtime found" not in done.stderr  # a page's cache declared early stays quiet


def test_the_server_command_is_streamlit_run_on_the_app():
    done = subprocess.run([sys.executable, "-m", "dashboard.app.serve", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "--server.port" in done.stdout  # Streamlit's own flags, as `streamlit run` takes
