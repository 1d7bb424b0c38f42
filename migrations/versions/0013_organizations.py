"""orgs19: the organizations the organizers keep, their names, judges' affiliations and near-match decisions

Seeds the list from every organization name already stored (judges', applicants', entries', authors', declared
conflicts), one organization per exact key (case, diacritics, spacing, punctuation and common abbreviations
folded); names that only look alike stay apart for an organizer to merge. Each judge's recorded organization
becomes a confirmed affiliation.

Revision ID: orgs19_organizations
Revises: 0011_chair_review
"""
from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from contest.organizations import organization_key

revision = "orgs19_organizations"
down_revision = "0012v_voter_identity"
branch_labels = None
depends_on = None

SOURCES = (
    ("judge_profiles", "organization"),
    ("applicant_profiles", "organization"),
    ("entries", "organization"),
    ("entry_members", "organization"),
    ("entry_conflict_declarations", "organization"),
    ("conflicts_of_interest", "organization"),
)


def upgrade():
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("short_name", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('confirmed', 'proposed', 'merged')",
                           name=op.f("ck_organizations_status_known")),
        sa.CheckConstraint("status <> 'merged' OR merged_into_id IS NOT NULL",
                           name=op.f("ck_organizations_merged_names_target")),
        sa.ForeignKeyConstraint(["merged_into_id"], ["organizations.id"],
                                name=op.f("fk_organizations_merged_into_id_organizations")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_organizations_created_by_id_users")),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_organizations_confirmed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_index(op.f("ix_organizations_status"), "organizations", ["status"])
    op.create_table(
        "organization_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE",
                                name=op.f("fk_organization_names_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_names")),
        sa.UniqueConstraint("key", name=op.f("uq_organization_names_key")),
    )
    op.create_index(op.f("ix_organization_names_organization_id"), "organization_names", ["organization_id"])
    op.create_table(
        "judge_affiliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("typed_name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('confirmed', 'pending', 'rejected')",
                           name=op.f("ck_judge_affiliations_status_known")),
        sa.ForeignKeyConstraint(["judge_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_judge_affiliations_judge_id_users")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_judge_affiliations_organization_id_organizations")),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_judge_affiliations_proposed_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_judge_affiliations_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_affiliations")),
    )
    op.create_index(op.f("ix_judge_affiliations_judge_id"), "judge_affiliations", ["judge_id"])
    op.create_table(
        "near_match_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_key", sa.String(length=300), nullable=False),
        sa.Column("second_key", sa.String(length=300), nullable=False),
        sa.Column("first_name", sa.String(length=300), nullable=False),
        sa.Column("second_name", sa.String(length=300), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("verdict IN ('conflict', 'distinct')", name=op.f("ck_near_match_decisions_verdict_known")),
        sa.CheckConstraint("first_key < second_key", name=op.f("ck_near_match_decisions_keys_ordered")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_near_match_decisions_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_near_match_decisions")),
        sa.UniqueConstraint("first_key", "second_key", name=op.f("uq_near_match_decisions_first_key_second_key")),
    )
    _seed()


def _seed():
    connection = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    spellings: dict[str, Counter] = {}
    judged_keys: set[str] = set()
    for table, column in SOURCES:
        for (name,) in connection.execute(sa.text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")):
            name = " ".join(name.split())
            key = organization_key(name)
            if not key:
                continue
            spellings.setdefault(key, Counter())[name] += 1
            if table == "judge_profiles":
                judged_keys.add(key)
    organizations = sa.table(
        "organizations", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("status", sa.String),
        sa.column("created_at", sa.DateTime), sa.column("confirmed_at", sa.DateTime),
    )
    names = sa.table("organization_names", sa.column("organization_id", sa.Integer), sa.column("name", sa.String),
                     sa.column("key", sa.String), sa.column("created_at", sa.DateTime))
    ids: dict[str, int] = {}
    for key in sorted(spellings):
        counts = spellings[key]
        # The most used spelling names the organization; the others are kept for display where they were typed.
        canonical = sorted(counts, key=lambda n: (-counts[n], n))[0]
        # Judges' organizations were recorded through the organizers' invitations and imports.
        confirmed = key in judged_keys
        result = connection.execute(organizations.insert().values(
            name=canonical, status="confirmed" if confirmed else "proposed", created_at=now,
            confirmed_at=now if confirmed else None,
        ).returning(organizations.c.id))
        ids[key] = result.scalar_one()
        connection.execute(names.insert().values(organization_id=ids[key], name=canonical, key=key, created_at=now))
    affiliations = sa.table(
        "judge_affiliations", sa.column("judge_id", sa.Integer), sa.column("organization_id", sa.Integer),
        sa.column("typed_name", sa.String), sa.column("status", sa.String), sa.column("created_at", sa.DateTime),
        sa.column("decided_at", sa.DateTime),
    )
    for user_id, name in connection.execute(sa.text(
        "SELECT user_id, organization FROM judge_profiles WHERE organization IS NOT NULL"
    )):
        key = organization_key(name)
        if key:
            connection.execute(affiliations.insert().values(
                judge_id=user_id, organization_id=ids[key], typed_name=" ".join(name.split()), status="confirmed",
                created_at=now, decided_at=now,
            ))


def downgrade():
    op.drop_table("near_match_decisions")
    op.drop_index(op.f("ix_judge_affiliations_judge_id"), table_name="judge_affiliations")
    op.drop_table("judge_affiliations")
    op.drop_index(op.f("ix_organization_names_organization_id"), table_name="organization_names")
    op.drop_table("organization_names")
    op.drop_index(op.f("ix_organizations_status"), table_name="organizations")
    op.drop_table("organizations")
