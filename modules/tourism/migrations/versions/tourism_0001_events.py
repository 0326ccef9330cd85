"""tourism: events, destinations and their monthly visits

Revision ID: tourism_0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "tourism_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tourism_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title_id", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("description_id", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False, index=True),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("venue", sa.String(200), nullable=False, index=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=False, index=True),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("realised_cost", sa.BigInteger(), nullable=True),
        sa.Column("expected_domestic", sa.Integer(), nullable=False),
        sa.Column("expected_foreign", sa.Integer(), nullable=False),
        sa.Column("visitors_domestic", sa.Integer(), nullable=True),
        sa.Column("visitors_foreign", sa.Integer(), nullable=True),
        sa.Column("average_spend", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "tourism_destination",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("region_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=True, index=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=False, index=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "tourism_visits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("destination_id", sa.Integer(), sa.ForeignKey("tourism_destination.id"), nullable=False,
                  index=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("domestic", sa.Integer(), nullable=False),
        sa.Column("foreign", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("destination_id", "year", "month"),
    )


def downgrade():
    op.drop_table("tourism_visits")
    op.drop_table("tourism_destination")
    op.drop_table("tourism_event")
