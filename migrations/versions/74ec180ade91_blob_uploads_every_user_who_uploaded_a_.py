"""blob uploads: every user who uploaded a blob's bytes

Referring to a blob now takes having uploaded its bytes (or being able to read it
already), not just knowing its hash. Existing blobs keep their first uploader.

Revision ID: 74ec180ade91
Revises: ac40dc89430e
Create Date: 2026-11-26 12:00:02.088652

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '74ec180ade91'
down_revision = 'ac40dc89430e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('blob_uploads',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], name=op.f('fk_blob_uploads_sha256_blobs')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_blob_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('sha256', 'user_id', name=op.f('pk_blob_uploads'))
    )
    op.execute(
        "INSERT INTO blob_uploads (sha256, user_id, created_at) "
        "SELECT sha256, uploaded_by_id, created_at FROM blobs WHERE uploaded_by_id IS NOT NULL"
    )


def downgrade():
    op.drop_table('blob_uploads')
