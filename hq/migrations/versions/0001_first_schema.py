"""Create the tables of the first HQ schema

Revision ID: 0001
Revises: none
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('alert_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('branch_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('alert_id'),
    sa.UniqueConstraint('kind', 'subject', name='alerts_kind_subject')
    )
    op.create_table('contracts',
    sa.Column('contract_no', sa.String(length=64), nullable=False),
    sa.Column('branch_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('reservation_no', sa.String(length=64), nullable=True),
    sa.Column('verification_id', sa.String(length=64), nullable=True),
    sa.Column('template', sa.String(length=128), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pades_level', sa.String(length=8), nullable=False),
    sa.Column('archived_pades_level', sa.String(length=8), nullable=True),
    sa.Column('archived_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('upgrade_state', sa.String(length=16), nullable=False),
    sa.Column('upgrade_detail', sa.Text(), nullable=False),
    sa.Column('upgraded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('contract_no'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index('contracts_branch_signed', ['branch_id', 'signed_at'], unique=False)
        batch_op.create_index('contracts_upgrade_state', ['upgrade_state'], unique=False)

    op.create_table('counters',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('events',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('branch_id', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('aggregate_id', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('events_aggregate', ['aggregate_id'], unique=False)
        batch_op.create_index('events_branch_created', ['branch_id', 'created_at'], unique=False)

    op.create_table('id_checks',
    sa.Column('check_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('branch_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('photo_checked', sa.Boolean(), nullable=False),
    sa.Column('masked_number', sa.String(length=32), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('check_id'),
    sa.UniqueConstraint('request_id', 'kind', name='id_checks_request_kind')
    )
    with op.batch_alter_table('id_checks', schema=None) as batch_op:
        batch_op.create_index('id_checks_checked_at', ['checked_at'], unique=False)

    op.create_table('offline_approvals',
    sa.Column('verification_id', sa.String(length=64), nullable=False),
    sa.Column('branch_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('number', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('verification_id')
    )
    with op.batch_alter_table('offline_approvals', schema=None) as batch_op:
        batch_op.create_index('offline_approvals_state', ['state'], unique=False)

    op.create_table('reference_items',
    sa.Column('dataset', sa.String(length=32), nullable=False),
    sa.Column('item_key', sa.String(length=256), nullable=False),
    sa.Column('cursor', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dataset', 'item_key')
    )
    with op.batch_alter_table('reference_items', schema=None) as batch_op:
        batch_op.create_index('reference_items_cursor', ['dataset', 'cursor'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reference_items', schema=None) as batch_op:
        batch_op.drop_index('reference_items_cursor')

    op.drop_table('reference_items')
    with op.batch_alter_table('offline_approvals', schema=None) as batch_op:
        batch_op.drop_index('offline_approvals_state')

    op.drop_table('offline_approvals')
    with op.batch_alter_table('id_checks', schema=None) as batch_op:
        batch_op.drop_index('id_checks_checked_at')

    op.drop_table('id_checks')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('events_branch_created')
        batch_op.drop_index('events_aggregate')

    op.drop_table('events')
    op.drop_table('counters')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('contracts_upgrade_state')
        batch_op.drop_index('contracts_branch_signed')

    op.drop_table('contracts')
    op.drop_table('alerts')
