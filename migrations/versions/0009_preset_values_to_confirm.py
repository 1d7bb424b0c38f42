"""Editions remember which preset values await the organizer's confirmation

Revision ID: preset17_values_to_confirm
Revises: ceremony18_showcase
"""
import sqlalchemy as sa
from alembic import op

revision = "preset17_values_to_confirm"
down_revision = "ceremony18_showcase"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("editions") as batch:
        batch.add_column(sa.Column("values_to_confirm", sa.JSON(), nullable=False, server_default="[]"))


def downgrade():
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("values_to_confirm")
