"""One mailbox, one vote: voters get their canonical identity, votes are unique per identity; ballot lines can be
taken off with a reason

Revision ID: 0012v_voter_identity
Revises: 0011_chair_review

Stored votes get the identity of their voter.  Where two stored votes of one period, entry and day turn out to come
from one mailbox (``a.b@gmail.com`` and ``ab+1@gmail.com``), both rows are kept: the earliest holds the key, the
others keep an empty key and show in the organizers' review queue, who decide; nothing is deleted.

The identity comes from ``contest.voter_identity`` (pure, no app or database code): the stored keys must be exactly
what the running app computes, or the unique key would miss spellings.  A later change of the rule comes with its
own migration re-keying the votes.
"""
import sqlalchemy as sa
from alembic import op

from contest.voter_identity import canonical_identity

revision = "0012v_voter_identity"
down_revision = "0011_chair_review"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    with op.batch_alter_table("voters") as batch_op:
        batch_op.add_column(sa.Column("identity", sa.String(length=320), nullable=True))
    voters = sa.table("voters", sa.column("id", sa.Integer()), sa.column("email", sa.String()),
                      sa.column("identity", sa.String()))
    identities = {}
    for voter_id, email in connection.execute(sa.select(voters.c.id, voters.c.email)).all():
        identities[voter_id] = canonical_identity(email)
        connection.execute(voters.update().where(voters.c.id == voter_id).values(identity=identities[voter_id]))
    with op.batch_alter_table("voters") as batch_op:
        batch_op.alter_column("identity", existing_type=sa.String(length=320), nullable=False)
        batch_op.create_index(batch_op.f("ix_voters_identity"), ["identity"], unique=False)

    with op.batch_alter_table("votes") as batch_op:
        batch_op.add_column(sa.Column("voter_key", sa.String(length=320), nullable=True))
    votes = sa.table("votes", sa.column("id", sa.Integer()), sa.column("period_id", sa.Integer()),
                     sa.column("voter_id", sa.Integer()), sa.column("entry_id", sa.Integer()),
                     sa.column("vote_day", sa.Date()), sa.column("voter_key", sa.String()))
    holders = set()
    rows = connection.execute(
        sa.select(votes.c.id, votes.c.period_id, votes.c.voter_id, votes.c.entry_id, votes.c.vote_day)
        .order_by(votes.c.id)
    ).all()
    for vote_id, period_id, voter_id, entry_id, vote_day in rows:
        key = (period_id, identities[voter_id], entry_id, vote_day)
        if key in holders:
            continue  # a second spelling of a mailbox that already voted: no key, left for review
        holders.add(key)
        connection.execute(votes.update().where(votes.c.id == vote_id).values(voter_key=identities[voter_id]))
    with op.batch_alter_table("votes") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_votes_period_id_voter_id_entry_id_vote_day"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_votes_period_id_voter_key_entry_id_vote_day"),
                                          ["period_id", "voter_key", "entry_id", "vote_day"])

    with op.batch_alter_table("ballot_entries") as batch_op:
        batch_op.add_column(sa.Column("taken_off_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("taken_off_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("taken_off_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_ballot_entries_taken_off_by_id_users"), "users",
                                    ["taken_off_by_id"], ["id"])
        batch_op.create_check_constraint(batch_op.f("ck_ballot_entries_taken_off_has_reason"),
                                         "taken_off_at IS NULL OR taken_off_reason IS NOT NULL")


def downgrade():
    with op.batch_alter_table("ballot_entries") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ballot_entries_taken_off_has_reason"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_ballot_entries_taken_off_by_id_users"), type_="foreignkey")
        batch_op.drop_column("taken_off_reason")
        batch_op.drop_column("taken_off_by_id")
        batch_op.drop_column("taken_off_at")
    # One voter row never holds two votes of one period, entry and day (its identity is fixed), so the old key holds.
    with op.batch_alter_table("votes") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_votes_period_id_voter_key_entry_id_vote_day"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_votes_period_id_voter_id_entry_id_vote_day"),
                                          ["period_id", "voter_id", "entry_id", "vote_day"])
        batch_op.drop_column("voter_key")
    with op.batch_alter_table("voters") as batch_op:
        batch_op.drop_index(batch_op.f("ix_voters_identity"))
        batch_op.drop_column("identity")
