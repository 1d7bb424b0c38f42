"""Editions remember which preset values await the organizer's confirmation

Revision ID: preset17_values_to_confirm
Revises: scores17_exact_award_scores
"""
import sqlalchemy as sa
from alembic import op

revision = "preset17_values_to_confirm"
down_revision = "scores17_exact_award_scores"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("editions") as batch:
        batch.add_column(sa.Column("values_to_confirm", sa.JSON(), nullable=False, server_default="[]"))


def downgrade():
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("values_to_confirm")
