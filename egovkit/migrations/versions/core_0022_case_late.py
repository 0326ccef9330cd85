"""core: whether a case ever left a state after its due date (service levels: within SLA or not), and the
indexes that count a module's or a workflow's cases of a period (dashboards, SPBE evidence)

Revision ID: core_0022
Revises: core_0021
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0022"
down_revision = "core_0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_case") as batch:
        batch.add_column(sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_core_case_module_created", "core_case", ["module", "created_at"])
    op.create_index("ix_core_case_workflow_created", "core_case", ["workflow", "created_at"])
    # Cases closed before this revision: late when they closed after their deadline (the per-state due dates
    # they passed are not kept).
    op.execute(sa.text("UPDATE core_case SET late = :yes WHERE closed = :yes AND deadline IS NOT NULL "
                       "AND state_since > deadline").bindparams(yes=True))


def downgrade():
    op.drop_index("ix_core_case_workflow_created", "core_case")
    op.drop_index("ix_core_case_module_created", "core_case")
    with op.batch_alter_table("core_case") as batch:
        batch.drop_column("late")
