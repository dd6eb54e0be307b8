#!/usr/bin/env bash
# Builds pgvector for PostgreSQL 17 from Debian trixie's source package, against trixie's
# postgresql-server-dev-17 headers, with the host's gcc: Debian's prebuilt
# postgresql-17-pgvector needs glibc 2.38 and bookworm (2.36) has no PostgreSQL 17 headers.
# The result loads into the embedded 17 server and is what `versions install-extension 17 DIR`
# takes:
#
#   DIR/lib/vector.so
#   DIR/share/extension/vector.control, vector--*.sql
#
# Usage: bash test/extensions/build-pgvector.sh [OUTPUT_DIR]
#   default OUTPUT_DIR: /var/cache/resource-postgres-test/pgvector-17
# Idempotent: an output built from the same source version is kept. Needs apt-get (any
# user with network access to deb.debian.org), gcc and tar; changes nothing of the host's apt
# (its lists, cache and sources live in a private directory).
set -euo pipefail

OUT=${1:-/var/cache/resource-postgres-test/pgvector-17}
MAJOR=17
VERSION=${PGVECTOR_VERSION:-0.8.0}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

say() { printf 'build-pgvector: %s\n' "$*" >&2; }

if [[ -f "$OUT/BUILT" && "$(cat "$OUT/BUILT")" == "pgvector $VERSION for PostgreSQL $MAJOR" ]]; then
  say "already built: $OUT (pgvector $VERSION)"
  exit 0
fi
for tool in apt-get gcc tar dpkg-deb; do
  command -v "$tool" >/dev/null || { say "needs $tool"; exit 1; }
done

mkdir -p "$(dirname "$OUT")"
WORK=$(mktemp -d "$(dirname "$OUT")/.pgvector-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# A private apt: trixie's sources only, its own lists, cache and (empty) dpkg status.
mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/archives/partial" "$WORK/apt/parts"
: >"$WORK/apt/status"
cat >"$WORK/apt/sources.list" <<EOF
deb [signed-by=$KEYRING] $MIRROR trixie main
deb-src [signed-by=$KEYRING] $MIRROR trixie main
EOF
APT=(apt-get -qq
  -o "Dir::Etc::SourceList=$WORK/apt/sources.list"
  -o "Dir::Etc::SourceParts=$WORK/apt/parts"
  -o "Dir::State::Lists=$WORK/apt/lists"
  -o "Dir::State::Status=$WORK/apt/status"
  -o "Dir::Cache::Archives=$WORK/apt/archives"
  -o "Dir::Cache=$WORK/apt"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root")

say "fetching trixie's package lists"
"${APT[@]}" update

cd "$WORK"
say "downloading the pgvector source package and postgresql-server-dev-$MAJOR"
# --download-only: apt checks each file against the signed Sources index; no dpkg-source needed.
"${APT[@]}" source --download-only "pgvector=$VERSION-*" >/dev/null 2>&1 || "${APT[@]}" source --download-only pgvector
"${APT[@]}" download "postgresql-server-dev-$MAJOR"
ORIG=$(ls pgvector_"$VERSION".orig.tar.* 2>/dev/null | head -1)
[[ -n "$ORIG" ]] || { say "trixie's pgvector source is not version $VERSION: $(ls pgvector_* | tr '\n' ' ')"; exit 1; }
mkdir src dev
tar -xf "$ORIG" -C src --strip-components=1
dpkg-deb -x postgresql-server-dev-"$MAJOR"_*.deb dev
INC="$WORK/dev/usr/include/postgresql/$MAJOR/server"
[[ -f "$INC/postgres.h" ]] || { say "no server headers in postgresql-server-dev-$MAJOR"; exit 1; }

say "compiling vector.so with $(gcc --version | head -1)"
# PostgreSQL's own code-generation flags (its headers rely on -fno-strict-aliasing and -fwrapv),
# plus the ones pgvector's Makefile adds, without -march=native: the result runs on any x86-64.
CFLAGS=(-O2 -fPIC -fno-strict-aliasing -fwrapv -fexcess-precision=standard -fvisibility=hidden
  -ftree-vectorize -fassociative-math -fno-signed-zeros -fno-trapping-math
  -I "$WORK/src/src" -I "$INC" -I "$WORK/dev/usr/include/postgresql")
objs=()
for c in src/src/*.c; do
  o="${c%.c}.o"
  gcc "${CFLAGS[@]}" -c "$c" -o "$o"
  objs+=("$o")
done
gcc -shared -o vector.so "${objs[@]}"

STAGE="$WORK/out"
mkdir -p "$STAGE/lib" "$STAGE/share/extension"
cp vector.so "$STAGE/lib/"
cp src/vector.control "$STAGE/share/extension/"
# The install script the Makefile generates from sql/vector.sql, plus the upgrade scripts.
cp src/sql/vector.sql "$STAGE/share/extension/vector--$VERSION.sql"
for f in src/sql/vector--*--*.sql; do cp "$f" "$STAGE/share/extension/"; done
chmod -R u=rwX,go=rX "$STAGE"
echo "pgvector $VERSION for PostgreSQL $MAJOR" >"$STAGE/BUILT"

# One rename makes the new build visible; an older one is set aside first.
if [[ -e "$OUT" ]]; then mv "$OUT" "$WORK/previous"; fi
mv "$STAGE" "$OUT"
say "built $OUT"
