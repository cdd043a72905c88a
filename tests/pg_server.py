"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temp data directory, a free port.

Never a mock: ``initdb`` creates a real cluster, ``pg_ctl`` starts a real server on 127.0.0.1, and the tests
connect over TCP with a password (scram-sha-256), as a deployment would. PostgreSQL refuses to run as root,
and CI runs as root: there the cluster belongs to the ``postgres`` system user that Debian's package creates,
and every server command runs through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

ROLE = "littrack"
DATABASE = "littrack"


def bin_dir() -> Path | None:
    """Where Debian's PostgreSQL server binaries live (``/usr/lib/postgresql/<major>/bin``), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """``with PgCluster() as pg: pg.url, pg.password`` — a running server with role and database ``littrack``."""

    def __init__(self) -> None:
        found = bin_dir()
        if found is None:
            raise RuntimeError("PostgreSQL server binaries not found; install Debian's postgresql package")
        self.bin = found
        self.port = _free_port()
        self.password = secrets.token_urlsafe(16)
        self._tmp = Path(tempfile.mkdtemp(prefix="littrack-pg-"))
        self.data = self._tmp / "data"
        self.socket_dir = self._tmp / "sock"
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        """The connection URL without the password (littrack reads it from an environment variable)."""
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str, input: str | None = None) -> str:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def start(self) -> PgCluster:
        self.socket_dir.mkdir(parents=True)
        if self._as_postgres:
            os.chmod(self._tmp, 0o755)
            shutil.chown(self._tmp, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        pwfile = self._tmp / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as_postgres:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
            "--pwfile", str(pwfile), "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        pwfile.unlink()
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self._tmp / "server.log"), "-w", "start")
        self.sql(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{self.password}'")
        self.sql(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        return self

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser over the Unix socket."""
        return self._run(
            "psql", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres", "-d", database,
            "-v", "ON_ERROR_STOP=1", "-At", "-c", statement,
        )  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


@contextlib.contextmanager
def running() -> Iterator[PgCluster]:
    with PgCluster() as pg:
        yield pg
