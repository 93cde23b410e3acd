"""work orders: the office's warranty decision (covered | chargeable, null = the rule decides)

Issue #13, seed 000 §二(一)1: a technician may record human damage or a consumable; the
office reviews it and may decide who pays. Existing orders keep null (the rule decides).

Revision ID: f7a9c3e1b2d8
Revises: f7a3c9e1b5d2
Create Date: 2026-11-30 11:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a9c3e1b2d8'
down_revision = "f7a3c9e1b5d2"  # was e5f1a2b3c4d6; linearised after main's migrations (staff badge, escalations)
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warranty_decision', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_column('warranty_decision')
