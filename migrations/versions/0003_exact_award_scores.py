"""Award scores keep the engine's value to six places, so they are rounded once, when shown

Revision ID: scores17_exact_award_scores
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "scores17_exact_award_scores"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("expert_score", "expert_stderr", "total_score")


def upgrade():
    with op.batch_alter_table("awards") as batch:
        for column in COLUMNS:
            batch.alter_column(column, existing_type=sa.Numeric(8, 3), type_=sa.Numeric(12, 6),
                               existing_nullable=True)


def downgrade():
    with op.batch_alter_table("awards") as batch:
        for column in COLUMNS:
            batch.alter_column(column, existing_type=sa.Numeric(12, 6), type_=sa.Numeric(8, 3),
                               existing_nullable=True)
