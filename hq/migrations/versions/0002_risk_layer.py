"""Create the risk layer's tables: histories, blacklist with appeals, configurations, decisions, outcomes, evaluations

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('risk_histories',
    sa.Column('customer_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('document_number', sa.String(length=64), nullable=False),
    sa.Column('history', sa.Text(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score_points', sa.Integer(), nullable=True),
    sa.Column('score_band', sa.String(length=32), nullable=True),
    sa.Column('score_config_version', sa.String(length=64), nullable=True),
    sa.Column('published_sha256', sa.String(length=64), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('customer_id'),
    sa.UniqueConstraint('document_number')
    )
    op.create_table('risk_blacklist',
    sa.Column('entry_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('document_number', sa.String(length=64), nullable=False),
    sa.Column('reason_zh', sa.Text(), nullable=False),
    sa.Column('reason_en', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_by', sa.String(length=64), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('published_revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('entry_id')
    )
    with op.batch_alter_table('risk_blacklist', schema=None) as batch_op:
        batch_op.create_index('risk_blacklist_document', ['document_number'], unique=False)
        batch_op.create_index('risk_blacklist_unpublished', ['published_revision', 'revision'], unique=False)

    op.create_table('risk_appeals',
    sa.Column('appeal_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=64), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['risk_blacklist.entry_id'], ),
    sa.PrimaryKeyConstraint('appeal_id')
    )
    with op.batch_alter_table('risk_appeals', schema=None) as batch_op:
        batch_op.create_index('risk_appeals_entry', ['entry_id'], unique=False)

    op.create_table('risk_configs',
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('stored_by', sa.String(length=64), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('version')
    )
    op.create_table('risk_decisions',
    sa.Column('transaction_id', sa.String(length=128), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('branch_id', sa.String(length=64), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=32), nullable=False),
    sa.Column('config_version', sa.String(length=64), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('record', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('transaction_id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('risk_decisions', schema=None) as batch_op:
        batch_op.create_index('risk_decisions_decided_at', ['decided_at'], unique=False)

    op.create_table('risk_outcomes',
    sa.Column('transaction_id', sa.String(length=128), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('transaction_id', 'outcome')
    )
    op.create_table('risk_evaluations',
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('branch_id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('period_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_to', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fired', sa.Integer(), nullable=False),
    sa.Column('confirmed', sa.Integer(), nullable=False),
    sa.Column('false_alarms', sa.Integer(), nullable=False),
    sa.Column('unknown', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('run_on', 'branch_id', 'rule')
    )


def downgrade() -> None:
    op.drop_table('risk_evaluations')
    op.drop_table('risk_outcomes')
    with op.batch_alter_table('risk_decisions', schema=None) as batch_op:
        batch_op.drop_index('risk_decisions_decided_at')

    op.drop_table('risk_decisions')
    op.drop_table('risk_configs')
    with op.batch_alter_table('risk_appeals', schema=None) as batch_op:
        batch_op.drop_index('risk_appeals_entry')

    op.drop_table('risk_appeals')
    with op.batch_alter_table('risk_blacklist', schema=None) as batch_op:
        batch_op.drop_index('risk_blacklist_unpublished')
        batch_op.drop_index('risk_blacklist_document')

    op.drop_table('risk_blacklist')
    op.drop_table('risk_histories')
