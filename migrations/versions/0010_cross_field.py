"""Editions say whether they compare entries across fields; otherwise judges stay within each field

Revision ID: 0004x_cross_field
Revises: preset17_values_to_confirm
"""
import sqlalchemy as sa
from alembic import op

revision = "0004x_cross_field"
down_revision = "preset17_values_to_confirm"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("editions") as batch:
        batch.add_column(sa.Column("compare_across_fields", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("compare_across_fields")
