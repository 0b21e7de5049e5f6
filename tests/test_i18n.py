"""The one translation catalogue: every string in both languages, placeholders alike."""

from __future__ import annotations

import re
import string

from dashboard.i18n import CATALOGUE, t


def test_every_entry_has_both_languages_with_the_same_placeholders():
    fields = string.Formatter()
    for key, (zh, en) in CATALOGUE.items():
        assert zh and en, key
        names_zh = {f for _, f, _, _ in fields.parse(zh) if f}
        names_en = {f for _, f, _, _ in fields.parse(en) if f}
        # English may need a variant Chinese does not (a lower-case word mid-sentence).
        assert names_zh <= names_en, key


# A shell command (to the end of its clause) or a file path such as docs/METHODS.md.
COMMAND = r"(python -m|sudo apt-get)[^，。；（）]*|[\w-]*[/.][\w./-]*\w"


def test_the_chinese_side_is_chinese():
    # A missed translation usually leaves English on the Chinese side.
    allowed_latin = {"CSV", "XLSX", "JSON", "SHA", "HXL", "WGS", "GCJ", "BD", "python", "dashboard",
                     "demo", "export", "needs", "as", "of", "MB", "pp", "PPE", "UTC", "ID", "N",
                     "mapping", "max", "ln", "PDF", "HTML", "Markdown", "Parquet", "chromium",
                     "UTF", "GB", "TOML"}  # formats, encodings, flags
    # and formulas are not words
    bilingual = {"sidebar.language", "app.open_app"}  # read by people of either language
    for key, (zh, _en) in CATALOGUE.items():
        if key in bilingual:
            continue
        text = re.sub(r"{[^}]*}", "", zh)
        text = re.sub(COMMAND, "", text)  # commands and file paths are typed as they are
        text = re.sub(r"`[^`]*`", "", text)  # a file's own spellings, shown as code
        words = set(re.findall(r"[A-Za-z]{2,}", text))
        assert words <= allowed_latin | {w.upper() for w in allowed_latin}, (key, words - allowed_latin)


def test_a_missing_key_shows_itself():
    assert t("no.such.key", "zh") == "no.such.key"


def test_every_reason_for_a_change_reads_in_both_languages():
    # The briefing's "as known at" and a record's history name each change by its reason.
    from data_loaders import store

    missing = [r for r in store.REASONS if f"record.reason.{r}" not in CATALOGUE]
    assert not missing, missing
