"""work orders carry their own service address; a product typed without its serial waits on the order;
technicians' service area

`service_address` (encrypted at rest like customers.address) is where this visit goes when it
differs from the customer's address on record; `pending_product` keeps the model etc. typed at
intake without a serial number, until the record is completed; `users.service_area` is the
cities a technician covers, for dispatch's area warning (issue #14).

Revision ID: a4d8e2f6c1b3
Revises: c4b7e2a9d1f3
Create Date: 2026-11-30 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d8e2f6c1b3'
down_revision = 'c4b7e2a9d1f3'  # linearised after main's call-backs migration
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: a batch copy of `work_orders` would drop a table others reference.
    op.add_column('work_orders', sa.Column('service_address', sa.Text(), nullable=True))
    op.add_column('work_orders', sa.Column('pending_product', sa.JSON(), nullable=True))
    op.add_column('users', sa.Column('service_area', sa.String(length=80), nullable=True))


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it), again without copying `work_orders`.
    op.execute('ALTER TABLE users DROP COLUMN service_area')
    op.execute('ALTER TABLE work_orders DROP COLUMN pending_product')
    op.execute('ALTER TABLE work_orders DROP COLUMN service_address')
