"""social_aid: indexes the regent's dashboard counts from at a regency's size: the DTSEN households by decile
(and desa), and a year's standing proposals with desa and decile, by period and case (the case's state is
read in id order)

Revision ID: social_aid_0006
Revises: social_aid_0005
Create Date: 2026-12-01
"""
from alembic import op

revision = "social_aid_0006"
down_revision = "social_aid_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_social_aid_decile_decile", "social_aid_decile", ["decile", "village_code"])
    op.create_index("ix_social_aid_proposal_period", "social_aid_proposal",
                    ["period", "case_id", "village_code", "decile", "active_key"])


def downgrade():
    op.drop_index("ix_social_aid_proposal_period", "social_aid_proposal")
    op.drop_index("ix_social_aid_decile_decile", "social_aid_decile")
