-- Predictions, trends and forecasts of metrics: values by hand, and the
-- trend's slope and strength against R's lm (test/reference/predictions.R).
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

-- daily: 10 + 2 i + (-1)^i for i = 0 .. 29, 2026-01-01 .. 01-30; monthly:
-- 100 + 10 k on the first of each month of 2025 (k = 0 .. 11)
CREATE TABLE public.daily (day date, v float8);
INSERT INTO public.daily SELECT '2026-01-01'::date + i, 10 + 2 * i + (-1) ^ i FROM generate_series(0, 29) i;
CREATE TABLE public.monthly (day date, v float8);
INSERT INTO public.monthly SELECT make_date(2025, 1 + k, 1), 100 + 10 * k FROM generate_series(0, 11) k;
SELECT analytics.create_metric('test_daily', 'sum', query => 'SELECT d.day, d.v FROM public.daily d WHERE d.day BETWEEN $1 AND $2');
SELECT analytics.create_metric('test_monthly', 'sum', query => 'SELECT d.day, d.v FROM public.monthly d WHERE d.day BETWEEN $1 AND $2');

-- The trend over the 30 days (R: slope 1.993325917686 = 2 - 15 / 2247.5,
-- R^2 0.996662958843, p 3.2e-36: increasing); the season: the alternating
-- term, period 2.
SET analytics.mock_now = '2026-01-31 12:00:00+00';
SELECT trend, abs(strength - 0.996662958843) < 1e-9 AS strength_r, abs(slope_per_day - 1.993325917686) < 1e-9 AS slope_r,
	season, days
FROM analytics.metric_trend('test_daily', '2026-01-01', '2026-01-30');
-- predictions from yesterday (01-30) on: with the season of 2 fitted, the
-- series is exact (10 + 2 i + (-1)^i): 01-31 (i = 30) 71, 02-01 69 + 2 =
-- 71, 02-02 75, intervals of no width
SELECT day, round(predicted::numeric, 9) AS predicted, round((upper - lower)::numeric, 9) AS width, trend, season
FROM analytics.predict_metric('test_daily', 3);
-- the same days, confidence 0.8: the same (no error left to cover)
SELECT count(*) AS days, bool_and(abs(upper - lower) < 1e-9) AS no_width FROM analytics.predict_metric('test_daily', 3, 0.8);

-- Monthly forecasts, now 2026-01-15: the 12 complete months of 2025, exact
-- 100 + 10 k: 2026-01 220, 02 230, 03 240.
SET analytics.mock_now = '2026-01-15 12:00:00+00';
SELECT period_start, round(predicted::numeric, 9) AS predicted, round((upper - lower)::numeric, 9) AS width, season
FROM analytics.forecast_metric('test_monthly', 'month', 3);
-- per quarter: 2025's quarters 330, 420, 510, 600 (three months each):
-- 2026-Q1 690, Q2 780
SELECT period_start, round(predicted::numeric, 9) AS predicted FROM analytics.forecast_metric('test_monthly', 'quarter', 2);

-- Errors name the range
SELECT * FROM analytics.predict_metric('test_daily', 0);
SELECT * FROM analytics.predict_metric('test_daily', 366);
SELECT * FROM analytics.predict_metric('test_daily', 3, 0.999);
SELECT * FROM analytics.predict_metric('no_such_metric', 3);
SELECT * FROM analytics.predict_metric('test_daily', 3, 0.95, 'x');
SELECT * FROM analytics.forecast_metric('test_monthly', 'decade', 3);
SELECT * FROM analytics.forecast_metric('test_monthly', 'month', 25);
SELECT * FROM analytics.forecast_metric('test_monthly', 'year', 2);
CREATE TABLE public.empty (day date, v float8);
SELECT analytics.create_metric('test_empty', 'sum', query => 'SELECT d.day, d.v FROM public.empty d WHERE d.day BETWEEN $1 AND $2');
SELECT * FROM analytics.predict_metric('test_empty', 3);
SELECT count(*) AS no_trend FROM analytics.metric_trend('test_empty', '2026-01-01', '2026-01-30');

RESET analytics.mock_now;
DROP EXTENSION analytics;
DROP TABLE public.daily, public.monthly, public.empty;
