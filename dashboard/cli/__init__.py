"""The command line: ``python -m dashboard import|demo|brief|bench``.

Exit codes: 0 success, 2 invalid input (nothing written), 3 not allowed for the --role
given, 1 unexpected failure. Imports and exports are written to the audit log.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from dashboard.analytics.metric_table import DEFAULT_WINDOW
from dashboard.i18n import note_summary, problem_message, t, tool_problem_message


def _date(text: str) -> date:
    """A date argument; one outside the plausible window (data_loaders.ingest.values.date_window)
    is refused like a typo, as it would make a brief or an export span centuries."""
    from data_loaders.ingest.values import ValueProblem, parse_date, plausible_date

    try:
        day = parse_date(text)
    except ValueProblem as exc:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from exc
    try:
        return plausible_date(day)
    except ValueProblem as exc:
        raise argparse.ArgumentTypeError(
            f"implausible date: {text!r} (use a date from {exc.expected.replace(' – ', ' to ')})"
        ) from exc


def _moment(text: str):
    """A moment for ``--as-known-at``: an ISO date or date and time, UTC (a date alone
    is the end of that day)."""
    from datetime import datetime, time

    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"not a moment: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)") from exc
    if len(text.strip()) == 10:
        moment = datetime.combine(moment.date(), time.max)
    if moment.tzinfo is not None:
        from datetime import UTC

        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _table_names() -> list[str]:
    from data_loaders.store.schema import TABLES

    return list(TABLES)


def _emit(text: str, out: str | None, fmt: str = "json") -> None:
    """Write ``text`` to ``out`` (CSV with a BOM, so Excel reads Chinese) or to stdout."""
    if not out:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    with open(out, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8") as fh:
        fh.write(text)


def _role_argument(parser: argparse.ArgumentParser) -> None:
    from dashboard.access import LOCAL_ROLE, ROLES

    parser.add_argument("--role", choices=ROLES, default=LOCAL_ROLE,
                        help="export only what this role may see (default hub: the command "
                             "line runs with the data owner's rights)")


# What ``export NAME`` runs: the registered query (dashboard.access), whose level is what
# the export reveals; any other NAME is a stored table as a whole (``store.read_table``,
# raw). The first three are computed as of a date.
EXPORTS = {"open_needs": "needs.export_needs", "partners": "partners.export_partners",
           "overlaps": "funding.export_overlaps", "aggregates": "research.research_aggregates",
           "dictionary": "dictionary.dictionary_markdown", "brief": "briefing.build_brief"}
# What other commands run, checked as an export is (``round-report``).
COMMAND_QUERIES = {"round_report": "round_report.build_round_report"}
AS_OF_EXPORTS = ("open_needs", "partners", "overlaps")


def export_name(args) -> str:
    """What ``export`` will write, decided once for the permission check and the dispatch:
    ``needs`` with ``--as-of`` is the needs open at that date (``open_needs``); without
    it, the stored table ``needs`` as a whole, which is raw."""
    if args.table == "needs" and getattr(args, "as_of", None) is not None:
        return "open_needs"
    return args.table


def _permitted(args, name: str) -> bool:
    """False (with a message, and the refusal in the audit log) when ``args.role`` may not
    obtain export ``name``: checked before anything is read, by the level the registry
    gives the export's query."""
    from dashboard.access import allowed, registered

    level = registered(EXPORTS.get(name) or COMMAND_QUERIES.get(name, "store.read_table")).level
    if allowed(args.role, level):
        return True
    shown = args.table if name == "open_needs" else name
    from dashboard.access import audit

    audit.refused(args.role, "export", shown, level, db=args.db)
    print(f"role {args.role!r} may not export {shown!r} (it reveals {level}-level detail)",
          file=sys.stderr)
    return False


def _read_store(args):
    """A read-only connection to the store, or None (with a message) when there is no
    database at ``--db``: a read never creates an empty store and reports success."""
    from data_loaders import store

    if not store.exists(args.db):
        print(f"no database at {store.shown(args.db)}: import data first (python -m dashboard import PATH "
              "--db FILE), or name the database with --db", file=sys.stderr)
        return None
    return store.connect(args.db, read_only=True, missing="raise")


def _audit(args, action: str, **what) -> None:
    from dashboard.access import audit

    audit.record(action, audit.local_actor(), getattr(args, "role", "hub"), db=args.db, **what)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="validate files or folders and import them atomically")
    imp.add_argument("paths", nargs="+")
    imp.add_argument("--db", help="DuckDB file (default: LIFELINE_DB or data/lifeline.duckdb)")
    imp.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    imp.add_argument("--format", dest="fmt", metavar="NAME",
                     help="force a source format (default: chosen from each file's content)")
    imp.add_argument("--mapping", metavar="NAME",
                     help="read every file with a column-mapping profile saved on the Data page")
    imp.add_argument("--as-of", type=_date, help="date for records that carry none")
    imp.add_argument("--accept-valid", action="store_true",
                     help="import the valid rows and keep the rejected ones in the quarantine")
    imp.add_argument("--lang", choices=("zh", "en"), default="en")

    rnd = sub.add_parser("import-round", help="import one assessment round of the households "
                                              "a network follows (a row per household; "
                                              "never a name, contact or ID-card number)")
    rnd.add_argument("file", help="CSV or Excel: household_id, org_id, region, round_id, "
                                  "assessed_on and a column per question of the tool")
    rnd.add_argument("--org", required=True,
                     help="the organisation that follows these households (its org_id): "
                          "the command acts as that organisation's caseworker, and a row "
                          "of another organisation is refused")
    rnd.add_argument("--db")
    rnd.add_argument("--lang", choices=("zh", "en"), default="zh")

    demo = sub.add_parser("demo", help="build the deterministic demo scenario")
    demo.add_argument("--db")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--scale", type=float, default=1.0)
    demo.add_argument("--national", action="store_true",
                      help="the whole country: all 31 mainland provinces, a hub in each, "
                           "funders across provinces (serve it with LIFELINE_PROVINCE=000000)")
    demo.add_argument("--households", action="store_true",
                      help="also the demo network of families in difficulty: three "
                           "organisations in three provinces, 150 households, two rounds")
    demo.add_argument("--if-missing", action="store_true",
                      help="do nothing when the database file already exists (make run)")

    brief = sub.add_parser("brief", help="the morning briefing as JSON, Markdown, HTML or PDF")
    brief.add_argument("--as-of", type=_date, help="default: the latest date in the data")
    brief.add_argument("--window", type=int, default=DEFAULT_WINDOW)
    brief.add_argument("--db")
    brief.add_argument("--format", choices=("json", "md", "html", "pdf"), default="json",
                       help="md writes the map as FILE.map.png beside --out; pdf needs --out")
    brief.add_argument("--lang", choices=("zh", "en"), default="zh")
    brief.add_argument("--out", help="write to this file instead of standard output")
    brief.add_argument("--region", help="one prefecture's briefing (name or adcode); "
                                        "default: the whole province")
    brief.add_argument("--as-known-at", type=_moment, metavar="MOMENT",
                       help="the briefing with only what the store had recorded by then "
                            "(UTC; YYYY-MM-DD means the end of that day); default: "
                            "everything known now")
    _role_argument(brief)

    report = sub.add_parser("round-report", help="one assessment round's report on the "
                                                 "families in difficulty (aggregates only) as "
                                                 "Markdown, HTML or PDF")
    report.add_argument("round", help="the round's id, as in the round file")
    report.add_argument("--previous", help="the round to compare with (default: the one before)")
    report.add_argument("--as-of", type=_date,
                        help="count the cases to this day (default: the last casework)")
    report.add_argument("--db")
    report.add_argument("--format", choices=("md", "html", "pdf"), default="md",
                        help="pdf needs --out")
    report.add_argument("--lang", choices=("zh", "en"), default="zh")
    report.add_argument("--out", help="write to this file instead of standard output")
    _role_argument(report)

    export = sub.add_parser("export", help="write a table, or the needs open at a date, "
                                           "as CSV (optionally HXL-tagged) or JSON")
    export.add_argument("table", help="needs (open at --as-of, with what was delivered), "
                                      "partners, overlaps, aggregates (research: region × "
                                      "day × category, small counts suppressed), dictionary "
                                      "(the data dictionary), or a stored table: "
                                      + ", ".join(_table_names()))
    export.add_argument("--as-of", type=_date, help="for needs: default the latest date")
    export.add_argument("--window", type=int, default=DEFAULT_WINDOW)
    export.add_argument("--days", type=int, default=7,
                        help="for overlaps: deliveries this many days apart or closer")
    export.add_argument("--db")
    export.add_argument("--hxl", action="store_true", help="add a row of HXL hashtags")
    export.add_argument("--format", choices=("csv", "json", "parquet", "md"), default=None,
                        help="csv (default) or json; aggregates also parquet (needs --out); "
                             "dictionary md (default) or csv")
    export.add_argument("--out", help="write to this file instead of standard output")
    _role_argument(export)
    export.add_argument("--start", type=_date, help="for aggregates: first day (default: the "
                                                    "data's first date)")
    export.add_argument("--end", type=_date, help="for aggregates: last day, the as-of date "
                                                  "(default: the data's latest date)")
    export.add_argument("--region", help="for aggregates: one prefecture (name or adcode)")
    export.add_argument("--category", help="for aggregates: one category, or 'all' for the "
                                           "activity measures")
    # The small-cell threshold is the hub's policy (LIFELINE_SMALL_CELL_THRESHOLD): the
    # option stays only to say so to a script that still passes it.
    export.add_argument("--threshold", type=int, default=None, help=argparse.SUPPRESS)
    export.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="for dictionary: language of labels and descriptions")
    export.add_argument("--history", action="store_true",
                        help="for a stored table: every version of every record, with the "
                             "change that wrote it (when, who, why, the import)")

    move = sub.add_parser("migrate-store", help="move a whole store (records, history, "
                                                "logs) into an empty one, e.g. a DuckDB "
                                                "file into PostgreSQL, and check the "
                                                "briefings agree")
    move.add_argument("source", help="the store to move: a file or a postgresql:// URL")
    move.add_argument("destination", help="an empty store: a file or a postgresql:// URL "
                                          "(created when missing)")

    bench = sub.add_parser("bench", help="measure build, import, brief and page speed")
    bench.add_argument("--scale", default="1,100", help="comma-separated scales, e.g. 1,100")
    bench.add_argument("--repeat", type=int, default=5)
    bench.add_argument("--national", default="",
                       help="comma-separated scales of the national demo, e.g. 10")
    bench.add_argument("--store", action="append", default=[], metavar="FILE",
                       help="also measure an existing store (a copy of it), e.g. a real "
                            "network's; repeatable; read as this server's province reads it")
    bench.add_argument("--sessions", type=int, default=10,
                       help="browser sessions of the concurrency run on a real server "
                            "(0 skips the served figures)")
    bench.add_argument("--postgres", action="store_true",
                       help="also measure a PostgreSQL store on a throwaway local server "
                            "(needs Debian's postgresql)")
    return parser


def cmd_import(args) -> int:
    """Validate and import; print every problem, or one line per table written."""
    from dashboard.access import LOCAL_ROLE, run
    from data_loaders import store
    from data_loaders.ingest import formats

    formats.choose("", b"")  # load the registry
    if args.fmt and args.fmt not in formats.REGISTRY:
        print(f"unknown format {args.fmt!r}; known: {', '.join(formats.REGISTRY)}", file=sys.stderr)
        return 2
    fmt = args.fmt
    if args.mapping:
        from data_loaders.ingest.formats.mapped import MappedFormat
        from data_loaders.ingest.mapping import load_profile

        try:
            fmt = MappedFormat(load_profile(args.mapping, db=args.db))
        except (FileNotFoundError, ValueError) as exc:
            print(f"mapping profile {args.mapping!r}: {exc}", file=sys.stderr)
            return 2
    con = store.connect(args.db, on_wait=_waiting)
    # The command line runs with the data owner's rights; the import still goes through
    # the gate, as every write does.
    report = run(LOCAL_ROLE, "importer.import_paths", con, args.paths, dry_run=args.dry_run,
                 fmt=fmt, as_of=args.as_of, accept_valid=args.accept_valid)
    for name, fmt in report.formats.items():
        if fmt != "template":
            print(f"{name}: read as {fmt}")
    for p in report.problems:
        print(_problem_line(p, args.lang), file=sys.stderr)
    refused = (not report.ok and not args.accept_valid) or (not args.dry_run and not report.committed)
    if refused:
        print(t("cli.nothing_written", args.lang, n=len(report.problems)), file=sys.stderr)
        return 2
    if not report.ok:
        key = "cli.would_quarantine" if args.dry_run else "cli.quarantined"
        print(t(key, args.lang, n=len(report.validation.rejected)), file=sys.stderr)
    for sentence in note_summary(report.notes, args.lang):
        print(sentence)
    key = "cli.would_write" if args.dry_run else "cli.written"
    for name, n in report.written.items():
        print(t(key, args.lang, table=name, n=f"{n:,}"))
    if report.review:
        print(t("cli.review", args.lang, n=len(report.review)))
    if args.dry_run:
        print(t("cli.dry_run", args.lang))
        return 0
    if not report.rows_written and not report.review:
        print(t("cli.no_rows", args.lang), file=sys.stderr)
        return 2
    return 0


def cmd_import_round(args) -> int:
    """Import an assessment round: every problem named (exit 2, nothing written), or what
    was written. A file refused is not kept: it may hold a person's details."""
    from pathlib import Path

    from dashboard.access import bound, run
    from data_loaders import store
    from data_loaders.households.tool import ToolError

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    con = store.connect(args.db, on_wait=_waiting)
    try:
        # The person at the machine owns the store; a family's rows are written as the
        # caseworker of the organisation that follows it, as on the Casework page.
        report = run(bound("caseworker", args.org), "rounds.import_round", con, path.name,
                     data, org_id=args.org)
    except ToolError as exc:  # the network's tool file, not the round, is wrong
        return _tool_refused(exc, args.lang)
    finally:
        con.close()
    for p in report.problems:
        print(_problem_line(p, args.lang), file=sys.stderr)
    if not report.committed:
        print(t("cli.nothing_written", args.lang, n=len(report.problems)), file=sys.stderr)
        return 2
    print(t("cli.round_written", args.lang, households=report.households,
            assessments=report.assessments, answers=report.answers))
    for sentence in note_summary(report.notes, args.lang):
        print(sentence)
    return 0


def _waiting(path, seconds: float) -> None:
    """Say once that the store is busy and how long the command waits for it."""
    print(f"the store {path} is in use by another process (an import?); waiting up to "
          f"{seconds:.0f} s…", file=sys.stderr, flush=True)


def _problem_line(p, lang: str) -> str:
    """One problem as a line: where, column, value, what is wrong — how to fix it."""
    message, fix = problem_message(p, lang)
    if p.code == "needs_date":
        fix += " (--as-of YYYY-MM-DD)"
    where = p.file + (f":{p.row}" if p.row else "")
    column = f" [{p.column}]" if p.column else ""
    value = f" {p.value!r}" if p.value not in (None, "") and p.code != "columns_shifted" else ""
    return f"{where}{column}{value}: {message}" + (f" — {fix}" if fix else "")


def cmd_demo(args) -> int:
    """Build the demo scenario into the store, replacing what it held."""
    import time

    from data_loaders import store
    from data_loaders.demo import build_demo

    if args.if_missing and store.exists(args.db):
        print(f"using existing database {store.shown(args.db)}")
        return 0
    started = time.perf_counter()
    from geo.config import NATIONAL, is_national

    frames = build_demo(seed=args.seed, scale=args.scale,
                        province=NATIONAL if args.national else None)
    con = store.connect(args.db, on_wait=_waiting)
    what = f"seed={args.seed}, scale={args.scale:g}" + (", national" if args.national else "")
    log = [{"import_id": f"demo-{args.seed}", "file_name": f"demo({what})",
            "sha256": "", "table_name": name, "rows": len(frame)} for name, frame in frames.items()]
    written = store.write(con, frames, log, replace=True)
    for name, n in written.items():
        print(f"{name}: {n} rows")
    if args.households:
        from data_loaders.demo.households import write_households

        made = write_households(con, seed=args.seed)
        print(f"families in difficulty: {made['households']} households of "
              f"{made['organizations']} organisations, {made['assessments']} assessments, "
              f"{made['services']} services given, {made['closed']} cases closed")
    print(f"demo built in {time.perf_counter() - started:.1f} s → {store.shown(args.db)}")
    if args.national and not is_national():
        print("this server shows one province of it; LIFELINE_PROVINCE=000000 shows the "
              "whole country")
    return 0


def _prefecture(text: str) -> str | None:
    """The adcode of a prefecture of the province named ``text`` (name or adcode); None,
    said on standard error, when there is none."""
    from geo.config import province_prefix
    from geo.regions import load_registry

    found = load_registry().resolve_prefecture(text)
    if found is None or not found.adcode.startswith(province_prefix()):
        print(f"unknown prefecture {text!r} in this province", file=sys.stderr)
        return None
    return found.adcode


def _region_of(args) -> str | None | bool:
    """``--region`` as a prefecture's adcode; None for the whole province; False (said on
    standard error) when it names no prefecture of the province."""
    if not args.region:
        return None
    return _prefecture(args.region) or False


def _pdf_without_file(args) -> bool:
    """True (said on standard error) when a PDF is asked for without ``--out``."""
    if args.format == "pdf" and not args.out:
        print("--format pdf needs --out FILE.pdf", file=sys.stderr)
        return True
    return False


def cmd_brief(args) -> int:
    """Write the morning briefing (dashboard.briefing) as JSON, Markdown, HTML or PDF."""
    from dashboard.access import run
    from dashboard.analytics.metrics import Scope
    from dashboard.briefing import PdfError, write_brief

    if _pdf_without_file(args):
        return 2
    if not _permitted(args, "brief"):
        return 3
    con = _read_store(args)
    region = _region_of(args)
    if con is None or region is False:
        return 2
    if args.as_known_at is not None:
        from data_loaders import store

        con = store.as_known_at(con, args.as_known_at)
    as_of = _as_of(con, args)
    if as_of is None:
        return 2
    brief = run(args.role, EXPORTS["brief"], con, Scope(as_of, args.window), args.lang, region)
    if args.as_known_at is not None:  # the subtitle says the briefing is of what was known
        brief["known_at"] = args.as_known_at.strftime("%Y-%m-%d %H:%M")
    try:
        text = write_brief(brief, args.format, args.lang, args.out)
    except PdfError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if text is not None:
        _emit(text, None)
    _audit(args, "export", what="brief", format=args.format, lang=args.lang,
           as_of=as_of.isoformat(), out=args.out, region=region,
           as_known_at=args.as_known_at.isoformat() if args.as_known_at else None)
    return 0


def _tool_refused(error, lang: str) -> int:
    """Say, in ``lang``, which assessment tool file cannot be used and every fault; exit 2."""
    print(t("cli.tool_error", lang, path=error.path, setting="LIFELINE_ASSESSMENT_TOOL"),
          file=sys.stderr)
    for problem in error.problems:
        print(f"  - {tool_problem_message(problem, lang)}", file=sys.stderr)
    return 2


def cmd_round_report(args) -> int:
    """Write one round's report (dashboard.briefing.round_report): suppressed aggregates."""
    from dashboard.access import run
    from dashboard.briefing import PdfError, round_report
    from data_loaders.households.tool import ToolError

    if _pdf_without_file(args):
        return 2
    if not _permitted(args, "round_report"):
        return 3
    con = _read_store(args)
    if con is None:
        return 2
    try:
        report = run(args.role, COMMAND_QUERIES["round_report"], con, args.round,
                     previous=args.previous, as_of=args.as_of)
        text = round_report.write_round_report(report, args.format, args.lang, args.out)
    except round_report.UnknownRound as exc:
        print(t("cli.unknown_round", args.lang, round=exc.round_id,
                known=", ".join(exc.known) or "—"), file=sys.stderr)
        return 2
    except ToolError as exc:  # the network's tool file, not the report, is wrong
        return _tool_refused(exc, args.lang)
    except PdfError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        con.close()
    if text is not None:
        _emit(text, None)
    _audit(args, "export", what="round_report", format=args.format, lang=args.lang,
           round=args.round, out=args.out)
    return 0


def cmd_export(args) -> int:
    """Write one export if ``--role`` may see it, and log it in the audit log."""
    if not _permitted(args, export_name(args)):
        return 3
    code = _export(args)
    if code == 0:
        from dashboard.analytics.suppression import policy_threshold

        policy = {"threshold": policy_threshold()} if args.table == "aggregates" else {}
        _audit(args, "export", what=args.table, format=args.format, as_of=args.as_of,
               out=args.out, **policy)
    return code


def _export(args) -> int:
    """Write one table; text cells that look like formulas are neutralised."""
    from dashboard.access import run
    from dashboard.present.exports import safe_frame
    from data_loaders.ingest.formats.hxl import to_hxl_csv
    from data_loaders.store import schema

    if args.table in ("aggregates", "dictionary"):
        return _export_research(args)
    args.format = args.format or "csv"
    if args.format not in ("csv", "json"):
        print(f"--format {args.format} is only for aggregates or dictionary", file=sys.stderr)
        return 2
    con = _read_store(args)
    if con is None:
        return 2
    if export_name(args) in AS_OF_EXPORTS:
        return _export_as_of(con, args)
    if args.table not in schema.TABLES:
        print(f"unknown table {args.table!r}; known: {', '.join(schema.TABLES)}", file=sys.stderr)
        return 2
    query = "store.table_history" if args.history else "store.read_table"
    frame = run(args.role, query, con, args.table)
    for col in schema.TABLES[args.table].columns:
        if col.kind == schema.DATE:
            frame[col.name] = frame[col.name].astype("string").str.slice(0, 10)
    frame = safe_frame(frame)
    if args.format == "json":
        text = frame.to_json(orient="records", force_ascii=False, indent=1)
    else:
        if args.hxl:
            frame = to_hxl_csv(frame, schema.TABLES[args.table])
        text = frame.to_csv(index=False)
    _emit(text, args.out, args.format)
    return 0


def _as_of(con, args):
    """``--as-of``, else the latest date in the data; None (with a message) when neither."""
    from dashboard.analytics.metrics import data_date_range

    as_of = args.as_of or data_date_range(con)[1]
    if as_of is None:
        print("the database holds no dated data; pass --as-of", file=sys.stderr)
    return as_of


def _export_as_of(con, args) -> int:
    """Exports computed as of a date: ``needs`` open at D, ``partners`` (freshness as of
    D) and ``overlaps`` (duplicated donations up to D)."""
    from dashboard.access import run

    as_of = _as_of(con, args)
    if as_of is None:
        return 2
    name = export_name(args)
    if name == "overlaps":
        text = run(args.role, EXPORTS[name], con, as_of, args.days, args.format,
                   window=args.window)
    else:
        text = run(args.role, EXPORTS[name], con, as_of, args.window, args.format)
    _emit(text, args.out, args.format)
    return 0


def _export_research(args) -> int:
    """``export aggregates`` (suppressed, with provenance) and ``export dictionary``."""
    from dashboard.access import run
    from dashboard.analytics import research
    from data_loaders.store import schema

    if args.table == "dictionary":
        fmt = args.format or "md"
        if fmt not in ("md", "csv"):
            print("the dictionary is written as md or csv", file=sys.stderr)
            return 2
        query = EXPORTS["dictionary"] if fmt == "md" else "dictionary.dictionary_csv"
        text = run(args.role, query, args.lang)
        _emit(text, args.out, fmt)
        return 0
    fmt = args.format or "csv"
    if fmt not in research.FORMATS:
        print(f"aggregates are written as {', '.join(research.FORMATS)}", file=sys.stderr)
        return 2
    if fmt == "parquet" and not args.out:
        print("--format parquet needs --out FILE", file=sys.stderr)
        return 2
    if args.threshold is not None:
        from dashboard.analytics.suppression import THRESHOLD_FLOOR, policy_threshold

        print("the small-cell threshold is the hub's policy, not a choice per export: it is "
              f"{policy_threshold()} (set by LIFELINE_SMALL_CELL_THRESHOLD, at least "
              f"{THRESHOLD_FLOOR}); leave out --threshold", file=sys.stderr)
        return 2
    region = _region_of(args)
    if region is False:
        return 2
    category = args.category
    if category and category != research.CATEGORY_ALL:
        category = schema.choice_lookup(schema.NEEDS.column("category")).get(category.lower())
        if category is None:
            print(f"unknown category {args.category!r}; use one of "
                  + ", ".join([*schema.NEEDS.column("category").values, research.CATEGORY_ALL]),
                  file=sys.stderr)
            return 2
    con = _read_store(args)
    if con is None:
        return 2
    try:
        frame, meta = run(args.role, EXPORTS["aggregates"], con, args.start, args.end, region,
                          category)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.out:
        side = research.write_export(frame, meta, fmt, args.out)
        print(f"{len(frame)} rows → {args.out}; provenance → {side}", file=sys.stderr)
    elif fmt == "json":
        _emit(research.to_json_text(frame, meta | {"format": fmt}), None)
    else:
        _emit(research.to_csv_text(frame), None)
        print("provenance not written: give --out FILE to get FILE.meta.json", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    """Run the benchmark and print its table."""
    from dashboard.cli.bench import run_bench

    scales = [float(s) for s in args.scale.split(",") if s.strip()]
    national = [float(s) for s in args.national.split(",") if s.strip()]
    missing = [s for s in args.store if not Path(s).is_file()]
    if missing:
        print(f"no store at {', '.join(missing)}: --store takes a DuckDB file", file=sys.stderr)
        return 2
    run_bench(scales, repeat=args.repeat, postgres=args.postgres, national=national,
              sessions=args.sessions, stores=args.store)
    return 0


def cmd_migrate_store(args) -> int:
    """Copy a store into an empty one, then compare the two stores' briefings (JSON, as
    of the latest date, Chinese): exit 0 only when they are identical."""
    from dashboard.analytics.metrics import Scope, data_date_range
    from dashboard.briefing.content import build_brief
    from data_loaders import store
    from data_loaders.store.transfer import (
        NotEmpty,
        copy_store,
        read_profiles,
        read_uploads,
    )

    uploads, profiles = read_uploads(args.source), read_profiles(args.source)
    source = store.connect(args.source, read_only=True, missing="raise")
    destination = store.connect(args.destination, on_wait=_waiting)
    try:
        copied = copy_store(source, destination, uploads, profiles)
    except NotEmpty as exc:
        print(f"{store.shown(args.destination)}: {exc}; nothing was written", file=sys.stderr)
        return 2
    for table, n in copied.items():
        if n:
            print(f"{table}: {n:,} rows")
    # Read back as the app would: a PostgreSQL store through a replica of what it now holds.
    moved = (destination if store.dialect(destination) == "duckdb"
             else store.connect(args.destination, read_only=True))
    as_of = data_date_range(source)[1]
    if as_of is None:
        print("both stores hold no dated data: nothing to compare")
        return 0
    scope = Scope(as_of, DEFAULT_WINDOW)
    before, after = build_brief(source, scope, "zh"), build_brief(moved, scope, "zh")
    if before != after:
        print(f"the briefings of {store.shown(args.source)} and {store.shown(args.destination)} "
              f"as of {as_of} differ: check the destination before using it", file=sys.stderr)
        return 1
    print(f"moved to {store.shown(args.destination)}; the briefings as of {as_of} are identical")
    return 0


COMMANDS = {"import": cmd_import, "import-round": cmd_import_round, "demo": cmd_demo,
            "brief": cmd_brief, "round-report": cmd_round_report, "export": cmd_export, "bench": cmd_bench,
            "migrate-store": cmd_migrate_store}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m dashboard``."""
    from data_loaders import store
    from data_loaders.store import StoreBusy, StoreMissing, StoreNotWritten, StoreTooNew, StoreUnavailable
    from geo.regions import ProvinceSettingError, configured_province

    args = build_parser().parse_args(argv)
    try:  # a mistyped LIFELINE_PROVINCE is one sentence, before anything is read or written
        configured_province()
    except ProvinceSettingError as exc:
        print(f"{exc}; nothing was read or written", file=sys.stderr)
        return 2
    # Changes made by a command are the local account's, with the rights of --role (hub).
    store.acting_as(None, getattr(args, "role", None) or "hub")
    try:
        return COMMANDS[args.command](args)
    except StoreBusy as exc:  # nothing was read or written: say so, no traceback
        print(f"{exc}; nothing was written", file=sys.stderr)
        return 2
    except (StoreTooNew, StoreMissing, StoreUnavailable, StoreNotWritten) as exc:
        print(str(exc), file=sys.stderr)
        return 2
