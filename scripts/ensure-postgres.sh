#!/usr/bin/env bash
# Make a local PostgreSQL server (Debian's package) answer on 127.0.0.1:5432 with a
# test role and database, installing and starting it when needed. Prints the URL.
set -euo pipefail
DB_USER=${PGTEST_USER:-contest}
DB_PASS=${PGTEST_PASSWORD:-contest}
DB_NAME=${PGTEST_DB:-contest_test}

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "Installing PostgreSQL from Debian's packages…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >&2
fi
conf="/etc/postgresql/$version/main/postgresql.conf"
# Loopback only, whatever the package default is.
grep -q "^listen_addresses = '127.0.0.1'" "$conf" || echo "listen_addresses = '127.0.0.1'" >> "$conf"
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ -z "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" ]; then
  as_postgres -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASS'" >&2
fi
# Test runs create a private database each, so the role may create databases.
as_postgres -c "ALTER ROLE $DB_USER CREATEDB" >&2
if [ -z "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" ]; then
  as_postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >&2
fi
echo "postgresql+psycopg://$DB_USER:$DB_PASS@127.0.0.1:5432/$DB_NAME"
