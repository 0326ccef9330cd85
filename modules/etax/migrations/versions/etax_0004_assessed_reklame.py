"""etax: reklame is assessed on its tax base value (an SKPD from the tariff table), not declared on turnover

A declaration records its basis (None: the month's turnover, an SPTPD; "nsr": an assessment on nilai sewa
reklame) and, for an assessment, what it was computed from (tariff edition, kind, size, location class,
periods) as JSON. Earlier reklame declarations keep basis None: they were made on turnover.

Revision ID: etax_0004
Revises: etax_0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "etax_0004"
down_revision = "etax_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("etax_declaration", sa.Column("basis", sa.String(10), nullable=True))
    op.add_column("etax_declaration", sa.Column("detail", sa.Text(), nullable=True))


def downgrade():
    # plain DROP COLUMN (SQLite 3.35+): payments reference the table
    op.drop_column("etax_declaration", "detail")
    op.drop_column("etax_declaration", "basis")
