"""Contacts are never stored (issue 7 §4): contact columns are not read, phone numbers
and e-mail addresses in text are removed, and the quarantine keeps neither."""

from __future__ import annotations

import re

from data_loaders import store
from data_loaders.ingest.importer import SourceFile, import_files
from data_loaders.ingest.values import CONTACT_REMOVED, strip_contacts
from tests.conftest import BOTH

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

# Outside hashes and ids (hex runs), which may contain phone-like digits by chance.
PHONE = re.compile(r"(?<![0-9a-zA-Z])(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|\d{3,4}-\d{7,8})(?![0-9a-zA-Z])"
                   r"|@[\w-]+\.")
PERSON = "王小明"

ORGS = ("org_id,name,org_type,region,联系人,联系电话,email\n"
        f"P1,伙伴一（王老师 13800138000）,partner,武汉,{PERSON},13912345678,wang@example.org\n"
        f"P2,伙伴二,partner,孝感,{PERSON},027-85726114,\n")
FACILITIES = ("facility_id,name,facility_type,region,手机\n"
              "H1,江汉医院 电话 027-85726114,hospital,武汉,13800138000\n"
              "H2,孝感医院,hospital,不存在的地方,13800138000\n")  # rejected: unknown region


def _every_text(con) -> str:
    """Every stored text value of every table, the quarantine included, in one string
    (not the uploads a PostgreSQL store keeps: the originals, as beside a file store)."""
    parts = []
    for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN "
            "('information_schema', 'pg_catalog') AND table_name <> 'uploads'").fetchall():
        frame = con.execute(f'SELECT * FROM "{name}"').df()  # names come from the catalogue
        parts.append(frame.astype(str).to_csv(index=False))
    return "\n".join(parts)


def test_strip_contacts():
    assert strip_contacts("请联系 138 0013 8000 或 a@b.cn") == (
        f"请联系 {CONTACT_REMOVED} 或 {CONTACT_REMOVED}")
    assert strip_contacts("N95 口罩 1860 型 500 只") == "N95 口罩 1860 型 500 只"


def test_contacts_are_never_stored(db):
    files = [SourceFile("organizations.csv", ORGS.encode()),
             SourceFile("facilities.csv", FACILITIES.encode())]
    report = import_files(db, files, accept_valid=True)
    assert report.committed and report.quarantined == 1
    stored = _every_text(db)
    assert not PHONE.search(stored), PHONE.search(stored)
    assert PERSON not in stored
    assert "伙伴一（王老师 [联系方式已删除]）" in stored  # the rest of the name is kept
    record = db.execute("SELECT record FROM quarantine").fetchone()[0]
    assert "孝感医院" in record and "手机" not in record


def test_contacts_are_not_in_any_export(db, tmp_path, monkeypatch, capsys):
    from dashboard.cli import main

    files = [SourceFile("organizations.csv", ORGS.encode()),
             SourceFile("facilities.csv", FACILITIES.encode())]
    assert import_files(db, files, accept_valid=True).committed
    db.close()
    for table in ("organizations", "facilities"):
        assert main(["export", table, "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert not PHONE.search(out) and PERSON not in out
    store.connect().close()
