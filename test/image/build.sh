#!/usr/bin/env bash
# Build an offline PostgreSQL test image (see README.md next to this file).
#
#   bash test/image/build.sh [TAG]        # TAG defaults to resource-postgres-test:17
#
# The major comes from the tag (resource-postgres-test:15 -> 15) unless RPT_PG_MAJOR is set:
#   15 -> Debian bookworm's postgresql-15
#   17 -> Debian trixie's postgresql-17 + postgresql-17-pgvector (CREATE EXTENSION vector)
#
# Runs as root on Debian 12 with only the Debian apt repositories reachable (no container
# registry). Idempotent: when TAG exists and carries the hash of this directory's build
# inputs as a label, nothing is rebuilt.
#
# Env overrides:
#   DEBIAN_MIRROR          debootstrap mirror (default: taken from /etc/apt/sources*)
#   RPT_IMAGE_CACHE_DIR    chroot cache (default /var/cache/resource-postgres-test-image;
#                          empty string = no cache, debootstrap into the temp dir)
#   RPT_IMAGE_FORCE=1      rebuild even if the tag is up to date (the chroot cache is kept)
#   RPT_PG_MAJOR           major to build when the tag does not end in one (15 or 17)
set -euo pipefail

TAG=${1:-resource-postgres-test:17}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TAG_MAJOR=$(printf '%s' "${TAG##*:}" | sed -nE 's/^([0-9]+).*/\1/p')
PG_MAJOR=${RPT_PG_MAJOR:-$TAG_MAJOR}
# Only majors a reachable Debian suite ships server + clients for (one build, one glibc).
case $PG_MAJOR in
  15) SUITE=bookworm PACKAGES="postgresql-15,busybox-static" ;;
  17) SUITE=trixie PACKAGES="postgresql-17,postgresql-17-pgvector,busybox-static" ;;
  *)
    printf '[test-image] ERROR: cannot tell which major to build for tag %s (%s); use a tag ending in :15 or :17, or set RPT_PG_MAJOR=15|17\n' \
      "$TAG" "${PG_MAJOR:-none}" >&2
    exit 2
    ;;
esac
CHROOT_FORMAT=1 # bump to invalidate cached chroots
CACHE_DIR=${RPT_IMAGE_CACHE_DIR-/var/cache/resource-postgres-test-image}
LABEL_KEY=org.resource-postgres.test-image.inputs-hash

T0=$(date +%s)
log() { printf '[test-image] %s\n' "$*" >&2; }
die() { printf '[test-image] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------- up to date?
command -v docker >/dev/null 2>&1 || die "no docker client on PATH (run: bash .ci/docker-up.sh)"
docker info >/dev/null 2>&1 || die "docker engine not reachable (run: bash .ci/docker-up.sh)"

# Hash of the build inputs: every file in this directory except docs, plus the major/suite.
INPUTS_HASH=$({
  cd "$HERE" && find . -type f ! -name '*.md' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  echo "major=$PG_MAJOR suite=$SUITE packages=$PACKAGES"
} | sha256sum | cut -c1-16)

current=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$TAG" 2>/dev/null || true)
if [ "$current" = "$INPUTS_HASH" ] && [ "${RPT_IMAGE_FORCE:-0}" != 1 ]; then
  log "$TAG is up to date (inputs $INPUTS_HASH); skipping build"
  exit 0
fi
log "building $TAG (inputs $INPUTS_HASH${current:+, was $current})"

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, numeric ownership)"

# ---------------------------------------------------------------------------- temp + cleanup
WORK=$(mktemp -d /tmp/rpt-image.XXXXXX)
NEW_CHROOT=
umount_under() { # unmount anything debootstrap may have left mounted below $1
  local d=$1 m
  [ -n "$d" ] && [ -d "$d" ] || return 0
  for m in $(awk -v p="$d/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}
cleanup() {
  local rc=$?
  umount_under "$WORK"
  rm -rf --one-file-system "$WORK"
  if [ -n "$NEW_CHROOT" ]; then umount_under "$NEW_CHROOT"; rm -rf --one-file-system "$NEW_CHROOT"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$CACHE_DIR" ]; then
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  flock 9 # serialise concurrent builds on one machine
fi

# ---------------------------------------------------------------------------- host tools
ensure_tools() {
  local missing=()
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v wget >/dev/null 2>&1 || missing+=(wget)
  [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1; then
    log "apt-get install failed; running apt-get update first"
    { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } >"$WORK/apt.log" 2>&1 ||
      { tail -n 30 "$WORK/apt.log" >&2; die "could not install ${missing[*]}"; }
  fi
}

detect_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local m
  m=$( {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break } }'
  } | grep -E '^https?://[^ ]*/debian/?$' | head -n 1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# ---------------------------------------------------------------------------- chroot
STAMP="format=$CHROOT_FORMAT suite=$SUITE packages=$PACKAGES"
if [ -n "$CACHE_DIR" ]; then ROOT=$CACHE_DIR/$SUITE-postgresql-$PG_MAJOR; else ROOT=$WORK/chroot; fi

if [ -f "$ROOT/.rpt-stamp" ] && [ "$(cat "$ROOT/.rpt-stamp")" = "$STAMP" ] &&
  [ -x "$ROOT/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ]; then
  log "reusing cached $SUITE chroot $ROOT"
else
  ensure_tools
  MIRROR=$(detect_mirror)
  if [ -n "$CACHE_DIR" ]; then NEW_CHROOT=$(mktemp -d "$CACHE_DIR/.new.XXXXXX"); else NEW_CHROOT=$ROOT; fi
  log "debootstrap --variant=minbase $SUITE ($PACKAGES) from $MIRROR ..."
  t=$(date +%s)
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$NEW_CHROOT" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  umount_under "$NEW_CHROOT"
  echo "$STAMP" >"$NEW_CHROOT/.rpt-stamp"
  if [ "$NEW_CHROOT" != "$ROOT" ]; then
    umount_under "$ROOT"
    rm -rf --one-file-system "$ROOT"
    mv "$NEW_CHROOT" "$ROOT"
  fi
  NEW_CHROOT=
  log "debootstrap done in $(($(date +%s) - t))s"
fi
log "PostgreSQL: $(chroot "$ROOT" /usr/lib/postgresql/$PG_MAJOR/bin/postgres --version)"

# ---------------------------------------------------------------------------- rootfs
F=$WORK/rootfs
PGBIN=usr/lib/postgresql/$PG_MAJOR/bin
PGLIB=usr/lib/postgresql/$PG_MAJOR/lib
PGSHARE=usr/share/postgresql/$PG_MAJOR
log "assembling rootfs"

mkdir -p "$F"/{usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin,usr/lib/locale,usr/share} \
  "$F"/{etc,root,tmp,dev,proc,sys,docker-entrypoint-initdb.d} \
  "$F/var/lib/postgresql/data" "$F/var/run/postgresql" "$F/$PGBIN" "$F/$PGLIB" "$F/$PGSHARE"
ln -s usr/bin "$F/bin"
ln -s usr/sbin "$F/sbin"
ln -s usr/lib "$F/lib"
ln -s usr/lib64 "$F/lib64"

# PostgreSQL: all binaries (server + clients of the same build), extension modules without
# LLVM JIT (JIT then stays off silently; saves ~120 MB), share files without man pages.
cp -a "$ROOT/$PGBIN/." "$F/$PGBIN/"
find "$ROOT/$PGLIB" -maxdepth 1 -type f -name '*.so' ! -name 'llvmjit*' -exec cp -a {} "$F/$PGLIB/" \;
cp -a "$ROOT/$PGSHARE/." "$F/$PGSHARE/"
rm -rf "$F/$PGSHARE/man"
for b in "$F/$PGBIN"/*; do ln -s "/$PGBIN/${b##*/}" "$F/usr/local/bin/${b##*/}"; done

# Listen on all addresses like the official image (the unix socket stays in Debian's
# compiled-in /var/run/postgresql).
SAMPLE=$F/$PGSHARE/postgresql.conf.sample
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$SAMPLE"
grep -q "^listen_addresses = '\*'" "$SAMPLE" || die "could not set listen_addresses in $SAMPLE"

# glibc C.UTF-8 locale (+ `locale`, which initdb runs to import collations), time zones, busybox.
cp -a "$ROOT/usr/lib/locale/C.utf8" "$F/usr/lib/locale/"
cp -a "$ROOT/usr/bin/locale" "$F/usr/bin/locale"
cp -a "$ROOT/usr/share/zoneinfo" "$F/usr/share/"
ln -s /usr/share/zoneinfo/Etc/UTC "$F/etc/localtime"
cp -L "$ROOT/usr/bin/busybox" "$F/usr/bin/busybox"
"$F/usr/bin/busybox" --list-full | while read -r p; do
  case $p in
    bin/* | sbin/*) p=usr/$p ;;
    usr/*) ;;
    *) continue ;;
  esac
  [ -e "$F/$p" ] || [ -L "$F/$p" ] || ln -s /usr/bin/busybox "$F/$p"
done

# Shared libraries: the ldd closure (computed inside the chroot) of every binary and module.
mapfile -t ELFS < <(cd "$F" && { find "$PGBIN" "$PGLIB" -type f; echo usr/bin/locale; } | sed 's!^!/!')
chroot "$ROOT" ldd "${ELFS[@]}" >"$WORK/ldd.txt" 2>&1 || true
if grep -q 'not found' "$WORK/ldd.txt"; then
  grep -B30 'not found' "$WORK/ldd.txt" >&2
  die "unresolved shared libraries"
fi
mapfile -t LIBS < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' "$WORK/ldd.txt" | sort -u)
[ ${#LIBS[@]} -gt 5 ] || { cat "$WORK/ldd.txt" >&2; die "ldd found no libraries"; }
# resolve symlinks inside the chroot (absolute links must not resolve against the host)
chroot "$ROOT" /bin/sh -c 'for p; do printf "%s %s\n" "$p" "$(readlink -f "$p")"; done' sh "${LIBS[@]}" |
  while read -r name real; do
    mkdir -p "$(dirname "$F$name")"
    cp "$ROOT$real" "$F$name"
  done

# Users, groups, name service.
cat >"$F/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
postgres:x:70:70:PostgreSQL:/var/lib/postgresql:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$F/etc/group" <<'EOF'
root:x:0:
postgres:x:70:
nogroup:x:65534:
EOF
cat >"$F/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
postgres:!:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
chmod 640 "$F/etc/shadow"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$F/etc/nsswitch.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$F/etc/hosts"
printf '/bin/sh\n' >"$F/etc/shells"
printf 'PRETTY_NAME="resource-postgres test image (PostgreSQL %s from Debian %s)"\n' "$PG_MAJOR" "$SUITE" >"$F/etc/os-release"

# Entrypoint.
install -m 0755 "$HERE/entrypoint.sh" "$F/usr/local/bin/docker-entrypoint.sh"
ln -s usr/local/bin/docker-entrypoint.sh "$F/docker-entrypoint.sh"

# Ownership and modes as in the official image (1777 on PGDATA becomes 0700 at runtime).
chmod 0700 "$F/root"
chmod 1777 "$F/tmp"
chown -R 70:70 "$F/var/lib/postgresql" "$F/var/run/postgresql"
chmod 1777 "$F/var/lib/postgresql" "$F/var/lib/postgresql/data"
chmod 3777 "$F/var/run/postgresql"

# ---------------------------------------------------------------------------- self-test
log "self-test in the rootfs (chroot)"
for b in postgres initdb pg_ctl psql pg_dump pg_restore pg_dumpall pg_isready createdb; do
  out=$(chroot "$F" "/$PGBIN/$b" --version 2>&1) || die "$b does not run: $out"
  case $out in *" $PG_MAJOR."*) ;; *) die "$b: unexpected version: $out" ;; esac
done
mknod -m 666 "$F/dev/null" c 1 3 # removed again below: docker provides /dev
chroot --userspec=70:70 "$F" /bin/sh -c \
  "LANG=C.UTF-8 initdb -D /tmp/selftest --encoding=UTF8 --locale=C.UTF-8 -U postgres >/tmp/selftest.log 2>&1" ||
  { cat "$F/tmp/selftest.log" >&2; die "initdb self-test failed"; }
if grep -E 'not found|no usable system locales' "$F/tmp/selftest.log" >&2; then die "initdb self-test warned"; fi
rm -rf "$F/tmp/selftest" "$F/tmp/selftest.log" "$F/dev/null"
case $PACKAGES in
  *pgvector*) [ -f "$F/$PGSHARE/extension/vector.control" ] && [ -f "$F/$PGLIB/vector.so" ] ||
    die "pgvector files missing from the rootfs" ;;
esac

# ---------------------------------------------------------------------------- docker build
CTX=$WORK/context
mkdir -p "$CTX"
cp "$HERE/Dockerfile" "$CTX/Dockerfile"
tar --numeric-owner -C "$F" -cf "$CTX/rootfs.tar" .
log "rootfs.tar $(du -m "$CTX/rootfs.tar" | cut -f1) MB; docker build (legacy builder)"
old_id=$(docker image inspect -f '{{.Id}}' "$TAG" 2>/dev/null || true)
if ! DOCKER_BUILDKIT=0 docker build --build-arg "PG_MAJOR=$PG_MAJOR" --label "$LABEL_KEY=$INPUTS_HASH" \
  --label "org.resource-postgres.test-image.postgres=$(chroot "$ROOT" /$PGBIN/postgres --version | awk '{print $3}')" \
  -t "$TAG" "$CTX" >"$WORK/build.log" 2>&1; then
  tail -n 30 "$WORK/build.log" >&2
  die "docker build failed"
fi
new_id=$(docker image inspect -f '{{.Id}}' "$TAG")
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  docker rmi "$old_id" >/dev/null 2>&1 || true # dangling old build; kept if a container uses it
fi
size=$(docker image inspect -f '{{.Size}}' "$TAG")
log "built $TAG ($((size / 1000000)) MB) in $(($(date +%s) - T0))s"
