"""job checklists: the per job-type kit, entry and after-work checks as synced records (issue #15)

The rows are copied from server/domain/checklists.json by services/checklists.ensure()
(init-db, seed-demo) through the ORM, so the change log carries them to the phones.

Revision ID: c1d2e3f4a5b6
Revises: c3e5a7b9d1f2
Create Date: 2026-11-30 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1d2e3f4a5b6'
down_revision = "c3e5a7b9d1f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_checklists',
    sa.Column('job_type', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kit', sa.JSON(), nullable=False),
    sa.Column('entry', sa.JSON(), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_checklists')),
    sa.UniqueConstraint('job_type', name=op.f('uq_job_checklists_job_type'))
    )


def downgrade():
    op.drop_table('job_checklists')
