"""change log: a visit record's change stored as the pull sends it, with its job (issue #17)

Older rows keep NULL and are read from their records at pull time, as before.

Revision ID: d4e6f8a0b2c4
Revises: c1d2e3f4a5b6
Create Date: 2026-12-01 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e6f8a0b2c4'
down_revision = "c1d2e3f4a5b6"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('change_log', sa.Column('wire', sa.Text(), nullable=True))
    op.add_column('change_log', sa.Column('work_order_id', sa.String(length=36), nullable=True))


def downgrade():
    op.drop_column('change_log', 'work_order_id')
    op.drop_column('change_log', 'wire')
