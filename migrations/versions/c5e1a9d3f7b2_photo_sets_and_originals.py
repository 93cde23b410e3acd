"""photo sets (before / after / other) and the original under a marked-up photo (issue #15)

Revision ID: c5e1a9d3f7b2
Revises: a8c2e4f6b1d3
Create Date: 2026-11-30 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e1a9d3f7b2'
down_revision = 'a8c2e4f6b1d3'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (SQLite has it); existing photos are "other" (evidence, notes).
    op.add_column('photos', sa.Column('photo_set', sa.String(length=10), nullable=False, server_default='other'))
    op.add_column('photos', sa.Column('original_sha256', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('photos', 'original_sha256')
    op.drop_column('photos', 'photo_set')
