"""encrypt customer phone and address

Adds the phone's keyed digest and encrypts existing phones and addresses with the
app's data key (server/crypto.py); downgrade decrypts them back.

Revision ID: ac40dc89430e
Revises: 3c9032197065
Create Date: 2026-11-23 19:03:05.737794

"""
from alembic import op
import sqlalchemy as sa

from server.crypto import Place, app_phone_digest, app_ring, decrypt, encrypt, key_id_of

# revision identifiers, used by Alembic.
revision = 'ac40dc89430e'
down_revision = '3c9032197065'
branch_labels = None
depends_on = None

customers = sa.table(
    "customers",
    sa.column("id", sa.String),
    sa.column("phone", sa.Text),
    sa.column("address", sa.Text),
    sa.column("phone_digest", sa.String),
)


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_digest', sa.String(length=64), nullable=True))
        batch_op.alter_column('phone', existing_type=sa.VARCHAR(length=40), type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column('address', existing_type=sa.VARCHAR(length=300), type_=sa.Text(), existing_nullable=False)
        batch_op.drop_index(batch_op.f('ix_customers_phone'))

    conn = op.get_bind()
    ring = app_ring()
    for cid, phone, address in conn.execute(sa.select(customers.c.id, customers.c.phone, customers.c.address)).all():
        if key_id_of(phone):  # already encrypted
            continue
        conn.execute(
            customers.update().where(customers.c.id == cid).values(
                phone=encrypt(ring, phone), address=encrypt(ring, address), phone_digest=app_phone_digest(phone)
            )
        )

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.alter_column('phone_digest', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f('ix_customers_phone_digest'), ['phone_digest'], unique=False)


def downgrade():
    conn = op.get_bind()
    ring = app_ring()
    for cid, phone, address in conn.execute(sa.select(customers.c.id, customers.c.phone, customers.c.address)).all():
        if key_id_of(phone):
            conn.execute(customers.update().where(customers.c.id == cid).values(
                # (values written since are bound to their place: server/crypto.py)
                phone=decrypt(ring, phone, Place("customers", "phone", cid))[:40],
                address=decrypt(ring, address, Place("customers", "address", cid))[:300]))

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_phone_digest'))
        batch_op.create_index(batch_op.f('ix_customers_phone'), ['phone'], unique=False)
        batch_op.alter_column('address', existing_type=sa.Text(), type_=sa.VARCHAR(length=300), existing_nullable=False)
        batch_op.alter_column('phone', existing_type=sa.Text(), type_=sa.VARCHAR(length=40), existing_nullable=False)
        batch_op.drop_column('phone_digest')
