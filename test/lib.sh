# test/lib.sh: helpers shared by make demo, make test and make bench.
# Source it; it does nothing by itself.
#
# The PostgreSQL server refuses to run as root, so when called as root the
# server-side commands (initdb, pg_ctl, pg_regress) run as the postgres OS
# user; everything they write lives under test/tmp/, which that user owns.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
export PG_CONFIG=$PGBIN/pg_config
WORK="$ROOT/test/tmp"

# What make demo and make test need from Debian.
PACKAGES="postgresql-15 postgresql-server-dev-15 postgresql-15-cron libgsl-dev pkg-config
	make gcc libc6-dev libcairo2-dev fonts-dejavu-core libxlsxwriter-dev libcurl4-openssl-dev
	poppler-utils python3 python3-openpyxl python3-aiosmtpd"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# Run as root: directly, or through sudo.
as_root() {
	if is_root; then "$@"; else sudo "$@"; fi
}

# Run a server-side program as the postgres OS user when we are root.
as_pg() {
	if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Install whatever Debian packages are missing.
ensure_packages() {
	local missing=() p
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing Debian packages: ${missing[*]}"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	[ -x "$PG_CONFIG" ] || die "$PG_CONFIG not found after installing postgresql-server-dev-15"
}

# Build with the given extra compiler flags (rebuilding when they change),
# then install into PostgreSQL 15.
build_and_install() {
	local flags="${1:-}" stamp="$WORK/.build-flags"
	prepare_work
	if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$flags" ]; then
		make -C "$ROOT" -s clean >/dev/null
	fi
	say "building (EXTRA_CFLAGS='$flags')"
	make -C "$ROOT" -s EXTRA_CFLAGS="$flags"
	printf '%s' "$flags" > "$stamp"
	say "installing into $($PG_CONFIG --pkglibdir)"
	as_root make -C "$ROOT" -s install PG_CONFIG="$PG_CONFIG" EXTRA_CFLAGS="$flags" >/dev/null
}

# test/tmp/, writable by the user the server runs as.
prepare_work() {
	mkdir -p "$WORK"
	if is_root; then
		chown postgres: "$WORK"
		runuser -u postgres -- test -w "$WORK" ||
			die "the postgres user cannot reach $WORK; clone the repository where every user can read it (such as /srv or /tmp)"
	fi
}

# start_cluster NAME PORT CRON_DB: a throwaway cluster in test/tmp/NAME with
# pg_cron preloaded, created when absent and started when stopped. Sets
# CLUSTER_DIR and PSQL (psql connected as postgres; add -d DB).
start_cluster() {
	local name=$1 port=$2 crondb=$3
	CLUSTER_DIR="$WORK/$name"
	prepare_work
	if [ ! -f "$CLUSTER_DIR/data/PG_VERSION" ]; then
		as_pg mkdir -p "$CLUSTER_DIR"
		as_pg "$PGBIN/initdb" -D "$CLUSTER_DIR/data" -U postgres --auth=trust -E UTF8 \
			--locale=C.UTF-8 >"$WORK/initdb-$name.log" 2>&1 ||
			{ cat "$WORK/initdb-$name.log"; die "initdb failed"; }
		cat >>"$CLUSTER_DIR/data/postgresql.conf" <<-EOF

			# added by test/lib.sh
			port = $port
			listen_addresses = 'localhost'
			unix_socket_directories = '$CLUSTER_DIR'
			shared_preload_libraries = 'pg_cron'
			cron.database_name = '$crondb'
			timezone = 'UTC'
		EOF
	fi
	if ! as_pg "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" status >/dev/null 2>&1; then
		as_pg "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 60 start >/dev/null ||
			{ tail -20 "$CLUSTER_DIR/server.log"; die "the $name cluster did not start (port $port in use?)"; }
	fi
	CLUSTER_PORT=$port
	PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -h $CLUSTER_DIR -p $port -U postgres"
	export PGHOST="$CLUSTER_DIR" PGPORT="$port" PGUSER=postgres
}

stop_cluster() {
	local dir="$WORK/$1"
	if [ -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
}

# Create database DB when absent.
ensure_database() {
	local db=$1
	if [ "$($PSQL -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
		$PSQL -d postgres -c "CREATE DATABASE \"$db\""
	fi
}
