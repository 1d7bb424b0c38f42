"""security: a solved proof-of-work challenge is used once

Revision ID: sec19_used_challenges
Revises: scores17_exact_award_scores
"""
import sqlalchemy as sa
from alembic import op

revision = "sec19_used_challenges"
down_revision = "scores17_exact_award_scores"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "used_challenges",
        sa.Column("challenge_id", sa.String(length=32), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("challenge_id", name=op.f("pk_used_challenges")),
    )
    with op.batch_alter_table("used_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_used_challenges_used_at"), ["used_at"], unique=False)


def downgrade():
    with op.batch_alter_table("used_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_challenges_used_at"))
    op.drop_table("used_challenges")
