"""change log: the device whose push made a change, so its own pulls leave the echo out (issue #17)

Revision ID: c3e7a1f9d4b2
Revises: b6d1e9a4c2f7
Create Date: 2026-11-30 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e7a1f9d4b2'
down_revision = "b6d1e9a4c2f7"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('change_log', sa.Column('origin_device_id', sa.String(length=36), nullable=True))


def downgrade():
    op.drop_column('change_log', 'origin_device_id')
