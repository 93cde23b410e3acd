"""work orders: the device that last wrote each field

A device's update is concurrent with a field's change only when someone else (the
office, another device) made that change after the version the device last saw; its
own earlier offline write is not. Existing rows start with no writers recorded
(every change counts as someone else's, as before).

Revision ID: b7d41e2a9c10
Revises: 74ec180ade91
Create Date: 2026-11-30 08:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e2a9c10'
down_revision = '74ec180ade91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_orders') as batch_op:
        batch_op.add_column(sa.Column('field_writers', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('work_orders') as batch_op:
        batch_op.alter_column('field_writers', server_default=None)


def downgrade():
    with op.batch_alter_table('work_orders') as batch_op:
        batch_op.drop_column('field_writers')
