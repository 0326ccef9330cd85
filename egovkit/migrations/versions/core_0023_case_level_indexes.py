"""core: the indexes that count a module's or a workflow's cases of a period hold every column a service
level reads (closed, late, state, due and state dates; the region for a workflow's), so the regent's
dashboard counts from the index alone instead of visiting each case (bench/regent_dashboard.py)

Revision ID: core_0023
Revises: core_0022
Create Date: 2026-12-01
"""
from alembic import op

revision = "core_0023"
down_revision = "core_0022"
branch_labels = None
depends_on = None

LEVEL = ["created_at", "closed", "late", "state", "due_at", "state_since"]


def upgrade():
    op.drop_index("ix_core_case_module_created", "core_case")
    op.drop_index("ix_core_case_workflow_created", "core_case")
    op.create_index("ix_core_case_module_level", "core_case", ["module", *LEVEL])
    op.create_index("ix_core_case_workflow_level", "core_case", ["workflow", *LEVEL, "region_code"])


def downgrade():
    op.drop_index("ix_core_case_workflow_level", "core_case")
    op.drop_index("ix_core_case_module_level", "core_case")
    op.create_index("ix_core_case_module_created", "core_case", ["module", "created_at"])
    op.create_index("ix_core_case_workflow_created", "core_case", ["workflow", "created_at"])
