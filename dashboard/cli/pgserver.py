"""Throwaway PostgreSQL servers for the tests and the benchmark: Debian's PostgreSQL 15
started on loopback in a temporary folder (``make test`` installs the package when
missing, scripts/system-deps.sh). Never used by the app: a deployment names its own
server (docs/DEPLOY.md)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg
from psycopg import sql


def bindir() -> Path | None:
    """Where initdb and pg_ctl are (Debian keeps them out of PATH)."""
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(found, "initdb").exists():
            return Path(found)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _name(url: str) -> str:
    """The database a URL of this server names."""
    return url.rsplit("/", 1)[1]


class Server:
    """One PostgreSQL server in a temporary folder, on a free loopback port. As root the
    server runs as the ``postgres`` account (PostgreSQL refuses to run as root)."""

    def __init__(self):
        found = bindir()
        if found is None:
            raise FileNotFoundError("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = found
        self.folder = Path(tempfile.mkdtemp(prefix="lifeline-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "lifeline", "--no-sync",
                  "-E", "UTF8", "--locale=C.UTF-8")
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://lifeline@127.0.0.1:{self.port}"

    def database(self) -> str:
        """The URL of a new, not yet created database on this server."""
        return f"{self.url}/t_{uuid.uuid4().hex[:10]}"

    def copy(self, template_url: str) -> str:
        """A new database made as a copy of another (PostgreSQL's template databases:
        a file copy, far faster than importing again); its URL."""
        url = self.database()
        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as con:
            con.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(_name(url)), sql.Identifier(_name(template_url))))
        return url

    def drop(self, url: str) -> None:
        """Remove a database, closing whatever is still connected to it."""
        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as con:
            con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(_name(url))))

    def _run(self, tool: str, *args) -> None:
        subprocess.run([*self._as, str(self.bin / tool), *map(str, args)], check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        options = (f"-k {self.folder} -c listen_addresses=127.0.0.1 -p {self.port} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.folder / "log", "-w",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
