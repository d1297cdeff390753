"""The risk layer's tables, in SQLAlchemy Core on :data:`hq.schema.metadata`; Alembic revision 0002 creates them.

Document numbers are kept in full here, as the company's rental system reports them,
because HQ publishes them to branches, which replace them by their keyed hash on
arrival. Published item keys (``CS-<customer_id>``, ``BL-<entry_id>``) never contain
the number, since a branch keeps item keys in clear.
"""

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text

from hq.schema import metadata

# One row per customer: the history the rental system reported, and the score last published.
risk_histories = Table(
    "risk_histories",
    metadata,
    Column("customer_id", Integer, primary_key=True, autoincrement=True),
    Column("document_number", String(64), nullable=False, unique=True),
    Column("history", Text, nullable=False),  # RentalHistory.to_json()
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("score_points", Integer),
    Column("score_band", String(32)),
    Column("score_config_version", String(64)),
    Column("published_sha256", String(64)),  # SHA-256 of the canonical JSON last published
    Column("published_at", DateTime(timezone=True)),
)

# Blacklist entries. ``revision`` grows with every change, and ``published_revision``
# catches up only when that revision is published, so a change made during a publish is kept.
risk_blacklist = Table(
    "risk_blacklist",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("document_number", String(64), nullable=False),
    Column("reason_zh", Text, nullable=False),
    Column("reason_en", Text, nullable=False),
    Column("source", String(64), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("expires_on", Date),  # None: until lifted
    Column("state", String(16), nullable=False),  # listed, lifted
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("lifted_by", String(64)),
    Column("lifted_at", DateTime(timezone=True)),
    Column("revision", Integer, nullable=False),
    Column("published_revision", Integer, nullable=False),
    Index("risk_blacklist_document", "document_number"),
    Index("risk_blacklist_unpublished", "published_revision", "revision"),
)

# Appeals against an entry: filed, then decided (upheld or lifted), each with who and when.
risk_appeals = Table(
    "risk_appeals",
    metadata,
    Column("appeal_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("risk_blacklist.entry_id"), nullable=False),
    Column("statement", Text, nullable=False),
    Column("filed_by", String(64), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("decision", String(16)),  # None while open; upheld, lifted
    Column("decision_note", Text),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    Index("risk_appeals_entry", "entry_id"),
)

# Risk configuration versions as risk officers stored them; the newest published one is current.
risk_configs = Table(
    "risk_configs",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("document", Text, nullable=False),  # RiskConfig.to_json()
    Column("stored_by", String(64), nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("published_by", String(64)),
    Column("published_at", DateTime(timezone=True)),
)

# Decisions that branches recorded, copied from the "risk" key of verification.recorded events.
risk_decisions = Table(
    "risk_decisions",
    metadata,
    Column("transaction_id", String(128), primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("branch_id", String(64), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("decision", String(32), nullable=False),
    Column("config_version", String(64), nullable=False),
    Column("rules", Text, nullable=False),  # JSON list of the rules that fired
    Column("record", Text, nullable=False),  # DecisionRecord.to_json(), inputs included
    Index("risk_decisions_decided_at", "decided_at"),
)

# Later outcomes of decided rentals, as the rental system or the fraud team reported them.
risk_outcomes = Table(
    "risk_outcomes",
    metadata,
    Column("transaction_id", String(128), primary_key=True),
    Column("outcome", String(32), primary_key=True),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("source", String(64), nullable=False),
)

# The daily job's rule evaluation, one row per run day, branch (or "*" for all) and rule.
risk_evaluations = Table(
    "risk_evaluations",
    metadata,
    Column("run_on", Date, primary_key=True),
    Column("branch_id", String(64), primary_key=True),
    Column("rule", String(64), primary_key=True),
    Column("period_from", DateTime(timezone=True), nullable=False),
    Column("period_to", DateTime(timezone=True), nullable=False),
    Column("fired", Integer, nullable=False),
    Column("confirmed", Integer, nullable=False),
    Column("false_alarms", Integer, nullable=False),
    Column("unknown", Integer, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
)
