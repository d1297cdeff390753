"""Schema migrations from every earlier version, on real SQLCipher files, with the rows kept.

For each version before the latest, a store is built by applying only the migrations up
to it, and every table that exists at that version gets one row. The row's values come
from the table's own declaration (type, foreign keys, CHECK lists), so a migration
appended later is covered without editing this file. Then the store is opened as the
kiosk opens it, migrated to the latest version, and every value is read back.
"""

import re
from pathlib import Path

import pytest
import sqlcipher3

from kiosk.store.database import Database
from kiosk.store.integrity import integrity_problems, pragma_key
from kiosk.store.keys import create_key_file
from kiosk.store.migrations import LATEST_VERSION, MIGRATIONS

EARLIER_VERSIONS = [migration.version for migration in MIGRATIONS if migration.version < LATEST_VERSION]

# Realistic values for columns whose meaning a generic value would misrepresent.
KNOWN_VALUES = {
    ("reservations", "status"): "booked",
    ("verifications", "decision"): "approved",
    ("customers", "document_type"): "resident_id",
    ("customers", "document_number"): "110105196108040013",
    ("vehicles", "licence_class_required"): "C1",
}


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> bytes:
    return create_key_file(tmp_path_factory.mktemp("keys") / "store.key")


def _connect(path: Path, key: bytes) -> sqlcipher3.Connection:
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    connection.execute(f"PRAGMA key = \"{pragma_key(key)}\"")
    return connection


def build_store_at(path: Path, key: bytes, version: int) -> None:
    """Create a store holding the schema of ``version``: only the migrations up to it are applied."""
    connection = _connect(path, key)
    try:
        for migration in MIGRATIONS:
            if migration.version > version:
                break
            connection.execute("BEGIN IMMEDIATE")
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {migration.version}")
            connection.execute("COMMIT")
    finally:
        connection.close()


def _tables(connection: sqlcipher3.Connection) -> dict[str, str]:
    rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return dict(rows.fetchall())


def _allowed_values(create_sql: str) -> dict[str, str]:
    """Return the first value each column's ``CHECK (column IN ('a', …))`` allows."""
    return {column: first for column, first in re.findall(r"(\w+)\s+IN\s*\(\s*'([^']*)'", create_sql, re.IGNORECASE)}


def _insert_order(connection: sqlcipher3.Connection, tables: list[str]) -> list[str]:
    """Order ``tables`` so that every table comes after the tables its foreign keys name."""
    parents = {
        table: {row[2] for row in connection.execute(f'PRAGMA foreign_key_list("{table}")')} - {table} for table in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [table for table in tables if table not in ordered and parents[table] <= set(ordered)]
        assert ready, f"foreign keys between {set(tables) - set(ordered)} form a cycle"
        ordered.extend(sorted(ready))
    return ordered


def insert_representative_rows(path: Path, key: bytes) -> dict[str, dict[str, object]]:
    """Insert one row into every table of the store and return the rows by table and column."""
    connection = _connect(path, key)
    inserted: dict[str, dict[str, object]] = {}
    try:
        tables = _tables(connection)
        for table in _insert_order(connection, list(tables)):
            allowed = _allowed_values(tables[table])
            references = {row[3]: (row[2], row[4]) for row in connection.execute(f'PRAGMA foreign_key_list("{table}")')}
            row: dict[str, object] = {}
            for _cid, column, declared, _not_null, _default, _pk in connection.execute(f'PRAGMA table_info("{table}")'):
                if column in references:
                    parent, parent_column = references[column]
                    row[column] = inserted[parent][parent_column or "rowid"]
                elif (table, column) in KNOWN_VALUES:
                    row[column] = KNOWN_VALUES[(table, column)]
                elif column in allowed:
                    row[column] = allowed[column]
                else:
                    row[column] = _generic_value(table, column, declared)
            columns = ", ".join(f'"{name}"' for name in row)
            marks = ", ".join("?" for _ in row)
            connection.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(row.values()))
            inserted[table] = row
    finally:
        connection.close()
    return inserted


def _generic_value(table: str, column: str, declared: str) -> object:
    declared = declared.upper()
    if "INT" in declared:
        return 7
    if "REAL" in declared:
        return 12.5
    if "BLOB" in declared:
        return f"{table}.{column}".encode() + bytes(range(8))
    return f"{table}.{column} 王建国"


@pytest.mark.parametrize("version", EARLIER_VERSIONS)
def test_migration_from_version_keeps_rows(tmp_path, key, version):
    path = tmp_path / f"store-v{version}.db"
    build_store_at(path, key, version)
    inserted = insert_representative_rows(path, key)
    assert inserted, f"schema {version} has no tables"

    database = Database.open(path, key, check_integrity=True)
    try:
        assert database.schema_version == LATEST_VERSION
        connection = database.connection
        for table, row in inserted.items():
            columns = [entry[1] for entry in connection.execute(f'PRAGMA table_info("{table}")')]
            assert columns, f"table {table} of schema {version} is gone after migrating to {LATEST_VERSION}"
            kept = [column for column in row if column in columns]
            stored = connection.execute(f'SELECT {", ".join(kept)} FROM "{table}"').fetchall()
            assert tuple(row[column] for column in kept) in stored, f"{table} lost its row when migrating from {version}"
        assert integrity_problems(connection) == []
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        database.close()


def test_every_version_is_built_from_its_own_migrations(tmp_path, key):
    for version in EARLIER_VERSIONS:
        path = tmp_path / f"v{version}.db"
        build_store_at(path, key, version)
        connection = _connect(path, key)
        try:
            assert connection.execute("PRAGMA user_version").fetchone() == (version,)
        finally:
            connection.close()


def test_migrated_store_matches_a_new_store(tmp_path, key):
    """A store migrated from version 1 has the same tables and columns as one created at the latest version."""
    old = tmp_path / "old.db"
    build_store_at(old, key, EARLIER_VERSIONS[0])
    Database.open(old, key).close()
    new = tmp_path / "new.db"
    Database.open(new, key, create=True).close()

    def schema(path: Path) -> dict[str, list[str]]:
        connection = _connect(path, key)
        try:
            return {
                table: sorted(entry[1] for entry in connection.execute(f'PRAGMA table_info("{table}")'))
                for table in _tables(connection)
            }
        finally:
            connection.close()

    assert schema(old) == schema(new)
