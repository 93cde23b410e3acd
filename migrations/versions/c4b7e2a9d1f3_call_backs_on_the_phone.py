"""call-backs on the repairing technician's phone; satisfaction scores (issue #14)

The 3-hour call-back after a visit not fully fixed (seed 003 §三(九)1) is the repairing
technician's task: follow_ups gains technician_id (whose phone it is on) and the sync
columns version/updated_at (it is pulled as the `call_back` entity); satisfaction calls
carry a score (1-5).

Revision ID: c4b7e2a9d1f3
Revises: f7a3c1d9e2b5
Create Date: 2026-11-30 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4b7e2a9d1f3'
down_revision = 'f7a3c1d9e2b5'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (SQLite has it): a batch copy would drop a table others reference.
    op.add_column('follow_ups', sa.Column('technician_id', sa.String(length=36), nullable=True))
    op.add_column('follow_ups', sa.Column('score', sa.Integer(), nullable=True))
    op.add_column('follow_ups', sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.add_column(
        'follow_ups',
        # A constant default (SQLite adds no column with a non-constant one); rows get a real time on change.
        sa.Column(
            'updated_at', sa.DateTime(timezone=True), nullable=False, server_default='2026-11-30 00:00:00.000000'
        ),
    )
    op.create_index('ix_follow_ups_technician_id', 'follow_ups', ['technician_id'])


def downgrade():
    op.drop_index('ix_follow_ups_technician_id', table_name='follow_ups')
    for column in ('updated_at', 'version', 'score', 'technician_id'):
        op.drop_column('follow_ups', column)
