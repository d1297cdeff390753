"""A real PostgreSQL 15 server for the test run, and a fresh database for each test that requests one.

:class:`PostgresServer` runs Debian's PostgreSQL 15 binaries: ``initdb`` into a temporary
folder, a server that listens on 127.0.0.1 only (its unix socket stays in that folder),
with ``fsync`` on as in production. PostgreSQL refuses to run as root, so when the tests
run as root the server runs as the ``postgres`` system user through ``runuser``. The
benchmarks import the class too. The fixtures at the end are collected through
``tests/conftest.py``.
"""

import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

POSTGRES_BIN = Path(os.environ.get("COUNTERSIGN_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "countersign"
DATABASE = "countersign"
START_ATTEMPTS = 3  # another process may take the free port between the probe and the start

_test_databases = itertools.count(1)


class PostgresUnavailable(RuntimeError):
    """The server failed to initialise or start. The message ends with the server's log."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One PostgreSQL cluster in its own temporary folder, started by :meth:`start` and removed by :meth:`stop`."""

    def __init__(self) -> None:
        self.password = secrets.token_hex(16)
        self.folder: Path | None = None
        self.port: int | None = None
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = DATABASE) -> str:
        """Return the SQLAlchemy URL of ``database`` over TCP on 127.0.0.1, with the superuser's password."""
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> "PostgresServer":
        """Create the cluster, start the server and create the database :data:`DATABASE`.

        Raises :class:`PostgresUnavailable` with the server log when any step fails, after
        removing the folder.
        """
        try:
            self._initdb()
            for attempt in range(1, START_ATTEMPTS + 1):
                self.port = _free_port()
                self._configure()
                if self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log_path)).returncode == 0:
                    break
                if attempt == START_ATTEMPTS:
                    raise PostgresUnavailable(f"pg_ctl start failed {START_ATTEMPTS} times")
            self._run(POSTGRES_BIN / "createdb", "-h", str(self.folder), "-p", str(self.port), "-U", SUPERUSER, DATABASE)
        except (PostgresUnavailable, OSError, subprocess.SubprocessError) as error:
            log = self.server_log()
            self.stop()
            raise PostgresUnavailable(f"PostgreSQL did not start: {error}\n--- server log ---\n{log}") from error
        return self

    def server_log(self, tail: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except (OSError, TypeError):
            return "(no server log)"

    def stop(self) -> None:
        """Stop the server (fast shutdown) if it runs, and remove its folder."""
        if self.folder is None:
            return
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def create_database(self, name: str, template: str = "template0") -> str:
        """Create the empty database ``name`` and return its URL."""
        with self.admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending the sessions still connected to it (an HQ process that was killed, say)."""
        with self.admin() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def admin(self) -> psycopg.Connection:
        """Return an autocommit connection to the database ``postgres`` as the superuser."""
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, password=self.password, dbname="postgres", autocommit=True
        )

    def _initdb(self) -> None:
        # mkdtemp makes a 0700 folder in /tmp, so the postgres user must own it to run the server there.
        self.folder = Path(tempfile.mkdtemp(prefix="countersign-pg-"))
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n", encoding="utf-8")
        if self._run_as is not None:
            account = pwd.getpwnam(self._run_as)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            os.chown(password_file, account.pw_uid, account.pw_gid)
        self._run(
            POSTGRES_BIN / "initdb",
            "-D", str(self.data),
            "-U", SUPERUSER,
            f"--pwfile={password_file}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "--encoding=UTF8",
            "--no-locale",
            # Skips initdb's own flush of the new files only; the server itself runs with fsync on.
            "--no-sync",
        )
        password_file.unlink()

    def _configure(self) -> None:
        """Write the listening settings to ``postgresql.auto.conf``, which the server reads last, so they win."""
        settings = (
            "listen_addresses = '127.0.0.1'\n"
            f"port = {self.port}\n"
            f"unix_socket_directories = '{self.folder}'\n"
            "fsync = on\n"
            "synchronous_commit = on\n"
            "max_connections = 100\n"
        )
        (self.data / "postgresql.auto.conf").write_text(settings, encoding="utf-8")

    def _pg_ctl(self, *arguments: str) -> subprocess.CompletedProcess:
        return self._run(POSTGRES_BIN / "pg_ctl", "-D", str(self.data), *arguments, check=False)

    def _run(self, program: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(program), *arguments]
        if self._run_as is not None:
            command = ["runuser", "-u", self._run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        if check and result.returncode != 0:
            raise PostgresUnavailable(f"{program.name} exited with {result.returncode}: {result.stderr.strip() or result.stdout.strip()}")
        return result


@pytest.fixture(scope="session")
def postgres_server():
    """The session's PostgreSQL server, stopped at the end of the session even when tests failed."""
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    """SQLAlchemy URL of the session's database ``countersign``, shared by every test that uses it."""
    return postgres_server.url()


@pytest.fixture
def postgres_database(postgres_server) -> str:
    """SQLAlchemy URL of an empty database made for this test alone and dropped after it."""
    name = f"test_{os.getpid()}_{next(_test_databases)}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)
