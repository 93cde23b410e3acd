"""escalations: a case per field escalation (fee dispute, refusal, new problem, no one home,
reassignment or reschedule request, sign-off declined), with severity, owner, due time and
decision; synced read-only to the job's technician (issue #14)

Revision ID: f7a1c3e5b9d2
Revises: f1a2b3c4d5e6
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a1c3e5b9d2'
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'escalations',
        sa.Column('work_order_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('source_event_id', sa.String(length=36), nullable=False),
        sa.Column('technician_note', sa.Text(), nullable=True),
        sa.Column('reported_by_id', sa.String(length=36), nullable=True),
        sa.Column('severity', sa.String(length=20), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('owner_id', sa.String(length=36), nullable=True),
        sa.Column('decision', sa.String(length=20), nullable=True),
        sa.Column('decision_text', sa.Text(), nullable=True),
        sa.Column('decided_by_id', sa.String(length=36), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_escalations_decided_by_id_users')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_escalations_owner_id_users')),
        sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_escalations_reported_by_id_users')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_escalations_work_order_id_work_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
        sa.UniqueConstraint('source_event_id', name=op.f('uq_escalations_source_event_id')),
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_work_order_id'), ['work_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_escalations_status'))
        batch_op.drop_index(batch_op.f('ix_escalations_owner_id'))
        batch_op.drop_index(batch_op.f('ix_escalations_due_at'))
    op.drop_table('escalations')
