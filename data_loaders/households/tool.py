"""The assessment tool: the need areas, the indicators and their answer scales, with
Chinese and English labels, read from a TOML file the network's lead organisation edits.

The default is the 2020 tool for migrant-worker families (``tools/migrant_families_2020.toml``);
``LIFELINE_ASSESSMENT_TOOL`` names another file. A file that cannot be used is refused
with every problem named (:class:`ToolError`), never half-read.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_TOOL = Path(__file__).with_name("tools") / "migrant_families_2020.toml"
# What an indicator's ``among`` may name besides another indicator: households with a
# member of a kind (the household record's flags).
HOUSEHOLD_FLAGS = ("children", "elderly", "sick_or_disabled")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class ToolProblem:
    """One fault of a tool file: its code (the catalogue's ``tool_problem.<code>``, in
    both languages) and the values the message names, as the file wrote them."""

    code: str
    values: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:  # for logs: the code and its values, in no language
        return self.code + "".join(f" {k}={v}" for k, v in self.values)


def _problem(code: str, **values) -> ToolProblem:
    return ToolProblem(code, tuple((k, str(v)) for k, v in values.items()))


class ToolError(ValueError):
    """An assessment tool file that cannot be used; ``problems`` names each fault
    (:class:`ToolProblem`: dashboard.i18n.tool_problem_message says it in a language)."""

    def __init__(self, path: Path, problems: list[ToolProblem]):
        super().__init__(f"{path}: " + "; ".join(map(str, problems)))
        self.path, self.problems = path, problems


@dataclass(frozen=True)
class Answer:
    """One answer of a scale: the number stored, and its labels."""

    value: int
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Question:
    """A need area or an indicator: its id (the column of a round's file), labels, the
    scale its answers come from; for an indicator, the answers counted and the
    households asked (``among``: another indicator answered yes, or ``household.<flag>``)."""

    id: str
    zh: str
    en: str
    scale: tuple[Answer, ...]
    counts: tuple[int, ...] = ()
    among: str | None = None

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def values(self) -> tuple[int, ...]:
        """The answers this question accepts, as stored."""
        return tuple(a.value for a in self.scale)

    def answer(self, text: str) -> int | None:
        """The stored number for an answer as written in a file: the number itself, or
        its Chinese or English label (any case); None when it is none of them."""
        wanted = str(text).strip().lower()
        for a in self.scale:
            if wanted in (str(a.value), a.zh.lower(), a.en.lower()):
                return a.value
        try:
            number = float(wanted)
        except ValueError:
            return None
        return int(number) if number.is_integer() and int(number) in self.values else None


@dataclass(frozen=True)
class Tool:
    """A whole assessment tool."""

    id: str
    zh: str
    en: str
    areas: tuple[Question, ...]
    indicators: tuple[Question, ...]
    serious: int  # an area's severity from which a household counts as having the need

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def questions(self) -> tuple[Question, ...]:
        """Areas first, then indicators: the columns of a round's file, in order."""
        return self.areas + self.indicators

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


def load(path: Path | str) -> Tool:
    """The tool in the TOML file at ``path``; :class:`ToolError` naming every problem
    when it cannot be used."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ToolError(path, [_problem("unreadable", reason=error.strerror or error)]) from None
    except UnicodeDecodeError:
        raise ToolError(path, [_problem("not_utf8")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ToolError(path, [_not_toml(error)]) from None
    problems: list[ToolProblem] = []
    scales = _scales(raw.get("scales"), problems)
    areas_spec = raw.get("areas") if isinstance(raw.get("areas"), dict) else {}
    if not areas_spec:
        problems.append(_problem("areas_missing"))
    area_scale = scales.get(str(areas_spec.get("scale", "")))
    if areas_spec and area_scale is None:
        problems.append(_problem("areas_scale_unknown", value=repr(areas_spec.get("scale"))))
    serious = areas_spec.get("serious", 2)
    if not isinstance(serious, int) or (area_scale and serious not in
                                        {a.value for a in area_scale}):
        problems.append(_problem("serious_not_answer", value=repr(serious)))
    areas = tuple(_question(item, "areas.list", i, problems, scale=area_scale or ())
                  for i, item in enumerate(_list(areas_spec.get("list"), "areas.list", problems)))
    indicators = tuple(_question(item, "indicators", i, problems, scales=scales)
                       for i, item in enumerate(_list(raw.get("indicators", []), "indicators",
                                                      problems, allow_empty=True)))
    ids = [q.id for q in areas + indicators]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(_problem("id_twice", id=repr(dup)))
    known = {q.id for q in indicators if set(q.values) >= {0, 1}}
    for q in indicators:
        if q.among and q.among not in known and q.among.removeprefix("household.") not in (
                HOUSEHOLD_FLAGS if q.among.startswith("household.") else ()):
            problems.append(_problem("among_unknown", id=repr(q.id), among=repr(q.among),
                                     flags=", ".join(f"household.{f}" for f in HOUSEHOLD_FLAGS)))
    for key in ("id", "zh", "en"):
        if not isinstance(raw.get(key), str) or not raw.get(key).strip():
            problems.append(_problem("top_key_missing", name=key))
    if problems:
        raise ToolError(path, problems)
    return Tool(raw["id"].strip(), raw["zh"].strip(), raw["en"].strip(), areas, indicators,
                int(serious))


@lru_cache(maxsize=4)
def _cached(path: str, stamp: float) -> Tool:
    return load(path)


def configured() -> Tool:
    """The network's tool: ``LIFELINE_ASSESSMENT_TOOL`` or the default (read again when
    the file changes)."""
    path = Path(os.environ.get("LIFELINE_ASSESSMENT_TOOL") or DEFAULT_TOOL)
    try:
        stamp = path.stat().st_mtime
    except OSError as error:
        raise ToolError(path, [_problem("unreadable", reason=error.strerror or error)]) from None
    return _cached(str(path), stamp)


def _not_toml(error: tomllib.TOMLDecodeError) -> ToolProblem:
    """Where the TOML went wrong, by line and column (tomllib says it only in English)."""
    found = re.search(r"at line (\d+), column (\d+)", str(error))
    if found:
        return _problem("not_toml_at", line=found[1], column=found[2])
    return _problem("not_toml_end" if "end of document" in str(error) else "not_toml")


def _list(value, where: str, problems: list[ToolProblem], allow_empty: bool = False) -> list:
    if isinstance(value, list) and (value or allow_empty):
        return value
    if value is not None or not allow_empty:
        problems.append(_problem("not_a_list", where=where))
    return []


def _scales(value, problems: list[ToolProblem]) -> dict[str, tuple[Answer, ...]]:
    if not isinstance(value, dict) or not value:
        problems.append(_problem("scales_missing"))
        return {}
    scales = {}
    for name, spec in value.items():
        answers = []
        for item in spec.get("values", []) if isinstance(spec, dict) else []:
            ok = (isinstance(item, dict) and isinstance(item.get("value"), int)
                  and all(isinstance(item.get(k), str) and item[k].strip() for k in ("zh", "en")))
            if not ok:
                problems.append(_problem("answer_bad", scale=repr(name), item=repr(item)))
                continue
            answers.append(Answer(item["value"], item["zh"].strip(), item["en"].strip()))
        if not answers:
            problems.append(_problem("scale_empty", scale=repr(name)))
        elif len({a.value for a in answers}) < len(answers):
            problems.append(_problem("scale_value_twice", scale=repr(name)))
        scales[name] = tuple(answers)
    return scales


def _question(item, where: str, index: int, problems: list[ToolProblem], scale=None,
              scales: dict | None = None) -> Question:
    if not isinstance(item, dict):
        problems.append(_problem("entry_bad", where=where, n=index + 1, item=repr(item)))
        return Question(f"_{where}_{index}", "", "", ())
    qid = str(item.get("id", "")).strip()
    if not qid or not set(qid) <= _ID_CHARS:
        problems.append(_problem("id_bad", where=where, n=index + 1, id=repr(qid)))
    for key in ("zh", "en"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            problems.append(_problem("label_missing", where=where, which=repr(qid) if qid else index + 1,
                                     label=key))
    if scales is not None:
        scale = scales.get(str(item.get("scale", "")))
        if scale is None:
            problems.append(_problem("scale_unknown", where=where, which=repr(qid),
                                     value=repr(item.get("scale"))))
            scale = ()
    counts = tuple(item.get("counts", ())) if scales is not None else ()
    if scales is not None and (not counts or not set(counts) <= {a.value for a in scale}):
        if scale:
            problems.append(_problem("counts_bad", where=where, which=repr(qid), value=list(counts),
                                     answers=", ".join(str(a.value) for a in scale)))
    among = item.get("among")
    return Question(qid, str(item.get("zh", "")).strip(), str(item.get("en", "")).strip(),
                    tuple(scale), counts, str(among).strip() if among else None)
