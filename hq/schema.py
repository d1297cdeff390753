"""Headquarters' tables, in SQLAlchemy Core, for PostgreSQL and for SQLite.

Alembic migrations under ``hq/migrations`` create them; this module is what the code
queries. Everything HQ knows is here, none of it in a web process, so several
processes can serve behind one load balancer.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# One row per event ever uploaded, keyed by its idempotency key.
events = Table(
    "events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("kiosk_id", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("aggregate_id", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("events_branch_created", "branch_id", "created_at"),
    Index("events_aggregate", "aggregate_id"),
)

# Reference data: the newest state of each item, with the cursor of its last change.
reference_items = Table(
    "reference_items",
    metadata,
    Column("dataset", String(32), primary_key=True),
    Column("item_key", String(256), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("value", Text),  # JSON; NULL when the item was removed
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("reference_items_cursor", "dataset", "cursor"),
)

# Named counters; ``reference_cursor`` numbers every reference change. Taking the next
# number locks the row until commit, so cursors become visible in the order they grow.
counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# Signed contracts as they arrived from branches, with the PDF and its long-term state.
contracts = Table(
    "contracts",
    metadata,
    Column("contract_no", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("reservation_no", String(64)),
    Column("verification_id", String(64)),
    Column("template", String(128)),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("pdf_sha256", String(64), nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("pades_level", String(8), nullable=False),  # as signed at the branch
    Column("archived_pades_level", String(8)),  # after the upgrade at HQ
    Column("archived_pdf", LargeBinary),
    Column("upgrade_state", String(16), nullable=False),  # pending, done, failed
    Column("upgrade_detail", Text, nullable=False, default=""),
    Column("upgraded_at", DateTime(timezone=True)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("contracts_branch_signed", "branch_id", "signed_at"),
    Index("contracts_upgrade_state", "upgrade_state"),
)

# National ID checks asked by branches, and re-checks of what a branch approved offline.
id_checks = Table(
    "id_checks",
    metadata,
    Column("check_id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(36), nullable=False),
    Column("branch_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # online, recheck
    Column("outcome", String(16), nullable=False),
    Column("photo_checked", Boolean, nullable=False, default=False),
    Column("masked_number", String(32), nullable=False),
    Column("seconds", Float, nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("request_id", "kind", name="id_checks_request_kind"),
    Index("id_checks_checked_at", "checked_at"),
)

# Offline approvals that wait for their re-check at HQ.
offline_approvals = Table(
    "offline_approvals",
    metadata,
    Column("verification_id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("state", String(16), nullable=False),  # pending, confirmed, failed
    # What the national service is asked again; both are cleared once the re-check has run.
    Column("name", Text),
    Column("number", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("checked_at", DateTime(timezone=True)),
    Index("offline_approvals_state", "state"),
)

# Alerts for HQ's risk staff.
alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("branch_id", String(64), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    UniqueConstraint("kind", "subject", name="alerts_kind_subject"),
)

# One opaque key per person for the ``activity`` reference dataset, so that a branch's
# copy never carries the document number in its item key.
activity_subjects = Table(
    "activity_subjects",
    metadata,
    Column("document_number", String(32), primary_key=True),
    Column("item_key", String(64), nullable=False, unique=True),
)
