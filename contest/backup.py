"""Consistent backups of a whole contest: every table, every stored object, with checksums.

A backup is a directory::

    manifest.json        format, time, schema revision, per-table row counts and SHA-256,
                         per-object key, size and SHA-256
    db/<table>.jsonl     one JSON object per row, in primary-key order
    objects/<key>        a copy of every object in the store

The tables are read in one transaction (REPEATABLE READ on PostgreSQL, one
read transaction on SQLite), so the dump is a snapshot even while people keep
working.  Objects are never modified once written (keys are random and never
reused), so copying them after the snapshot is consistent; an object missing
at copy time is reported, never silently skipped.  The format is
database-neutral: a PostgreSQL backup restores into SQLite and back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Numeric, func, insert, select, text
from sqlalchemy.engine import Connection

from contest.extensions import db
from contest.models import Base, utcnow
from contest.storage import ObjectNotFound, ObjectStore

FORMAT = 1
BATCH = 1000


class BackupError(Exception):
    pass


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(column: Any):
    kind = column.type
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, Numeric) and getattr(kind, "asdecimal", True):
        return lambda v: None if v is None else Decimal(v)
    return lambda v: v


def _schema_revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        return None


def _snapshot_connection() -> Connection:
    conn = db.engine.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    conn.begin()
    if conn.dialect.name == "sqlite":
        # The first read takes the snapshot; do it now, before anything else is read.
        conn.execute(text("SELECT count(*) FROM sqlite_master"))
    return conn


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_backup(dest: Path, store: ObjectStore) -> dict[str, Any]:
    """Write a backup into the empty (or new) directory ``dest`` and return its manifest."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty")
    (dest / "db").mkdir(parents=True, exist_ok=True)
    (dest / "objects").mkdir(exist_ok=True)
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": utcnow().isoformat(), "tables": {}, "objects": []}
    conn = _snapshot_connection()
    try:
        manifest["schema_revision"] = _schema_revision(conn)
        manifest["dialect"] = conn.dialect.name
        for table in Base.metadata.sorted_tables:
            path = dest / "db" / f"{table.name}.jsonl"
            rows = 0
            with path.open("w", encoding="utf-8") as handle:
                order = list(table.primary_key.columns)
                result = conn.execution_options(stream_results=True).execute(select(table).order_by(*order))
                for row in result.mappings():
                    handle.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False,
                                            sort_keys=True))
                    handle.write("\n")
                    rows += 1
            manifest["tables"][table.name] = {"rows": rows, "sha256": _sha256_file(path)}
    finally:
        conn.rollback()
        conn.close()
    for info in store.iter_objects():
        target = dest / "objects" / info.key
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        try:
            with store.open(info.key) as reader, target.open("wb") as out:
                for chunk in reader:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except ObjectNotFound:
            continue  # deleted between listing and copying: not part of any committed row
        manifest["objects"].append({"key": info.key, "size": size, "sha256": digest.hexdigest()})
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    return manifest


def verify_backup(src: Path) -> dict[str, Any]:
    """Check every checksum of a backup; raises BackupError naming the first damaged file."""
    src = Path(src)
    try:
        manifest = json.loads((src / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read {src / 'manifest.json'}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, info in manifest["tables"].items():
        path = src / "db" / f"{name}.jsonl"
        if not path.exists() or _sha256_file(path) != info["sha256"]:
            raise BackupError(f"table dump {path} is missing or damaged")
    for obj in manifest["objects"]:
        path = src / "objects" / obj["key"]
        if not path.exists() or _sha256_file(path) != obj["sha256"]:
            raise BackupError(f"object copy {path} is missing or damaged")
    return manifest


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def restore_backup(src: Path, store: ObjectStore) -> dict[str, Any]:
    """Load a verified backup into an empty, migrated database and its object store."""
    src = Path(src)
    manifest = verify_backup(src)
    session = db.session
    for table in Base.metadata.sorted_tables:
        if session.execute(select(func.count()).select_from(table)).scalar():
            raise BackupError(f"the database is not empty (table {table.name} has rows)")
    for obj in manifest["objects"]:
        with (src / "objects" / obj["key"]).open("rb") as handle:
            stored = store.put(handle, content_type="application/octet-stream", restore_key=obj["key"])
        if stored.sha256 != obj["sha256"]:
            raise BackupError(f"object {obj['key']} changed while restoring")
    for table in Base.metadata.sorted_tables:
        if table.name not in manifest["tables"]:
            continue
        decoders = {c.name: _decoder(c) for c in table.columns}
        batch: list[dict[str, Any]] = []
        for row in _rows(src / "db" / f"{table.name}.jsonl"):
            batch.append({k: decoders[k](v) for k, v in row.items() if k in decoders})
            if len(batch) >= BATCH:
                session.execute(insert(table), batch)
                batch = []
        if batch:
            session.execute(insert(table), batch)
    if session.get_bind().dialect.name == "postgresql":
        # Inserting explicit ids does not move the sequences; new rows must not collide.
        for table in Base.metadata.sorted_tables:
            if [c.name for c in table.primary_key.columns] == ["id"]:
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                ))
    return manifest
