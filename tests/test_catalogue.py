"""The catalogues (dashboard/i18n/catalogue/*.toml) as data: every key used, in both languages,
with the same placeholders; every key the code builds at run time in a declared family."""

from __future__ import annotations

import ast
import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from dashboard import i18n
from dashboard.i18n import CATALOGUE_DIR, FAMILIES, CatalogueError, load_catalogue
from tests.conftest import ROOT

CODE = [p for folder in ("dashboard", "data_loaders", "geo") for p in (ROOT / folder).rglob("*.py")]
CODE.append(ROOT / "streamlit_app.py")
KEYS = load_catalogue()


def _trees():
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in CODE]


def _strings() -> set[str]:
    return {node.value for _, tree in _trees() for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _in_family(key: str) -> bool:
    return any(fnmatchcase(key, pattern) for pattern in FAMILIES)


def test_every_key_is_asked_for_by_the_code_or_belongs_to_a_declared_family():
    written = _strings()
    unused = sorted(k for k in KEYS if k not in written and not _in_family(k))
    assert not unused, f"keys no code asks for (delete them, or declare their family): {unused}"


def test_every_family_is_explained_and_holds_keys():
    for pattern, why in FAMILIES.items():
        assert why.strip(), pattern
        assert any(fnmatchcase(k, pattern) for k in i18n.CATALOGUE), f"{pattern} holds no key"


def _translated_keys():
    """The first argument of every call of t(...) or view.t(...) that is an f-string:
    as a pattern, with each formatted part an "x" (``metric.{m}`` → ``metric.x``)."""
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", "")
            first = node.args[0]
            if name == "t" and isinstance(first, ast.JoinedStr):
                parts = [v.value if isinstance(v, ast.Constant) else "x" for v in first.values]
                yield path.relative_to(ROOT), node.lineno, "".join(parts)


# Where the key's first part is the caller's: a table's header prefix (PREFIX of the page
# module, e.g. "needs.col"), checked with the families of those prefixes.
PREFIXED = {"dashboard/app/tables.py"}


def test_every_key_built_at_run_time_is_in_a_declared_family():
    undeclared = [(str(path), line, key) for path, line, key in _translated_keys()
                  if str(path) not in PREFIXED and not _in_family(key)]
    assert not undeclared, undeclared


def test_the_header_prefixes_the_tables_are_given_are_families():
    prefixes = {node.value for _, tree in _trees() for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
                and re.fullmatch(r"[a-z]+\.col", node.value)}
    assert prefixes and all(_in_family(f"{p}.x") for p in prefixes), prefixes


@pytest.mark.parametrize("text, problem", [
    ('"a.b" = { zh = "甲" }\n', "needs a text in each"),
    ('"a.b" = { zh = "共 {n} 条", en = "{count} rows" }\n', "different placeholders"),
    ('"a.b" = { zh = "", en = "x" }\n', "needs a text in each"),
])
def test_a_catalogue_file_that_breaks_a_rule_is_refused(tmp_path, text, problem):
    (tmp_path / "area.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=problem):
        load_catalogue(tmp_path)


def test_a_key_in_two_files_is_refused(tmp_path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.toml").write_text('"a.b" = { zh = "甲", en = "A" }\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="also in one.toml"):
        load_catalogue(tmp_path)


def test_english_may_name_only_its_declared_extra_placeholders(tmp_path):
    (tmp_path / "area.toml").write_text(
        '"a.b" = { zh = "{n} 个", en = "{n} item{s}" }\n', encoding="utf-8")
    assert load_catalogue(tmp_path)["a.b"] == ("{n} 个", "{n} item{s}")


def test_one_file_per_area():
    assert {p.stem for p in Path(CATALOGUE_DIR).glob("*.toml")} >= {
        "frame", "overview", "map", "coverage", "needs", "partners", "network", "funding",
        "briefing", "methods", "data", "problems"}


def test_every_file_format_has_its_name_in_the_catalogue():
    from data_loaders.ingest import formats
    from data_loaders.ingest.formats.mapped import MappedFormat

    formats.choose("", b"")  # the built-in formats register themselves
    names = [*formats.REGISTRY, MappedFormat.name]
    assert len(names) >= 7
    assert [n for n in names if f"format.{n}" not in KEYS] == []
