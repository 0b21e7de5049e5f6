"""The benchmark's served figures: a real ``streamlit run`` on loopback, driven by
sessions that speak Streamlit's own websocket protocol (what a browser tab sends).

- each page's first visit through the server, in one session on a fresh server (cold
  caches, nothing prepared from an earlier run; the first page also pays the server's
  imports);
- the concurrency run: on another fresh server that has never served the store (what
  the first server asked is forgotten), ``SESSIONS`` people open the heaviest page
  of that visit at the same moment (p50, p95 and the slowest), then each of them goes on
  through every page; a session whose page raised, never finished, or whose server
  logged a traceback counts as failed;
- the morning after an import: on that server, 1,000 deliveries are imported into its
  store; the bench waits until the server says the queries asked before are ready again
  (dashboard.app.rewarm), then ``SESSIONS`` new people open the heaviest page at once;
- after a restart: a third server on the same store, which finds what the second was
  asked (dashboard.app.asked_file); one person opens the start page, the bench waits
  until the server says those queries are ready, then ``SESSIONS`` people open the
  heaviest page at once;
- the app process's memory peak (``VmHWM``, MB) after all of that.

A page's time runs from the request until the server reports the script finished, every
element sent; the browser's drawing is not in it (it happens on the person's machine,
and on a 2-core benchmark machine ten headless browsers would measure themselves).
:func:`streamlit_server` is also the browser tests' (tests/test_browser.py).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = 10
PAGE_TIMEOUT_S = 300


class ServerDidNotStart(RuntimeError):
    """``streamlit run`` did not answer its health check; the message holds its log."""


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(db: Path | str, folder: Path, env: dict | None = None, args: tuple = (),
                     port: int | None = None, process: list | None = None):
    """``streamlit run`` on ``db`` until the block ends; yields the base URL.

    ``env`` replaces the environment (default: this one); ``args`` are more flags;
    ``port`` defaults to a free one; ``process``, a list, receives the server's Popen.
    Output goes to ``folder/streamlit.log``: a pipe nobody reads would stall the app.
    """
    port = port or free_port()
    log_path = Path(folder) / "streamlit.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard.app.serve",  # as a deployment serves it
             "--server.port", str(port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false", *args],
            cwd=ROOT, env=(env if env is not None else dict(os.environ)) | {"LIFELINE_DB": str(db)},
            stdout=log, stderr=subprocess.STDOUT,
        )
        if process is not None:
            process.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            raise ServerDidNotStart("streamlit did not start: "
                                    + log_path.read_text(errors="replace"))
        try:
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (Linux ``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


class Session:
    """One person's tab: a websocket session that opens pages as a click on the menu does;
    ``start`` is the app's start page (served at the bare URL)."""

    def __init__(self, base: str, start: str | None):
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.start = start
        self.socket = None

    async def open(self, page: str) -> tuple[float, str | None]:
        """Seconds until ``page`` has run to the end, and what failed, if anything."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from websockets.asyncio.client import connect

        started = time.perf_counter()
        try:
            if self.socket is None:
                self.socket = await connect(self.url, subprotocols=["streamlit"], max_size=None)
            request = BackMsg()
            request.rerun_script.page_name = "" if page == self.start else page
            await self.socket.send(request.SerializeToString())
            failure = await asyncio.wait_for(self._finished(), PAGE_TIMEOUT_S)
        except Exception as error:  # noqa: BLE001 - a timeout or a closed socket fails the session
            failure = f"{type(error).__name__} {error}"
        return time.perf_counter() - started, failure and f"{page}: {failure}"

    async def _finished(self) -> str | None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        failure = None
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            kind = message.WhichOneof("type")
            if kind == "page_not_found":
                failure = "page not found"
            elif (kind == "delta" and message.delta.WhichOneof("type") == "new_element"
                  and message.delta.new_element.WhichOneof("type") == "exception"):
                failure = "the page raised " + message.delta.new_element.exception.type
            elif kind == "script_finished":
                if message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return failure
                if message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


async def _visit(base: str, first: str | None, pages: list[str], sessions: int):
    """``sessions`` sessions open ``first`` at once, then each goes through ``pages`` (the
    first of them the start page) at its own pace. Returns ([(seconds, failure)] of the
    first, the same for every visit)."""
    people = [Session(base, pages[0] if pages else None) for _ in range(sessions)]

    async def walk(person: Session) -> list[tuple]:
        return [await person.open(page) for page in pages]

    try:
        at_once = await asyncio.gather(*(p.open(first) for p in people)) if first else []
        walks = await asyncio.gather(*(walk(person) for person in people))
    finally:
        await asyncio.gather(*(person.close() for person in people))
    return list(at_once), [visit for walk in walks for visit in walk]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _tracebacks(folder: Path) -> int:
    return (folder / "streamlit.log").read_text(errors="replace").count("Traceback")


READY_LINE = "queries ready for data version"


def after_import(url: str, db: Path | str, log: Path, page: str,
                 sessions: int) -> tuple[float | None, list[tuple]]:
    """The morning after an import: 1,000 deliveries imported into the served store while
    the server runs (the data version moves); seconds until the server says the queries
    asked before are ready again (dashboard.app.rewarm), then ``sessions`` new people open
    ``page`` at once. (None, []) when the server never says so within the page timeout."""
    from dashboard.cli.bench import import_deliveries

    before = log.read_text(errors="replace").count(READY_LINE)
    import_deliveries(db)
    return _when_ready(url, log, before, time.monotonic(), page, sessions)


def _when_ready(url: str, log: Path, before: int, started: float, page: str,
                sessions: int) -> tuple[float | None, list[tuple]]:
    """Wait until the server's log holds more than ``before`` ready lines; then
    ``sessions`` people open ``page`` at once. (seconds since ``started``, their visits),
    or (None, []) when the line never comes within the page timeout."""
    while log.read_text(errors="replace").count(READY_LINE) == before:
        if time.monotonic() - started > PAGE_TIMEOUT_S:
            return None, []
        time.sleep(0.2)
    ready = time.monotonic() - started
    at_once, _ = asyncio.run(_visit(url, page, [], sessions))
    return ready, at_once


def forget_asked(db: Path | str) -> None:
    """Remove the file in which servers keep what was asked of ``db`` (dashboard.app.
    asked_file): the next server starts as one that has never served it."""
    from dashboard.app import asked_file
    from data_loaders import store

    asked_file.path_for(store.location(str(db))).unlink(missing_ok=True)


def after_restart(url: str, log: Path, start: str, page: str,
                  sessions: int) -> tuple[float | None, list[tuple]]:
    """A server restarted on a store it has served: one person opens the ``start`` page,
    the server prepares what was asked before (seconds until it says so), then
    ``sessions`` people open ``page`` at once. (None, []) when it never says so."""
    started = time.monotonic()
    asyncio.run(_visit(url, start, [], 1))
    return _when_ready(url, log, 0, started, page, sessions)


def served_bench(db: Path | str, folder: Path, pages: list[str],
                 sessions: int = SESSIONS) -> dict:
    """Every served measurement on the store ``db`` (module docstring); ``pages`` are the
    pages' URL paths, the first of them the app's start page."""
    result: dict = {}
    forget_asked(db)  # cold: nothing prepared from an earlier run on this store
    one, many = folder / "one-session", folder / "sessions"
    one.mkdir(exist_ok=True)
    many.mkdir(exist_ok=True)
    process: list = []
    with streamlit_server(db, one, process=process) as url:
        _, visit = asyncio.run(_visit(url, None, pages, 1))
        result["served_one_session_peak_mb"] = peak_memory_mb(process[0].pid)
    for page, (seconds, _) in zip(pages, visit):
        result[f"served_{page}_first_s"] = seconds
    # The start page's first visit also pays the server's start-up: not a page's weight.
    heaviest = max(pages[1:], key=lambda page: result[f"served_{page}_first_s"])

    # A server that has never served this store: what the first one asked is forgotten.
    forget_asked(db)
    process = []
    watching = dict(os.environ) | {"LIFELINE_REWARM_SECONDS": "1"}
    with streamlit_server(db, many, env=watching, process=process) as url:
        at_once, visits = asyncio.run(_visit(url, heaviest, pages, sessions))
        ready_s, after = after_import(url, db, many / "streamlit.log", heaviest, sessions)
        peak = peak_memory_mb(process[0].pid)
    restarted = folder / "restarted"
    restarted.mkdir(exist_ok=True)
    with streamlit_server(db, restarted, env=watching) as url:
        restart_ready_s, again = after_restart(url, restarted / "streamlit.log", pages[0],
                                               heaviest, sessions)
    first = [seconds for seconds, _ in at_once]
    later = [seconds for seconds, _ in after]
    loads = [seconds for seconds, _ in visits]
    failed = [failure for _, failure in [*visit, *at_once, *visits, *after, *again] if failure]
    failed += [f"{folder.name}: {n} traceback(s) in the server's log"
               for folder in (one, many, restarted) if (n := _tracebacks(folder))]
    result.update({
        "concurrency_page": heaviest, "concurrency_sessions": sessions,
        "concurrency_p50_s": statistics.median(first),
        "concurrency_p95_s": _percentile(first, 0.95),
        "concurrency_max_s": max(first),
        "after_import_ready_s": ready_s,
        "after_import_p50_s": statistics.median(later) if later else None,
        "after_import_p95_s": _percentile(later, 0.95) if later else None,
        "after_restart_ready_s": restart_ready_s,
        "after_restart_p95_s": _percentile([s for s, _ in again], 0.95) if again else None,
        "every_page_visits": len(loads), "every_page_p50_s": statistics.median(loads),
        "every_page_p95_s": _percentile(loads, 0.95),
        "sessions_failed": len(failed),
        "app_memory_peak_mb": peak,
    })
    for failure in failed[:5]:
        print(f"  failed: {failure}", file=sys.stderr)
    return result
