"""Organisation directories: lists of organisations with a name and maybe a region.

The 2020 volunteer project published two such lists: organisations accepting
donations (``org_name``, ``inferred_prefecture_adcode``) and logistics firms offering
free transport (``name``, ``origin``, ``destination``). Each becomes organizations
rows: a stable id from the name, the type from ``rules/org_type_rules.csv`` (first
matching pattern wins; logistics lists default to company), and the region when the
list gives one. Contacts, bank accounts and addresses are not kept.
"""

from __future__ import annotations

import hashlib
import io
import re

import pandas as pd

from data_loaders.ingest import readers
from data_loaders.ingest.formats import STAGE_ORGANISATIONS, Conversion, Format, ImportContext, Note, register
from data_loaders.ingest.rules import load_rules
from data_loaders.store.schema import ORGANIZATIONS
from geo.names import normalise

NAME_HEADERS = ("org_name", "organization", "organisation", "机构名称", "组织名称", "name")
REGION_HEADERS = ("inferred_prefecture_adcode", "prefecture_adcode", "region", "地区")
LOGISTICS_HINTS = ("origin", "destination", "green_path")


def org_type_for(name: str, default: str = "other") -> str:
    """The organisation type the rule table gives a name (first matching pattern)."""
    for rule in load_rules("org_type_rules"):
        if re.search(rule["pattern"], name):
            return rule["org_type"]
    return default


def org_id_for(name: str) -> str:
    """A stable id from the normalised name, so re-importing a list changes nothing."""
    return "DIR-" + hashlib.sha1(normalise(name).encode("utf-8")).hexdigest()[:10]


def _header(text: str) -> list[str]:
    return [h.strip().lower() for h in text.splitlines()[0].split(",")] if text else []


class OrgDirectoryFormat(Format):
    """A CSV list of organisations that is not in the template."""

    name = "org_directory"
    stage = STAGE_ORGANISATIONS

    def sniff(self, name: str, data: bytes) -> bool:
        try:
            text, _ = readers.decode(data[:4096])
        except readers.ReadError:
            return False
        header = _header(text)
        if "org_id" in header or "机构编号" in header:
            return False  # the template's own organizations table
        has_name = "org_name" in header or ("name" in header and any(
            h in header for h in LOGISTICS_HINTS))
        return has_name

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        text, _ = readers.decode(data)
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        lower = {c.lower(): c for c in frame.columns}
        name_col = next(lower[h] for h in NAME_HEADERS if h in lower)
        region_col = next((lower[h] for h in REGION_HEADERS if h in lower), None)
        logistics = any(h in lower for h in LOGISTICS_HINTS)
        rows, numbers, seen = [], [], set()
        nameless = repeated = 0
        for number, record in enumerate(frame.to_dict("records"), start=2):
            org_name = " ".join(str(record[name_col]).split())
            if not org_name:
                nameless += 1
                continue
            org_id = org_id_for(org_name)
            if org_id in seen:  # listed twice: one organisation
                repeated += 1
                continue
            seen.add(org_id)
            rows.append({
                "org_id": org_id,
                "name": org_name,
                "org_type": org_type_for(org_name, "company" if logistics else "other"),
                "region": record.get(region_col) or None if region_col else None,
            })
            numbers.append(number)
        table = pd.DataFrame(rows, columns=["org_id", "name", "org_type", "region"], dtype=object)
        notes = [Note(code, count=n) for code, n in
                 (("skipped_no_name", nameless), ("duplicate_skipped", repeated)) if n]
        return Conversion(tables=[readers.RawTable(name, table, numbers, ORGANIZATIONS)],
                          notes=notes)


register(OrgDirectoryFormat())
