"""revocable sign-ins, bearer token expiry, server-side passkey challenges

A session and its remember cookie now carry a per-sign-in token whose row can be revoked
(`sign_ins`); bearer tokens expire (existing ones 90 days from now); a pending passkey
ceremony waits on the server (`passkey_challenges`) when no Redis is configured.

Revision ID: 5b1e0c7d9a21
Revises: b7d41e2a9c10
Create Date: 2026-11-30 08:45:00.000000

"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e0c7d9a21'
down_revision = 'b7d41e2a9c10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_ins',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('passkey_id', sa.String(length=36), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['passkey_id'], ['passkeys.id'], name=op.f('fk_sign_ins_passkey_id_passkeys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_ins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_ins')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_sign_ins_token_sha256'))
    )
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_ins_passkey_id'), ['passkey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_ins_user_id'), ['user_id'], unique=False)

    op.create_table('passkey_challenges',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passkey_challenges'))
    )
    with op.batch_alter_table('passkey_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passkey_challenges_expires_at'), ['expires_at'], unique=False)

    # Existing tokens never expired: they get 90 days from now, then need renewing.
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    expires = datetime.now(timezone.utc) + timedelta(days=90)
    op.get_bind().execute(
        sa.table('api_tokens', sa.column('expires_at', sa.DateTime(timezone=True))).update().values(expires_at=expires)
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('passkey_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passkey_challenges_expires_at'))
    op.drop_table('passkey_challenges')
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_ins_user_id'))
        batch_op.drop_index(batch_op.f('ix_sign_ins_passkey_id'))
    op.drop_table('sign_ins')
