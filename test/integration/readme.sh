#!/usr/bin/env bash
# Every ```sql block of README.md runs as shown against the demo database:
# the database make demo builds (test/demo_events.sql, then 90 days of retail
# demo data loaded through staging, the KPI summaries refreshed), in README
# order, each block in a transaction of its own that is rolled back, so that
# no example depends on another's leftovers. psql runs in test/data/warehouse, where the files the
# loading example copies from are. A block preceded by a line
# "<!-- not run: reason -->" is skipped (installation steps that the demo
# database has already taken); the reason is printed.
# Runs against the cluster make test started (PGHOST/PGPORT exported); its
# cron database (analytics_it) is the one pg_cron runs in.
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1"
db=analytics_it
# flat files in the cluster's folder (it belongs to the postgres user, who clears it)
out="$WORK/it"
rm -f "$out"/readme-*

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
$PSQL -d "$db" -f "$ROOT/test/demo_events.sql"
$PSQL -d "$db" -c "SELECT count(*) FROM analytics.generate_demo_sales(days => 90)" \
	-c "SELECT count(*) FROM analytics.load_warehouse()" \
	-c "SELECT count(*) FROM analytics.refresh_retail_summaries()" >/dev/null

# Split README.md into numbered blocks: readme-NNN.sql, with its first line
# "-- README.md line N", or readme-NNN.skip holding the reason.
python3 - "$ROOT/README.md" "$out" <<'PY'
import re, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
out = sys.argv[2]
n = 0
i = 0
while i < len(lines):
    if lines[i].strip() == '```sql':
        indent = len(lines[i]) - len(lines[i].lstrip())
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != '```':
            if lines[j].strip().startswith('```'):
                j = len(lines)	# another fence opens first
                break
            j += 1
        if j == len(lines):
            sys.exit('README.md line %d: a ```sql block is never closed' % (start))
        n += 1
        prev = lines[i - 1] if i > 0 else ''
        m = re.match(r'<!-- not run: (.*) -->$', prev.strip())
        # an error shown as the block's output: the block must fail with it
        k = j + 1
        while k < len(lines) and lines[k].strip() == '':
            k += 1
        if k + 1 < len(lines) and lines[k].strip() == '```' and lines[k + 1].strip().startswith('ERROR:'):
            open('%s/readme-%03d.err' % (out, n), 'w').write(lines[k + 1].strip() + '\n')
        if m:
            open('%s/readme-%03d.skip' % (out, n), 'w').write('README.md line %d: %s\n' % (start, m.group(1)))
        else:
            body = [l[indent:] if l[:indent].strip() == '' else l for l in lines[start:j]]
            open('%s/readme-%03d.sql' % (out, n), 'w').write('-- README.md line %d\n%s\n' % (start, '\n'.join(body)))
        i = j
    i += 1
PY

ran=0
failed=0
for f in "$out"/readme-*; do
	case $f in
	*.skip)
		echo "skipped: $(cat "$f")"
		continue ;;
	*.err | *.out)
		continue ;;
	esac
	where=$(head -1 "$f" | sed 's/^-- //')
	err=${f%.sql}.err
	# BEGIN before, ROLLBACK after: nothing a block does stays
	if (cd "$ROOT/test/data/warehouse" &&
		{ echo 'BEGIN;'; cat "$f"; echo; echo 'ROLLBACK;'; } |
		$PSQL -d "$db" >"${f%.sql}.out" 2>&1); then
		status=0
	else
		status=$?
	fi
	if [ -f "$err" ]; then
		# the block must fail with the error the README shows, and only with it
		if [ "$status" -ne 0 ] && grep -qF "$(cat "$err")" "${f%.sql}.out" &&
			[ "$(grep -c 'ERROR:' "${f%.sql}.out")" = 1 ]; then
			ran=$((ran + 1))
			continue
		fi
		echo "FAILED: $where: expected $(cat "$err")"
		failed=$((failed + 1))
		sed 's/^/    > /' "${f%.sql}.out" | tail -8
	elif [ "$status" -eq 0 ] && ! grep -q 'ERROR:' "${f%.sql}.out"; then
		ran=$((ran + 1))
	else
		failed=$((failed + 1))
		echo "FAILED: $where"
		sed 's/^/    /' "$f" | head -30
		sed 's/^/    > /' "${f%.sql}.out" | grep -v '^    > $' | tail -8
	fi
done
echo "README: $ran sql blocks ran, $failed failed"
[ "$failed" -eq 0 ] && [ "$ran" -gt 30 ]
