"""Panel chairs and their decisions on flagged entries, before a result set goes to the committee

Revision ID: 0011_chair_review
Revises: 0004x_cross_field
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_chair_review"
down_revision = "0004x_cross_field"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "panel_chairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("appointed_at", sa.DateTime(), nullable=False),
        sa.Column("appointed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["edition_id"], ["editions.id"], name=op.f("fk_panel_chairs_edition_id_editions")),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_panel_chairs_round_id_rounds")),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"],
                                name=op.f("fk_panel_chairs_category_id_categories")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_panel_chairs_user_id_users")),
        sa.ForeignKeyConstraint(["appointed_by_id"], ["users.id"],
                                name=op.f("fk_panel_chairs_appointed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_chairs")),
    )
    op.create_index(op.f("ix_panel_chairs_edition_id"), "panel_chairs", ["edition_id"])
    op.create_index("uq_panel_chairs_scope", "panel_chairs",
                    ["round_id", sa.text("coalesce(category_id, 0)")], unique=True)
    op.create_table(
        "chair_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_set_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("decision IN ('keep', 'plain_mean', 'ask_review', 'exclude_sheet')",
                           name=op.f("ck_chair_decisions_decision_known")),
        sa.CheckConstraint("decision NOT IN ('ask_review', 'exclude_sheet') OR judge_id IS NOT NULL",
                           name=op.f("ck_chair_decisions_sheet_decision_names_judge")),
        sa.CheckConstraint("decision != 'exclude_sheet' OR reason IS NOT NULL",
                           name=op.f("ck_chair_decisions_exclusion_has_reason")),
        sa.ForeignKeyConstraint(["result_set_id"], ["result_sets.id"], ondelete="CASCADE",
                                name=op.f("fk_chair_decisions_result_set_id_result_sets")),
        sa.ForeignKeyConstraint(["entry_id"], ["entries.id"], name=op.f("fk_chair_decisions_entry_id_entries")),
        sa.ForeignKeyConstraint(["judge_id"], ["users.id"], name=op.f("fk_chair_decisions_judge_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_chair_decisions_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chair_decisions")),
        sa.UniqueConstraint("result_set_id", "entry_id", name=op.f("uq_chair_decisions_result_set_id_entry_id")),
    )
    op.create_index(op.f("ix_chair_decisions_result_set_id"), "chair_decisions", ["result_set_id"])


def downgrade():
    op.drop_index(op.f("ix_chair_decisions_result_set_id"), table_name="chair_decisions")
    op.drop_table("chair_decisions")
    op.drop_index("uq_panel_chairs_scope", table_name="panel_chairs")
    op.drop_index(op.f("ix_panel_chairs_edition_id"), table_name="panel_chairs")
    op.drop_table("panel_chairs")
