#!/usr/bin/env bash
# Provision PostgreSQL 17 client programs (psql, pg_dump, pg_dumpall, pg_restore,
# pg_basebackup, ...) on a Debian 12 host that reaches only Debian's apt repositories.
#
#   sudo bash test/clients/install-pg-clients.sh [--check] [--force]
#
#   --check   only verify an existing install (exit 1 if missing or broken); no network
#   --force   reinstall even if the installed programs are current and work
#
# Why this way: bookworm ships only PostgreSQL 15 clients, and pg_dump 15 refuses a 16 or 17
# server, so native logical backups, restores, clones and upgrades need 17 clients. No PGDG
# repository is reachable, but Debian trixie is: its postgresql-client-17 is downloaded with
# `apt-get download` (a private apt state under the cache dir; the host's apt sources, lists
# and dpkg database are not touched), unpacked with `dpkg -x`, and made runnable on
# bookworm's glibc 2.36 (trixie's binaries need 2.38) by giving each program trixie's own
# loader and libraries: `patchelf --set-interpreter <libs>/ld-linux-x86-64.so.2
# --force-rpath --set-rpath <libs>` (DT_RPATH, unlike RUNPATH, also covers the libraries'
# own dependencies). Nothing of trixie's goes into the host's library path.
#
# Where: /usr/lib/postgresql/17/bin (programs) and /usr/lib/postgresql/17/trixie-libs (their
# ~20 libraries, glibc included), root-owned, not group/other-writable. That is where a PGDG
# or Debian postgresql-client-17 puts them, so resource-postgres finds them by its normal
# search (/usr/lib/postgresql/<N>/bin), with no --pg-bin. Side effect, on purpose and
# checked: Debian's pg_wrapper (/usr/bin/psql, ...) runs the newest major it finds there for
# psql (and for other programs when no local cluster names a version), so plain `psql` becomes
# 17, exactly as it would after installing PGDG's client; psql 17 talks to 15 and 16 servers
# and the repo's psql-comparing tests (test/corpus via content-sql-corpus) pass with it.
# A postgresql-client-17 installed by dpkg later simply replaces these files. pg_upgrade is
# not included: trixie ships it in the server package (postgresql-17), and no pg_upgrade can
# upgrade the embedded clusters anyway (it needs the old major's pg_resetwal); upgrades go
# through pg_dump/pg_restore 17.
#
# Idempotent: a manifest (/usr/lib/postgresql/17/.resource-postgres-clients) records what was
# installed; when it is there and every program runs, the script exits without network. It
# refuses to overwrite a /usr/lib/postgresql/17/bin it did not create. Needs root.
#
# Env: DEBIAN_MIRROR (default http://deb.debian.org/debian), RP_CLIENTS_CACHE_DIR (default
# /var/cache/resource-postgres-clients: private apt lists and downloaded .debs).
set -euo pipefail

MAJOR=17
SUITE=trixie
PREFIX=/usr/lib/postgresql/$MAJOR
BIN=$PREFIX/bin
LIBS=$PREFIX/trixie-libs
MANIFEST=$PREFIX/.resource-postgres-clients
CACHE=${RP_CLIENTS_CACHE_DIR:-/var/cache/resource-postgres-clients}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
REQUIRED=(psql pg_dump pg_dumpall pg_restore pg_basebackup)
FORMAT=1 # bump when the layout below changes: forces a reinstall

log() { printf '[pg-clients] %s\n' "$*" >&2; }
die() { printf '[pg-clients] ERROR: %s\n' "$*" >&2; exit 1; }
T0=$(date +%s)

check_only=0 force=0
for a in "$@"; do
  case $a in
    --check) check_only=1 ;;
    --force) force=1 ;;
    -h | --help) sed -n '2,38p' "$0"; exit 0 ;;
    *) die "unknown argument: $a (use --check, --force or --help)" ;;
  esac
done

# Every required program runs from the install and reports major 17, resolving every library
# inside $LIBS (never the host's, whose glibc is too old for them).
verify() {
  local p out
  for p in "${REQUIRED[@]}"; do
    [ -x "$BIN/$p" ] || { echo "$BIN/$p missing"; return 1; }
    out=$("$BIN/$p" --version 2>&1) || { echo "$BIN/$p does not run: $out"; return 1; }
    case $out in *" $MAJOR."*) ;; *) echo "$BIN/$p: unexpected version: $out"; return 1 ;; esac
  done
  [ -f "$MANIFEST" ] || return 0 # not ours (a PGDG install): running is all we ask
  out=$(LD_TRACE_LOADED_OBJECTS=1 "$BIN/psql" 2>&1) || { echo "tracing psql's libraries failed: $out"; return 1; }
  if printf '%s\n' "$out" | grep '=>' | grep -v "=> $LIBS/" | grep -q .; then
    echo "psql resolves libraries outside $LIBS: $out"
    return 1
  fi
}

if [ "$check_only" = 1 ]; then
  why=$(verify) || die "PostgreSQL $MAJOR clients not usable: $why (run: sudo bash $0)"
  log "ok: $("$BIN/pg_dump" --version) in $BIN"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (installs into $PREFIX)"

if [ -e "$BIN" ] && [ ! -f "$MANIFEST" ]; then
  if why=$(verify); then
    log "$BIN already holds working PostgreSQL $MAJOR clients not installed by this script; leaving them"
    exit 0
  fi
  die "$BIN exists but was not made by this script and is not usable ($why); remove it or install postgresql-client-$MAJOR properly"
fi
if [ "$force" = 0 ] && [ -f "$MANIFEST" ] && grep -qx "format=$FORMAT" "$MANIFEST" && verify >/dev/null 2>&1; then
  log "PostgreSQL $MAJOR clients already installed in $BIN ($("$BIN/pg_dump" --version)); nothing to do"
  exit 0
fi

# ---------------------------------------------------------------------------- tools
if ! command -v patchelf >/dev/null 2>&1; then
  log "apt-get install patchelf (bookworm)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends patchelf >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends patchelf >/dev/null; } ||
    die "could not install patchelf"
fi
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || die "missing /usr/share/keyrings/debian-archive-keyring.gpg (apt-get install debian-archive-keyring)"

# ---------------------------------------------------------------------------- download
mkdir -p "$CACHE"/{etc,state/lists/partial,archives}
exec 9>"$CACHE/.lock"
flock 9 # one install at a time on this machine
KEY=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$CACHE/etc/sources.list" <<EOF
deb [signed-by=$KEY] $MIRROR $SUITE main
deb [signed-by=$KEY] ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
: >"$CACHE/state/status"
APT_OPTS=(-o "Dir::Etc::SourceList=$CACHE/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State=$CACHE/state" -o "Dir::State::status=$CACHE/state/status" -o "Dir::Cache=$CACHE"
  -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null -o APT::Architecture=amd64)
log "apt-get update ($SUITE, private state in $CACHE)"
apt-get "${APT_OPTS[@]}" update -qq >"$CACHE/update.log" 2>&1 || { tail -n 20 "$CACHE/update.log" >&2; die "apt-get update for $SUITE failed"; }

# The client package and the shared-library packages it needs, transitively (Depends and
# Pre-Depends). Non-library dependencies (postgresql-client-common, perl, ...) are scripts
# and config the programs do not need, so the walk stops there.
declare -A want=()
queue=("postgresql-client-$MAJOR")
while [ ${#queue[@]} -gt 0 ]; do
  pkg=${queue[0]} queue=("${queue[@]:1}")
  [ -n "${want[$pkg]:-}" ] && continue
  want[$pkg]=1
  while read -r dep; do
    case $dep in lib* | zlib1g) [ -n "${want[$dep]:-}" ] || queue+=("$dep") ;; esac
  done < <(apt-cache "${APT_OPTS[@]}" depends --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "$pkg" | awk '$1 == "Depends:" || $1 == "PreDepends:" { print $2 }' | grep -v '^<')
done
PKGS=("${!want[@]}")
log "downloading ${#PKGS[@]} packages: ${PKGS[*]}"
(cd "$CACHE/archives" && rm -f ./*.deb && apt-get "${APT_OPTS[@]}" download -qq "${PKGS[@]}" >"$CACHE/download.log" 2>&1) ||
  { tail -n 20 "$CACHE/download.log" >&2; die "apt-get download failed"; }

# ---------------------------------------------------------------------------- unpack + patch
mkdir -p "$PREFIX"
chmod 0755 "$PREFIX"
STAGE=$(mktemp -d "$PREFIX/.stage.XXXXXX") # same file system: the final moves are renames
trap 'rm -rf --one-file-system "$STAGE"' EXIT
for deb in "$CACHE"/archives/*.deb; do dpkg -x "$deb" "$STAGE/root"; done
TRIXIE_LIB=$STAGE/root/usr/lib/x86_64-linux-gnu
LOADER=$TRIXIE_LIB/ld-linux-x86-64.so.2
[ -e "$LOADER" ] || die "trixie's loader not found in libc6"
SRC_BIN=$STAGE/root/usr/lib/postgresql/$MAJOR/bin
for p in "${REQUIRED[@]}"; do [ -x "$SRC_BIN/$p" ] || die "postgresql-client-$MAJOR has no $p"; done

# Copy the libraries the programs load (their closure, resolved by trixie's own loader).
mkdir -p "$STAGE/bin" "$STAGE/libs"
cp -a "$SRC_BIN/." "$STAGE/bin/"
: >"$STAGE/needed"
for b in "$STAGE"/bin/*; do
  [ -L "$b" ] || ! head -c4 "$b" | grep -q 'ELF' || "$LOADER" --library-path "$TRIXIE_LIB" --list "$b" >>"$STAGE/needed"
done
if grep -q 'not found' "$STAGE/needed"; then grep 'not found' "$STAGE/needed" | sort -u >&2; die "unresolved libraries"; fi
awk '$2 == "=>" && $3 ~ /^\// { print $3 }' "$STAGE/needed" | sort -u | while read -r lib; do
  case $lib in "$TRIXIE_LIB"/*) ;; *) die "a library resolved outside the trixie packages: $lib" ;; esac
  cp -L "$lib" "$STAGE/libs/${lib##*/}"
done
cp -L "$LOADER" "$STAGE/libs/ld-linux-x86-64.so.2"
for b in "$STAGE"/bin/*; do
  [ -L "$b" ] || ! head -c4 "$b" | grep -q 'ELF' || patchelf --set-interpreter "$LIBS/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$LIBS" "$b"
done
chown -R root:root "$STAGE/bin" "$STAGE/libs"
chmod -R go-w "$STAGE/bin" "$STAGE/libs"
chmod 0755 "$STAGE/bin" "$STAGE/libs"

# ---------------------------------------------------------------------------- install
# Libraries first (the old programs keep working meanwhile), then the programs.
for d in libs:"$LIBS" bin:"$BIN"; do
  src=$STAGE/${d%%:*} dst=${d#*:}
  [ -e "$dst" ] && mv -T "$dst" "$STAGE/old-${d%%:*}"
  mv -T "$src" "$dst"
done
{
  echo "format=$FORMAT"
  echo "installed=$(date -u +%FT%TZ) by $0"
  for deb in "$CACHE"/archives/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done
} >"$MANIFEST"
why=$(verify) || die "installed, but the programs do not work: $why"
log "installed $("$BIN/pg_dump" --version) in $BIN ($(du -sm "$LIBS" | cut -f1) MB of libraries) in $(($(date +%s) - T0))s"
