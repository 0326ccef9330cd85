"""sakip: plans, goals, indicators, targets, cascade, realisations, reports

Revision ID: sakip_0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "sakip_0001"
down_revision = None
branch_labels = None
depends_on = None

VALUE = sa.Numeric(18, 4)


def upgrade():
    op.create_table(
        "sakip_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_code", "level", "first_year"),
    )
    op.create_index("ix_sakip_plan_agency_code", "sakip_plan", ["agency_code"])
    op.create_table(
        "sakip_goal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("sakip_plan.id"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("sakip_goal.id"), nullable=True),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.UniqueConstraint("plan_id", "code"),
    )
    op.create_table(
        "sakip_indicator",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("sakip_plan.id"), nullable=False),
        sa.Column("goal_id", sa.Integer(), sa.ForeignKey("sakip_goal.id"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("aggregation", sa.String(8), nullable=False),
        sa.Column("baseline", VALUE, nullable=True),
        sa.UniqueConstraint("plan_id", "code"),
    )
    op.create_table(
        "sakip_target",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("sakip_indicator.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", VALUE, nullable=False),
        sa.UniqueConstraint("indicator_id", "year"),
    )
    op.create_table(
        "sakip_cascade",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("goal_id", sa.Integer(), sa.ForeignKey("sakip_goal.id"), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("sakip_cascade.id"), nullable=True),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.UniqueConstraint("goal_id", "code"),
    )
    op.create_table(
        "sakip_realisation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("sakip_indicator.id"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("value", VALUE, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", sa.String(40), nullable=False),
        sa.Column("evidence_kind", sa.String(4), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("entered_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("indicator_id", "year", "quarter"),
    )
    op.create_table(
        "sakip_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("sakip_plan.id"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("document_code", sa.String(16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("plan_id", "year", "revision"),
    )
    for table, column in (("sakip_goal", "plan_id"), ("sakip_goal", "agency_code"), ("sakip_indicator", "plan_id"),
                          ("sakip_indicator", "goal_id"), ("sakip_indicator", "agency_code"),
                          ("sakip_cascade", "goal_id"), ("sakip_cascade", "agency_code"),
                          ("sakip_realisation", "indicator_id"), ("sakip_realisation", "agency_code"),
                          ("sakip_report", "plan_id")):
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade():
    for table in ("sakip_report", "sakip_realisation", "sakip_cascade", "sakip_target", "sakip_indicator",
                  "sakip_goal", "sakip_plan"):
        op.drop_table(table)
