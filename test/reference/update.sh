#!/usr/bin/env bash
# Recompute the R reference values and embed them in the regress inputs:
# replaces what lies between "-- BEGIN R reference" and "-- END R reference"
# in sql/regression.sql and sql/forecast.sql with what the R scripts print.
# Needs R (Debian: apt-get install r-base-core); the tests themselves do not.
# After running it, `git diff sql/` shows whether any reference changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
for name in regression forecast; do
	block=$(mktemp)
	Rscript "test/reference/$name.R" > "$block"
	awk -v block="$block" '
		/^-- BEGIN R reference/ { print; while ((getline line < block) > 0) print line; skip = 1; next }
		/^-- END R reference/ { skip = 0 }
		!skip { print }' "sql/$name.sql" > "sql/$name.sql.new"
	mv "sql/$name.sql.new" "sql/$name.sql"
	rm -f "$block"
done
