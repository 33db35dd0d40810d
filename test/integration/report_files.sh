#!/usr/bin/env bash
# Every report format read back by a real reader (issue 16), the values
# compared with the source views'. Three built-in templates (monthly_sales,
# app_usage, daily_kpi_summary) on a small deterministic data set (a warehouse
# loaded through staging with analytics.generate_demo_sales and
# analytics.load_warehouse; app events by analytics.generate_demo_events), and
# a template of the test's own (rf_custom: a table of hand-made rows with
# timestamps, NULLs, booleans, quoting, ties in rounding; a 150-row table
# that breaks across pages; a chart), each made in pdf, xlsx, csv, json and
# html at a fixed time (analytics.mock_now = 2026-03-04 10:00 UTC: the
# monthly period is 2026-02-01 to 2026-02-28, the one before January), plus a
# CSV of every table of monthly_sales (parameters.section). The files are
# exported with psql (base64) and must be byte-identical to what
# analytics.reports records (sha256, size).
#
# The expected values come from the source views (queried here in SQL with
# the period's dates written out) or are worked out by hand, never from a
# report; how each is shown follows the template's format as Excel shows it
# ('#,##0.00': 1234.5 is 1,234.50; rounding half away from zero, on the
# decimal value):
#   PDF   pdftotext -layout finds every table row (its cells, formatted, on
#         one line, rows in order), the KPI tiles and pie legends; every page
#         is A4 (595.28 x 841.89 pts, pdfinfo), its footer says "Page n of
#         m" with m = pdfinfo's page count; pdftoppm -r 50 renders each page
#         (and it is not blank); pdffonts lists only embedded fonts.
#   XLSX  openpyxl reads every cell of each table sheet: numbers are numeric
#         cells with the template's number format, dates and timestamps
#         datetime cells with a date format, booleans boolean cells, the
#         header row is frozen (A2); chart sheets hold the chart's data and
#         a native chart (a heatmap: its grid with a colour scale).
#   CSV   the csv module parses it (RFC 4180: CRLF, quoting), the header
#         is the labels, the values equal the source.
#   JSON  the json module parses it; the metadata and sections are as
#         src/reports.sql documents; each chart's spec equals
#         analytics.chart_data for the same arguments; each chart's data
#         equals its source over the section's days; KPI tiles equal
#         analytics.metric_values of the month and the month before.
#   HTML  html.parser parses it (tags balanced, element ids unique), one
#         <svg> per chart, every table's cells as formatted.
# Every failed check is printed; the test exits 1 if any failed.
# Runs against the cluster make test started (PGHOST/PGPORT exported).
source "$(dirname "$0")/../lib.sh"
export PGHOST=${PGHOST:-localhost} PGPORT=${PGPORT:-${TEST_PORT:-5498}} PGUSER=${PGUSER:-postgres}
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -At"
PY=/usr/bin/python3
db=analytics_report_files
out="$WORK/report_files"

for tool in pdftotext pdfinfo pdffonts pdftoppm; do
	command -v "$tool" >/dev/null || die "$tool not found (Debian package poppler-utils)"
done
$PY -c 'import openpyxl' 2>/dev/null || die "$PY cannot import openpyxl (Debian package python3-openpyxl)"

cleanup() {
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$out" && mkdir -p "$out/files"

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
# the clock of every session of the database: a Wednesday
$PSQL -d postgres -c "ALTER DATABASE $db SET analytics.mock_now = '2026-03-04 10:00:00+00'" \
	-c "ALTER DATABASE $db SET TimeZone = 'UTC'"

$PSQL -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION analytics;
-- the warehouse: January and February 2026 staged, then loaded
SELECT count(*) FROM analytics.generate_demo_sales(days => 59, orders_per_day => 20, seed => 7,
	start_date => '2026-01-01', customers => 80, products => 15, payments_per_day => 25);
SELECT count(*) FROM analytics.load_warehouse();
SELECT count(*) FROM analytics.refresh_retail_summaries();
-- app events: 30 users, the 35 days up to 2026-02-28
SELECT analytics.generate_demo_events(30, 35, 3, '2026-02-28');

-- rows made by hand: a comma, quotes, & and < in text, NULLs, booleans,
-- non-ASCII text, ties in rounding (2.675 and 0.125 to 2 decimals are 2.68
-- and 0.13), a large negative number; two rows outside February
CREATE TABLE public.rf_notes (at timestamptz, day date, label text, amount numeric, units int, ok boolean);
GRANT SELECT ON public.rf_notes TO PUBLIC;
INSERT INTO public.rf_notes VALUES
	('2026-01-31 23:59:59Z', '2026-01-31', 'before', 1, 1, true),
	('2026-02-03 08:15:30Z', '2026-02-03', 'plain', 1234.5, 3, true),
	('2026-02-10 23:59:59Z', '2026-02-10', 'a, "b" & <c>', 2.675, NULL, false),
	('2026-02-17 00:00:00Z', '2026-02-17', 'ünïcödé €', 0.125, 0, NULL),
	('2026-02-28 12:00:00Z', '2026-02-28', NULL, -1234567.891, -7, true),
	('2026-03-01 00:00:00Z', '2026-03-01', 'after', 1, 1, true);
SELECT analytics.create_report_template('rf_custom', 'Custom & <checked>', $j$[
	{"kind": "text", "text": "Notes of {from} to {to}: {title}."},
	{"kind": "table", "name": "notes", "title": "Notes", "main": true,
	 "query": "SELECT n.at, n.day, n.label, n.amount, n.units, n.ok FROM public.rf_notes n WHERE n.day BETWEEN $1 AND $2 ORDER BY n.at",
	 "columns": {"day": {"label": "Day", "format": "yyyy-mm-dd"}, "label": {"label": "Label, quoted \"here\""},
		"amount": {"label": "Amount", "format": "#,##0.00"}}},
	{"kind": "table", "name": "long", "title": "A long table",
	 "query": "SELECT g AS n, g * 1000.25 AS amount FROM pg_catalog.generate_series(1, 150) g ORDER BY g",
	 "columns": {"n": {"label": "N", "format": "0"}, "amount": {"label": "Amount", "format": "#,##0.00"}}},
	{"kind": "chart", "title": "Amount by day", "chart": "bar", "source": "public.rf_notes", "x": "day", "y": ["amount"]}
	]$j$);
SQL

# The reports: each template in each format, and a CSV of each table of monthly_sales
$PSQL -d "$db" >/dev/null <<'SQL'
SET client_min_messages = error;
CREATE TABLE public.rf_made (template text, format text, section text, id uuid);
INSERT INTO public.rf_made
SELECT t, f, NULL, analytics.generate_report(t, CASE WHEN t = 'rf_custom' THEN 'custom' ELSE 'monthly' END, f,
	CASE WHEN t = 'rf_custom' THEN '{"from": "2026-02-01", "to": "2026-02-28"}' ELSE '{}' END::jsonb)
FROM unnest(ARRAY['monthly_sales', 'app_usage', 'daily_kpi_summary', 'rf_custom']) WITH ORDINALITY a(t, i),
	unnest(ARRAY['pdf', 'xlsx', 'csv', 'json', 'html']) WITH ORDINALITY b(f, j)
ORDER BY i, j;
INSERT INTO public.rf_made
SELECT 'monthly_sales', 'csv', s ->> 'name', analytics.generate_report('monthly_sales', 'monthly', 'csv',
	jsonb_build_object('section', s ->> 'name'))
FROM analytics.report_templates t, jsonb_array_elements(t.sections) WITH ORDINALITY x(s, o)
WHERE t.name = 'monthly_sales' AND s ->> 'kind' = 'table' ORDER BY o;
SQL
failed=$($PSQL -d "$db" -F ' ' -c "SELECT m.template, m.format, coalesce(m.section, ''), r.status, r.error
	FROM public.rf_made m JOIN analytics.reports r ON r.id = m.id WHERE r.status <> 'completed'")
[ -z "$failed" ] || die "reports not completed: $failed"

# export each file as a client would
$PSQL -d "$db" -F ' ' -c "SELECT id, template || coalesce('.' || section, '') || '.' || format FROM public.rf_made" |
	while read -r id file; do
		$PSQL -d "$db" -c "SELECT encode(analytics.report_file('$id'), 'base64')" | base64 -d >"$out/files/$file"
	done
$PSQL -d "$db" -c "SELECT json_agg(json_build_object('template', m.template, 'format', m.format, 'section', m.section,
	'id', m.id, 'file', m.template || coalesce('.' || m.section, '') || '.' || m.format, 'sha256', r.sha256,
	'file_size', r.file_size, 'media_type', r.media_type, 'report_type', r.report_type, 'name', r.name,
	'period_from', r.period_from, 'period_to', r.period_to, 'generated_at', r.generated_at))
	FROM public.rf_made m JOIN analytics.reports r ON r.id = m.id" >"$out/made.json"

# What the files must hold, from the source views (the period's dates written out)
$PSQL -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
SET extra_float_digits = 1;
-- a query's columns (name, type) and rows (arrays of JSON values, in its order)
CREATE FUNCTION pg_temp.rows_of(q text) RETURNS json LANGUAGE plpgsql AS \$f\$
DECLARE
	r record;
	rows text[] := '{}';
	cols json;
BEGIN
	EXECUTE format('CREATE TEMP VIEW rf_expected AS %s', q);
	SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, NULL)) ORDER BY a.attnum)
	INTO cols FROM pg_attribute a WHERE a.attrelid = 'pg_temp.rf_expected'::regclass AND a.attnum > 0;
	DROP VIEW pg_temp.rf_expected;
	FOR r IN EXECUTE q LOOP
		rows := rows || (SELECT json_agg(e.value ORDER BY e.n)::text FROM json_each(row_to_json(r)) WITH ORDINALITY e(k, value, n));
	END LOOP;
	RETURN json_build_object('columns', cols, 'rows', ('[' || array_to_string(rows, ',') || ']')::json);
END
\$f\$;

-- each table section: the source view over the section's days
CREATE TEMP TABLE tables (template text, section text, q text);
INSERT INTO tables VALUES
('monthly_sales', 'months', \$q\$SELECT month, revenue, orders, customers, new_customers, avg_order_value, gross_profit,
	profit_margin_pct, mom_growth_pct FROM analytics.sales_monthly WHERE month = '2026-02-01'\$q\$),
('monthly_sales', 'top_products', \$q\$SELECT product_name, category, sum(revenue) AS revenue, sum(units) AS units FROM analytics.top_products
	WHERE month = '2026-02-01' GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 10\$q\$),
('monthly_sales', 'categories', \$q\$SELECT category, sum(revenue) AS revenue, sum(gross_profit) AS gross_profit,
	round(100 * sum(gross_profit) / sum(revenue), 2) AS margin_pct FROM analytics.category_sales WHERE month = '2026-02-01'
	GROUP BY 1 ORDER BY 2 DESC\$q\$),
('monthly_sales', 'payment_methods', \$q\$SELECT payment_method, sum(orders) AS orders, sum(revenue) AS revenue FROM analytics.payment_methods
	WHERE month = '2026-02-01' GROUP BY 1 ORDER BY 3 DESC\$q\$),
('monthly_sales', 'regions', \$q\$SELECT region, sum(revenue) AS revenue, sum(orders) AS orders, sum(customers) AS customers FROM analytics.sales_geography
	WHERE month = '2026-02-01' GROUP BY 1 ORDER BY 2 DESC\$q\$),
('monthly_sales', 'segments', \$q\$SELECT segment, sum(customers) AS customers, sum(orders) AS orders, sum(revenue) AS revenue FROM analytics.customer_segments
	WHERE month = '2026-02-01' GROUP BY 1 ORDER BY 4 DESC\$q\$),
('monthly_sales', 'product_margins', \$q\$SELECT product_name, sum(revenue) AS revenue, sum(gross_profit) AS gross_profit,
	round(100 * sum(gross_profit) / sum(revenue), 2) AS margin_pct, sum(returned_lines) AS returned_lines FROM analytics.product_performance
	WHERE month = '2026-02-01' GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 10\$q\$),
('monthly_sales', 'discounts', \$q\$SELECT discount_band, sum(lines) AS lines, sum(discount) AS discount, sum(revenue) AS revenue FROM analytics.discount_analysis
	WHERE month = '2026-02-01' GROUP BY discount_band, band_order ORDER BY band_order\$q\$),
('monthly_sales', 'customer_value', \$q\$SELECT customer_name, segment, orders, revenue, clv FROM analytics.customer_value
	WHERE last_purchase >= '2026-02-01' ORDER BY clv DESC NULLS LAST, customer_id LIMIT 10\$q\$),
('monthly_sales', 'payments', \$q\$SELECT channel, sum(transactions) AS transactions, sum(failed) AS failed,
	round(100.0 * sum(failed) / sum(transactions), 2) AS failure_rate
	FROM analytics.payment_kpis WHERE day BETWEEN '2026-02-01' AND '2026-02-28' GROUP BY 1 ORDER BY 2 DESC\$q\$),
('app_usage', 'screens', \$q\$SELECT screen, sum(seconds) AS seconds, sum(views) AS views, sum(sessions) AS sessions
	FROM analytics.screen_time_by_day WHERE day BETWEEN '2026-02-01' AND '2026-02-28' GROUP BY 1 ORDER BY 2 DESC, 1\$q\$),
('app_usage', 'filters', \$q\$SELECT filter, sum(uses) AS uses FROM analytics.filter_usage_daily
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' GROUP BY 1 ORDER BY 2 DESC, 1\$q\$),
('app_usage', 'booking_tags', \$q\$SELECT tag, sum(bookings) AS bookings FROM analytics.booking_tags_daily
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' GROUP BY 1 ORDER BY 2 DESC, 1\$q\$),
('app_usage', 'import_funnel', \$q\$SELECT method, step, step_name, sum(users) AS users FROM analytics.schedule_import_funnel_daily
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' GROUP BY 1, 2, 3 ORDER BY 1, 2\$q\$),
-- lookback_days 7: the last 7 days of the period
('daily_kpi_summary', 'last_7_days', \$q\$SELECT k.day, k.revenue, k.orders AS transactions, k.avg_order_value, k.revenue_7d_avg,
	p.failure_rate, p.failure_rate_7d FROM analytics.kpi_daily k LEFT JOIN analytics.payment_kpis_daily p ON p.day = k.day
	WHERE k.day BETWEEN '2026-02-22' AND '2026-02-28' ORDER BY k.day\$q\$),
('rf_custom', 'notes', \$q\$SELECT at, day, label, amount, units, ok FROM public.rf_notes
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' ORDER BY at\$q\$),
('rf_custom', 'long', \$q\$SELECT g::int AS n, g * 1000.25 AS amount FROM generate_series(1, 150) g ORDER BY 1\$q\$);

-- each chart: its source over the section's days, as (x, series, value)
-- ((day of week, hour, value) for a heatmap), in chart_data's order
CREATE TEMP TABLE charts (template text, title text, q text);
INSERT INTO charts VALUES
('monthly_sales', 'Daily revenue', \$q\$SELECT day::text, NULL::text, revenue FROM analytics.kpi_daily
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' ORDER BY 1\$q\$),
('monthly_sales', 'Revenue by category', \$q\$SELECT category, NULL::text, sum(revenue) FROM analytics.category_sales
	WHERE month = '2026-02-01' GROUP BY 1 ORDER BY 1\$q\$),
('monthly_sales', 'Revenue share by payment method', \$q\$SELECT payment_method, NULL::text, sum(revenue)
	FROM analytics.payment_methods WHERE month = '2026-02-01' GROUP BY 1 ORDER BY 1\$q\$),
('app_usage', 'Screen time by screen', \$q\$SELECT screen, NULL::text, sum(seconds::numeric) FROM analytics.screen_time_by_day
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' GROUP BY 1 ORDER BY 1\$q\$),
('app_usage', 'Filter uses', \$q\$SELECT filter, NULL::text, sum(uses) FROM analytics.filter_usage_daily
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' GROUP BY 1 ORDER BY 1\$q\$),
('app_usage', 'Events by day of week and hour', \$q\$SELECT extract(isodow FROM occurred_at AT TIME ZONE 'UTC')::int AS dow,
	extract(hour FROM occurred_at AT TIME ZONE 'UTC')::int AS hour, count(*) FROM analytics.events
	WHERE occurred_at >= '2026-02-01 00:00Z' AND occurred_at < '2026-03-01 00:00Z' GROUP BY 1, 2 ORDER BY 1, 2\$q\$),
-- lookback_days 28 of a 28-day month: the whole period
('daily_kpi_summary', 'Revenue, last 28 days', \$q\$SELECT day::text, m, v FROM analytics.kpi_daily,
	LATERAL (VALUES ('revenue', revenue), ('revenue_7d_avg', revenue_7d_avg)) x(m, v)
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' ORDER BY 1, 2\$q\$),
('rf_custom', 'Amount by day', \$q\$SELECT day::text, NULL::text, sum(amount) FROM public.rf_notes
	WHERE day BETWEEN '2026-02-01' AND '2026-02-28' GROUP BY 1 ORDER BY 1\$q\$);

\o $out/expected.json
SELECT json_build_object(
	'period', json_build_object('from', '2026-02-01', 'to', '2026-02-28', 'generated_at', '2026-03-04T10:00:00Z'),
	'templates', (SELECT json_object_agg(t.name, json_build_object('title', t.title, 'sections', t.sections))
		FROM analytics.report_templates t WHERE t.name IN (SELECT template FROM tables)),
	'tables', (SELECT json_object_agg(template || '/' || section, pg_temp.rows_of(q)) FROM tables),
	'charts', (SELECT json_object_agg(c.template || '/' || c.title, json_build_object('rows', pg_temp.rows_of(c.q) -> 'rows',
			-- chart_data for the section's arguments and days, titled as the section
			'spec', analytics.chart_data(s ->> 'chart', s ->> 'source', s ->> 'x',
				ARRAY(SELECT jsonb_array_elements_text(coalesce(s -> 'y', '[]'))), s ->> 'series', s ->> 'bucket',
				CASE WHEN s ? 'lookback_days' THEN date '2026-02-28' - (s ->> 'lookback_days')::int + 1 ELSE date '2026-02-01' END,
				'2026-02-28') || jsonb_build_object('title', s ->> 'title')))
		FROM charts c JOIN analytics.report_templates t ON t.name = c.template,
			jsonb_array_elements(t.sections) s WHERE s ->> 'kind' = 'chart' AND s ->> 'title' = c.title),
	-- KPI tiles: the metric over February and over January (sums of no rows are 0)
	'tiles', (SELECT json_object_agg(t.name, (SELECT json_agg(json_build_object('metric', m.name, 'unit', m.unit,
			'value', CASE WHEN m.aggregation = 'sum' THEN coalesce(cur.value, 0) ELSE cur.value END,
			'previous_value', CASE WHEN m.aggregation = 'sum' THEN coalesce(prev.value, 0) ELSE prev.value END) ORDER BY e.o)
		FROM jsonb_array_elements(t.sections) s, jsonb_array_elements_text(s -> 'metrics') WITH ORDINALITY e(name, o)
		JOIN analytics.metrics m ON m.name = e.name
		LEFT JOIN LATERAL (SELECT sum(v.value) AS value FROM analytics.metric_values(m.name, '2026-02-01', '2026-02-28', 'month') v) cur ON true
		LEFT JOIN LATERAL (SELECT sum(v.value) AS value FROM analytics.metric_values(m.name, '2026-01-01', '2026-01-31', 'month') v) prev ON true
		WHERE s ->> 'kind' = 'kpis'))
		FROM analytics.report_templates t WHERE t.name IN (SELECT template FROM tables)));
\o
SQL

# Read every file back
$PY - "$out" <<'PY'
import csv, datetime, glob, hashlib, html.parser, io, json, math, os, re, subprocess, sys, zipfile
from decimal import Decimal, ROUND_HALF_UP

import openpyxl

out = sys.argv[1]
files = os.path.join(out, 'files')
exp = json.load(open(os.path.join(out, 'expected.json')), parse_float=Decimal)
made = json.load(open(os.path.join(out, 'made.json')), parse_float=Decimal)
failures = []
checks = 0


def check(ok, what):
	global checks
	checks += 1
	if not ok:
		failures.append(what)
	return ok


# ---------- what a value looks like ----------

INT_TYPES = {'smallint', 'integer', 'bigint'}
NUM_TYPES = INT_TYPES | {'numeric', 'double precision', 'real'}
TS_TYPES = {'timestamp with time zone', 'timestamp without time zone'}


def report_type(pgtype):
	"""The column type a report names for a PostgreSQL type (src/reports.c)."""
	if pgtype in INT_TYPES:
		return 'integer'
	if pgtype in NUM_TYPES:
		return 'number'
	if pgtype == 'date':
		return 'date'
	if pgtype in TS_TYPES:
		return 'timestamp'
	if pgtype == 'boolean':
		return 'boolean'
	return 'text'


def show_number(v, fmt, integer=False):
	"""A number as Excel shows it in a format of the templates ([#,##]0[.00][%]),
	rounding the decimal value half away from zero; no format: grouped, 2
	decimals (none for integers)."""
	v = Decimal(v)
	if not fmt:
		decimals, grouped, percent, trim = (0 if integer else 2), True, False, False
	else:
		grouped, percent, trim = ',' in fmt, '%' in fmt, False
		decimals = len(re.match(r'[0#]*', fmt.split('.', 1)[1]).group(0)) if '.' in fmt else 0
	q = v.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
	s = format(abs(q), (',' if grouped else '') + '.%df' % decimals)
	if trim and '.' in s:
		s = s.rstrip('0').rstrip('.')
	return ('-' if q < 0 else '') + s + ('%' if percent else '')


# the formatter itself, on values worked out by hand
for v, f, want in [('1234.5', '#,##0.00', '1,234.50'), ('2.675', '#,##0.00', '2.68'), ('0.125', '0.00', '0.13'),
		('-1234567.891', '#,##0.00', '-1,234,567.89'), ('27551.25', '#,##0.0', '27,551.3'), ('3836948.6', None, '3,836,948.60'),
		('-0.001', '0.00', '0.00'), ('7', '0', '7'), ('12.5', '0.0%', '12.5%')]:
	assert show_number(v, f) == want, (v, f, show_number(v, f), want)


def ts_text(v):
	"""A timestamp as a report writes it: UTC, 'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
	d = datetime.datetime.fromisoformat(v)
	if d.tzinfo is not None:
		d = d.astimezone(datetime.timezone.utc).replace(tzinfo=None)
	return d.isoformat(' ')


def shown(v, col):
	"""A cell as a PDF or an HTML page must show it."""
	if v is None:
		return ''
	t, fmt = col['rtype'], col.get('format')
	if t in ('integer', 'number'):
		return show_number(v, fmt, t == 'integer')
	if t == 'boolean':
		return 'true' if v else 'false'
	if t == 'timestamp':
		return ts_text(v)
	if t == 'date' and fmt == 'yyyy-mm':
		return v[:7]
	return str(v)


def csv_text(v, col):
	"""A cell as the CSV must hold it."""
	if v is None:
		return ''
	if col['rtype'] == 'boolean':
		return 'true' if v else 'false'
	if col['rtype'] == 'timestamp':
		return ts_text(v)
	return str(v)


def same_number(a, b, pgtype):
	"""Equal numbers: exactly (as doubles when one is: a spreadsheet's), floating-point
	columns (sums of float8, in whatever order) within 1e-12."""
	if a is None or b is None:
		return a is None and b is None
	if pgtype in ('double precision', 'real'):
		return math.isclose(float(a), float(b), rel_tol=1e-12)
	if isinstance(a, float) or isinstance(b, float):
		return float(a) == float(b)
	return Decimal(str(a)) == Decimal(str(b))


# ---------- the expected document of each template ----------

period = exp['period']
P_FROM, P_TO = datetime.date.fromisoformat(period['from']), datetime.date.fromisoformat(period['to'])


def section_days(s):
	if 'lookback_days' in s:
		return (P_TO - datetime.timedelta(days=int(s['lookback_days']) - 1)).isoformat(), P_TO.isoformat()
	return P_FROM.isoformat(), P_TO.isoformat()


def template_sections(name):
	"""The sections of a template, each with what it must show."""
	t = exp['templates'][name]
	result = []
	for s in t['sections']:
		s = dict(s)
		s['from'], s['to'] = section_days(s)
		if s['kind'] == 'table':
			e = exp['tables'][name + '/' + s['name']]
			# the expected query's columns are named as the template query's: their labels and formats
			cols = []
			for c in e['columns']:
				n = c['name']
				c = dict(name=n, type=c['type'], rtype=report_type(c['type']))
				spec = s.get('columns', {}).get(n, {})
				c['label'] = spec.get('label', n)
				if 'format' in spec:
					c['format'] = spec['format']
				cols.append(c)
			s['cols'] = cols
			s['rows'] = e['rows']
		elif s['kind'] == 'chart':
			e = exp['charts'][name + '/' + s['title']]
			s['expected_spec'] = e['spec']
			s['expected_rows'] = e['rows']
		elif s['kind'] == 'kpis':
			s['expected_tiles'] = exp['tiles'][name]
		result.append(s)
	return t['title'], result


TEMPLATES = ['monthly_sales', 'app_usage', 'daily_kpi_summary', 'rf_custom']
docs = {name: template_sections(name) for name in TEMPLATES}
made_by = {(m['template'], m['format'], m['section']): m for m in made}


def path_of(template, fmt, section=None):
	return os.path.join(files, made_by[(template, fmt, section)]['file'])


# ---------- every file: as recorded ----------

MEDIA = {'pdf': 'application/pdf', 'xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
	'csv': 'text/csv; charset=utf-8', 'json': 'application/json', 'html': 'text/html; charset=utf-8'}
for m in made:
	data = open(os.path.join(files, m['file']), 'rb').read()
	check(hashlib.sha256(data).hexdigest() == m['sha256'] and len(data) == m['file_size'],
		'%s: the exported file (%d bytes) is not the one analytics.reports records (%s bytes, sha256 %s)'
		% (m['file'], len(data), m['file_size'], m['sha256']))
	check(m['media_type'] == MEDIA[m['format']], '%s: media type %r, not %r' % (m['file'], m['media_type'], MEDIA[m['format']]))
	check((m['period_from'], m['period_to']) == (period['from'], period['to']),
		'%s: period %s to %s, not %s to %s' % (m['file'], m['period_from'], m['period_to'], period['from'], period['to']))

# ---------- JSON ----------


def chart_points(s, spec):
	"""A chart's data as [x, series, value] ([dow, hour, value] for a heatmap)."""
	vals = spec.get('data', {}).get('values', [])
	if s['chart'] == 'heatmap':
		return [[v.get('dow_number'), v.get('hour'), v.get('value')] for v in vals]
	return [[v.get('x'), v.get('series'), v.get('value')] for v in vals]


def check_chart_data(where, s, points):
	want = s['expected_rows']
	if not check(len(points) == len(want), '%s: chart "%s" has %d points, its source %s over %s to %s has %d: %s, expected %s'
			% (where, s['title'], len(points), s['source'], s['from'], s['to'], len(want),
				[p[:1] + p[2:] for p in points][:8], [w[:1] + w[2:] for w in want][:8])):
		return
	for p, w in zip(points, want):
		if s['chart'] != 'heatmap' and w[1] is None:
			w = [w[0], p[1], w[2]]	# one measure: the series is the report's own business
		check([str(p[0]), p[1]] == [str(w[0]), w[1]] and math.isclose(float(p[2]), float(w[2]), rel_tol=1e-12),
			'%s: chart "%s" shows %s = %s, its source %s over %s to %s has %s = %s'
			% (where, s['title'], p[:2], p[2], s['source'], s['from'], s['to'], w[:2], w[2]))


for name in TEMPLATES:
	title, secs = docs[name]
	m = made_by[(name, 'json', None)]
	where = m['file']
	try:
		doc = json.loads(open(path_of(name, 'json'), encoding='utf-8').read(), parse_float=Decimal)
	except ValueError as e:
		check(False, '%s: not JSON: %s' % (where, e))
		continue
	rep = doc.get('report', {})
	want = {'id': m['id'], 'name': m['name'], 'template': name, 'title': title, 'report_type': m['report_type'],
		'format': 'json', 'period': {'from': period['from'], 'to': period['to']}, 'generated_at': period['generated_at'],
		'parameters': {} if name != 'rf_custom' else {'from': period['from'], 'to': period['to']}}
	check(rep == want, '%s: metadata %s, expected %s' % (where, rep, want))
	got = doc.get('sections', [])
	if not check(len(got) == len(secs) and [g.get('kind') for g in got] == [s['kind'] for s in secs],
			'%s: sections %s, the template has %s' % (where, [g.get('kind') for g in got], [s['kind'] for s in secs])):
		continue
	for g, s in zip(got, secs):
		label = '%s: section "%s"' % (where, s.get('title', s.get('name', s['kind'])))
		check(g.get('name') == s.get('name') and g.get('title') == s.get('title') and (g.get('from'), g.get('to')) == (s['from'], s['to']),
			'%s: name %r, title %r, days %s to %s; expected %r, %r, %s to %s' % (label, g.get('name'), g.get('title'),
				g.get('from'), g.get('to'), s.get('name'), s.get('title'), s['from'], s['to']))
		if s['kind'] == 'text':
			want = s['text'].replace('{from}', s['from']).replace('{to}', s['to']).replace('{title}', title)
			check(g.get('text') == want, '%s: text %r, expected %r' % (label, g.get('text'), want))
		elif s['kind'] == 'table':
			cols = [{k: v for k, v in c.items() if k in ('name', 'label', 'format')} | {'type': c['rtype']} for c in s['cols']]
			check(g.get('columns') == cols, '%s: columns %s, expected %s' % (label, g.get('columns'), cols))
			check(g.get('truncated') is False and g.get('main') == s.get('main', False),
				'%s: truncated %r, main %r' % (label, g.get('truncated'), g.get('main')))
			rows = g.get('rows', [])
			check(len(rows) == len(s['rows']), '%s: %d rows, the source has %d' % (label, len(rows), len(s['rows'])))
			for i, (r, w) in enumerate(zip(rows, s['rows'])):
				for v, e, c in zip(r, w, s['cols']):
					if c['rtype'] in ('integer', 'number'):
						ok = same_number(v, e, c['type']) and (v is None or not isinstance(v, (str, bool)))
					elif c['rtype'] == 'timestamp':
						ok = v == (None if e is None else ts_text(e))
					else:
						ok = v == e
					check(ok, '%s: row %d, %s is %r, the source has %r' % (label, i + 1, c['name'], v, e))
		elif s['kind'] == 'chart':
			check(g.get('chart') == s['chart'], '%s: chart %r, not %r' % (label, g.get('chart'), s['chart']))
			check(g.get('spec') == s['expected_spec'], '%s: spec differs from analytics.chart_data(%r, %r, %r, %r, ...) for %s to %s'
				% (label, s['chart'], s['source'], s['x'], s.get('y'), s['from'], s['to']))
			check_chart_data(where, s, chart_points(s, g.get('spec', {})))
		elif s['kind'] == 'kpis':
			tiles = g.get('tiles', [])
			check([t.get('metric') for t in tiles] == s['metrics'], '%s: tiles %s, expected %s'
				% (label, [t.get('metric') for t in tiles], s['metrics']))
			for t, e in zip(tiles, s['expected_tiles']):
				for k in ('value', 'previous_value'):
					check(t.get(k) is not None and e[k] is not None and math.isclose(float(t[k]), float(e[k]), rel_tol=1e-9),
						'%s: tile %s %s is %s, analytics.metric_values says %s' % (label, e['metric'], k, t.get(k), e[k]))
	# the warehouse's views agree with each other: each breakdown adds up to the month's revenue
	if name == 'monthly_sales':
		by = {g.get('name'): g for g in got if g.get('kind') == 'table'}
		month = Decimal(str(by['months']['rows'][0][1]))
		for t, col in [('categories', 1), ('payment_methods', 2), ('regions', 1), ('segments', 3), ('discounts', 3)]:
			total = sum(Decimal(str(r[col])) for r in by[t]['rows'])
			check(total == month, '%s: the revenue of "%s" adds up to %s, the month\'s is %s' % (where, t, total, month))

# ---------- CSV ----------


def read_csv(path, where):
	data = open(path, 'rb').read()
	check(data.endswith(b'\r\n') and data.count(b'\n') == data.count(b'\r\n') and data.count(b'\r') == data.count(b'\r\n'),
		'%s: lines do not all end with CRLF' % where)
	try:
		return list(csv.reader(io.StringIO(data.decode('utf-8'), newline=''), strict=True))
	except (csv.Error, UnicodeDecodeError) as e:
		check(False, '%s: not RFC 4180 CSV: %s' % (where, e))
		return None


def check_csv(path, where, s):
	rows = read_csv(path, where)
	if rows is None:
		return
	check(rows[:1] == [[c['label'] for c in s['cols']]], '%s: header %s, expected %s' % (where, rows[:1], [c['label'] for c in s['cols']]))
	body = rows[1:]
	check(len(body) == len(s['rows']), '%s: %d rows, the source has %d' % (where, len(body), len(s['rows'])))
	for i, (r, w) in enumerate(zip(body, s['rows'])):
		if not check(len(r) == len(s['cols']), '%s: row %d has %d fields, not %d' % (where, i + 1, len(r), len(s['cols']))):
			continue
		for v, e, c in zip(r, w, s['cols']):
			if c['rtype'] in ('integer', 'number') and e is not None:
				ok = v != '' and re.fullmatch(r'-?\d+(\.\d+)?(e[-+]?\d+)?', v) is not None and same_number(Decimal(v), e, c['type'])
			else:
				ok = v == csv_text(e, c)
			check(ok, '%s: row %d, %s is %r, the source has %r' % (where, i + 1, c['name'], v, e))


for name in TEMPLATES:
	secs = docs[name][1]
	tables = [s for s in secs if s['kind'] == 'table']
	main = next((s for s in tables if s.get('main')), tables[0])
	check_csv(path_of(name, 'csv'), made_by[(name, 'csv', None)]['file'], main)
for s in docs['monthly_sales'][1]:
	if s['kind'] == 'table':
		check_csv(path_of('monthly_sales', 'csv', s['name']), made_by[('monthly_sales', 'csv', s['name'])]['file'], s)

# ---------- HTML ----------


class Page(html.parser.HTMLParser):
	VOID = {'meta', 'br', 'img', 'hr', 'input', 'link'}

	def __init__(self):
		super().__init__(convert_charrefs=True)
		self.stack, self.errors, self.ids = [], [], []
		self.title = self.h1 = None
		self.h2, self.tables, self.svgs = [], [], 0
		self.table_cells = []
		self.text = None
		self.cell = None
		self.cells = []	# each cell's text, as the pieces of its elements
		self.chunks = []
		self.svg_depth = 0

	def handle_starttag(self, tag, attrs):
		self._start(tag, attrs)
		if tag not in self.VOID:
			self.stack.append(tag)

	def handle_startendtag(self, tag, attrs):
		self._start(tag, attrs)

	def _start(self, tag, attrs):
		for k, v in attrs:
			if k == 'id':
				self.ids.append(v)
		if tag == 'svg':
			if self.svg_depth == 0:
				self.svgs += 1
			self.svg_depth += 1
		if self.svg_depth:
			return
		if tag in ('title', 'h1', 'h2'):
			self.text = ''
		elif tag == 'table':
			self.tables.append([])
			self.cells = []
			self.table_cells.append(self.cells)
		elif tag == 'tr' and self.tables:
			self.tables[-1].append([])
		elif tag in ('td', 'th'):
			self.cell = ''
			self.chunks = []

	def handle_endtag(self, tag):
		if not self.stack or self.stack[-1] != tag:
			self.errors.append('</%s> closes <%s>' % (tag, self.stack[-1] if self.stack else 'nothing'))
		else:
			self.stack.pop()
		if tag == 'svg':
			self.svg_depth -= 1
			return
		if self.svg_depth:
			return
		if tag == 'title':
			self.title = self.text
		elif tag == 'h1':
			self.h1 = self.text
		elif tag == 'h2':
			self.h2.append(self.text)
		elif tag in ('td', 'th') and self.tables and self.tables[-1]:
			self.tables[-1][-1].append(self.cell)
			self.cells.append(self.chunks)
			self.cell = None

	def handle_data(self, data):
		if self.svg_depth:
			return
		if self.text is not None:
			self.text += data
		if self.cell is not None:
			self.cell += data
			self.chunks.append(data)


def plain(v):
	"""A number shown without a format: no decimals when it is whole."""
	return show_number(v, None, integer=Decimal(str(v)) == Decimal(str(v)).to_integral_value())


def tile_shown(t, pdf):
	"""A KPI tile's value (PDF and HTML alike): a percentage with 2 decimals and its sign."""
	if t.get('value') is None:
		return '-'
	if t.get('unit') == '%':
		return show_number(t['value'], '0.00') + '%'
	return plain(t['value'])


for name in TEMPLATES:
	title, secs = docs[name]
	where = made_by[(name, 'html', None)]['file']
	p = Page()
	try:
		p.feed(open(path_of(name, 'html'), encoding='utf-8').read())
		p.close()
	except Exception as e:	# noqa: BLE001 (any failure to parse is the finding)
		check(False, '%s: html.parser failed: %s' % (where, e))
		continue
	check(not p.errors and not p.stack, '%s: tags not balanced: %s; open at the end: %s' % (where, p.errors[:5], p.stack))
	dup = sorted({i for i in p.ids if p.ids.count(i) > 1})
	check(not dup, '%s: %d element ids occur more than once (%s, ...): the SVG charts of one page share their glyph and clip '
		'ids, so a browser draws the text of one chart with the glyphs of another' % (where, len(dup), ', '.join(dup[:4])))
	check(p.title == title and p.h1 == title, '%s: title %r, h1 %r, expected %r' % (where, p.title, p.h1, title))
	titles = [s['title'] for s in secs if 'title' in s]
	check(p.h2 == titles, '%s: headings %s, expected %s' % (where, p.h2, titles))
	charts = [s for s in secs if s['kind'] == 'chart']
	check(p.svgs == len(charts), '%s: %d <svg> images for %d charts' % (where, p.svgs, len(charts)))
	tables = list(zip(p.tables, p.table_cells))
	for s in secs:
		if s['kind'] not in ('table', 'kpis'):
			continue
		if not check(tables, '%s: no <table> for section "%s"' % (where, s.get('title'))):
			break
		t, pieces = tables.pop(0)
		if s['kind'] == 'kpis':
			check(len(pieces) == len(s['expected_tiles']), '%s: %d KPI tiles, expected %d'
				% (where, len(pieces), len(s['expected_tiles'])))
			for cell, e in zip(pieces, s['expected_tiles']):
				check(tile_shown(e, False) in cell,
					'%s: KPI tile %r does not show %s = %s' % (where, ''.join(cell), e['metric'], tile_shown(e, False)))
			continue
		want = [[c['label'] for c in s['cols']]] + [[shown(v, c) for v, c in zip(r, s['cols'])] for r in s['rows']]
		check(len(t) == len(want), '%s: table "%s" has %d rows, expected %d' % (where, s['title'], len(t), len(want)))
		for i, (r, w) in enumerate(zip(t, want)):
			check(r == w, '%s: table "%s", row %d is %s, expected %s' % (where, s['title'], i, r, w))

# ---------- PDF ----------


def run(*cmd):
	r = subprocess.run(cmd, capture_output=True)
	return r.returncode, r.stdout.decode('utf-8', 'replace'), r.stderr.decode('utf-8', 'replace')


for name in TEMPLATES:
	title, secs = docs[name]
	path = path_of(name, 'pdf')
	where = made_by[(name, 'pdf', None)]['file']
	rc, info, err = run('pdfinfo', path)
	if not check(rc == 0, '%s: pdfinfo failed: %s' % (where, err.strip())):
		continue
	pages = int(re.search(r'^Pages:\s+(\d+)', info, re.M).group(1))
	rc, info, err = run('pdfinfo', '-f', '1', '-l', str(pages), path)
	sizes = re.findall(r'^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts', info, re.M)
	check(len(sizes) == pages and all((round(float(w), 2), round(float(h), 2)) == (595.28, 841.89) for w, h in sizes),
		'%s: page sizes %s, not A4 (595.28 x 841.89 pts)' % (where, sorted(set(sizes))))
	# fonts: all embedded
	rc, fonts, err = run('pdffonts', path)
	lines = fonts.splitlines()[2:]
	# name, type (one or two words), encoding, emb, sub, uni, object, ID
	check(rc == 0 and lines and all(len(l.split()) >= 8 and l.split()[-5] == 'yes' for l in lines),
		'%s: fonts not all embedded:\n%s' % (where, fonts))
	# each page: its text and its footer
	texts = []
	for n in range(1, pages + 1):
		rc, text, err = run('pdftotext', '-layout', '-f', str(n), '-l', str(n), path, '-')
		texts.append(text)
		footers = re.findall(r'Page (\d+) of (\d+)', text)
		check(footers == [(str(n), str(pages))], '%s: page %d of %d has the footers %s' % (where, n, pages, footers))
	# rendered: every page, A4 at 50 dpi (413 x 585 pixels), not blank
	rdir = os.path.join(out, 'png', name)
	os.makedirs(rdir, exist_ok=True)
	rc, _, err = run('pdftoppm', '-r', '50', '-png', path, os.path.join(rdir, 'p'))
	pngs = sorted(glob.glob(os.path.join(rdir, 'p-*.png')))
	check(rc == 0 and not err.strip() and len(pngs) == pages, '%s: pdftoppm made %d of %d pages (exit %d): %s'
		% (where, len(pngs), pages, rc, err.strip()))
	for f in pngs:
		head = open(f, 'rb').read(24)
		w, h = int.from_bytes(head[16:20], 'big'), int.from_bytes(head[20:24], 'big')
		check(head[:8] == b'\x89PNG\r\n\x1a\n' and abs(w - 413) <= 1 and abs(h - 585) <= 1,
			'%s: %s is not a 413 x 585 PNG (%d x %d)' % (where, os.path.basename(f), w, h))
	# not blank: more than its footer is drawn (a page of a table row has over 1,000 dark pixels at 50 dpi)
	rc, _, err = run('pdftoppm', '-r', '50', '-gray', path, os.path.join(rdir, 'g'))
	for n, f in enumerate(sorted(glob.glob(os.path.join(rdir, 'g-*.pgm'))), 1):
		data = open(f, 'rb').read()
		m = re.match(rb'P5\s+(\d+)\s+(\d+)\s+(\d+)\s', data)
		dark = sum(1 for b in data[m.end():] if b < 128)
		check(dark > 1000, '%s: page %d renders (almost) blank: %d dark pixels' % (where, n, dark))
	# the text
	lines = [l for t in texts for l in t.splitlines()]
	flat = re.sub(r'\s+', ' ', ' '.join(lines))
	check(title in flat and period['from'] in flat and period['to'] in flat,
		'%s: the title %r and the period are not in the text' % (where, title))
	for s in secs:
		if 'title' in s:
			check(s['title'] in flat, '%s: the heading %r is not in the text' % (where, s['title']))
		if s['kind'] == 'text':
			want = s['text'].replace('{from}', s['from']).replace('{to}', s['to']).replace('{title}', title)
			check(want in flat, '%s: the text %r is not in the PDF' % (where, want))
		elif s['kind'] == 'kpis':
			for t in s['expected_tiles']:
				check(re.search(r'(^|\s)' + re.escape(tile_shown(t, True)) + r'(\s|$)', flat),
					'%s: KPI tile %s: %s is not in the text' % (where, t['metric'], tile_shown(t, True)))
		elif s['kind'] == 'chart' and s['chart'] == 'pie':
			# the legend: "x: value (percent%)" of each slice, from the source
			want = s['expected_rows']
			total = sum(Decimal(str(r[2])) for r in want)
			for x, _, v in want:
				legend = '%s: %s (%s%%)' % (x, plain(v), show_number(100 * Decimal(str(v)) / total, '0.0'))
				check(legend in flat, '%s: pie "%s": the legend %r (its source over %s to %s) is not in the text'
					% (where, s['title'], legend, s['from'], s['to']))
		elif s['kind'] == 'table':
			# each row on a line of its own, its cells in order, the rows in order
			at = 0
			header = [c['label'] for c in s['cols']]
			for i, r in enumerate(s['rows']):
				cells = [shown(v, c) for v, c in zip(r, s['cols'])]
				pat = re.compile(r'(^|\s)' + r'\s+'.join(re.escape(c) for c in cells if c != '') + r'(\s|$)')
				found = next((j for j in range(at, len(lines)) if pat.search(lines[j])), None)
				# when it is not there: the line most like it
				near = found is None and max(lines, key=lambda l: sum(1 for c in cells if c and c in l))
				if not check(found is not None, '%s: table "%s", row %d %s is not in the text; the line most like it: %r'
						% (where, s['title'], i + 1, cells, near and re.sub(r'\s+', ' ', near.strip()))):
					continue
				at = found + 1
			# its header on each page that has its rows
			if s['name'] == 'long':
				hdr = re.compile(r'^\s*' + r'\s+'.join(re.escape(h) for h in header) + r'\s*$')
				for n, t in enumerate(texts, 1):
					tl = t.splitlines()
					first = next((j for j, l in enumerate(tl) if re.fullmatch(r'\s*\d+\s+[\d,]+\.\d\d\s*', l)), None)
					if first is not None:
						check(any(hdr.match(l) for l in tl[:first]), '%s: page %d continues "%s" without its header'
							% (where, n, s['title']))

# ---------- XLSX ----------


def sheet_name(wanted, taken):
	"""A section's sheet name (src/report_render.c, xlsx_sheet)."""
	b = bytes(c for c in wanted.encode('utf-8') if chr(c) not in "[]:*?/\\'")[:28]
	b = b.decode('utf-8', 'ignore')
	base = b or 'Sheet'
	n = 0
	while True:
		nm = base if n == 0 else '%s (%d)' % (base.encode('utf-8')[:24].decode('utf-8', 'ignore'), n + 1)
		if nm.lower() not in taken:
			taken.add(nm.lower())
			return nm
		n += 1


def xlsx_format(fmt, rtype):
	if not fmt:
		return '#,##0' if rtype == 'integer' else '#,##0.00'
	return fmt.replace('%', '"%"')


def check_number_cell(where, cell, value, pgtype, fmt):
	ok = cell.data_type == 'n' and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
	ok = ok and (same_number(cell.value, value, pgtype) if pgtype not in INT_TYPES else cell.value == int(value))
	check(ok, '%s is %r (type %s), the source has %s' % (where, cell.value, cell.data_type, value))
	check(cell.number_format == fmt, '%s has the number format %r, expected %r' % (where, cell.number_format, fmt))
	# '0.##' shows a whole number with a trailing decimal point in Excel ("412.")
	if ok and re.search(r'\.#+$', cell.number_format) and float(cell.value) == int(cell.value):
		trailing_dots.setdefault(where.split('!')[0], []).append('%s = %s' % (where.split('!')[1].split()[0], cell.value))


trailing_dots = {}


def check_date_cell(where, cell, want, fmt):
	ok = cell.is_date and isinstance(cell.value, datetime.datetime) and abs((cell.value - want).total_seconds()) < 0.001
	check(ok, '%s is %r (type %s), the source has %s' % (where, cell.value, cell.data_type, want))
	check(cell.number_format == fmt, '%s has the number format %r, expected %r' % (where, cell.number_format, fmt))


def as_datetime(v):
	d = datetime.datetime.fromisoformat(v)
	return d.astimezone(datetime.timezone.utc).replace(tzinfo=None) if d.tzinfo else d


for name in TEMPLATES:
	title, secs = docs[name]
	path = path_of(name, 'xlsx')
	where = made_by[(name, 'xlsx', None)]['file']
	check(zipfile.is_zipfile(path), '%s: not a ZIP (Office Open XML) file' % where)
	try:
		wb = openpyxl.load_workbook(path)
	except Exception as e:	# noqa: BLE001
		check(False, '%s: openpyxl cannot read it: %s' % (where, e))
		continue
	taken = {'report'}
	want_sheets = ['Report'] + [sheet_name(s.get('title') or s.get('name'), taken) for s in secs
		if s['kind'] in ('table', 'goals', 'chart')]
	if not check(wb.sheetnames == want_sheets, '%s: sheets %s, expected %s' % (where, wb.sheetnames, want_sheets)):
		continue
	# the summary sheet
	ws = wb['Report']
	check(ws['A1'].value == title and ws['B2'].value == made_by[(name, 'xlsx', None)]['name'],
		'%s: Report!A1:B2 are %r, %r' % (where, ws['A1'].value, ws['B2'].value))
	check_date_cell(where + ': Report!B3 (period from)', ws['B3'], as_datetime(period['from']), 'yyyy-mm-dd')
	check_date_cell(where + ': Report!B4 (period to)', ws['B4'], as_datetime(period['to']), 'yyyy-mm-dd')
	check_date_cell(where + ': Report!B5 (generated)', ws['B5'], datetime.datetime(2026, 3, 4, 10, 0, 0), 'yyyy-mm-dd hh:mm:ss')
	for s in secs:
		if s['kind'] != 'kpis':
			continue
		def readable(m):	# revenue, or Revenue; payment_failure_rate, or Payment failure rate
			return {m, (m[:1].upper() + m[1:]).replace('_', ' ')}
		for t in s['expected_tiles']:
			r = next((r for r in ws.iter_rows() if r[0].value in readable(t['metric'])), None)
			if check(r is not None, '%s: Report has no row for the KPI %s' % (where, t['metric'])):
				for cell, k in ((r[1], 'value'), (r[2], 'previous_value')):
					check(cell.data_type == 'n' and cell.value is not None and math.isclose(cell.value, float(t[k]), rel_tol=1e-9),
						'%s: Report!%s (%s %s) is %r, analytics.metric_values says %s' % (where, cell.coordinate, t['metric'], k,
							cell.value, t[k]))
	for s, sheet in zip([s for s in secs if s['kind'] in ('table', 'goals', 'chart')], want_sheets[1:]):
		ws = wb[sheet]
		at = '%s: sheet "%s"' % (where, sheet)
		if s['kind'] == 'table':
			check(ws.freeze_panes == 'A2', '%s: frozen at %r, not below the header (A2)' % (at, ws.freeze_panes))
			header = [c.value for c in ws[1]]
			check(header == [c['label'] for c in s['cols']], '%s: header %s, expected %s' % (at, header, [c['label'] for c in s['cols']]))
			check(all(c.font.b for c in ws[1]), '%s: the header row is not bold' % at)
			check(ws.max_row == len(s['rows']) + 1 and ws.max_column == len(s['cols']),
				'%s: %d x %d cells, expected %d x %d' % (at, ws.max_row, ws.max_column, len(s['rows']) + 1, len(s['cols'])))
			for i, w in enumerate(s['rows']):
				for j, (v, c) in enumerate(zip(w, s['cols'])):
					cell = ws.cell(row=i + 2, column=j + 1)
					cw = '%s!%s (%s)' % (at, cell.coordinate, c['name'])
					if v is None:
						check(cell.value is None, '%s is %r, the source has NULL' % (cw, cell.value))
					elif c['rtype'] in ('integer', 'number'):
						check_number_cell(cw, cell, v, c['type'], xlsx_format(c.get('format'), c['rtype']))
					elif c['rtype'] == 'date':
						check_date_cell(cw, cell, as_datetime(v), c.get('format') if c.get('format') == 'yyyy-mm' else 'yyyy-mm-dd')
					elif c['rtype'] == 'timestamp':
						check_date_cell(cw, cell, as_datetime(v), 'yyyy-mm-dd hh:mm:ss')
					elif c['rtype'] == 'boolean':
						check(cell.data_type == 'b' and cell.value is v, '%s is %r (type %s), the source has %r' % (cw, cell.value, cell.data_type, v))
					else:
						check(cell.data_type == 's' and cell.value == v, '%s is %r (type %s), the source has %r' % (cw, cell.value, cell.data_type, v))
		elif s['kind'] == 'chart' and s['chart'] == 'heatmap':
			# the 7 x 24 grid: day of week down, hour across, a colour scale over it
			grid = {(d, h): 0 for d in range(1, 8) for h in range(24)}
			for d, h, v in s['expected_rows']:
				grid[(d, h)] = v
			bad = [(d, h, ws.cell(row=d + 1, column=h + 2).value, v) for (d, h), v in grid.items()
				if ws.cell(row=d + 1, column=h + 2).data_type != 'n' or ws.cell(row=d + 1, column=h + 2).value != v]
			check(not bad, '%s: cells (day, hour, cell, source) differ: %s' % (at, bad[:5]))
			check(len(list(ws.conditional_formatting)) > 0, '%s: no colour scale' % at)
		elif s['kind'] == 'chart':
			check(len(ws._charts) == 1, '%s: %d charts, expected 1' % (at, len(ws._charts)))
			kind = {'line': 'LineChart', 'bar': 'BarChart', 'pie': 'PieChart', 'area': 'AreaChart'}[s['chart']]
			check(all(type(c).__name__ == kind for c in ws._charts), '%s: %s, expected a %s' % (at, [type(c).__name__ for c in ws._charts], kind))
			check(ws.freeze_panes == 'A2', '%s: frozen at %r, not below the header (A2)' % (at, ws.freeze_panes))
			# its data: x down, one column per series
			head = [c.value for c in ws[1]]
			xs = {}
			for r in range(2, ws.max_row + 1):
				xs[ws.cell(row=r, column=1)] = r
			temporal = s['expected_spec'].get('usermeta', {}).get('analytics', {}).get('x_type') == 'temporal'
			rows_by_x = {}
			for cell, r in xs.items():
				key = cell.value.date().isoformat() if temporal and isinstance(cell.value, datetime.datetime) else cell.value
				rows_by_x[str(key)] = r
				if temporal:
					check(cell.is_date, '%s!%s: the x %r is not a date cell' % (at, cell.coordinate, cell.value))
			for x, series, v in s['expected_rows']:
				r = rows_by_x.get(str(x))
				col = head.index(series) + 1 if series in head else 2
				if not check(r is not None, '%s: no row for x = %s (its source over %s to %s has %s)' % (at, x, s['from'], s['to'], v)):
					continue
				cell = ws.cell(row=r, column=col)
				check(cell.data_type == 'n' and cell.value is not None and math.isclose(cell.value, float(v), rel_tol=1e-12),
					'%s!%s (x = %s, %s) is %r, its source over %s to %s has %s' % (at, cell.coordinate, x, head[col - 1],
						cell.value, s['from'], s['to'], v))
				if cell.data_type == 'n' and cell.value is not None:
					check_number_cell('%s!%s' % (at, cell.coordinate), cell, cell.value, 'numeric', '#,##0.00')
			check(len(rows_by_x) == len({str(x) for x, _, _ in s['expected_rows']}),
				'%s: %d x values, its source over %s to %s has %d' % (at, len(rows_by_x), s['from'], s['to'],
					len({str(x) for x, _, _ in s['expected_rows']})))

for sheet, cells in trailing_dots.items():
	check(False, '%s: whole numbers under the number format \'#,##0.##\' show with a trailing decimal point in Excel '
		'and LibreOffice ("%s."): %s' % (sheet, format(int(float(cells[0].split(' = ')[1])), ','), ', '.join(cells[:6])
		+ (', ...' if len(cells) > 6 else '')))

# ---------- the verdict ----------
for f in failures:
	print('FAILED: ' + f)
print('%d checks of %d files, %d failed' % (checks, len(made), len(failures)))
sys.exit(1 if failures else 0)
PY
