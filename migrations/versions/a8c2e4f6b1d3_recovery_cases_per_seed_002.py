"""recovery cases per seed 002: channel, severity, owner, first-contact deadline, steps, re-rating (issue #14)

Revision ID: a8c2e4f6b1d3
Revises: a4d8e2f6c1b3
Create Date: 2026-11-30 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8c2e4f6b1d3'
down_revision = "a4d8e2f6c1b3"
branch_labels = None
depends_on = None

COLUMNS = (
    ('channel', sa.String(length=20)),
    ('due_at', sa.DateTime(timezone=True)),
    ('contacted_at', sa.DateTime(timezone=True)),
    ('contact_note', sa.Text()),
    ('investigation', sa.Text()),
    ('root_cause', sa.Text()),
    ('solution', sa.Text()),
    ('compensation', sa.Text()),
    ('compensation_amount', sa.Numeric(10, 2)),
    ('resolved_at', sa.DateTime(timezone=True)),
    ('rerating_score', sa.Integer()),
    ('rerating_note', sa.Text()),
    ('rerated_at', sa.DateTime(timezone=True)),
)


def upgrade():
    # Plain ADD COLUMN (SQLite has it): a batch copy would drop a table follow_ups references.
    for name, type_ in COLUMNS:
        op.add_column('recovery_cases', sa.Column(name, type_, nullable=True))
    op.add_column(
        'recovery_cases', sa.Column('severity', sa.String(length=12), nullable=False, server_default='normal')
    )
    op.create_index('ix_recovery_cases_due_at', 'recovery_cases', ['due_at'])
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot add a constraint later, but takes REFERENCES on ADD COLUMN.
        op.execute('ALTER TABLE recovery_cases ADD COLUMN owner_id VARCHAR(36) REFERENCES users (id)')
    else:
        op.add_column('recovery_cases', sa.Column('owner_id', sa.String(length=36), nullable=True))
        op.create_foreign_key('fk_recovery_cases_owner_id_users', 'recovery_cases', 'users', ['owner_id'], ['id'])
    op.create_index('ix_recovery_cases_owner_id', 'recovery_cases', ['owner_id'])


def downgrade():
    op.drop_index('ix_recovery_cases_due_at', 'recovery_cases')
    op.drop_index('ix_recovery_cases_owner_id', 'recovery_cases')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_recovery_cases_owner_id_users', 'recovery_cases', type_='foreignkey')
    op.drop_column('recovery_cases', 'owner_id')
    op.drop_column('recovery_cases', 'severity')
    for name, _type in reversed(COLUMNS):
        op.drop_column('recovery_cases', name)
