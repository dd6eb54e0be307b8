#!/usr/bin/env bash
# Smoke test of the offline test image's postgres-image contract.
#   bash test/image/smoke-test.sh [TAG]      (needs a running engine; host psql optional)
# Creates only containers named rpt-smoke-<pid>-*, removed with their volumes at exit.
set -euo pipefail

TAG=${1:-${RESOURCE_POSTGRES_TEST_IMAGE:-resource-postgres-test:17}}
P=rpt-smoke-$$
TMP=$(mktemp -d /tmp/rpt-smoke.XXXXXX)
pass=0 fail=0
cleanup() {
  docker ps -aq --filter "name=^$P-" | xargs -r docker rm -fv >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
ko() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else ko "$what"; fi; }
wait_ready() { # container user [min 'ready' log lines]
  for _ in $(seq 100); do
    docker exec "$1" pg_isready -q -U "$2" >/dev/null 2>&1 && [ "$(docker logs "$1" 2>&1 | grep -c 'ready to accept connections')" -ge "${3:-2}" ] && return 0
    sleep 0.1
  done
  docker logs "$1" 2>&1 | tail -20
  return 1
}

docker image inspect "$TAG" >/dev/null 2>&1 || { echo "image $TAG missing: bash test/image/build.sh" >&2; exit 1; }

# 1. main contract: env vars, -c args, password auth over TCP, clients, stop/start
C=$P-main PW='p@ss w:rd/x'
docker run -d --name "$C" -e POSTGRES_USER=app -e POSTGRES_PASSWORD="$PW" -e POSTGRES_DB=appdb \
  -p 127.0.0.1::5432 "$TAG" -c shared_buffers=32MB -c max_connections=50 >/dev/null
check "first boot ready" wait_ready "$C" app
PORT=$(docker port "$C" 5432/tcp | head -n1 | sed 's/.*://')
check "PID 1 is postgres" sh -c "docker exec $C cat /proc/1/cmdline | tr '\0' ' ' | grep -q '^postgres -c shared_buffers=32MB'"
check "server runs as uid 70" sh -c "docker exec $C stat -c %u /proc/1 | grep -qx 70"
check "show shared_buffers = 32MB" sh -c "docker exec $C psql -U app -d appdb -Atc 'show shared_buffers' | grep -qx 32MB"
check "server_encoding UTF8" sh -c "docker exec $C psql -U app -d appdb -Atc 'show server_encoding' | grep -qx UTF8"
check "pg_dump" sh -c "docker exec $C pg_dump -U app appdb | grep -q 'PostgreSQL database dump'"
check "pg_dump -Fc | pg_restore" docker exec "$C" sh -c \
  'psql -U app -d appdb -c "create table t(x int); insert into t values (42)" && pg_dump -U app -Fc appdb >/tmp/d &&
   createdb -U app r && pg_restore -U app -d r /tmp/d && psql -U app -d r -Atc "select x from t" | grep -qx 42'
check "pg_dumpall" sh -c "docker exec $C pg_dumpall -U app | grep -q 'CREATE ROLE app'"
MAJOR=$(docker exec "$C" psql -U app -d appdb -Atc 'show server_version_num' | cut -c1-2)
check "server major matches the tag (${TAG##*:})" sh -c "case '${TAG##*:}' in $MAJOR*) exit 0;; esac; exit 1"
if [ "$MAJOR" -ge 17 ]; then # the :17 image carries Debian's postgresql-17-pgvector
  check "pgvector: HNSW index + ORDER BY <->" sh -c "docker exec $C psql -v ON_ERROR_STOP=1 -U app -d appdb -Atc \"
    create extension vector; create table items(id int, e vector(3));
    insert into items values (1, '[1,2,3]'), (2, '[9,9,9]'), (3, '[1,2,4]');
    create index on items using hnsw (e vector_l2_ops); set enable_seqscan = off;
    select string_agg(id::text, ',') from (select id from items order by e <-> '[1,2,3]' limit 2) s\" | grep -qx 1,3"
fi
if command -v psql >/dev/null; then
  check "host psql, right password" env PGPASSWORD="$PW" psql -h 127.0.0.1 -p "$PORT" -U app appdb -Atc 'select 1'
  if env PGPASSWORD=wrong psql -h 127.0.0.1 -p "$PORT" -U app appdb -Atc 'select 1' >/dev/null 2>&1; then
    ko "host psql, wrong password rejected"; else ok "host psql, wrong password rejected"; fi
fi
check "log: temporary server then real server" sh -c "docker logs $C 2>&1 | tr '\n' '~' |
  grep -q 'server started~.*CREATE DATABASE.*server stopped.*init process complete.*listening on IPv4 address \"0.0.0.0\", port 5432'"
t0=$(date +%s%N); docker stop "$C" >/dev/null; ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -lt 3000 ]; then ok "docker stop in ${ms} ms"; else ko "docker stop took ${ms} ms"; fi
docker start "$C" >/dev/null
check "restart ready" wait_ready "$C" app 3
check "restart skipped init" sh -c "docker logs $C 2>&1 | grep -q 'Skipping initialization'"
check "restart kept data" sh -c "docker exec $C psql -U app -d appdb -Atc 'select x from t' | grep -qx 42"
PORT=$(docker port "$C" 5432/tcp | head -n1 | sed 's/.*://')
if command -v psql >/dev/null; then
  check "restart kept password" env PGPASSWORD="$PW" psql -h 127.0.0.1 -p "$PORT" -U app appdb -Atc 'select 1'
fi

# 2. `postgres ...` command, trust, init scripts, POSTGRES_INITDB_ARGS, custom PGDATA
mkdir -p "$TMP/init"
echo "create table from_sql(v text); insert into from_sql values ('sql');" >"$TMP/init/01-a.sql"
printf '#!/bin/sh\npsql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "create table from_sh(v int)"\n' >"$TMP/init/02-b.sh"
C=$P-init
docker run -d --name "$C" -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_INITDB_ARGS='--data-checksums' \
  -e PGDATA=/var/lib/postgresql/data/pgdata -v "$TMP/init:/docker-entrypoint-initdb.d:ro" \
  "$TAG" postgres -c fsync=off >/dev/null
check "trust without password: ready" wait_ready "$C" postgres
check "init .sql ran" sh -c "docker exec $C psql -U postgres -Atc 'select v from from_sql' | grep -qx sql"
check "init .sh ran" docker exec "$C" psql -U postgres -Atc 'select count(*) from from_sh'
check "POSTGRES_INITDB_ARGS applied" sh -c "docker exec $C psql -U postgres -Atc 'show data_checksums' | grep -qx on"
check "custom PGDATA" sh -c "docker exec $C psql -U postgres -Atc 'show data_directory' | grep -qx /var/lib/postgresql/data/pgdata"
check "fsync=off via postgres -c" sh -c "docker exec $C psql -U postgres -Atc 'show fsync' | grep -qx off"

# 3. no password: refuses to initialise
C=$P-nopw
if docker run --name "$C" "$TAG" >"$TMP/nopw.log" 2>&1; then ko "missing POSTGRES_PASSWORD rejected"
else check "missing POSTGRES_PASSWORD rejected" grep -q 'superuser password is not specified' "$TMP/nopw.log"; fi

# 4. root-owned bind mount as data dir; 5. --user 70
mkdir -p "$TMP/data"
C=$P-bind
docker run -d --name "$C" -e POSTGRES_PASSWORD=x -v "$TMP/data:/var/lib/postgresql/data" "$TAG" >/dev/null
check "root-owned bind mount" wait_ready "$C" postgres
docker rm -fv "$C" >/dev/null
C=$P-user
docker run -d --name "$C" --user 70:70 -e POSTGRES_PASSWORD=x "$TAG" >/dev/null
check "--user 70:70" wait_ready "$C" postgres
rm -rf "$TMP/data" 2>/dev/null || true

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
