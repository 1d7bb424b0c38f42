#!/usr/bin/env bash
# The schema has not been released yet, so it lives in one initial migration that is
# regenerated from the models whenever they change. Once a release is deployed, add
# ordinary incremental migrations with `flask db migrate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f migrations/versions/0001_initial_schema.py
export FLASK_APP=contest:create_app DATABASE_URL="sqlite:///$tmp/empty.db"
.venv/bin/flask db migrate -m "initial schema" --rev-id 0001 >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
echo "migrations/versions/0001_initial_schema.py regenerated"
