"""The calls the pages asked for, kept in a file across restarts, so that a server that
has just started can prepare them too (dashboard.app.rewarm).

The file lives in the cache folder (``LIFELINE_CACHE``), one per store, and holds JSON
only: each call's role, query name and arguments, every argument tagged by its type (a
scope, a date, a tuple, a list, a frozenset, a dict). A call with an argument of any
other type is left out. A file that cannot be read is ignored, and the server starts
cold, as it did before there was a file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from datetime import date
from pathlib import Path

from dashboard.analytics.metrics import Scope
from geo.config import cache_dir

_TAGS = ("scope", "date", "tuple", "list", "frozenset", "dict")


class _NotKept(ValueError):
    """An argument of a type the file does not hold."""


def path_for(location: str) -> Path:
    """The file for the store at ``location`` (a path or a URL, never written out: its
    hash names the file, so a password in a URL stays out of the folder's listing)."""
    return cache_dir() / f"asked-{hashlib.sha256(location.encode()).hexdigest()[:16]}.json"


def _encode(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Scope):
        return {"scope": {f.name: _encode(getattr(value, f.name))
                          for f in dataclasses.fields(value)}}
    if type(value) is date:
        return {"date": value.isoformat()}
    for kind, tag in ((tuple, "tuple"), (list, "list"), (frozenset, "frozenset")):
        if isinstance(value, kind):
            return {tag: [_encode(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise _NotKept(type(value).__name__)


def _decode(value):
    if not isinstance(value, dict):
        return value
    if len(value) != 1 or next(iter(value)) not in _TAGS:
        raise ValueError(f"not a tagged value: {value!r}")
    tag, inner = next(iter(value.items()))
    if tag == "scope":
        return Scope(**{name: _decode(item) for name, item in inner.items()})
    if tag == "date":
        return date.fromisoformat(inner)
    if tag == "dict":
        return {_decode(k): _decode(v) for k, v in inner}
    items = [_decode(item) for item in inner]
    return {"tuple": tuple, "list": list, "frozenset": frozenset}[tag](items)


def save(location: str, calls: list[tuple[str | None, str, tuple]], last: date | None) -> None:
    """Keep ``calls`` ((role, query, arguments), the most recent first) for the store at
    ``location``, with its latest day; written whole or not at all."""
    rows = []
    for role, name, arguments in calls:
        try:
            rows.append({"role": role, "query": name, "arguments": _encode(arguments)})
        except _NotKept:
            continue
    target = path_for(location)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps({"last": last.isoformat() if last else None, "calls": rows},
                                  ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)


def load(location: str) -> tuple[date | None, list[tuple[str | None, str, tuple]]]:
    """The latest day and the calls kept for the store at ``location``; (None, []) when
    there is no file or it cannot be read."""
    try:
        payload = json.loads(path_for(location).read_text(encoding="utf-8"))
        last = date.fromisoformat(payload["last"]) if payload["last"] else None
        calls = [(row["role"], str(row["query"]), _decode(row["arguments"]))
                 for row in payload["calls"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, []
    return last, calls
