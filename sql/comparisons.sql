-- Comparisons and calculations over metrics: compare_metric and
-- metric_insights by hand; correlations, regression and anomalies against R
-- (test/reference/comparisons.R).
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

-- Revenue per channel: January 10 (the previous 28 days of February) and
-- February 10: web 100 -> 123.4, app 200 -> 180, store 50 -> 60, phone
-- none -> 36.6.
CREATE TABLE public.sales (day date, channel text, revenue float8);
INSERT INTO public.sales VALUES
	('2026-01-10', 'web', 100), ('2026-02-10', 'web', 123.4), ('2026-01-10', 'app', 200), ('2026-02-10', 'app', 180),
	('2026-01-10', 'store', 50), ('2026-02-10', 'store', 60), ('2026-02-10', 'phone', 36.6);
SELECT analytics.create_metric('test_revenue', 'sum', dimension => 'channel',
	query => 'SELECT s.day, s.revenue, s.channel FROM public.sales s WHERE s.day BETWEEN $1 AND $2');
-- By hand: February 400 in all; shares web 30.85, app 45, store 15, phone
-- 9.15; the mean 100: deviations 23.4, 80, -40, -63.4; ranks app, web,
-- store, phone; changes web +23.4 (23.4%), app -20 (-10%), store +10 (20%),
-- phone no previous; the sample variance (23.4^2 + 80^2 + 40^2 + 63.4^2) /
-- 3 = 12567.12 / 3 = 4189.04.
SELECT member, value, previous_value, round(change::numeric, 6) AS change, round(change_pct::numeric, 6) AS change_pct,
	round(share_pct::numeric, 6) AS share_pct, round(deviation::numeric, 6) AS deviation, rank, is_best, is_worst,
	round(variance::numeric, 6) AS variance
FROM analytics.compare_metric('test_revenue', 'channel', '2026-02-01', '2026-02-28');
-- as a whole: 400 against 350, +14.2857..%
SELECT member, value, previous_value, round(change_pct::numeric, 6) AS change_pct
FROM analytics.compare_metric('test_revenue', 'period', '2026-02-01', '2026-02-28');
SELECT * FROM analytics.metric_insights('test_revenue', 'channel', '2026-02-01', '2026-02-28');
SELECT * FROM analytics.metric_insights('test_revenue', 'period', '2026-02-01', '2026-02-28');
-- a year before: nothing to compare
SELECT * FROM analytics.metric_insights('test_revenue', 'period', '2026-02-01', '2026-02-28', 'previous_year');
SELECT * FROM analytics.compare_metric('test_revenue', 'region', '2026-02-01', '2026-02-28');
SELECT * FROM analytics.compare_metric('test_revenue', 'period', '2026-02-01', '2026-02-28', 'last_week');

-- Three metrics over 5 days: x 1..5, y 3, 4, 7, 8, 11, z 5, 3, 4, 1, 2.
-- By hand: r(x, y) = 20 / sqrt(10 x 41.2) = 0.98533, r(x, z) = -8 / 10 =
-- -0.8; y = 0.6 + 2 x. p values: R.
CREATE TABLE public.series (day date, x float8, y float8, z float8);
INSERT INTO public.series VALUES ('2026-03-01', 1, 3, 5), ('2026-03-02', 2, 4, 3), ('2026-03-03', 3, 7, 4),
	('2026-03-04', 4, 8, 1), ('2026-03-05', 5, 11, 2);
SELECT analytics.create_metric('test_' || c, 'sum',
	query => format('SELECT s.day, s.%I FROM public.series s WHERE s.day BETWEEN $1 AND $2', c))
FROM unnest(ARRAY['x', 'y', 'z']) c;
SELECT metric_a, metric_b, round(r::numeric, 9) AS r, n,
	abs(p_value - CASE metric_b WHEN 'test_y' THEN 0.002128399058 ELSE 0.104088038662 END) < 1e-9 AS p_r
FROM analytics.metric_correlations(ARRAY['test_x', 'test_y', 'test_z'], '2026-03-01', '2026-03-31')
WHERE metric_a = 'test_x';
SELECT abs(r + 0.689730494715) < 1e-9 AS r_r, abs(p_value - 0.197523393410) < 1e-9 AS p_r
FROM analytics.metric_correlations(ARRAY['test_x', 'test_y', 'test_z'], '2026-03-01', '2026-03-31')
WHERE metric_a = 'test_y';
SELECT round((f).coefficients[1]::numeric, 9) AS intercept, round((f).coefficients[2]::numeric, 9) AS slope,
	abs((f).r_squared - 0.970873786408) < 1e-9 AS r2_r, (f).n
FROM (SELECT analytics.metric_regression('test_y', ARRAY['test_x'], '2026-03-01', '2026-03-31') AS f) r;
SELECT * FROM analytics.metric_correlations(ARRAY['test_x'], '2026-03-01', '2026-03-31');

-- Anomalies: 10, 10, 12, 8, 10, 10, 50 from 03-01, window 6: on 03-07
-- against the 6 days before (mean 10, s = sqrt(8 / 5)), z = 40 / sqrt(1.6)
-- = 10 sqrt(10) = 31.6227766 > 2; on 03-06 against the 5 before (mean 10),
-- z = 0.
CREATE TABLE public.spiky (day date, v float8);
INSERT INTO public.spiky SELECT '2026-03-01'::date + i, v FROM unnest(ARRAY[10, 10, 12, 8, 10, 10, 50]::float8[]) WITH ORDINALITY a(v, i0), LATERAL (SELECT (i0 - 1)::int AS i) j;
SELECT analytics.create_metric('test_spiky', 'sum', query => 'SELECT s.day, s.v FROM public.spiky s WHERE s.day BETWEEN $1 AND $2');
SELECT day, value, abs(zscore - CASE day WHEN '2026-03-07' THEN 10 * sqrt(10) ELSE 0 END) < 1e-9 AS z_r, is_anomaly
FROM analytics.metric_anomalies('test_spiky', '2026-03-06', '2026-03-07', 6, 2);
SELECT * FROM analytics.metric_anomalies('test_spiky', '2026-03-06', '2026-03-07', 1);

DROP EXTENSION analytics;
DROP TABLE public.sales, public.series, public.spiky;
