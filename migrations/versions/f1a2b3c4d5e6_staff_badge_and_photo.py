"""Staff badge number and photo: the customer checks who is at the door (seed 003 §三(四)3).

Revision ID: f1a2b3c4d5e6
Revises: e5f1a2b3c4d6
Create Date: 2026-11-30 11:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f1a2b3c4d5e6"
down_revision = "e5f1a2b3c4d6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("badge_no", sa.String(20), nullable=True))
        batch.add_column(sa.Column("photo_sha256", sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("photo_sha256")
        batch.drop_column("badge_no")
