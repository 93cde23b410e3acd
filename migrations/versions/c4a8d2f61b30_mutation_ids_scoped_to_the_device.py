"""mutations: known by (device, id), not by id alone

A mutation id is the phone's own UUID: with a global primary key, a device that sent
another device's id was answered with that device's stored result and its own entry was
dropped. The primary key becomes (device_id, id); existing rows are all distinct already.

Revision ID: c4a8d2f61b30
Revises: 5b1e0c7d9a21
Create Date: 2026-11-30 09:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a8d2f61b30'
down_revision = '5b1e0c7d9a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mutations', schema=None, recreate='auto') as batch_op:
        batch_op.drop_constraint('pk_mutations', type_='primary')
        batch_op.create_primary_key('pk_mutations', ['device_id', 'id'])


def downgrade():
    # Refused when two devices have since sent the same id (the old key cannot hold both).
    with op.batch_alter_table('mutations', schema=None, recreate='auto') as batch_op:
        batch_op.drop_constraint('pk_mutations', type_='primary')
        batch_op.create_primary_key('pk_mutations', ['id'])
