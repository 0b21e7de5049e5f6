"""The Data page never shows a traceback, whatever is uploaded (issue 11 §2, §7): each
hostile file gets one clear line in the page's language, and nothing is written."""

from __future__ import annotations

import json

import pytest

from data_loaders import store
from tests.apptest import frame_with, run_app
from tests.conftest import BOTH, DATA

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

HOSTILE = DATA / "hostile"


def _nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


UPLOADS = [
    ("numbers.json", b"[1, 2, 3]"),
    ("other_shape.json", json.dumps([{"a": {"b": [1, {"c": 2}]}}]).encode()),
    ("deep.json", _nested(5000)),
    ("huge_cell.csv", b"facility_id,name\nH1," + b"x" * 200_000 + b"\n"),
    ("nul.csv", b"facility_id,name,facility_type,region\nH1,\x00,hospital,\xe6\xad\xa6\xe6\xb1\x89\n"),
    ("header_only.csv", b"facility_id,name,facility_type,region\n"),
    ("needs_implausible_dates.csv", (HOSTILE / "needs_implausible_dates.csv").read_bytes()),
    ("needs_impossible_numbers.csv", (HOSTILE / "needs_impossible_numbers.csv").read_bytes()),
    ("facilities_mixed_encoding.csv", (HOSTILE / "facilities_mixed_encoding.csv").read_bytes()),
    ("organizations_latin1.csv", (HOSTILE / "organizations_latin1.csv").read_bytes()),
    ("wide.csv", (",".join(f"c{i}" for i in range(5000)) + "\n").encode()),
    ("shifted_facilities.csv", (DATA / "import" / "shifted_facilities.csv").read_bytes()),
]


@pytest.mark.parametrize("name, data", UPLOADS, ids=[u[0] for u in UPLOADS])
def test_a_hostile_upload_gets_one_clear_answer(scenario_db, name, data):
    before = store.row_counts(scenario_db)
    at = run_app("data")
    at.file_uploader[0].set_value([(name, data, "application/octet-stream")]).run()
    assert not at.exception, [e.message for e in at.exception]
    recognised = frame_with(at, "识别为")
    status = recognised.iloc[0]["下一步"]
    shown = [status] + [e.value for e in at.error] + [e.value for e in at.warning]
    if status == "可以检查":  # read, then refused by the check with its reasons
        assert at.error, shown
        problems = frame_with(at, "问题")
        assert len(problems) >= 1 and problems["问题"].str.len().min() > 0
    elif status.startswith("没有识别出格式"):  # the mapping step, with its own preview
        assert "列映射" in [s.value for s in at.subheader]
    text = " ".join(str(s) for s in shown)
    assert "Traceback" not in text and "None" not in text and "--" not in text
    assert [b.key for b in at.button if b.key and b.key.startswith("import_")] == []
    assert store.row_counts(scenario_db) == before
