"""spbe: yearly self-assessments, each indicator's level and evidence files

Revision ID: spbe_0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "spbe_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spbe_assessment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False, unique=True),
        sa.Column("edition", sa.String(40), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "spbe_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("spbe_assessment.id"), nullable=False),
        sa.Column("indicator", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("suggested", sa.SmallInteger(), nullable=True),
        sa.Column("proof", sa.Text(), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("assessment_id", "indicator", name="uq_spbe_answer_indicator"),
    )
    op.create_index("ix_spbe_answer_assessment_id", "spbe_answer", ["assessment_id"])
    op.create_table(
        "spbe_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("spbe_assessment.id"), nullable=False),
        sa.Column("indicator", sa.SmallInteger(), nullable=False),
        sa.Column("stored", sa.String(80), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_spbe_evidence_assessment_id", "spbe_evidence", ["assessment_id"])


def downgrade():
    op.drop_table("spbe_evidence")
    op.drop_table("spbe_answer")
    op.drop_table("spbe_assessment")
