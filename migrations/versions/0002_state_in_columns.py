"""State in columns: result-set version and approval sending, one public set per scope, a round's last assignment run

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 16:50:00

The audit log stays the history; these columns are the state that pages and rules read. Existing rows get their
values from the audit events that recorded them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PUBLIC = "status IN ('published', 'finalized')"


def upgrade():
    with op.batch_alter_table("result_sets") as batch:
        batch.add_column(sa.Column("sent_for_approval_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("assignment_settings", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("assignment_summary", sa.JSON(), nullable=True))
    op.create_index(
        "uq_result_sets_one_public_per_scope", "result_sets",
        ["edition_id", sa.text("coalesce(round_id, 0)"), sa.text("coalesce(category_id, 0)")], unique=True,
        sqlite_where=sa.text(PUBLIC), postgresql_where=sa.text(PUBLIC),
    )
    _backfill()


def _backfill():
    connection = op.get_bind()
    audit = sa.table(
        "audit_events", sa.column("id", sa.Integer), sa.column("action", sa.String),
        sa.column("object_type", sa.String), sa.column("object_id", sa.Integer),
        sa.column("created_at", sa.DateTime), sa.column("after", sa.JSON),
    )
    result_sets = sa.table("result_sets", sa.column("id", sa.Integer), sa.column("sent_for_approval_at", sa.DateTime))
    rounds = sa.table("rounds", sa.column("id", sa.Integer), sa.column("assignment_settings", sa.JSON),
                      sa.column("assignment_summary", sa.JSON))
    sent = connection.execute(
        sa.select(audit.c.object_id, sa.func.max(audit.c.created_at))
        .where(audit.c.action == "approval.requested", audit.c.object_type == "result_sets")
        .group_by(audit.c.object_id)
    ).all()
    for result_set_id, when in sent:
        connection.execute(result_sets.update().where(result_sets.c.id == result_set_id)
                           .values(sent_for_approval_at=when))
    runs = connection.execute(
        sa.select(audit.c.object_id, audit.c.action, audit.c.after)
        .where(audit.c.action.in_(("assignment.run", "assignment.filled")), audit.c.object_type == "rounds")
        .order_by(audit.c.id)
    ).all()
    latest: dict[int, dict] = {}
    for round_id, action, after in runs:  # later events overwrite earlier ones
        state = latest.setdefault(round_id, {})
        after = after or {}
        if action == "assignment.run":
            state["settings"] = after.get("settings")
        state["summary"] = after.get("summary")
    for round_id, state in latest.items():
        connection.execute(rounds.update().where(rounds.c.id == round_id).values(
            assignment_settings=state.get("settings"), assignment_summary=state.get("summary")))


def downgrade():
    op.drop_index("uq_result_sets_one_public_per_scope", table_name="result_sets")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("assignment_summary")
        batch.drop_column("assignment_settings")
    with op.batch_alter_table("result_sets") as batch:
        batch.drop_column("version")
        batch.drop_column("sent_for_approval_at")
