"""``flask contest storage-check`` finds objects without rows and rows without objects, and sweeps orphans."""

from __future__ import annotations

import io
import os
import time

from contest.extensions import db
from contest.storage import get_store
from tests.entries.helpers import kind, tiny_pdf, upload
from tests.factories import make_edition, make_entry, make_user


def _age(key: str, hours: float) -> None:
    path = get_store().root / key
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_storage_check_lists_and_sweeps_old_orphans_only(app, auth):
    edition = make_edition()
    owner = make_user()
    entry = make_entry(owner, edition)
    upload(auth.as_(owner), entry, kind(edition, "thuyet_minh"), tiny_pdf())
    db.session.refresh(entry)
    kept = entry.attachments[0].storage_key
    store = get_store()
    old_orphan = store.put(io.BytesIO(b"%PDF-1.4 old"), content_type="application/pdf", key_prefix="entries/1/").key
    fresh_orphan = store.put(io.BytesIO(b"%PDF-1.4 new"), content_type="application/pdf", key_prefix="entries/1/").key
    _age(old_orphan, 48)
    _age(kept, 48)

    runner = app.test_cli_runner()
    result = runner.invoke(args=["contest", "storage-check", "--older-than", "24"])
    assert result.exit_code == 0, result.output
    assert old_orphan in result.output and fresh_orphan not in result.output and kept not in result.output
    assert "Bản ghi mất tệp: 0" in result.output
    assert store.exists(old_orphan)

    result = runner.invoke(args=["contest", "storage-check", "--sweep", "--older-than", "24"])
    assert result.exit_code == 0, result.output
    assert "Đã xóa 1 đối tượng mồ côi." in result.output
    assert not store.exists(old_orphan) and store.exists(fresh_orphan) and store.exists(kept)


def test_storage_check_reports_rows_whose_object_is_gone(app, auth):
    edition = make_edition()
    owner = make_user()
    entry = make_entry(owner, edition)
    upload(auth.as_(owner), entry, kind(edition, "thuyet_minh"), tiny_pdf(), "Thuyết minh.pdf")
    db.session.refresh(entry)
    key = entry.attachments[0].storage_key
    get_store().delete(key)
    result = app.test_cli_runner().invoke(args=["contest", "storage-check"])
    assert result.exit_code == 1
    assert "Bản ghi mất tệp: 1" in result.output and key in result.output and entry.reference_code in result.output


def test_rules_document_is_not_an_orphan(app):
    edition = make_edition()
    store = get_store()
    key = store.put(io.BytesIO(b"%PDF-1.4 rules"), content_type="application/pdf", key_prefix="rules/").key
    edition.rules_document_key = key
    db.session.commit()
    _age(key, 100)
    result = app.test_cli_runner().invoke(args=["contest", "storage-check", "--sweep", "--older-than", "1"])
    assert result.exit_code == 0 and store.exists(key)
