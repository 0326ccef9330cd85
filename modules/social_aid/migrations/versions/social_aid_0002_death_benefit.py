"""social_aid: death benefit cases and the heirs' claims

Revision ID: social_aid_0002
Revises: social_aid_0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "social_aid_0002"
down_revision = "social_aid_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "social_aid_death",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nik", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kk", sa.String(16), nullable=True),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("date_of_death", sa.Date(), nullable=False),
        sa.Column("letter_id", sa.String(64), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_social_aid_death_village_code", "social_aid_death", ["village_code"])
    op.create_index("ix_social_aid_death_agency_code", "social_aid_death", ["agency_code"])
    op.create_table(
        "social_aid_death_claim",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("death_id", sa.Integer(), sa.ForeignKey("social_aid_death.id"), nullable=False),
        sa.Column("heir_nik", sa.String(16), nullable=False),
        sa.Column("heir_name", sa.String(120), nullable=False),
        sa.Column("relation", sa.String(60), nullable=False),
        sa.Column("kk_member", sa.Boolean(), nullable=False),
        sa.Column("letter_number", sa.String(120), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("active_key", sa.String(40), nullable=True, unique=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("filed_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("verified_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("death_id", "village_code", "agency_code"):
        op.create_index(f"ix_social_aid_death_claim_{column}", "social_aid_death_claim", [column])


def downgrade():
    for column in ("death_id", "village_code", "agency_code"):
        op.drop_index(f"ix_social_aid_death_claim_{column}", "social_aid_death_claim")
    op.drop_table("social_aid_death_claim")
    op.drop_index("ix_social_aid_death_agency_code", "social_aid_death")
    op.drop_index("ix_social_aid_death_village_code", "social_aid_death")
    op.drop_table("social_aid_death")
