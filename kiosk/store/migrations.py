"""Schema migrations of the store, applied in order and recorded in ``PRAGMA user_version``.

A migration is never edited once released: a change to the schema is a new entry.
Each migration runs in one transaction, so a store is at one version or the next.
"""

from dataclasses import dataclass

from sync.outbox import OUTBOX_TABLE_V1


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "reference data, customers, verifications, contracts and the outbox",
        (
            "CREATE TABLE store_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
            """CREATE TABLE vehicles (
                vehicle_id TEXT PRIMARY KEY,
                plate TEXT NOT NULL UNIQUE,
                model_zh TEXT NOT NULL,
                model_en TEXT NOT NULL,
                licence_class_required TEXT NOT NULL,
                price_group TEXT NOT NULL
            )""",
            "CREATE TABLE price_lists (version TEXT PRIMARY KEY, document TEXT NOT NULL)",
            """CREATE TABLE reservations (
                reservation_no TEXT PRIMARY KEY,
                document_index TEXT NOT NULL,
                document_number TEXT NOT NULL,
                customer_name TEXT NOT NULL,
                phone TEXT NOT NULL,
                vehicle_id TEXT NOT NULL REFERENCES vehicles (vehicle_id),
                pickup_at TEXT NOT NULL,
                return_at TEXT NOT NULL,
                licence TEXT NOT NULL,
                price_list_version TEXT NOT NULL REFERENCES price_lists (version),
                status TEXT NOT NULL DEFAULT 'booked'
            )""",
            "CREATE INDEX reservations_by_document ON reservations (document_index, status)",
            """CREATE TABLE customers (
                customer_id INTEGER PRIMARY KEY,
                document_type TEXT NOT NULL,
                document_index TEXT NOT NULL UNIQUE,
                document_number TEXT NOT NULL,
                name TEXT NOT NULL,
                sex TEXT NOT NULL,
                birth_date TEXT NOT NULL,
                address TEXT NOT NULL,
                phone TEXT NOT NULL,
                first_seen_at TEXT NOT NULL,
                last_seen_at TEXT NOT NULL
            )""",
            """CREATE TABLE verifications (
                verification_id TEXT PRIMARY KEY,
                session_id TEXT NOT NULL,
                customer_id INTEGER REFERENCES customers (customer_id),
                reservation_no TEXT,
                decision TEXT NOT NULL,
                checks TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE contracts (
                contract_no TEXT PRIMARY KEY,
                verification_id TEXT NOT NULL REFERENCES verifications (verification_id),
                customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
                reservation_no TEXT NOT NULL,
                template_id TEXT NOT NULL,
                template_version TEXT NOT NULL,
                template_sha256 TEXT NOT NULL,
                fields TEXT NOT NULL,
                acknowledgements TEXT NOT NULL,
                signature_strokes TEXT NOT NULL,
                pdf BLOB NOT NULL,
                pdf_sha256 TEXT NOT NULL,
                signer_subject TEXT NOT NULL,
                signed_at TEXT NOT NULL
            )""",
            OUTBOX_TABLE_V1,
            "CREATE INDEX outbox_unsent ON outbox (sent_at, created_at)",
        ),
    ),
    Migration(
        2,
        "record which consent text the customer accepted, and when",
        (
            "ALTER TABLE verifications ADD COLUMN consent_version TEXT",
            "ALTER TABLE verifications ADD COLUMN consent_at TEXT",
        ),
    ),
    Migration(
        3,
        "face templates for the duplicate-identity search, and whether face verification ran",
        (
            """CREATE TABLE face_templates (
                template_id INTEGER PRIMARY KEY,
                customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
                verification_id TEXT NOT NULL REFERENCES verifications (verification_id),
                template BLOB NOT NULL,
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX face_templates_by_customer ON face_templates (customer_id)",
            "ALTER TABLE verifications ADD COLUMN face_status TEXT",
            "ALTER TABLE verifications ADD COLUMN face_waiver_reason TEXT",
        ),
    ),
    Migration(
        4,
        "evidence records chained per branch, and the customer's reading time",
        (
            # One row per contract, written in the contract's transaction. The hashes are
            # SHA-256 in hex; kiosk/store/evidence.py defines what each one covers.
            """CREATE TABLE contract_evidence (
                branch_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                contract_no TEXT NOT NULL UNIQUE REFERENCES contracts (contract_no),
                previous_contract_no TEXT,
                template_sha256 TEXT NOT NULL,
                pdf_sha256 TEXT NOT NULL,
                strokes_sha256 TEXT NOT NULL,
                verification_sha256 TEXT NOT NULL,
                acknowledgements_sha256 TEXT NOT NULL,
                contract_sha256 TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                record_hash TEXT NOT NULL,
                PRIMARY KEY (branch_id, sequence)
            )""",
            "ALTER TABLE contracts ADD COLUMN reading_seconds REAL",
            # "B-B" or "B-T" as sealed at the branch; NULL for contracts signed before this version.
            "ALTER TABLE contracts ADD COLUMN pades_level TEXT",
            # Contracts signed before this version have no evidence record; the archive
            # check lists them apart instead of calling them removed from the chain.
            "CREATE TABLE contracts_before_evidence (contract_no TEXT PRIMARY KEY)",
            "INSERT INTO contracts_before_evidence (contract_no) SELECT contract_no FROM contracts",
        ),
    ),
    Migration(
        5,
        "separate ID-processing and face-processing consents, each with its text version and answer",
        (
            # consent_version and consent_at now hold the ID-processing consent's text and
            # the time of the answer; before this version they held the single consent.
            "ALTER TABLE verifications ADD COLUMN id_consent_given INTEGER",
            "ALTER TABLE verifications ADD COLUMN face_consent_version TEXT",
            "ALTER TABLE verifications ADD COLUMN face_consent_given INTEGER",
        ),
    ),
    Migration(
        6,
        "staff accounts with hashed PINs, and the append-only audit log",
        (
            """CREATE TABLE accounts (
                account_id TEXT PRIMARY KEY,
                display_name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'branch_it', 'auditor')),
                pin_hash TEXT NOT NULL,
                failed_attempts INTEGER NOT NULL DEFAULT 0,
                locked_until TEXT,
                created_at TEXT NOT NULL,
                created_by TEXT,
                disabled_at TEXT
            )""",
            # kiosk/store/audit.py defines the entry hash. The triggers make the table
            # append-only for every connection that opens the store with its key.
            """CREATE TABLE audit_log (
                sequence INTEGER PRIMARY KEY,
                recorded_at TEXT NOT NULL,
                actor_id TEXT NOT NULL,
                actor_role TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT,
                purpose TEXT,
                outcome TEXT NOT NULL,
                details TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                entry_hash TEXT NOT NULL
            )""",
            "CREATE INDEX audit_log_by_time ON audit_log (recorded_at)",
            """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END""",
            """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END""",
        ),
    ),
    Migration(
        7,
        "flag face templates and signature strokes for encryption under the biometric key",
        (
            # SQL cannot encrypt: kiosk/store/biometrics.py encrypts the flagged values in one
            # transaction at the first open with the biometric key, and then clears the flag.
            "INSERT OR REPLACE INTO store_meta (name, value) VALUES ('biometrics_unsealed', '1')",
        ),
    ),
    Migration(
        8,
        "sync with HQ: failed outbox events, attachments, reference data and sync state",
        (
            # An event HQ answered with a conflict or a rejection stays, out of later batches.
            "ALTER TABLE outbox ADD COLUMN failed_at TEXT",
            "ALTER TABLE outbox ADD COLUMN last_error TEXT",
            # Small parts that travel with an event but are not kept at HQ with it (JSON of base64).
            "ALTER TABLE outbox ADD COLUMN attachments TEXT",
            "DROP INDEX outbox_unsent",
            "CREATE INDEX outbox_unsent ON outbox (sent_at, failed_at, created_at)",
            """CREATE TABLE reference_items (
                dataset    TEXT NOT NULL,
                item_key   TEXT NOT NULL,
                value      TEXT NOT NULL,
                lookup     TEXT,
                cursor     INTEGER NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (dataset, item_key)
            )""",
            # Items about a person are found by the keyed hash of the document number.
            "CREATE INDEX reference_items_lookup ON reference_items (dataset, lookup) WHERE lookup IS NOT NULL",
            """CREATE TABLE sync_state (
                name  TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        9,
        "risk decision records, one per verification",
        (
            """CREATE TABLE risk_decisions (
                transaction_id TEXT PRIMARY KEY,
                decision       TEXT NOT NULL,
                config_version TEXT NOT NULL,
                record         TEXT NOT NULL,
                decided_at     TEXT NOT NULL
            )""",
            "CREATE INDEX customers_by_phone ON customers (phone)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
