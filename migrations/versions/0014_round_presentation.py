"""A round's presentation session: the time and place where authors present before the panel

Revision ID: round_presentation_place
Revises: 0011_chair_review
"""
import sqlalchemy as sa
from alembic import op

revision = "round_presentation_place"
down_revision = "orgs19_organizations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("presentation_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("presentation_place", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("presentation_place")
        batch.drop_column("presentation_at")
