"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contest.extensions import db
from contest.models import Base


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences


def test_the_migrated_database_has_every_table(app):
    from sqlalchemy import inspect

    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_demo_data_seeds_once_and_has_every_role(app):
    from sqlalchemy import func, select

    from contest.models import Edition, Entry, Role, User

    runner = app.test_cli_runner()
    first = runner.invoke(args=["contest", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "btc@demo.vn" in first.output
    second = runner.invoke(args=["contest", "seed-demo"])
    assert "bỏ qua" in second.output
    assert db.session.scalar(select(func.count(Edition.id))) == 2
    edition = db.session.scalar(select(Edition).where(Edition.slug == "2025"))
    assert [c.code for c in edition.categories][:2] == ["cntt", "co_khi"]
    assert [r.name for r in edition.rounds] == ["Vòng sơ khảo", "Vòng chung khảo"]
    assert sum(c.max_score for c in edition.rounds[0].criteria) == 80
    statuses = set(db.session.scalars(select(Entry.status).where(Entry.edition_id == edition.id)))
    assert {"draft", "submitted", "eligible", "ineligible", "withdrawn"} <= statuses
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.edition_id == edition.id)) >= 12
    codes = sorted(db.session.scalars(select(Entry.reference_code).where(Entry.edition_id == edition.id)))
    assert codes[0] == "TN2025-0001" and len(set(codes)) == len(codes)
    users = db.session.scalars(select(User)).all()
    for role in Role:
        assert any(u.has_role(role) for u in users), role


def test_the_demo_edition_passes_validation(app):
    from sqlalchemy import select

    from contest.editions import validate_edition
    from contest.models import Edition

    app.test_cli_runner().invoke(args=["contest", "seed-demo"])
    edition = db.session.scalar(select(Edition).where(Edition.slug == "2025"))
    with app.test_request_context():
        assert [p.message for p in validate_edition(edition)] == []
