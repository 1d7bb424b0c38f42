"""An organizer backs up a running contest and brings it back, rows and files alike."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from contest.backup import BackupError, make_backup, restore_backup, verify_backup
from contest.extensions import db
from contest.models import Attachment, Base, Edition, Entry, User
from contest.storage import get_store, store_from_url

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _snapshot() -> dict[str, list[dict]]:
    data = {}
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
        data[table.name] = [dict(r) for r in rows]
    return data


def _seed_with_a_file(app) -> str:
    app.test_cli_runner().invoke(args=["contest", "seed-demo"])
    entry = db.session.scalar(select(Entry).where(Entry.status == "eligible"))
    stored = get_store().put(io.BytesIO(PDF), content_type="application/pdf", key_prefix="entries/")
    kind = entry.edition.attachment_kinds[0]
    db.session.add(Attachment(entry=entry, kind=kind, display_filename="Phiếu đăng ký.pdf",
                              content_type="application/pdf", size=stored.size, sha256=stored.sha256,
                              storage_key=stored.key))
    db.session.commit()
    return stored.key


def _empty_everything(app) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def test_backup_and_restore_round_trip_a_seeded_contest(app, tmp_path):
    key = _seed_with_a_file(app)
    before = _snapshot()
    result = app.test_cli_runner().invoke(args=["contest", "backup", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["tables"]["entries"]["rows"] == len(before["entries"])
    stored_keys = {a["storage_key"] for a in before["attachments"] if a["storage_key"]}
    assert key in stored_keys
    assert sorted(o["key"] for o in manifest["objects"]) == sorted(stored_keys)

    _empty_everything(app)
    get_store().delete(key)
    result = app.test_cli_runner().invoke(args=["contest", "restore", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _snapshot() == before
    with get_store().open(key) as reader:
        assert b"".join(reader) == PDF
    # New rows after a restore get fresh ids (sequences moved past the restored ones).
    edition = db.session.scalar(select(Edition))
    user = User(email="moi@example.vn", full_name="Người mới")
    db.session.add(user)
    db.session.commit()
    assert user.id > max(u["id"] for u in before["users"])
    assert edition.name.startswith("Cuộc thi")


def test_restore_refuses_a_damaged_backup(app, tmp_path):
    _seed_with_a_file(app)
    make_backup(tmp_path / "bk", get_store())
    dump = tmp_path / "bk" / "db" / "entries.jsonl"
    dump.write_text(dump.read_text().replace("Máy sao chè", "Máy sao chè giả mạo"))
    with pytest.raises(BackupError, match="entries.jsonl"):
        verify_backup(tmp_path / "bk")


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path):
    _seed_with_a_file(app)
    make_backup(tmp_path / "bk", get_store())
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(tmp_path / "bk", store_from_url(f"file://{tmp_path / 'other'}"))


def test_backup_refuses_a_directory_in_use(app, tmp_path):
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "x").write_text("x")
    result = app.test_cli_runner().invoke(args=["contest", "backup", str(tmp_path / "bk")])
    assert result.exit_code != 0 and "not empty" in result.output


def test_backup_is_a_snapshot_even_with_writes_in_between(app, tmp_path, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite holds writers back during the read transaction; the snapshot matters on PostgreSQL")
    import contest.backup as backup_module

    _seed_with_a_file(app)
    users_before = len(_snapshot()["users"])
    real_digest = backup_module._sha256_file
    written = []

    def digest_and_write_meanwhile(path):
        if not written:  # someone registers while the backup is running
            with db.engine.begin() as other:
                other.execute(User.__table__.insert().values(
                    email="trong.luc.sao.luu@example.vn", full_name="Người đăng ký giữa chừng",
                    locale="vi", active=True, session_version=1, failed_logins=0,
                    created_at=__import__("contest.models", fromlist=["utcnow"]).utcnow()))
            written.append(path)
        return real_digest(path)

    monkeypatch.setattr(backup_module, "_sha256_file", digest_and_write_meanwhile)
    manifest = make_backup(tmp_path / "bk", get_store())
    assert written
    assert manifest["tables"]["users"]["rows"] == users_before
    assert len(_snapshot()["users"]) == users_before + 1
