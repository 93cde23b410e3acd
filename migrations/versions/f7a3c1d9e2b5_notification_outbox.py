"""notification outbox, customer e-mail and opt-out (issue #16)

Messages to customers (ticket taken in, appointment, on the way, completed, follow-up
call) are queued in `notifications` in the same transaction as the change that causes
them, then delivered with retries (server/services/delivery.py). Customers get an
optional e-mail address (encrypted at rest like their phone) and a `notify_opt_out` flag.

Revision ID: f7a3c1d9e2b5
Revises: f7a9c3e1b2d8
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a3c1d9e2b5'
down_revision = 'f7a9c3e1b2d8'  # was e5f1a2b3c4d6; linearised after main's migrations
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (SQLite has it): a batch copy of `customers` would drop a table others reference.
    op.add_column('customers', sa.Column('email', sa.Text(), nullable=True))
    op.add_column('customers', sa.Column('notify_opt_out', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'notifications',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('work_order_id', sa.String(length=36), nullable=False),
        sa.Column('customer_id', sa.String(length=36), nullable=False),
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('template', sa.String(length=32), nullable=False),
        sa.Column('trigger_id', sa.String(length=120), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('recipient', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_notifications_customer_id_customers')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_notifications_work_order_id_work_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_notifications_idempotency_key')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_work_order_id'), ['work_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_notifications_due', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_due')
        batch_op.drop_index(batch_op.f('ix_notifications_customer_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_work_order_id'))
    op.drop_table('notifications')
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it), again without copying `customers`.
    op.execute('ALTER TABLE customers DROP COLUMN notify_opt_out')
    op.execute('ALTER TABLE customers DROP COLUMN email')
