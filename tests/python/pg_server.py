"""A real PostgreSQL server for the tests that need one, as the campaign crate's Rust tests start it
(campaign/tests/common/pg.rs): ``initdb`` into a temporary folder (as Debian's ``postgres`` user when the tests
run as root, since initdb refuses root), started on 127.0.0.1 on a free port with scram-sha-256 passwords, stopped
at the end. Debian's ``postgresql`` package provides the programs (``make deps`` installs it); ``PG_BIN`` names
another folder.

Without the programs a test is skipped with the reason, except when ``CI`` is set: there a missing tool fails it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import NoReturn

import pytest

USER = "campaign"
PASSWORD = "journal-test-password"


def unavailable(why: str) -> NoReturn:
    """Skips the test, saying why; fails it under CI, where every tool the suite needs must be installed."""
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(why)


def bin_dir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl``: ``PG_BIN``, Debian's newest ``/usr/lib/postgresql/N/bin``, or
    the PATH."""
    named = os.environ.get("PG_BIN")
    if named:
        return Path(named) if (Path(named) / "initdb").exists() else None
    versions: list[tuple[int, Path]] = []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        for entry in root.iterdir():
            if entry.name.isdigit() and (entry / "bin" / "initdb").exists():
                versions.append((int(entry.name), entry / "bin"))
    if versions:
        return max(versions)[1]
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def runuser() -> str | None:
    """util-linux's runuser, which may be outside a non-root PATH."""
    found = shutil.which("runuser")
    if found:
        return found
    for candidate in ("/usr/sbin/runuser", "/sbin/runuser"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PgServer:
    """One server in its own temporary folder. :meth:`start` returns it running; :meth:`stop` stops it and removes
    the folder."""

    def __init__(self, bin: Path) -> None:
        self.bin = bin
        self.as_postgres = os.geteuid() == 0
        # Not under pytest's tmp_path: the postgres user must be able to reach the folder.
        self.dir = Path(tempfile.mkdtemp(prefix="campaign-pg"))
        self.port = free_port()

    @classmethod
    def start(cls) -> PgServer:
        bin = bin_dir()
        if bin is None:
            unavailable(
                "PostgreSQL's initdb and pg_ctl were not found (install Debian's postgresql package with "
                "`make deps`, or set PG_BIN)"
            )
        if os.geteuid() == 0 and runuser() is None:
            unavailable("running as root, the server must run as the postgres user, but runuser was not found")
        server = cls(bin)
        try:
            server._init_and_start()
        except BaseException:
            server.stop()
            raise
        return server

    def _init_and_start(self) -> None:
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD)
        if self.as_postgres:
            self._check(["chown", "-R", "postgres:postgres", str(self.dir)])
        data = str(self.dir / "data")
        self._run(
            "initdb",
            "-D",
            data,
            "-U",
            USER,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=50"
        self._run("pg_ctl", "-D", data, "-o", options, "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")

    def _command(self, program: str, *args: str) -> list[str]:
        exe = str(self.bin / program)
        prefix = [runuser() or "runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return [*prefix, exe, *args]

    def _run(self, program: str, *args: str) -> None:
        self._check(self._command(program, *args))

    def _check(self, command: list[str], env: dict[str, str] | None = None) -> None:
        done = subprocess.run(command, check=False, cwd=self.dir, capture_output=True, text=True, env=env, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}\n{self.log()}")

    def url(self, db: str) -> str:
        """The URL of database ``db`` (``postgres`` is always there)."""
        return f"postgres://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{db}"

    def database(self, name: str) -> str:
        """A fresh database; returns its URL."""
        env = {**os.environ, "PGPASSWORD": PASSWORD}
        createdb = str(self.bin / "createdb")
        self._check([createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name], env=env)
        return self.url(name)

    def query(self, db: str, sql: str) -> str:
        """Runs ``sql`` in database ``db`` with psql; returns its unaligned output."""
        env = {**os.environ, "PGPASSWORD": PASSWORD}
        psql = str(self.bin / "psql")
        command = [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", db, "-At", "-c", sql]
        done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: exit {done.returncode}\n{done.stderr}")
        return done.stdout.strip()

    def log(self) -> str:
        """The server's log, for assertion messages."""
        try:
            return (self.dir / "server.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        data = self.dir / "data"
        if data.exists():
            subprocess.run(
                self._command("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"),
                capture_output=True,
                check=False,
                timeout=120,
            )
        shutil.rmtree(self.dir, ignore_errors=True)
