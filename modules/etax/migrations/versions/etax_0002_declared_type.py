"""etax: each declaration keeps the tax type it was declared under

Reclassifying an object (hiburan <-> hiburan_khusus) moved its past months'
revenue to the new type in the dashboard and the API. The declaration now
records its own type, filled here from its object.

Revision ID: etax_0002
Revises: etax_0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "etax_0002"
down_revision = "etax_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("etax_declaration", sa.Column("tax_type", sa.String(20), nullable=True))
    op.execute("UPDATE etax_declaration SET tax_type = (SELECT o.tax_type FROM etax_object o "
               "WHERE o.id = etax_declaration.object_id)")


def downgrade():
    op.drop_column("etax_declaration", "tax_type")  # plain DROP COLUMN (SQLite 3.35+): payments reference the table
