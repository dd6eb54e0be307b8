#!/bin/sh
# docker-entrypoint.sh of the resource-postgres offline test image.
# A POSIX-sh (busybox ash) port of the official postgres image's entrypoint contract:
#   POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
#   POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default = user), PGDATA,
#   POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD, *_FILE variants,
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz|*.sql.xz on first init.
# First boot: initdb, temporary server on the unix socket only, init scripts, stop it, then
# exec the real server so that PID 1 is postgres.
set -eu

log() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# file_env VAR [DEFAULT]: VAR may also come from the file named by VAR_FILE.
file_env() {
	_var=$1
	_fvar="${1}_FILE"
	_def=${2:-}
	eval "_val=\${$_var:-}"
	eval "_fval=\${$_fvar:-}"
	if [ -n "$_val" ] && [ -n "$_fval" ]; then
		die "both $_var and $_fvar are set (but are exclusive)"
	fi
	if [ -n "$_fval" ]; then
		_val=$(cat "$_fval")
	elif [ -z "$_val" ]; then
		_val=$_def
	fi
	export "$_var=$_val"
	unset "$_fvar" _var _fvar _def _val _fval
}

# shell-quote each argument (pg_ctl -o is parsed by /bin/sh)
shell_quote() {
	for _a in "$@"; do
		printf "'%s' " "$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")"
	done
}

setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${PGDATA:=/var/lib/postgresql/data}"
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	export PGDATA
	DATABASE_ALREADY_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

create_db_directories() {
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" 2>/dev/null || :
	mkdir -p /var/run/postgresql 2>/dev/null || :
	chmod 03775 /var/run/postgresql 2>/dev/null || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		[ "$(id -u)" != 0 ] || find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres:postgres '{}' +
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	if [ "$(id -u)" = 0 ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
	fi
}

verify_minimum_env() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.
		EOE
		exit 1
	fi
	if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
		log "WARNING: POSTGRES_HOST_AUTH_METHOD has been set to \"trust\": every connection is allowed without a password."
	fi
}

init_database_dir() {
	_pwfile=
	if [ -n "$POSTGRES_PASSWORD" ]; then
		_pwfile=$(mktemp)
		printf '%s\n' "$POSTGRES_PASSWORD" >"$_pwfile"
	fi
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		set -- --waldir "$POSTGRES_INITDB_WALDIR" "$@"
	fi
	if [ -n "$_pwfile" ]; then
		set -- --pwfile="$_pwfile" "$@"
	fi
	# POSTGRES_INITDB_ARGS is word-split by the shell, like the official image does.
	eval 'initdb --username="$POSTGRES_USER" '"$POSTGRES_INITDB_ARGS"' "$@"' || {
		_rc=$?
		[ -z "$_pwfile" ] || rm -f "$_pwfile"
		exit "$_rc"
	}
	[ -z "$_pwfile" ] || rm -f "$_pwfile"
}

setup_hba_conf() {
	[ "${1:-}" != postgres ] || shift
	_auth=$(postgres -C password_encryption "$@")
	: "${POSTGRES_HOST_AUTH_METHOD:=$_auth}"
	{
		printf '\n'
		if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
			printf '# warning trust is enabled for all connections\n'
		fi
		printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
	} >>"$PGDATA/pg_hba.conf"
}

temp_server_start() {
	[ "${1:-}" != postgres ] || shift
	set -- "$@" -c listen_addresses= -p "${PGPORT:-5432}"
	NOTIFY_SOCKET='' PGUSER="${PGUSER:-$POSTGRES_USER}" \
		pg_ctl -D "$PGDATA" -o "$(shell_quote "$@")" -w start
}

temp_server_stop() {
	pg_ctl -D "$PGDATA" -m fast -w stop
}

process_sql() {
	PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc \
		--dbname "${_sql_db:-$POSTGRES_DB}" "$@"
}

setup_db() {
	_exists=$(_sql_db=postgres process_sql --set db="$POSTGRES_DB" --tuples-only --no-align <<-'EOSQL'
		SELECT 1 FROM pg_database WHERE datname = :'db' ;
	EOSQL
	)
	if [ -z "$_exists" ]; then
		_sql_db=postgres process_sql --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
		log
	fi
}

process_init_files() {
	for f in "$@"; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					log "$0: running $f"
					"$f"
				else
					log "$0: sourcing $f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql) log "$0: running $f"; process_sql -f "$f"; log ;;
			*.sql.gz) log "$0: running $f"; gunzip -c "$f" | process_sql; log ;;
			*.sql.xz) log "$0: running $f"; xzcat "$f" | process_sql; log ;;
			*) log "$0: ignoring $f" ;;
		esac
	done
}

# `docker run IMAGE -c key=value` => `postgres -c key=value`
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
	setup_env
	create_db_directories
	if [ "$(id -u)" = 0 ]; then
		# re-run this script as postgres; busybox su execs (no fork), so PID 1 ends up postgres
		export HOME=/var/lib/postgresql
		# (options before "--": busybox su would otherwise parse postgres' own -c options)
		exec su -p -s /bin/sh -c 'exec "$0" "$@"' -- postgres "$0" "$@"
	fi

	if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
		verify_minimum_env
		ls /docker-entrypoint-initdb.d/ >/dev/null
		init_database_dir
		setup_hba_conf "$@"

		export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
		temp_server_start "$@"
		setup_db
		process_init_files /docker-entrypoint-initdb.d/*
		temp_server_stop
		unset PGPASSWORD

		log
		log 'PostgreSQL init process complete; ready for start up.'
		log
	else
		log
		log 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
		log
	fi
fi

exec "$@"
