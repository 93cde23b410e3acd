"""parts: the product models each part fits (catalogue compatibility for the part picker, issue #15)

Revision ID: c3e5a7b9d1f2
Revises: c3e7a1f9d4b2
Create Date: 2026-11-30 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f2'
down_revision = "c3e7a1f9d4b2"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('parts', sa.Column('fits_models', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    op.drop_column('parts', 'fits_models')
