"""Connect to headquarters' database and bring its schema up to date with Alembic.

The URL is a SQLAlchemy URL: ``postgresql+psycopg://user@host/db`` in production, or
``sqlite:///path/hq.db`` for a one-machine trial. SQLite gets WAL and a busy timeout so
that a second process can read while one writes.
"""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, insert, select, text

from hq.schema import counters

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
REFERENCE_CURSOR = "reference_cursor"

# Key of the PostgreSQL advisory lock that one migration holds until it commits.
MIGRATION_LOCK = 0x436F756E74657253  # "CounterS" in ASCII


def connect(url: str) -> Engine:
    """Return an engine for ``url``; SQLite connections get WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration that the database lacks, and create the counters.

    On PostgreSQL, HQ processes that start at the same moment take turns: each holds an
    advisory lock until its migration commits, so the later ones find the schema current.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if connection.execute(select(counters.c.name).where(counters.c.name == REFERENCE_CURSOR)).first() is None:
            connection.execute(insert(counters).values(name=REFERENCE_CURSOR, value=0))
    log.info("HQ database %s is at the newest schema", engine.url.render_as_string(hide_password=True))
