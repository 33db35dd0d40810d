-- Forecasting: linear_forecast, trend_summary, detect_season, against R.
-- The reference numbers come from test/reference/forecast.R (R's lm,
-- predict(interval = "prediction") and acf on the same series); they are
-- embedded below, so the test does not need R. Agreement: 1e-9 relative
-- (1e-12 absolute when R's value is 0).
SET DateStyle = ISO;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/regress_helpers.sql
-- this file's tables and helpers live in a schema of their own, dropped at the end
CREATE SCHEMA forecast_test;
SET search_path = forecast_test;

-- Results of two runs agree (for orders of input, plans, time zones).
CREATE FUNCTION points_close(a analytics.forecast_point[], b analytics.forecast_point[]) RETURNS boolean
LANGUAGE sql IMMUTABLE
RETURN cardinality(a) = cardinality(b) AND NOT EXISTS (
	SELECT FROM unnest(a, b) AS u(ats, af, al, au, bts, bf, bl, bu)
	WHERE ats IS DISTINCT FROM bts OR NOT pg_temp.close_to(af, bf) OR NOT pg_temp.close_to(al, bl) OR NOT pg_temp.close_to(au, bu));
CREATE FUNCTION trend_close(a analytics.trend, b analytics.trend) RETURNS boolean
LANGUAGE sql IMMUTABLE
RETURN a.n = b.n AND pg_temp.close_to(a.slope_per_step, b.slope_per_step) AND pg_temp.close_to(a.intercept, b.intercept)
	AND pg_temp.close_to(a.slope_stderr, b.slope_stderr) AND pg_temp.close_to(a.slope_p_value, b.slope_p_value)
	AND pg_temp.close_to(a.r_squared, b.r_squared) AND a.direction = b.direction
	AND pg_temp.close_to(a.residual_stddev, b.residual_stddev);
CREATE FUNCTION season_close(a analytics.season, b analytics.season) RETURNS boolean
LANGUAGE sql IMMUTABLE
RETURN a.period = b.period AND pg_temp.close_to(a.strength, b.strength);

-- The series, each the formula of test/reference/forecast.R evaluated in the
-- same order of float8 operations (x is i as float8).
CREATE TABLE series (name text, i int, ts timestamptz, value float8);
INSERT INTO series
SELECT 'daily_trend', i, '2026-01-01 00:00+00'::timestamptz + i * interval '1 day',
	50 + 0.8 * x + pg_temp.noise(i)
FROM generate_series(0, 59) i, LATERAL (SELECT i::float8 AS x) x;
INSERT INTO series
SELECT 'monthly', i, '2022-01-01 00:00+00'::timestamptz + i * interval '1 month',
	200 + 1.5 * x + 20 * sin(2 * pi() * x / 12) + pg_temp.noise(i)
FROM generate_series(0, 47) i, LATERAL (SELECT i::float8 AS x) x;
INSERT INTO series
SELECT 'weekly', i, '2026-02-02 00:00+00'::timestamptz + i * interval '1 day',
	100 + 0.3 * x + 8 * cos(2 * pi() * x / 7) + pg_temp.noise(i)
FROM generate_series(0, 69) i, LATERAL (SELECT i::float8 AS x) x;
-- off the grid: days 0..44 but not those with i % 6 = 5, at (5 i) % 24 hours
INSERT INTO series
SELECT 'irregular', i, '2026-03-01 00:00+00'::timestamptz + i * interval '1 day' + ((i * 5) % 24) * interval '1 hour',
	10 + 0.5 * x + pg_temp.noise(i)
FROM generate_series(0, 44) i, LATERAL (SELECT i::float8 AS x) x
WHERE i % 6 <> 5;
-- monthly off the grid: the 15th at 06:00, plus i % 4 days and (i % 3) * 6 hours,
-- so t = i + ((i % 4) + (i % 3) / 4) / 31
INSERT INTO series
SELECT 'monthly_offgrid', i,
	'2024-01-15 06:00+00'::timestamptz + i * interval '1 month' + (i % 4) * interval '1 day' + (i % 3) * interval '6 hours',
	80 - 0.7 * x + 5 * sin(2 * pi() * x / 12) + pg_temp.noise(i) / 2
FROM generate_series(0, 35) i, LATERAL (SELECT i::float8 AS x) x;
INSERT INTO series
SELECT 'noise', i, '2026-01-01 00:00+00'::timestamptz + i * interval '1 day', 20 + pg_temp.noise(i)
FROM generate_series(0, 49) i;
INSERT INTO series
SELECT 'hourly', i, '2026-01-01 00:00+00'::timestamptz + i * interval '1 hour',
	500 - 2.5 * x + pg_temp.noise(i) * 3
FROM generate_series(0, 71) i, LATERAL (SELECT i::float8 AS x) x;
INSERT INTO series
SELECT 'quarterly', i, '2015-01-01 00:00+00'::timestamptz + i * interval '3 months',
	1000 + 12 * x + pg_temp.noise(i) * 2
FROM generate_series(0, 23) i, LATERAL (SELECT i::float8 AS x) x;
INSERT INTO series
SELECT 'yearly', i, '2000-07-01 00:00+00'::timestamptz + i * interval '1 year',
	3 - 0.05 * x + pg_temp.noise(i) / 10
FROM generate_series(0, 19) i, LATERAL (SELECT i::float8 AS x) x;
INSERT INTO series
SELECT 'pure_trend', i, '2026-01-01 00:00+00'::timestamptz + i * interval '1 day', 5 + 2 * x
FROM generate_series(0, 59) i, LATERAL (SELECT i::float8 AS x) x;
-- 1000 days: a weak weekly cycle; a cycle of 420 days, whose
-- autocorrelation peaks at lag 417, beyond the 400 lags looked at
INSERT INTO series
SELECT 'long_weekly', i, '2020-01-01 00:00+00'::timestamptz + i * interval '1 day',
	100 + 0.05 * x + 3 * sin(2 * pi() * x / 7) + pg_temp.noise(i)
FROM generate_series(0, 999) i, LATERAL (SELECT i::float8 AS x) x;
INSERT INTO series
SELECT 'long_cycle', i, '2020-01-01 00:00+00'::timestamptz + i * interval '1 day',
	10 * sin(2 * pi() * x / 420)
FROM generate_series(0, 999) i, LATERAL (SELECT i::float8 AS x) x;
SELECT name, count(*) AS n, min(ts) AS first, max(ts) AS last FROM series GROUP BY name ORDER BY name;

CREATE TABLE ref_input (name text, i int, value float8);
CREATE TABLE ref (test text, item text, value float8);
CREATE TABLE ref_text (test text, item text, value text);
-- BEGIN R reference (Rscript test/reference/forecast.R)
INSERT INTO ref_input (name, i, value) VALUES
	('daily_trend', 0, 44.960000000000001),
	('daily_trend', 1, 52.25),
	('daily_trend', 5, 50.810000000000002),
	('daily_trend', 17, 65.519999999999996),
	('daily_trend', 33, 72.359999999999999),
	('monthly', 0, 194.96000000000001),
	('monthly', 1, 212.94999999999999),
	('monthly', 5, 214.31),
	('monthly', 17, 237.41999999999999),
	('monthly', 33, 225.46000000000001),
	('weekly', 0, 102.95999999999999),
	('weekly', 1, 106.73791841486987),
	('weekly', 5, 96.529832528349488),
	('weekly', 17, 99.812249056780644),
	('weekly', 33, 104.07983252834947),
	('irregular', 0, 4.96),
	('irregular', 1, 11.949999999999999),
	('irregular', 33, 22.460000000000001),
	('monthly_offgrid', 0, 77.480000000000004),
	('monthly_offgrid', 1, 82.524999999999991),
	('monthly_offgrid', 5, 77.405000000000001),
	('monthly_offgrid', 17, 71.559999999999988),
	('monthly_offgrid', 33, 49.880000000000003),
	('noise', 0, 14.960000000000001),
	('noise', 1, 21.449999999999999),
	('noise', 5, 16.809999999999999),
	('noise', 17, 21.920000000000002),
	('noise', 33, 15.960000000000001),
	('hourly', 0, 484.88),
	('hourly', 1, 501.85000000000002),
	('hourly', 5, 477.93000000000001),
	('hourly', 17, 463.25999999999999),
	('hourly', 33, 405.38),
	('quarterly', 0, 989.91999999999996),
	('quarterly', 1, 1014.9),
	('quarterly', 5, 1053.6199999999999),
	('quarterly', 17, 1207.8399999999999),
	('yearly', 0, 2.496),
	('yearly', 1, 3.0950000000000002),
	('yearly', 5, 2.431),
	('yearly', 17, 2.3420000000000001),
	('long_weekly', 0, 94.959999999999994),
	('long_weekly', 1, 103.84549444740409),
	('long_weekly', 5, 94.135216263454538),
	('long_weekly', 17, 104.07165121735267),
	('long_weekly', 33, 94.685216263454535),
	('long_cycle', 0, 0),
	('long_cycle', 1, 0.1495940701526362),
	('long_cycle', 5, 0.74730093586424251),
	('long_cycle', 17, 2.5158676374450852),
	('long_cycle', 33, 4.7386866247299864);
INSERT INTO ref (test, item, value) VALUES
	('daily_trend', 'forecast1', 97.546870056497156),
	('daily_trend', 'lower1', 90.891213260936297),
	('daily_trend', 'upper1', 104.20252685205801),
	('daily_trend', 'forecast2', 98.339761970917834),
	('daily_trend', 'lower2', 91.673381768625404),
	('daily_trend', 'upper2', 105.00614217321026),
	('daily_trend', 'forecast3', 99.132653885338499),
	('daily_trend', 'lower3', 92.455222423084507),
	('daily_trend', 'upper3', 105.81008534759249),
	('daily_trend', 'forecast4', 99.925545799759178),
	('daily_trend', 'lower4', 93.236736849352198),
	('daily_trend', 'upper4', 106.61435475016616),
	('daily_trend', 'forecast5', 100.71843771417986),
	('daily_trend', 'lower5', 94.01792670923767),
	('daily_trend', 'upper5', 107.41894871912204),
	('daily_trend_weeks', 'forecast1', 102.30422154302121),
	('daily_trend_weeks', 'lower1', 95.579339554238715),
	('daily_trend_weeks', 'upper1', 109.02910353180371),
	('daily_trend_weeks', 'forecast2', 107.85446494396592),
	('daily_trend_weeks', 'lower2', 101.03432090850724),
	('daily_trend_weeks', 'upper2', 114.6746089794246),
	('monthly_season12', 'forecast1', 271.01479166666684),
	('monthly_season12', 'lower1', 264.43439972847847),
	('monthly_season12', 'upper1', 277.59518360485521),
	('monthly_season12', 'forecast2', 284.37479166666674),
	('monthly_season12', 'lower2', 277.79439972847837),
	('monthly_season12', 'upper2', 290.95518360485511),
	('monthly_season12', 'forecast3', 291.99529974235554),
	('monthly_season12', 'lower3', 285.41490780416717),
	('monthly_season12', 'upper3', 298.57569168054391),
	('monthly_season12', 'forecast4', 296.95979166666672),
	('monthly_season12', 'lower4', 290.37939972847835),
	('monthly_season12', 'upper4', 303.54018360485509),
	('monthly_season12', 'forecast5', 296.02779974235557),
	('monthly_season12', 'lower5', 289.4474078041672),
	('monthly_season12', 'upper5', 302.60819168054394),
	('monthly_season12', 'forecast6', 289.91729166666676),
	('monthly_season12', 'lower6', 283.33689972847839),
	('monthly_season12', 'upper6', 296.49768360485513),
	('monthly_season12', 'forecast7', 280.58979166666671),
	('monthly_season12', 'lower7', 274.00939972847834),
	('monthly_season12', 'upper7', 287.17018360485508),
	('monthly_season12', 'forecast8', 273.2472916666668),
	('monthly_season12', 'lower8', 266.66689972847843),
	('monthly_season12', 'upper8', 279.82768360485517),
	('monthly_season12', 'forecast9', 265.52428359097797),
	('monthly_season12', 'lower9', 258.9438916527896),
	('monthly_season12', 'upper9', 272.10467552916634),
	('monthly_season12', 'forecast10', 266.94979166666673),
	('monthly_season12', 'lower10', 260.36939972847836),
	('monthly_season12', 'upper10', 273.5301836048551),
	('monthly_season12', 'forecast11', 270.67428359097789),
	('monthly_season12', 'lower11', 264.09389165278952),
	('monthly_season12', 'upper11', 277.25467552916626),
	('monthly_season12', 'forecast12', 275.9797916666667),
	('monthly_season12', 'lower12', 269.39939972847833),
	('monthly_season12', 'upper12', 282.56018360485507),
	('weekly_detected', 'forecast1', 129.09647619047612),
	('weekly_detected', 'lower1', 121.98929866339103),
	('weekly_detected', 'upper1', 136.20365371756122),
	('weekly_detected', 'forecast2', 127.29439460534606),
	('weekly_detected', 'lower2', 120.18721707826096),
	('weekly_detected', 'upper2', 134.40157213243117),
	('weekly_detected', 'forecast3', 119.68530871882567),
	('weekly_detected', 'lower3', 112.57813119174057),
	('weekly_detected', 'upper3', 126.79248624591077),
	('weekly_detected', 'forecast4', 115.40172524725682),
	('weekly_detected', 'lower4', 108.29454772017172),
	('weekly_detected', 'upper4', 122.50890277434192),
	('weekly_detected', 'forecast5', 114.4947252472568),
	('weekly_detected', 'lower5', 107.3875477201717),
	('weekly_detected', 'upper5', 121.60190277434189),
	('weekly_detected', 'forecast6', 119.99130871882564),
	('weekly_detected', 'lower6', 112.88413119174054),
	('weekly_detected', 'upper6', 127.09848624591073),
	('weekly_detected', 'forecast7', 128.81339460534602),
	('weekly_detected', 'lower7', 121.70621707826092),
	('weekly_detected', 'upper7', 135.92057213243112),
	('weekly_detected', 'forecast8', 131.25165367965363),
	('weekly_detected', 'lower8', 124.08068569609554),
	('weekly_detected', 'upper8', 138.42262166321171),
	('weekly_detected', 'forecast9', 129.44957209452352),
	('weekly_detected', 'lower9', 122.27860411096543),
	('weekly_detected', 'upper9', 136.6205400780816),
	('weekly_detected', 'forecast10', 121.84048620800314),
	('weekly_detected', 'lower10', 114.66951822444506),
	('weekly_detected', 'upper10', 129.01145419156123),
	('weekly_detected', 'forecast11', 117.55690273643432),
	('weekly_detected', 'lower11', 110.38593475287624),
	('weekly_detected', 'upper11', 124.72787071999241),
	('weekly_detected', 'forecast12', 116.6499027364343),
	('weekly_detected', 'lower12', 109.47893475287621),
	('weekly_detected', 'upper12', 123.82087071999239),
	('weekly_detected', 'forecast13', 122.14648620800314),
	('weekly_detected', 'lower13', 114.97551822444505),
	('weekly_detected', 'upper13', 129.31745419156121),
	('weekly_detected', 'forecast14', 130.96857209452349),
	('weekly_detected', 'lower14', 123.79760411096541),
	('weekly_detected', 'upper14', 138.13954007808158),
	('irregular', 'forecast1', 31.946264490402541),
	('irregular', 'lower1', 27.471398248128651),
	('irregular', 'upper1', 36.421130732676431),
	('irregular', 'forecast2', 32.431811246062693),
	('irregular', 'lower2', 27.942660429914227),
	('irregular', 'upper2', 36.92096206221116),
	('irregular', 'forecast3', 32.917358001722832),
	('irregular', 'lower3', 28.413359331128436),
	('irregular', 'upper3', 37.421356672317224),
	('irregular_season7', 'forecast1', 32.601070030708961),
	('irregular_season7', 'lower1', 25.221871695595734),
	('irregular_season7', 'upper1', 39.980268365822191),
	('irregular_season7', 'forecast2', 30.744785315377175),
	('irregular_season7', 'lower2', 23.396261377278279),
	('irregular_season7', 'upper2', 38.093309253476072),
	('irregular_season7', 'forecast3', 31.104500600045391),
	('irregular_season7', 'lower3', 23.784749143576054),
	('irregular_season7', 'upper3', 38.424252056514725),
	('irregular_season7', 'forecast4', 34.520876724149005),
	('irregular_season7', 'lower4', 27.044649779632373),
	('irregular_season7', 'upper4', 41.997103668665638),
	('irregular_season7', 'forecast5', 33.461683761623334),
	('irregular_season7', 'lower5', 26.025218806935854),
	('irregular_season7', 'upper5', 40.898148716310814),
	('irregular_season7', 'forecast6', 34.773054876584361),
	('irregular_season7', 'lower6', 27.365827325439291),
	('irregular_season7', 'upper6', 42.180282427729431),
	('irregular_season7', 'forecast7', 37.421092658212061),
	('irregular_season7', 'lower7', 30.042099403998382),
	('irregular_season7', 'upper7', 44.800085912425736),
	('irregular_season7', 'forecast8', 36.046398702257271),
	('irregular_season7', 'lower8', 28.499625755378805),
	('irregular_season7', 'upper8', 43.593171649135741),
	('irregular_season7', 'forecast9', 34.190113986925496),
	('irregular_season7', 'lower9', 26.682563225332956),
	('irregular_season7', 'upper9', 41.697664748518037),
	('irregular_season7', 'forecast10', 34.549829271593708),
	('irregular_season7', 'lower10', 27.07971707164393),
	('irregular_season7', 'upper10', 42.019941471543483),
	('monthly_offgrid', 'forecast1', 54.377761256720376),
	('monthly_offgrid', 'lower1', 49.838872572939664),
	('monthly_offgrid', 'upper1', 58.916649940501088),
	('monthly_offgrid', 'forecast2', 56.226388188844091),
	('monthly_offgrid', 'lower2', 51.688349281926186),
	('monthly_offgrid', 'upper2', 60.764427095761995),
	('monthly_offgrid', 'forecast3', 57.556808806556603),
	('monthly_offgrid', 'lower3', 53.019618413037399),
	('monthly_offgrid', 'upper3', 62.093999200075807),
	('monthly_offgrid', 'forecast4', 57.861465893817211),
	('monthly_offgrid', 'lower4', 53.324614551728715),
	('monthly_offgrid', 'upper4', 62.398317235905708),
	('monthly_offgrid', 'forecast5', 56.903613662067364),
	('monthly_offgrid', 'lower5', 52.364895034702293),
	('monthly_offgrid', 'upper5', 61.442332289432436),
	('monthly_offgrid', 'forecast6', 53.347113575268814),
	('monthly_offgrid', 'lower6', 48.809244472130473),
	('monthly_offgrid', 'upper6', 57.884982678407155),
	('noise_detected', 'forecast1', 20.455648979591828),
	('noise_detected', 'lower1', 11.73071279678525),
	('noise_detected', 'upper1', 29.180585162398408),
	('noise_detected', 'forecast2', 20.47466266506602),
	('noise_detected', 'lower2', 11.729622916015455),
	('noise_detected', 'upper2', 29.219702414116586),
	('noise_detected', 'forecast3', 20.493676350540209),
	('noise_detected', 'lower3', 11.727808620396242),
	('noise_detected', 'upper3', 29.259544080684176),
	('noise_detected', 'forecast4', 20.512690036014398),
	('noise_detected', 'lower4', 11.725275060962733),
	('noise_detected', 'upper4', 29.300105011066062),
	('daily_trend', 'n', 60),
	('daily_trend', 'slope', 0.79289191442067264),
	('daily_trend', 'intercept', 49.9733551912568),
	('daily_trend', 'slope_stderr', 0.023980215400811716),
	('daily_trend', 'slope_p_value', 2.4809839021972479e-39),
	('daily_trend', 'r_squared', 0.94962023524493699),
	('daily_trend', 'sigma', 3.2168366291116715),
	('hourly', 'n', 72),
	('hourly', 'slope', -2.4904630522863203),
	('hourly', 'intercept', 499.2522716894976),
	('hourly', 'slope_stderr', 0.055106479895886545),
	('hourly', 'slope_p_value', 1.5694262000851576e-53),
	('hourly', 'r_squared', 0.9668633742492756),
	('hourly', 'sigma', 9.7178210976734238),
	('hourly_per_day', 'n', 72),
	('hourly_per_day', 'slope', -59.7711132548717),
	('hourly_per_day', 'intercept', 499.2522716894976),
	('hourly_per_day', 'slope_stderr', 1.3225555175012778),
	('hourly_per_day', 'slope_p_value', 1.5694262000852021e-53),
	('hourly_per_day', 'r_squared', 0.9668633742492756),
	('hourly_per_day', 'sigma', 9.7178210976734274),
	('noise_weeks', 'n', 50),
	('noise_weeks', 'slope', 0.1330957983193283),
	('noise_weeks', 'intercept', 19.504964705882344),
	('noise_weeks', 'slope_stderr', 0.2144802286582064),
	('noise_weeks', 'slope_p_value', 0.53783089362537118),
	('noise_weeks', 'r_squared', 0.0079587098903866182),
	('noise_weeks', 'sigma', 3.1265597392535547),
	('quarterly', 'n', 24),
	('quarterly', 'slope', 11.952973913043461),
	('quarterly', 'intercept', 1000.3041333333337),
	('quarterly', 'slope_stderr', 0.19396097592007913),
	('quarterly', 'slope_p_value', 3.9016147311773293e-26),
	('quarterly', 'r_squared', 0.99424041922498829),
	('quarterly', 'sigma', 6.5775367126949549),
	('yearly', 'n', 20),
	('yearly', 'slope', -0.0398932330827068),
	('yearly', 'intercept', 2.9287857142857145),
	('yearly', 'slope_stderr', 0.012192824284765627),
	('yearly', 'slope_p_value', 0.0042362935842049886),
	('yearly', 'r_squared', 0.37293325040584591),
	('yearly', 'sigma', 0.31442360135023001),
	('monthly_offgrid', 'n', 36),
	('monthly_offgrid', 'slope', -0.80319132893736933),
	('monthly_offgrid', 'intercept', 81.695495257947897),
	('monthly_offgrid', 'slope_stderr', 0.064988893771675715),
	('monthly_offgrid', 'slope_p_value', 3.9628885405496981e-14),
	('monthly_offgrid', 'r_squared', 0.81793105309009451),
	('monthly_offgrid', 'sigma', 4.0524828817566343),
	('monthly', 'period', 12),
	('monthly', 'strength', 0.7243722577319075),
	('weekly', 'period', 7),
	('weekly', 'strength', 0.73846539008036349),
	('noise', 'period', 0),
	('noise', 'strength', NULL),
	('daily_trend', 'period', 0),
	('daily_trend', 'strength', NULL),
	('long_weekly', 'period', 7),
	('long_weekly', 'strength', 0.34878091387790716),
	('long_cycle', 'period', 0),
	('long_cycle', 'strength', NULL);
INSERT INTO ref_text (test, item, value) VALUES
	('daily_trend', 'ts1', '2026-03-02 00:00:00+00'),
	('daily_trend', 'ts2', '2026-03-03 00:00:00+00'),
	('daily_trend', 'ts3', '2026-03-04 00:00:00+00'),
	('daily_trend', 'ts4', '2026-03-05 00:00:00+00'),
	('daily_trend', 'ts5', '2026-03-06 00:00:00+00'),
	('daily_trend_weeks', 'ts1', '2026-03-08 00:00:00+00'),
	('daily_trend_weeks', 'ts2', '2026-03-15 00:00:00+00'),
	('monthly_season12', 'ts1', '2026-01-01 00:00:00+00'),
	('monthly_season12', 'ts2', '2026-02-01 00:00:00+00'),
	('monthly_season12', 'ts3', '2026-03-01 00:00:00+00'),
	('monthly_season12', 'ts4', '2026-04-01 00:00:00+00'),
	('monthly_season12', 'ts5', '2026-05-01 00:00:00+00'),
	('monthly_season12', 'ts6', '2026-06-01 00:00:00+00'),
	('monthly_season12', 'ts7', '2026-07-01 00:00:00+00'),
	('monthly_season12', 'ts8', '2026-08-01 00:00:00+00'),
	('monthly_season12', 'ts9', '2026-09-01 00:00:00+00'),
	('monthly_season12', 'ts10', '2026-10-01 00:00:00+00'),
	('monthly_season12', 'ts11', '2026-11-01 00:00:00+00'),
	('monthly_season12', 'ts12', '2026-12-01 00:00:00+00'),
	('weekly_detected', 'ts1', '2026-04-13 00:00:00+00'),
	('weekly_detected', 'ts2', '2026-04-14 00:00:00+00'),
	('weekly_detected', 'ts3', '2026-04-15 00:00:00+00'),
	('weekly_detected', 'ts4', '2026-04-16 00:00:00+00'),
	('weekly_detected', 'ts5', '2026-04-17 00:00:00+00'),
	('weekly_detected', 'ts6', '2026-04-18 00:00:00+00'),
	('weekly_detected', 'ts7', '2026-04-19 00:00:00+00'),
	('weekly_detected', 'ts8', '2026-04-20 00:00:00+00'),
	('weekly_detected', 'ts9', '2026-04-21 00:00:00+00'),
	('weekly_detected', 'ts10', '2026-04-22 00:00:00+00'),
	('weekly_detected', 'ts11', '2026-04-23 00:00:00+00'),
	('weekly_detected', 'ts12', '2026-04-24 00:00:00+00'),
	('weekly_detected', 'ts13', '2026-04-25 00:00:00+00'),
	('weekly_detected', 'ts14', '2026-04-26 00:00:00+00'),
	('irregular', 'ts1', '2026-04-15 04:00:00+00'),
	('irregular', 'ts2', '2026-04-16 04:00:00+00'),
	('irregular', 'ts3', '2026-04-17 04:00:00+00'),
	('irregular_season7', 'ts1', '2026-04-15 04:00:00+00'),
	('irregular_season7', 'ts2', '2026-04-16 04:00:00+00'),
	('irregular_season7', 'ts3', '2026-04-17 04:00:00+00'),
	('irregular_season7', 'ts4', '2026-04-18 04:00:00+00'),
	('irregular_season7', 'ts5', '2026-04-19 04:00:00+00'),
	('irregular_season7', 'ts6', '2026-04-20 04:00:00+00'),
	('irregular_season7', 'ts7', '2026-04-21 04:00:00+00'),
	('irregular_season7', 'ts8', '2026-04-22 04:00:00+00'),
	('irregular_season7', 'ts9', '2026-04-23 04:00:00+00'),
	('irregular_season7', 'ts10', '2026-04-24 04:00:00+00'),
	('monthly_offgrid', 'ts1', '2027-01-18 18:00:00+00'),
	('monthly_offgrid', 'ts2', '2027-02-18 18:00:00+00'),
	('monthly_offgrid', 'ts3', '2027-03-18 18:00:00+00'),
	('monthly_offgrid', 'ts4', '2027-04-18 18:00:00+00'),
	('monthly_offgrid', 'ts5', '2027-05-18 18:00:00+00'),
	('monthly_offgrid', 'ts6', '2027-06-18 18:00:00+00'),
	('noise_detected', 'ts1', '2026-02-20 00:00:00+00'),
	('noise_detected', 'ts2', '2026-02-21 00:00:00+00'),
	('noise_detected', 'ts3', '2026-02-22 00:00:00+00'),
	('noise_detected', 'ts4', '2026-02-23 00:00:00+00'),
	('daily_trend', 'direction', 'increasing'),
	('hourly', 'direction', 'decreasing'),
	('hourly_per_day', 'direction', 'decreasing'),
	('noise_weeks', 'direction', 'stable'),
	('quarterly', 'direction', 'increasing'),
	('yearly', 'direction', 'decreasing'),
	('monthly_offgrid', 'direction', 'decreasing');
-- END R reference

-- The series are R's to the last bit.
SELECT count(*) AS inputs, count(*) FILTER (WHERE s.value = r.value) AS identical
FROM ref_input r LEFT JOIN series s USING (name, i);

-- What each case returned, unpacked into items named as in the R script.
CREATE TABLE forecasts (test text, points analytics.forecast_point[]);
CREATE TABLE trends (test text, trend analytics.trend);
CREATE TABLE seasons (test text, season analytics.season);
CREATE VIEW got AS
SELECT test, v.item || u.h AS item, v.value
FROM forecasts, unnest(points) WITH ORDINALITY AS u(ts, forecast, lower, upper, h),
	LATERAL (VALUES ('forecast', u.forecast), ('lower', u.lower), ('upper', u.upper)) AS v(item, value)
UNION ALL
SELECT test, v.item, v.value
FROM trends, LATERAL (VALUES ('n', (trend).n::float8), ('slope', (trend).slope_per_step),
	('intercept', (trend).intercept), ('slope_stderr', (trend).slope_stderr),
	('slope_p_value', (trend).slope_p_value), ('r_squared', (trend).r_squared),
	('sigma', (trend).residual_stddev)) AS v(item, value)
UNION ALL
SELECT test, v.item, v.value
FROM seasons, LATERAL (VALUES ('period', (season).period::float8), ('strength', (season).strength)) AS v(item, value);
CREATE VIEW got_text AS
SELECT test, 'ts' || u.h AS item, u.ts::text AS value
FROM forecasts, unnest(points) WITH ORDINALITY AS u(ts, forecast, lower, upper, h)
UNION ALL
SELECT test, 'direction', (trend).direction FROM trends;

-- linear_forecast
-- (a) daily trend and noise, no season, horizon 5, the short form (confidence
-- 0.95; the series has no season, so the default season does not matter)
INSERT INTO forecasts
SELECT 'daily_trend', analytics.linear_forecast(ts, value, 5, '1 day') FROM series WHERE name = 'daily_trend';
-- the same in weeks: t = days / 7, points 7 days apart
INSERT INTO forecasts
SELECT 'daily_trend_weeks', analytics.linear_forecast(ts, value, 2, '1 week', 0.95, 0) FROM series WHERE name = 'daily_trend';
-- (b) monthly on the 1st, yearly cycle, season 12, horizon 12, confidence 0.9
INSERT INTO forecasts
SELECT 'monthly_season12', analytics.linear_forecast(ts, value, 12, '1 month', 0.9, 12) FROM series WHERE name = 'monthly';
-- (c) daily with a weekly cycle: season -1 detects 7
INSERT INTO forecasts
SELECT 'weekly_detected', analytics.linear_forecast(ts, value, 14, '1 day', 0.95, -1) FROM series WHERE name = 'weekly';
-- (d) off the grid: t = (ts - first ts) / 1 day, fractional; without a
-- season and with season 7 (positions floor(t) % 7)
INSERT INTO forecasts
SELECT 'irregular', analytics.linear_forecast(ts, value, 3, '1 day', 0.8, 0) FROM series WHERE name = 'irregular';
INSERT INTO forecasts
SELECT 'irregular_season7', analytics.linear_forecast(ts, value, 10, '1 day', 0.95, 7) FROM series WHERE name = 'irregular';
-- monthly off the grid: the month rule for t, season 12
INSERT INTO forecasts
SELECT 'monthly_offgrid', analytics.linear_forecast(ts, value, 6, '1 month', 0.95, 12) FROM series WHERE name = 'monthly_offgrid';
-- (e) noise: season -1 finds no season
INSERT INTO forecasts
SELECT 'noise_detected', analytics.linear_forecast(ts, value, 4, '1 day', 0.99, -1) FROM series WHERE name = 'noise';

-- trend_summary: increasing (daily), decreasing (hourly, per hour and per
-- day), stable (noise, weekly steps), quarterly and yearly steps, monthly
-- off the grid
INSERT INTO trends SELECT 'daily_trend', analytics.trend_summary(ts, value, '1 day') FROM series WHERE name = 'daily_trend';
INSERT INTO trends SELECT 'hourly', analytics.trend_summary(ts, value, '1 hour') FROM series WHERE name = 'hourly';
INSERT INTO trends SELECT 'hourly_per_day', analytics.trend_summary(ts, value, '1 day') FROM series WHERE name = 'hourly';
INSERT INTO trends SELECT 'noise_weeks', analytics.trend_summary(ts, value, '7 days') FROM series WHERE name = 'noise';
INSERT INTO trends SELECT 'quarterly', analytics.trend_summary(ts, value, '3 months') FROM series WHERE name = 'quarterly';
INSERT INTO trends SELECT 'yearly', analytics.trend_summary(ts, value, '1 year') FROM series WHERE name = 'yearly';
INSERT INTO trends SELECT 'monthly_offgrid', analytics.trend_summary(ts, value, '1 month') FROM series WHERE name = 'monthly_offgrid';

-- detect_season: 12 (monthly), 7 (daily, weekly cycle; also over 1000 days),
-- none for noise, a trend with noise and a cycle longer than 400 steps
INSERT INTO seasons SELECT 'monthly', analytics.detect_season(ts, value, '1 month') FROM series WHERE name = 'monthly';
INSERT INTO seasons SELECT 'weekly', analytics.detect_season(ts, value, '1 day') FROM series WHERE name = 'weekly';
INSERT INTO seasons SELECT 'noise', analytics.detect_season(ts, value, '1 day') FROM series WHERE name = 'noise';
INSERT INTO seasons SELECT 'daily_trend', analytics.detect_season(ts, value, '1 day') FROM series WHERE name = 'daily_trend';
INSERT INTO seasons SELECT 'long_weekly', analytics.detect_season(ts, value, '1 day') FROM series WHERE name = 'long_weekly';
INSERT INTO seasons SELECT 'long_cycle', analytics.detect_season(ts, value, '1 day') FROM series WHERE name = 'long_cycle';

-- Every case against R: items in R's reference, items we returned, items
-- that agree; then every item that does not (none).
SELECT test, count(r.item) AS reference_items, count(g.item) AS our_items,
	count(*) FILTER (WHERE pg_temp.close_to(g.value, r.value)) AS agree
FROM ref r FULL JOIN got g USING (test, item)
GROUP BY test ORDER BY test;
SELECT test, item, g.value AS ours, r.value AS reference
FROM ref r FULL JOIN got g USING (test, item)
WHERE r.item IS NULL OR g.item IS NULL OR NOT pg_temp.close_to(g.value, r.value)
ORDER BY test, item;
-- timestamps of the points and directions of the trends: equal
SELECT test, count(r.item) AS reference_items, count(g.item) AS our_items,
	count(*) FILTER (WHERE g.value = r.value) AS equal
FROM ref_text r FULL JOIN got_text g USING (test, item)
GROUP BY test ORDER BY test;
SELECT test, item, g.value AS ours, r.value AS reference
FROM ref_text r FULL JOIN got_text g USING (test, item)
WHERE g.value IS DISTINCT FROM r.value
ORDER BY test, item;

-- A readable sample: the first points of (b), rounded.
SELECT h, ts, round(forecast::numeric, 6) AS forecast, round(lower::numeric, 6) AS lower,
	round(upper::numeric, 6) AS upper
FROM forecasts, unnest(points) WITH ORDINALITY AS u(ts, forecast, lower, upper, h)
WHERE test = 'monthly_season12' AND h <= 3 ORDER BY h;
SELECT test, (trend).n, round((trend).slope_per_step::numeric, 6) AS slope, (trend).direction
FROM trends ORDER BY test;
SELECT test, (season).period, round((season).strength::numeric, 6) AS strength
FROM seasons ORDER BY test;

-- (c) season -1 and season 7 give the same points; (e) season -1 and
-- season 0 too.
SELECT (SELECT analytics.linear_forecast(ts, value, 14, '1 day', 0.95, 7) FROM series WHERE name = 'weekly')
	= (SELECT points FROM forecasts WHERE test = 'weekly_detected') AS detected_equals_7,
	(SELECT analytics.linear_forecast(ts, value, 4, '1 day', 0.99, 0) FROM series WHERE name = 'noise')
	= (SELECT points FROM forecasts WHERE test = 'noise_detected') AS detected_equals_0;

-- A straight line has no season (its residuals are rounding errors at most).
SELECT analytics.detect_season(ts, value, '1 day') AS pure_trend FROM series WHERE name = 'pure_trend';
-- Three observations: no lag from 2 to floor(3 / 2) to look at.
SELECT analytics.detect_season(ts, value, '1 day') AS three_points FROM series WHERE name = 'noise' AND i < 3;


-- Input order does not matter, and rows with a NULL time or value are
-- skipped: the monthly and weekly series in a scrambled order with such rows
-- added give the results of the series as they are.
CREATE TABLE scrambled AS
SELECT name, i, ts, value FROM series WHERE name IN ('monthly', 'weekly')
UNION ALL VALUES ('monthly', -1, NULL::timestamptz, 1e6::float8), ('monthly', -2, '2030-01-01 00:00+00', NULL),
	('weekly', -1, NULL, NULL), ('weekly', -2, '2020-01-01 00:00+00', NULL);
CREATE VIEW scrambled_results AS
SELECT name, analytics.linear_forecast(ts, value, 12, '1 month', 0.9, 12) AS points,
	analytics.trend_summary(ts, value, '1 month') AS trend,
	analytics.detect_season(ts, value, '1 month') AS season
FROM (SELECT * FROM scrambled WHERE name = 'monthly' ORDER BY (i * 29) % 47) s GROUP BY name
UNION ALL
SELECT name, analytics.linear_forecast(ts, value, 14, '1 day', 0.95, -1),
	analytics.trend_summary(ts, value, '1 day'), analytics.detect_season(ts, value, '1 day')
FROM (SELECT * FROM scrambled WHERE name = 'weekly' ORDER BY (i * 31) % 71) s GROUP BY name;
SET max_parallel_workers_per_gather = 0;
SELECT name, points_close(x.points, f.points) AS same_points, trend_close(x.trend, t.trend) AS same_trend,
	season_close(x.season, s.season) AS same_season
FROM scrambled_results x
JOIN forecasts f ON f.test = CASE name WHEN 'monthly' THEN 'monthly_season12' ELSE 'weekly_detected' END
JOIN LATERAL (
	SELECT analytics.trend_summary(ts, value, CASE x.name WHEN 'monthly' THEN interval '1 month' ELSE interval '1 day' END) AS trend
	FROM series WHERE series.name = x.name) t ON true
JOIN seasons s ON s.test = name
ORDER BY name;
RESET max_parallel_workers_per_gather;

-- Month steps count in the session time zone: the monthly series at local
-- midnight on the 1st in New York (04:00 or 05:00 UTC, with daylight saving
-- time) has whole-month steps there, so its forecast is the one of (b), at
-- local midnights.
SET TimeZone = 'America/New_York';
SELECT points_close(
		analytics.linear_forecast(('2022-01-01'::timestamp + i * interval '1 month')::timestamptz, value, 12, '1 month', 0.9, 12),
		(SELECT array_agg(ROW(('2025-12-01'::timestamp + h * interval '1 month')::timestamptz,
				p.forecast, p.lower, p.upper)::analytics.forecast_point ORDER BY h)
		 FROM forecasts, unnest(points) WITH ORDINALITY AS p(ts, forecast, lower, upper, h)
		 WHERE test = 'monthly_season12')) AS new_york_as_utc
FROM series WHERE name = 'monthly';
SELECT p.ts, round(p.forecast::numeric, 6) AS forecast
FROM (SELECT analytics.linear_forecast(('2022-01-01'::timestamp + i * interval '1 month')::timestamptz, value, 3, '1 month', 0.9, 12) AS points
	FROM series WHERE name = 'monthly') f, unnest(points) AS p;
SET TimeZone = 'UTC';

-- Parallel plans: partial states (trend_summary's concrete state, the
-- internal states of linear_forecast and detect_season through serialize
-- and deserialize) combine to the serial results; 100 series of 1000 days,
-- with weekly cycles in some. (Whether workers start depends on the
-- machine's load, so the plan shape is asserted, not the workers launched;
-- several partial states are combined whatever the load in the
-- partitionwise test further down.)
CREATE TABLE big AS
SELECT g, i, '2026-01-01 00:00+00'::timestamptz + i * interval '1 day' AS ts,
	100 + 0.01 * g * i + (g % 5) * sin(2 * pi() * i / 7) + pg_temp.noise(i + g) AS value
FROM generate_series(1, 100) g, generate_series(0, 999) i;
ANALYZE big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_results AS
SELECT g, analytics.linear_forecast(ts, value, 5, '1 day', 0.95, -1) AS points,
	analytics.trend_summary(ts, value, '1 day') AS trend,
	analytics.detect_season(ts, value, '1 day') AS season
FROM big GROUP BY g;
CREATE TABLE serial_whole AS
SELECT analytics.linear_forecast(ts, value, 5, '1 day', 0.95, 0) AS points,
	analytics.trend_summary(ts, value, '1 day') AS trend,
	analytics.detect_season(ts, value, '1 day') AS season
FROM big WHERE g = 7;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT g, analytics.linear_forecast(ts, value, 5, '1 day', 0.95, -1) AS points,
	analytics.trend_summary(ts, value, '1 day') AS trend,
	analytics.detect_season(ts, value, '1 day') AS season
FROM big GROUP BY g;
CREATE TABLE parallel_results AS
SELECT g, analytics.linear_forecast(ts, value, 5, '1 day', 0.95, -1) AS points,
	analytics.trend_summary(ts, value, '1 day') AS trend,
	analytics.detect_season(ts, value, '1 day') AS season
FROM big GROUP BY g;
SELECT count(*) AS groups,
	count(*) FILTER (WHERE points_close(s.points, p.points)) AS same_points,
	count(*) FILTER (WHERE trend_close(s.trend, p.trend)) AS same_trend,
	count(*) FILTER (WHERE season_close(s.season, p.season)) AS same_season,
	count(*) FILTER (WHERE (s.season).period = 7) AS weekly_found
FROM serial_results s JOIN parallel_results p USING (g);
-- R finds 7 in the 40 series with amplitudes 3 and 4 (g % 5 in (3, 4)), no
-- season in the others
-- one series split among the workers
EXPLAIN (COSTS OFF) SELECT analytics.linear_forecast(ts, value, 5, '1 day', 0.95, 0) FROM big WHERE g = 7;
EXPLAIN (COSTS OFF) SELECT analytics.trend_summary(ts, value, '1 day') FROM big WHERE g = 7;
EXPLAIN (COSTS OFF) SELECT analytics.detect_season(ts, value, '1 day') FROM big WHERE g = 7;
SELECT points_close(analytics.linear_forecast(ts, value, 5, '1 day', 0.95, 0), (SELECT points FROM serial_whole)) AS same_points,
	trend_close(analytics.trend_summary(ts, value, '1 day'), (SELECT trend FROM serial_whole)) AS same_trend,
	season_close(analytics.detect_season(ts, value, '1 day'), (SELECT season FROM serial_whole)) AS same_season
FROM big WHERE g = 7;
-- Month steps in parallel, in a session time zone with daylight saving
-- time: 50 series of 240 months at local midnight, a few days off the 1st.
SET TimeZone = 'America/New_York';
CREATE TABLE big_monthly AS
SELECT g, i, ('2000-01-01'::timestamp + i * interval '1 month' + (i % 5) * interval '1 day')::timestamptz AS ts,
	50 + 0.1 * g * i + (g % 3) * 4 * cos(2 * pi() * i / 12) + pg_temp.noise(i * g) AS value
FROM generate_series(1, 50) g, generate_series(0, 239) i;
ANALYZE big_monthly;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_monthly AS
SELECT g, analytics.linear_forecast(ts, value, 3, '1 month', 0.9, -1) AS points,
	analytics.trend_summary(ts, value, '3 months') AS trend,
	analytics.detect_season(ts, value, '1 month') AS season
FROM big_monthly GROUP BY g;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT g, analytics.linear_forecast(ts, value, 3, '1 month', 0.9, -1),
	analytics.trend_summary(ts, value, '3 months'), analytics.detect_season(ts, value, '1 month')
	FROM big_monthly GROUP BY g;
SELECT count(*) AS groups,
	count(*) FILTER (WHERE points_close(s.points, p.points)) AS same_points,
	count(*) FILTER (WHERE trend_close(s.trend, p.trend)) AS same_trend,
	count(*) FILTER (WHERE season_close(s.season, p.season)) AS same_season
FROM serial_monthly s JOIN (
	SELECT g, analytics.linear_forecast(ts, value, 3, '1 month', 0.9, -1) AS points,
		analytics.trend_summary(ts, value, '3 months') AS trend,
		analytics.detect_season(ts, value, '1 month') AS season
	FROM big_monthly GROUP BY g) p USING (g);
-- the periods found; R (the rule of test/reference/forecast.R on these
-- series, t = i + (i % 5) / 31): 0 in 16 series, 12 in 26, 24 in 4, 36 in 3,
-- 48 in 1 (multiples of 12 win where their autocorrelation is higher)
SELECT (season).period, count(*) AS series FROM serial_monthly GROUP BY 1 ORDER BY 1;
SET TimeZone = 'UTC';
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET enable_hashagg;

-- Partial states made with different arguments (one partition per
-- argument, aggregated partitionwise) are refused when combined.
CREATE TABLE parts (g int, ts timestamptz, value float8) PARTITION BY LIST (g);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES IN (1);
CREATE TABLE parts_2 PARTITION OF parts FOR VALUES IN (2);
INSERT INTO parts SELECT g, ts, value FROM big WHERE g IN (1, 2);
ANALYZE parts;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT analytics.trend_summary(ts, value, CASE g WHEN 1 THEN interval '1 day' ELSE interval '2 days' END) FROM parts;
SELECT analytics.linear_forecast(ts, value, g + 2, '1 day') FROM parts;
SELECT analytics.linear_forecast(ts, value, 3, '1 day', CASE g WHEN 1 THEN 0.9 ELSE 0.95 END, 0) FROM parts;
SELECT analytics.trend_summary(ts, value, CASE g WHEN 1 THEN interval '1 day' ELSE interval '2 days' END) FROM parts;
SELECT analytics.detect_season(ts, value, CASE g WHEN 1 THEN interval '1 day' ELSE interval '2 days' END) FROM parts;
-- the same arguments combine (two series in one: a check of the plan only)
SELECT (analytics.trend_summary(ts, value, '1 day')).n FROM parts;
-- two partial states (one per partition, no worker needed), serialized,
-- deserialized and combined, equal the one-pass aggregate over the same
-- rows (series 1 and 2 of big, by definition of a combine function)
EXPLAIN (COSTS OFF) SELECT analytics.linear_forecast(ts, value, 5, '1 day', 0.95, 0) FROM parts;
SELECT points_close(p.points, s.points) AS same_points, trend_close(p.trend, s.trend) AS same_trend
FROM (SELECT analytics.linear_forecast(ts, value, 5, '1 day', 0.95, 0) AS points,
		analytics.trend_summary(ts, value, '1 day') AS trend FROM parts) p,
	(SELECT analytics.linear_forecast(ts, value, 5, '1 day', 0.95, 0) AS points,
		analytics.trend_summary(ts, value, '1 day') AS trend FROM big WHERE g IN (1, 2)) s;
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;

-- trend_summary's state is a float8[] that can be stored and moved as
-- text: states of two halves through their text form, combined, give the
-- summary of the whole; a state made by hand is checked, not trusted.
CREATE AGGREGATE trend_state(timestamptz, float8, interval) (sfunc = analytics_internal.trend_summary_trans, stype = float8[]);
SET extra_float_digits = 1;
CREATE TABLE half_states AS
SELECT (g <= 50) AS first_half, trend_state(ts, value, '1 day')::text AS state FROM big GROUP BY g <= 50;
SET extra_float_digits = 0;
SELECT trend_close(analytics_internal.trend_summary_final(analytics_internal.trend_summary_combine(
		(SELECT state FROM half_states WHERE first_half)::float8[],
		(SELECT state FROM half_states WHERE NOT first_half)::float8[])),
	(SELECT analytics.trend_summary(ts, value, '1 day') FROM big)) AS text_states_combine;
SELECT analytics_internal.trend_summary_final('{1, 2, 3}');
SELECT analytics_internal.trend_summary_combine((SELECT state FROM half_states WHERE first_half)::float8[], '{1, 2, NULL}');

-- Errors.
CREATE TABLE few AS SELECT i, ts, value FROM series WHERE name = 'monthly' AND i < 13;
-- non-finite values
SELECT analytics.linear_forecast(ts, CASE WHEN i = 3 THEN 'NaN' ELSE value END, 3, '1 month') FROM few;
SELECT analytics.linear_forecast(ts, CASE WHEN i = 3 THEN '-Infinity' ELSE value END, 3, '1 month') FROM few;
SELECT analytics.trend_summary(ts, CASE WHEN i = 3 THEN 'NaN' ELSE value END, '1 month') FROM few;
SELECT analytics.trend_summary(ts, CASE WHEN i = 3 THEN 'Infinity' ELSE value END, '1 month') FROM few;
SELECT analytics.detect_season(ts, CASE WHEN i = 3 THEN 'NaN' ELSE value END, '1 month') FROM few;
SELECT analytics.detect_season(ts, CASE WHEN i = 3 THEN 'Infinity' ELSE value END, '1 month') FROM few;
-- NULL parameters
SELECT analytics.linear_forecast(ts, value, NULL, '1 month') FROM few;
SELECT analytics.linear_forecast(ts, value, 3, NULL) FROM few;
SELECT analytics.linear_forecast(ts, value, 3, '1 month', NULL, 0) FROM few;
SELECT analytics.linear_forecast(ts, value, 3, '1 month', 0.95, NULL) FROM few;
-- one point; two points for trend_summary
SELECT analytics.linear_forecast(ts, value, 3, '1 month') FROM few WHERE i = 0;
SELECT analytics.trend_summary(ts, value, '1 month') FROM few WHERE i < 2;
-- identical timestamps
SELECT analytics.linear_forecast('2026-01-01 00:00+00', value, 3, '1 month') FROM few;
SELECT analytics.trend_summary('2026-01-01 00:00+00', value, '1 month') FROM few;
-- horizon out of 1..10000
SELECT analytics.linear_forecast(ts, value, 0, '1 month') FROM few;
SELECT analytics.linear_forecast(ts, value, 10001, '1 month') FROM few;
-- confidence not strictly between 0 and 1
SELECT analytics.linear_forecast(ts, value, 3, '1 month', 1, 0) FROM few;
SELECT analytics.linear_forecast(ts, value, 3, '1 month', 0, 0) FROM few;
-- season 1 and below -1
SELECT analytics.linear_forecast(ts, value, 3, '1 month', 0.95, 1) FROM few;
SELECT analytics.linear_forecast(ts, value, 3, '1 month', 0.95, -2) FROM few;
-- steps mixing months with days, zero, negative
SELECT analytics.linear_forecast(ts, value, 3, '1 month 2 days') FROM few;
SELECT analytics.linear_forecast(ts, value, 3, '0 days') FROM few;
SELECT analytics.linear_forecast(ts, value, 3, '-1 month') FROM few;
SELECT analytics.trend_summary(ts, value, '1 month 2 days') FROM few;
SELECT analytics.trend_summary(ts, value, '0 days') FROM few;
SELECT analytics.detect_season(ts, value, '-1 day') FROM few;
-- season 12 needs 2 + 11 + 1 = 14 observations: 13 are too few, 14 do
SELECT analytics.linear_forecast(ts, value, 3, '1 month', 0.95, 12) FROM few;
SELECT cardinality(analytics.linear_forecast(ts, value, 3, '1 month', 0.95, 12)) AS points
FROM series WHERE name = 'monthly' AND i < 14;
-- weekly observations with daily steps and season 7: every observation at
-- position 0, the seasonal design is singular
SELECT analytics.linear_forecast(ts, value, 3, '1 day', 0.95, 7) FROM series WHERE name = 'weekly' AND i % 7 = 0;


-- Found in review. season -1 looks only for periods linear_forecast can fit
-- (at most 99 steps): a 150-day cycle, which detect_season finds (149, its
-- peak), is not one, so the forecast is the trend alone (season 0); it used
-- to overrun the model's arrays.
CREATE TABLE long_cycle150 AS
SELECT timestamptz '2020-01-01 00:00+00' + i * interval '1 day' AS ts, sin(2 * pi() * i / 150) AS v
FROM generate_series(0, 799) i;
SELECT (analytics.detect_season(ts, v, '1 day')).period BETWEEN 145 AND 155 AS detect_season_finds_150,
	analytics.linear_forecast(ts, v, 5, '1 day', 0.95, -1) = analytics.linear_forecast(ts, v, 5, '1 day', 0.95, 0)
		AS forecast_without_season
FROM long_cycle150;
-- trend_summary far from 2000 (years 1700 and 2300): value = day number, so
-- slope 1 and intercept 0 exactly
SELECT y, abs((t).slope_per_step - 1) < 1e-9 AS slope_1, abs((t).intercept) < 1e-6 AS intercept_0, (t).n
FROM (SELECT y, analytics.trend_summary(make_timestamptz(y, 1, 1, 0, 0, 0, 'UTC') + i * interval '1 day', i, '1 day') AS t
	FROM generate_series(0, 9) i, (VALUES (1700), (2300)) v(y) GROUP BY y) s
ORDER BY y;
-- observations more than 292,000 years apart (their difference in
-- microseconds overflows an int64): the forecast one day after the last
-- equals least squares on t in days computed in numeric
CREATE TABLE far_apart (ts timestamptz, v float8);
INSERT INTO far_apart VALUES ('4713-01-01 00:00:00+00 BC', 0), ('100000-01-01 00:00+00', 1),
	('200000-01-01 00:00+00', 2), ('294276-12-01 00:00:00+00', 3);
WITH d AS (
	SELECT (extract(epoch FROM ts) - min(extract(epoch FROM ts)) OVER ()) / 86400 AS t, v::numeric AS v FROM far_apart
), fit AS (
	SELECT regr_slope(v, t) AS b1, regr_intercept(v, t) AS b0, max(t) AS tl FROM d
)
SELECT abs((analytics.linear_forecast(f.ts, f.v, 1, '1 day'))[1].forecast - (SELECT b0 + b1 * (tl + 1) FROM fit)) < 1e-9
	AS far_apart_forecast
FROM far_apart f;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA forecast_test CASCADE;
RESET client_min_messages;
-- analytics.event_forecast under a date filter: the fit uses every complete
-- day of the event name (the 0.1.0 definition, written out below), so its
-- look-back is the whole history, read from the daily counts (the built-in
-- aggregate event_days; once refreshed, no partition of the events is
-- read); a filter on the forecast days gives the rows of the unfiltered
-- view for those days (EXCEPT both ways: no row). Events of f on every day
-- from 08-01 to 10-31 (1 + day of week), now 2026-11-01 12:00: forecast
-- 11-01 to 11-14; from 11-05: 10 rows.
SET analytics.mock_now = '2026-11-01 12:00Z';
INSERT INTO analytics.events (event_id, occurred_at, received_at, event_name)
SELECT gen_random_uuid(), d + interval '12 hours', d + interval '12 hours', 'f'
FROM generate_series(timestamptz '2026-08-01 00:00Z', '2026-10-31 00:00Z', '1 day') d
CROSS JOIN LATERAL generate_series(0, extract(dow FROM d AT TIME ZONE 'UTC')::int);
SELECT count(*) > 0 AS partitions_created FROM analytics.ensure_partitions('1 month');
CREATE TEMP VIEW forecast_010 AS
WITH daily AS (
	SELECT e.event_name, (timezone('UTC', e.occurred_at))::date AS day, count(*) AS events
	FROM analytics.events e GROUP BY 1, 2
),
filled AS (
	SELECT d.day + g.i AS day, d.event_name, CASE WHEN g.i = 0 THEN d.events ELSE 0 END AS events
	FROM (SELECT c.*, lead(c.day) OVER (PARTITION BY c.event_name ORDER BY c.day) AS next_day FROM daily c) d
	CROSS JOIN LATERAL generate_series(0, COALESCE(d.next_day - d.day - 1, 0)) AS g(i)
),
fits AS (
	SELECT c.event_name,
		analytics.linear_forecast(timezone('UTC', c.day::timestamp), c.events::float8, 14,
			'24 hours'::interval, 0.95::float8, -1) AS points
	FROM filled c WHERE c.day < (timezone('UTC', analytics_internal._now()))::date
	GROUP BY c.event_name HAVING count(*) >= 3
)
SELECT (timezone('UTC', p.ts))::date AS day, f.event_name, GREATEST(p.forecast, 0) AS forecast,
	GREATEST(p.lower, 0) AS lower, GREATEST(p.upper, 0) AS upper
FROM fits f CROSS JOIN LATERAL unnest(f.points) AS p;
SELECT count(*) AS days, min(day) AS first_day, max(day) AS last_day FROM analytics.event_forecast;
SELECT count(*) > 0 AS refreshed FROM analytics.refresh_materialized_aggregate('event_days');
SELECT pg_temp.partitions_read('select "day", "event_name", sum("forecast") from (select * from analytics.event_forecast) "$Table" where "day" >= date ''2026-11-05'' group by 1, 2 limit 1000001') AS partitions_read;
SELECT pg_temp.except_both(
		'select "day", "event_name", sum("forecast"), sum("lower"), sum("upper") from (select * from analytics.event_forecast) "$Table" where "day" >= date ''2026-11-05'' group by 1, 2 limit 1000001',
		'SELECT * FROM (SELECT * FROM analytics.event_forecast OFFSET 0) f WHERE day >= ''2026-11-05''') AS vs_unfiltered,
	pg_temp.except_both('SELECT * FROM analytics.event_forecast', 'SELECT * FROM forecast_010') AS vs_010;
SELECT count(*) AS rows_from_11_05 FROM analytics.event_forecast WHERE day >= '2026-11-05';
DROP VIEW forecast_010;
RESET analytics.mock_now;

DROP EXTENSION analytics;
