"""encrypt report_shares.recipient

The customer's mobile (or chat id) a report link was sent to is personal data like the
customer's phone: encrypted at rest with the app's data key (server/crypto.py), bound to its row. Existing
rows are encrypted here; downgrade decrypts them back.

Revision ID: d9e3b5a7c214
Revises: c4a8d2f61b30
Create Date: 2026-11-30 09:25:00.000000

"""
from alembic import op
import sqlalchemy as sa

from server.crypto import Place, app_ring, decrypt, encrypt, key_id_of

# revision identifiers, used by Alembic.
revision = 'd9e3b5a7c214'
down_revision = 'c4a8d2f61b30'
branch_labels = None
depends_on = None

shares = sa.table("report_shares", sa.column("id", sa.String), sa.column("recipient", sa.Text))


def upgrade():
    with op.batch_alter_table('report_shares', schema=None) as batch_op:
        batch_op.alter_column('recipient', existing_type=sa.VARCHAR(length=200), type_=sa.Text(), existing_nullable=False)
    conn = op.get_bind()
    ring = app_ring()
    for sid, recipient in conn.execute(sa.select(shares.c.id, shares.c.recipient)).all():
        if not key_id_of(recipient):  # not yet encrypted
            conn.execute(shares.update().where(shares.c.id == sid).values(
                recipient=encrypt(ring, recipient, Place('report_shares', 'recipient', sid))))


def downgrade():
    conn = op.get_bind()
    ring = app_ring()
    for sid, recipient in conn.execute(sa.select(shares.c.id, shares.c.recipient)).all():
        if key_id_of(recipient):
            conn.execute(shares.update().where(shares.c.id == sid).values(
                recipient=decrypt(ring, recipient, Place('report_shares', 'recipient', sid))[:200]))
    with op.batch_alter_table('report_shares', schema=None) as batch_op:
        batch_op.alter_column('recipient', existing_type=sa.Text(), type_=sa.VARCHAR(length=200), existing_nullable=False)
