"""money from the server: the fee schedule, trade-in credits, quote inputs, payments

- `fee_schedules`: the one fee schedule (call-out, labour per hour, revision); the row
  is made by services/fee_schedule.ensure() (init-db, seed-demo) through the ORM, so the
  change log carries it to the phones.
- `parts.trade_in_credit`: the credit for the old part handed over (seed 003 §三(七)1).
- `fee_quotes`: what the server recomputes a quote from (schedule revision, work and
  travel minutes, the parts quoted, waivers and discounts). Quotes from before keep
  revision null and empty lists.
- `payments`: how the consented quote was paid, the receipt or invoice and its number.

Revision ID: f7a3c9e1b5d2
Revises: f7a1c3e5b9d2
Create Date: 2026-11-30 11:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a3c9e1b5d2'
down_revision = "f7a1c3e5b9d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fee_schedules',
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('call_out', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('labour_per_hour', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_schedules'))
    )
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trade_in_credit', sa.Numeric(precision=10, scale=2), server_default='0', nullable=False))
    with op.batch_alter_table('fee_quotes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('work_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('travel_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('parts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('adjustments', sa.JSON(), nullable=True))
    op.execute("UPDATE fee_quotes SET parts = '[]', adjustments = '[]'")
    with op.batch_alter_table('fee_quotes', schema=None) as batch_op:
        batch_op.alter_column('parts', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('adjustments', existing_type=sa.JSON(), nullable=False)
    op.create_table('payments',
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('receipt', sa.String(length=10), nullable=False),
    sa.Column('invoice_title', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('receipt_no', sa.String(length=40), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('device_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('time_flag', sa.String(length=40), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payments_created_by_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_payments_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_work_order_id'), ['work_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_work_order_id'))
    op.drop_table('payments')
    with op.batch_alter_table('fee_quotes', schema=None) as batch_op:
        batch_op.drop_column('adjustments')
        batch_op.drop_column('parts')
        batch_op.drop_column('travel_minutes')
        batch_op.drop_column('work_minutes')
        batch_op.drop_column('schedule_revision')
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.drop_column('trade_in_credit')
    op.drop_table('fee_schedules')
