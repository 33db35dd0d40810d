#!/usr/bin/env bash
# Run make test holding a machine-wide lock: several work trees install into
# the same PostgreSQL, so their test runs must not overlap.
exec flock -o /tmp/analytics-test.lock bash "$(dirname "$0")/run.sh"
