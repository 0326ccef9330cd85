"""social_aid: the desa of a decile row (kode_desa of the DTSEN file), for coverage per desa

Revision ID: social_aid_0005
Revises: social_aid_0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "social_aid_0005"
down_revision = "social_aid_0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("social_aid_decile") as batch:
        batch.add_column(sa.Column("village_code", sa.String(13), nullable=True))
    op.create_index("ix_social_aid_decile_village_code", "social_aid_decile", ["village_code"])


def downgrade():
    op.drop_index("ix_social_aid_decile_village_code", "social_aid_decile")
    with op.batch_alter_table("social_aid_decile") as batch:
        batch.drop_column("village_code")
