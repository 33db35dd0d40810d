# Makefile for the analytics extension (PGXS)
#
#   make demo    install packages, build, install, start a demo cluster, show results
#   make test    the same set-up, then pg_regress and the integration tests
#   make bench   ingestion, event-aggregate, time-series, sliding-frame, warehouse, materialized-aggregate and goal benchmarks (prints ratios; not part of make test)
#   make sqlsmith   100,000 random queries (sqlsmith) as an unprivileged login, on a private
#                   cluster and install tree; reports errors and crashes (not part of make test)
#   make sanitize   the pg_regress suite against a UBSan build of the extension and under
#                   valgrind, in a private install tree (not part of make test)
#
# The version lives only in analytics.control.

EXTENSION = analytics
EXTVERSION = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" analytics.control)

MODULE_big = analytics
OBJS = \
	src/analytics.o \
	src/iso8601.o \
	src/defer_log.o \
	src/lsq.o \
	src/exact_sum.o \
	src/events.o \
	src/funnel.o \
	src/name_pool.o \
	src/screen_time.o \
	src/screen_time_io.o \
	src/regression.o \
	src/forecast.o \
	src/anomaly.o \
	src/warehouse_parse.o \
	src/warehouse.o \
	src/autonomous.o \
	src/matagg.o \
	src/cron.o \
	src/jobs.o \
	src/metrics.o \
	src/goals.o \
	src/kmeans.o \
	src/reports.o \
	src/report_render.o \
	src/report_mail.o

# Install-script pieces, in dependency order.
SQL_PIECES = \
	src/analytics.sql \
	src/cron.sql \
	src/jobs.sql \
	src/matagg.sql \
	src/events.sql \
	src/funnel.sql \
	src/screen_time.sql \
	src/regression.sql \
	src/forecast.sql \
	src/anomaly.sql \
	src/warehouse.sql \
	src/data_quality.sql \
	src/retail_kpis.sql \
	src/retail_demo.sql \
	src/dashboards.sql \
	src/metrics.sql \
	src/goals.sql \
	src/predictions.sql \
	src/comparisons.sql \
	src/kmeans.sql \
	src/reports.sql \
	src/demo.sql

DATA_built = $(EXTENSION)--$(EXTVERSION).sql
DATA = $(wildcard src/updates/$(EXTENSION)--*.sql)

REGRESS = analytics events funnel screen_time regression forecast anomaly warehouse data_quality retail_kpis retail_demo dashboards matagg metrics goals predictions comparisons kmeans reports demo cron jobs
REGRESS_OUT ?= test/tmp/regress
REGRESS_OPTS = --inputdir=. --outputdir=$(REGRESS_OUT) \
	--temp-instance=$(REGRESS_OUT)/tmp_check --temp-config=test/regress.conf

# Isolation specs (concurrent sessions, pg_isolation_regress): specs in
# test/isolation/specs, expected output in test/isolation/expected, on a
# private server of their own like the pg_regress tests. make installcheck
# runs them after the pg_regress tests. Naming pg_regress tests on the command
# line (make installcheck REGRESS="events funnel") runs only those; ISOLATION=
# skips the specs, REGRESS= runs only the specs.
ISOLATION_SPECS = track_same_key track_batch_overlap partitions_vs_track load_warehouse_serialized load_cancelled kpi_refresh_serialized matagg_refresh job_overlap goal_alerts_once
ifeq ($(origin REGRESS),command line)
ifneq ($(strip $(REGRESS)),)
ISOLATION ?=
endif
endif
ISOLATION ?= $(ISOLATION_SPECS)
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=$(REGRESS_OUT)/isolation \
	--temp-instance=$(REGRESS_OUT)/tmp_check_iso --temp-config=test/regress.conf

GSL_CFLAGS := $(shell pkg-config --cflags gsl 2>/dev/null)
GSL_LIBS := $(shell pkg-config --libs gsl 2>/dev/null)
# Reports: cairo (PDF, SVG) and libxlsxwriter (Excel); its pkg-config names zlib
REPORT_CFLAGS := $(shell pkg-config --cflags cairo xlsxwriter libcurl 2>/dev/null)
REPORT_LIBS := $(shell pkg-config --libs cairo xlsxwriter libcurl 2>/dev/null)
# Server headers as system headers: -Wextra then checks our code, not theirs
# (PG 15 headers have unused parameters when assertions are off).
PG_CPPFLAGS = -isystem $(includedir_server) $(GSL_CFLAGS) $(REPORT_CFLAGS)
PG_CFLAGS = -Wall -Wextra -Werror $(EXTRA_CFLAGS)
SHLIB_LINK = $(GSL_LIBS) $(REPORT_LIBS)

EXTRA_CLEAN = $(EXTENSION)--$(EXTVERSION).sql

# Pin PostgreSQL 15 when it is there; PG_CONFIG=... overrides.
PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
all install installcheck:
	@echo "PostgreSQL 15 server development files are missing: run 'make demo' or 'make test'," >&2
	@echo "or install postgresql-server-dev-15 (see README.md)." >&2
	@exit 1
endif

# Every file includes the shared header (PGXS tracks no header dependencies).
# After the include: the first rule in the file is make's default goal.
$(OBJS): src/analytics.h

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PIECES) analytics.control
	cat $(SQL_PIECES) > $@

.PHONY: demo test bench sqlsmith sanitize
demo:
	bash test/demo.sh

test:
	bash test/run.sh

bench:
	bash test/bench/run.sh
	bash test/bench/event_aggregates.sh
	bash test/bench/timeseries.sh
	bash test/bench/sliding_frames.sh
	bash test/bench/warehouse.sh
	bash test/bench/matagg.sh
	bash test/bench/goals.sh

sqlsmith:
	bash test/sqlsmith.sh

sanitize:
	bash test/sanitize.sh
