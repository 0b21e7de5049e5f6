"""The layers (docs/ARCHITECTURE.md) as the imports show them: only dashboard/app (and the
router) imports streamlit; the store and ingest never reach up into the dashboard; the
plain-Python layers never reach into the app or the command line."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

# Each layer and the top-level modules it may not import, anywhere in its files (function
# bodies included).
FORBIDDEN = {
    "geo": ("dashboard", "data_loaders", "streamlit"),
    "data_loaders": ("dashboard", "streamlit"),
    "dashboard/analytics": ("dashboard.app", "dashboard.cli", "dashboard.briefing", "streamlit"),
    "dashboard/present": ("dashboard.app", "dashboard.cli", "dashboard.briefing", "streamlit"),
    "dashboard/access": ("dashboard.app", "dashboard.cli", "dashboard.briefing", "streamlit"),
    "dashboard/i18n": ("dashboard.app", "dashboard.cli", "dashboard.analytics", "streamlit"),
    "dashboard/briefing": ("dashboard.app", "dashboard.cli", "streamlit"),
    "dashboard/pages.py": ("streamlit",),
}


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_never_imports_what_sits_above_it(layer):
    target = ROOT / layer
    files = [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    assert files, layer
    for path in files:
        for name in _imports(path):
            for forbidden in FORBIDDEN[layer]:
                assert not (name == forbidden or name.startswith(forbidden + ".")), \
                    f"{path.relative_to(ROOT)} imports {name}"


def test_only_the_app_and_the_router_import_streamlit():
    users = sorted(str(p.relative_to(ROOT)) for folder in ("dashboard", "data_loaders", "geo")
                   for p in (ROOT / folder).rglob("*.py")
                   if any(n == "streamlit" or n.startswith("streamlit.") for n in _imports(p)))
    # The benchmark drives the app under Streamlit's AppTest, and speaks Streamlit's
    # protocol to a served app.
    assert [u for u in users if not u.startswith("dashboard/app/")] == [
        "dashboard/cli/bench_page.py", "dashboard/cli/bench_served.py"]
