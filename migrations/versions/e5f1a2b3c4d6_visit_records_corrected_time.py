"""visit records: the device time corrected by the push's clock offset, and a time flag

Every visit record keeps the device's raw time (`device_at`, evidence for audit) and
gets `corrected_at`: that time minus the device's clock offset measured at the push
that carried it (server receipt - the push's `device_time`), and `time_flag`: why the
server did not trust the time (e.g. before the work order existed), shown to the office.
Existing rows get corrected_at = device_at (their push's offset was never kept).

Revision ID: e5f1a2b3c4d6
Revises: d9e3b5a7c214
Create Date: 2026-11-30 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5f1a2b3c4d6'
down_revision = 'd9e3b5a7c214'
branch_labels = None
depends_on = None

TABLES = ("checklist_answers", "visit_events", "diagnoses", "parts_fitted", "fee_quotes", "photos", "sign_offs")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('time_flag', sa.String(length=40), nullable=True))
        op.execute(f"UPDATE {table} SET corrected_at = device_at")


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('time_flag')
            batch_op.drop_column('corrected_at')
