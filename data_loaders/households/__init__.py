"""Families in difficulty (issue 17): pseudonymous households, the assessment rounds of a
shared tool, and the cases that follow each household until its difficulty is resolved.

Plain Python. The tool is data (:mod:`data_loaders.households.tool`); what a household
record may hold, and what it must never hold, is checked by
:mod:`data_loaders.households.privacy` before anything is written; a round arrives as a
spreadsheet through :mod:`data_loaders.households.rounds`. The tables are declared in
``data_loaders.store.schema`` (``HOUSEHOLD_TABLES``), apart from the tables every export
and import reads, so that no generic path can carry a household row.
"""
