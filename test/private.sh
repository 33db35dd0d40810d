# test/private.sh: a private PostgreSQL 15 install tree for long runs
# (make sqlsmith, make sanitize). Source it after test/lib.sh; it does
# nothing by itself.
#
# The machine's PostgreSQL (/usr/lib/postgresql/15, /usr/share/postgresql/15)
# is shared by every work tree and may only be installed into under the
# test lock. Long runs therefore copy it to test/tmp/NAME/root/usr/..., with
# the same relative layout (the server finds its share and lib directories
# relative to its own binary), build the extension from a copy of the
# sources with the flags they need and install it there with DESTDIR.
# Nothing outside test/tmp/ is written.

# private_install NAME CFLAGS [WRAP]: build and install into test/tmp/NAME/root.
# Sets PGBIN (the tree's bin), PRIVATE_ROOT and PG_REGRESS. With WRAP (a
# command prefix such as "env LD_PRELOAD=..." or "valgrind ..."), the tree's
# postgres becomes a wrapper that runs the server under it; initdb's
# bootstrap and single-user runs and version checks run the binary as is.
private_install() {
	local name=$1 flags=$2 wrap=${3:-}
	local base="$WORK/$name"
	prepare_work
	PRIVATE_ROOT="$base/root"
	as_pg mkdir -p "$base"
	if [ ! -f "$PRIVATE_ROOT/.copied" ]; then
		say "copying PostgreSQL 15 into $PRIVATE_ROOT"
		rm -rf "$PRIVATE_ROOT"
		mkdir -p "$PRIVATE_ROOT/usr/lib/postgresql" "$PRIVATE_ROOT/usr/share/postgresql"
		cp -a /usr/lib/postgresql/15 "$PRIVATE_ROOT/usr/lib/postgresql/"
		cp -a /usr/share/postgresql/15 "$PRIVATE_ROOT/usr/share/postgresql/"
		touch "$PRIVATE_ROOT/.copied"
	fi
	# Whatever another work tree last installed into the shared tree goes.
	rm -f "$PRIVATE_ROOT/usr/lib/postgresql/15/lib/analytics.so" \
		"$PRIVATE_ROOT"/usr/share/postgresql/15/extension/analytics[-.]*
	rm -rf "$PRIVATE_ROOT/usr/lib/postgresql/15/lib/bitcode/analytics"*

	say "building the extension in $base/build (CFLAGS '$flags')"
	rm -rf "$base/build"
	mkdir -p "$base/build"
	cp -a "$ROOT/Makefile" "$ROOT/analytics.control" "$ROOT/src" "$base/build/"
	# with_llvm=no: no JIT bitcode (the servers run with jit = off).
	make -C "$base/build" -s with_llvm=no PG_CONFIG="$PG_CONFIG" EXTRA_CFLAGS="$flags" >/dev/null
	make -C "$base/build" -s with_llvm=no PG_CONFIG="$PG_CONFIG" EXTRA_CFLAGS="$flags" \
		DESTDIR="$PRIVATE_ROOT" install >/dev/null

	PGBIN="$PRIVATE_ROOT/usr/lib/postgresql/15/bin"
	PG_REGRESS="$PRIVATE_ROOT/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress"
	if [ -n "$wrap" ]; then
		[ -f "$PGBIN/postgres.real" ] || mv "$PGBIN/postgres" "$PGBIN/postgres.real"
		# exec keeps the pid (pg_ctl waits on it); the real binary sits in the
		# same directory, so its share and lib directories are the tree's.
		cat >"$PGBIN/postgres" <<-EOF
			#!/bin/sh
			case "\$1" in
			--boot|--single|-V|--version|-C|--describe-config)
				exec "$PGBIN/postgres.real" "\$@" ;;
			esac
			exec $wrap "$PGBIN/postgres.real" "\$@"
		EOF
		chmod 755 "$PGBIN/postgres"
	elif [ -f "$PGBIN/postgres.real" ]; then
		mv -f "$PGBIN/postgres.real" "$PGBIN/postgres"
	fi
	if is_root; then chown -R postgres: "$base"; fi
}
