-- Anomalies: analytics.zscore, analytics.zscore_anomaly,
-- analytics.robust_zscore, the view analytics.event_anomalies and the setting
-- analytics.anomaly_threshold. Hand-worked values carry their arithmetic in
-- the comments (z-scores rounded to 12 decimals); window results over
-- thousands of rows are compared with an independent computation: exact
-- numeric avg and stddev_samp over the frame without its last row, and
-- percentile_cont over the same rows.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set VERBOSITY default
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/regress_helpers.sql

-- Moving-aggregate support (an inverse transition function), final functions
-- that only read the state, no combine function, parallel safe.
SELECT a.aggfnoid::regprocedure AS aggregate, a.aggminvtransfn <> 0 AS has_inverse,
	a.aggfinalmodify AS final_modify, a.aggmfinalmodify AS mfinal_modify,
	a.aggcombinefn = 0 AS no_combine, p.proparallel AS parallel
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'analytics'::regnamespace
	AND p.proname IN ('zscore', 'zscore_anomaly', 'robust_zscore')
ORDER BY 1::text;

-- zscore, hand-worked (as a plain aggregate, ORDER BY decides the last value)
-- a: {1, 2, 3} then 10: mean 2, squared deviations 1 + 0 + 1 = 2,
--    s² = 2 / (3 - 1) = 1: z = (10 - 2) / 1 = 8
-- b: {10, 20, 30} then 0: mean 20, squares 100 + 0 + 100 = 200, s² = 100:
--    z = (0 - 20) / 10 = -2
-- c: {2, 4, 4, 4, 5, 5, 7, 9} then 12: mean 40 / 8 = 5,
--    squares 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32, s² = 32 / 7:
--    z = 7 / sqrt(32 / 7) = 7 sqrt(0.21875) = 3.273950213427
-- d: NULLs are not counted: {1, NULL, 2, 3} then 10: as a, 8
-- e: {10, 10, 11} then 12: mean 31/3, squares 1/9 + 1/9 + 4/9 = 2/3,
--    s² = 1/3: z = (12 - 31/3) sqrt(3) = 5 sqrt(3) / 3 = 2.886751345948
-- f: 1e9 offset: {1e9, 1e9 + 1, 1e9 + 3} then 1e9 + 10: deviations -4/3,
--    -1/3, 5/3, squares 42/9, s² = 7/3: z = (26/3) / sqrt(7/3) = 5.673665146136
-- NULL: g: the last row is NULL; h: {5, 5, 5} then 7, s = 0; i: one other
-- value; j: no other value; k: only NULLs
SELECT name, round(analytics.zscore(v ORDER BY i)::numeric, 12) AS zscore
FROM (VALUES
	('a', 1, 1::float8), ('a', 2, 2), ('a', 3, 3), ('a', 4, 10),
	('b', 1, 10), ('b', 2, 20), ('b', 3, 30), ('b', 4, 0),
	('c', 1, 2), ('c', 2, 4), ('c', 3, 4), ('c', 4, 4), ('c', 5, 5), ('c', 6, 5), ('c', 7, 7),
	('c', 8, 9), ('c', 9, 12),
	('d', 1, 1), ('d', 2, NULL), ('d', 3, 2), ('d', 4, 3), ('d', 5, 10),
	('e', 1, 10), ('e', 2, 10), ('e', 3, 11), ('e', 4, 12),
	('f', 1, 1e9), ('f', 2, 1e9 + 1), ('f', 3, 1e9 + 3), ('f', 4, 1e9 + 10),
	('g', 1, 1), ('g', 2, 2), ('g', 3, 3), ('g', 4, NULL),
	('h', 1, 5), ('h', 2, 5), ('h', 3, 5), ('h', 4, 7),
	('i', 1, 1), ('i', 2, 2),
	('j', 1, 1),
	('k', 1, NULL), ('k', 2, NULL)
) t(name, i, v)
GROUP BY name ORDER BY name;
SELECT analytics.zscore(v) IS NULL AS no_rows FROM (VALUES (1::float8)) t(v) WHERE false;

-- Extreme magnitudes, exact all the same. The smallest subnormals: {1, 2, 3}
-- then 10 times 2^-1074, whose squares (down to 2^-2148) underflow to 0 in
-- float8: z = 8 as in a. Near the limit: {10, 10, 11} then 12 times 2^508,
-- whose sum of squares (465 * 2^1016) exceeds the float8 range: z as in e.
-- (float8 stddev_samp of the tiny values is 0: their squares underflow.)
SELECT round(analytics.zscore(v * 2::float8 ^ -1074 ORDER BY i)::numeric, 12) AS tiny,
	round(analytics.zscore(w * 2::float8 ^ 508 ORDER BY i)::numeric, 12) AS huge
FROM (VALUES (1, 1::float8, 10::float8), (2, 2, 10), (3, 3, 11), (4, 10, 12)) t(i, v, w);
SELECT stddev_samp(v * 2::float8 ^ -1074) AS float8_tiny_stddev
FROM (VALUES (1::float8), (2), (3)) t(v);

-- As a window function, frame of 3 preceding rows and the current one
-- (z: zscore; rz: robust_zscore; anomaly: zscore_anomaly(v, 2)):
-- 1: {} then 1, 2: {1} then 3: fewer than 2 others, all NULL
-- 3: {1, 3} then 5: mean 2, s² = (1 + 1) / 1 = 2: z = 3 / sqrt(2) = 2.121320343560, > 2;
--    median 2, deviations {1, 1}, MAD 1: rz = 0.6745 * 3 / 1 = 2.0235
-- 4: {1, 3, 5} then 4: mean 3, s² = (4 + 0 + 4) / 2 = 4: z = 1 / 2 = 0.5;
--    median 3, deviations {2, 0, 2}, MAD 2: rz = 0.6745 * 1 / 2 = 0.33725
-- 5: {3, 5, 4} then 4: mean 4: z = 0; median 4, deviations {1, 1, 0}, MAD 1: rz = 0
-- 6: {5, 4, 4} then 4: mean 13/3, s² = (4/9 + 1/9 + 1/9) / 2 = 1/3:
--    z = (-1/3) / sqrt(1/3) = -sqrt(1/3) = -0.577350269190; median 4,
--    deviations {1, 0, 0}, MAD 0: rz NULL
-- 7: {4, 4, 4} then 10: s = 0 and MAD = 0: NULL
-- 8: the value is NULL: NULL
-- 9: {4, 10, NULL} then 2: others {4, 10}: mean 7, s² = 18: z = -5 / sqrt(18)
--    = -1.178511301978; median 7, deviations {3, 3}, MAD 3:
--    rz = 0.6745 * -5 / 3 = -1.124166666667
CREATE TEMP TABLE seq (i int, v float8);
INSERT INTO seq VALUES (1, 1), (2, 3), (3, 5), (4, 4), (5, 4), (6, 4), (7, 10), (8, NULL), (9, 2);
SELECT i, v, round(analytics.zscore(v) OVER w::numeric, 12) AS z,
	round(analytics.robust_zscore(v) OVER w::numeric, 12) AS rz,
	analytics.zscore_anomaly(v, 2) OVER w AS anomaly
FROM seq
WINDOW w AS (ORDER BY i ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
ORDER BY i;

-- RANGE frames: peers share one frame, so a final function runs for a frame
-- and transitions then go on from the same state.
-- k 1, 2: fewer than 2 others
-- k 3: {1, 2} then 3: z = 1.5 / sqrt(0.5) = 2.121320343560; median 1.5, MAD 0.5:
--      rz = 0.6745 * 1.5 / 0.5 = 2.0235
-- k 4 (two rows, one frame): {1, 2, 3, 10} then 10: mean 4, s² = (9 + 4 + 1 + 36) / 3 = 50/3:
--      z = 6 / sqrt(50/3) = 1.469693845670; median 2.5, deviations {1.5, 0.5, 0.5, 7.5},
--      MAD (0.5 + 1.5) / 2 = 1: rz = 0.6745 * 7.5 = 5.05875
-- k 5: {1, 2, 3, 10, 10} then 4: mean 5.2, s² = (17.64 + 10.24 + 4.84 + 23.04 + 23.04) / 4 = 19.7:
--      z = -1.2 / sqrt(19.7) = -0.270363545436; median 3, deviations {2, 1, 0, 7, 7}, MAD 2:
--      rz = 0.6745 * 1 / 2 = 0.33725
SELECT k, v, round(analytics.zscore(v) OVER w::numeric, 12) AS z,
	round(analytics.robust_zscore(v) OVER w::numeric, 12) AS rz
FROM (VALUES (1, 1::float8), (2, 2), (3, 3), (4, 10), (4, 10), (5, 4)) t(k, v)
WINDOW w AS (ORDER BY k)
ORDER BY k;

-- robust_zscore is not fooled by an outlier among the others
-- a: {10, 11, 12, 13, 1000} then 14: median 12, deviations {2, 1, 0, 1, 988},
--   sorted {0, 1, 1, 2, 988}, MAD 1: rz = 0.6745 * 2 / 1 = 1.349;
--   z: mean 1046/5 = 209.2, s² = (1000534 - 5 * 209.2²) / 4 = 195427.7,
--   z = -195.2 / sqrt(195427.7) = -0.441556978545
-- b: ... then 20: rz = 0.6745 * 8 = 5.396, an anomaly; z = -189.2 / sqrt(195427.7)
--   = -0.427984530434: the outlier hides it
-- c: {1, 2, 3, 4} then 10: median 2.5, deviations {1.5, 0.5, 0.5, 1.5}, MAD 1:
--   rz = 0.6745 * 7.5 = 5.05875; z = 7.5 / sqrt(5/3) = 5.809475019311
-- d: {5, 5, 5, 6} then 9: deviations {0, 0, 0, 1}, MAD 0: rz NULL;
--   mean 5.25, s² = (3 * 0.0625 + 0.5625) / 3 = 0.25: z = 3.75 / 0.5 = 7.5
-- e: {1, 3, 3, 8} then 3 (the last value also among the others): median 3,
--   deviations {2, 0, 0, 5}, MAD (0 + 2) / 2 = 1: rz = 0;
--   mean 3.75, s² = 26.75 / 3: z = -0.75 / sqrt(26.75 / 3) = -0.251165507484
-- f: {3, 3, 7} then 3: median 3, deviations {0, 0, 4}, MAD 0: rz NULL;
--   mean 13/3, s² = 16/3: z = (-4/3) / sqrt(16/3) = -0.577350269190
SELECT name, round(analytics.robust_zscore(v ORDER BY i)::numeric, 12) AS rz,
	round(analytics.zscore(v ORDER BY i)::numeric, 12) AS z
FROM (VALUES
	('a', 1, 10::float8), ('a', 2, 11), ('a', 3, 12), ('a', 4, 13), ('a', 5, 1000), ('a', 6, 14),
	('b', 1, 10), ('b', 2, 11), ('b', 3, 12), ('b', 4, 13), ('b', 5, 1000), ('b', 6, 20),
	('c', 1, 1), ('c', 2, 2), ('c', 3, 3), ('c', 4, 4), ('c', 5, 10),
	('d', 1, 5), ('d', 2, 5), ('d', 3, 5), ('d', 4, 6), ('d', 5, 9),
	('e', 1, 1), ('e', 2, 3), ('e', 3, 3), ('e', 4, 8), ('e', 5, 3),
	('f', 1, 3), ('f', 2, 3), ('f', 3, 7), ('f', 4, 3)
) t(name, i, v)
GROUP BY name ORDER BY name;

-- Values a few units in the last place apart, e = 2^-52: {1, 1 + 2e, 1 + 5e,
-- 1 + 6e} then 1 + 10e, in units of e above 1 (z and rz ignore the offset):
-- median (2 + 5) / 2 = 3.5, no float8 (rounded to 4, rz would be
-- 0.6745 * 6 / 2 = 2.0235); deviations {3.5, 1.5, 1.5, 2.5}, sorted
-- {1.5, 1.5, 2.5, 3.5}, MAD (1.5 + 2.5) / 2 = 2: rz = 0.6745 * 6.5 / 2 = 2.192125;
-- mean 3.25, s² = (10.5625 + 1.5625 + 3.0625 + 7.5625) / 3 = 22.75 / 3:
-- z = 6.75 / sqrt(22.75 / 3) = 2.451171507309
SELECT round(analytics.robust_zscore(1 + k * 2::float8 ^ -52 ORDER BY i)::numeric, 12) AS rz,
	round(analytics.zscore(1 + k * 2::float8 ^ -52 ORDER BY i)::numeric, 12) AS z
FROM (VALUES (1, 0), (2, 2), (3, 5), (4, 6), (5, 10)) t(i, k);

-- zscore_anomaly: |z| > threshold, strictly; z = 8 for {1, 2, 3} then 10,
-- z = -2 for {10, 20, 30} then 0; NULL when z is NULL ({5, 5, 5} then 7)
SELECT name, t AS threshold, analytics.zscore_anomaly(v, t ORDER BY i) AS anomaly
FROM (VALUES ('a', 1, 1::float8), ('a', 2, 2), ('a', 3, 3), ('a', 4, 10),
	('b', 1, 10), ('b', 2, 20), ('b', 3, 30), ('b', 4, 0),
	('h', 1, 5), ('h', 2, 5), ('h', 3, 5), ('h', 4, 7)) s(name, i, v),
	(VALUES (0::float8), (1.99), (2), (7.99), (8)) th(t)
GROUP BY name, t ORDER BY name, t;

-- Errors: non-finite values, squares that overflow, bad thresholds
SELECT analytics.zscore(v) FROM (VALUES (1::float8), ('NaN')) t(v);
SELECT analytics.zscore(v) FROM (VALUES (1::float8), ('-Infinity')) t(v);
SELECT analytics.zscore(v) FROM (VALUES (1::float8), (1.35e154)) t(v);
SELECT analytics.zscore(v) IS NULL AS near_limit_ok FROM (VALUES (1::float8), (-1.34e154)) t(v);
SELECT analytics.robust_zscore(v) FROM (VALUES (1::float8), ('Infinity')) t(v);
SELECT analytics.zscore_anomaly(v, NULL) FROM (VALUES (1::float8)) t(v);
SELECT analytics.zscore_anomaly(v, -0.5) FROM (VALUES (1::float8)) t(v);
SELECT analytics.zscore_anomaly(v, 'NaN') FROM (VALUES (1::float8)) t(v);
SELECT analytics.zscore_anomaly(v, 'Infinity') FROM (VALUES (1::float8)) t(v);
SELECT analytics.zscore_anomaly(v, CASE WHEN i < 3 THEN 3 ELSE 2.5 END)
	OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
FROM (VALUES (1, 1::float8), (2, 2), (3, 3), (4, 4)) t(i, v);
-- a threshold may change where no frame holds both (one-row frames)
SELECT i, analytics.zscore_anomaly(v, i) OVER (ORDER BY i ROWS CURRENT ROW) AS anomaly
FROM (VALUES (1, 1::float8), (2, 2)) t(i, v) ORDER BY i;
-- a row whose value is NULL still needs a valid threshold
SELECT analytics.zscore_anomaly(v, t) FROM (VALUES (1::float8, 3::float8), (NULL, NULL)) x(v, t);
-- z itself beyond float8: {0, 0, 2^-1074} then 1e150: z about 1e150 / 2^-1075
SELECT analytics.zscore(v ORDER BY i) FROM (VALUES (1, 0::float8), (2, 0), (3, 2::float8 ^ -1074), (4, 1e150)) t(i, v);

-- Long partitions: values with a large offset (1e9 + k/16), a drift of
-- 1e12 + k/1024 (the noise is 2^-40 of the value), huge spikes (1e15 every
-- 250 rows, -1e12 every 97) among small values k/64, and plain values k/8.
-- Every value is exact in float8 and in numeric (an integer, or 1024 times
-- an integer, below 2^53), generated in numeric.
SELECT setseed(0.25);
CREATE TABLE zs (kind text, i int, nv numeric, v float8, PRIMARY KEY (kind, i));
INSERT INTO zs (kind, i, nv)
SELECT 'offset', i, 1000000000 + (floor(random() * 1601)::numeric - 800) / 16 FROM generate_series(1, 2000) i
UNION ALL
SELECT 'drift', i, 1000000000000 + floor(random() * 9)::numeric / 1024 FROM generate_series(1, 2000) i
UNION ALL
SELECT 'spike', i, CASE WHEN i % 250 = 125 THEN 1e15 WHEN i % 97 = 50 THEN -1e12
	ELSE floor(random() * 1000)::numeric / 64 END FROM generate_series(1, 2000) i
UNION ALL
SELECT 'plain', i, (floor(random() * 2001)::numeric - 1000) / 8 FROM generate_series(1, 2000) i;
UPDATE zs SET v = nv::float8;
SELECT kind, count(*) AS rows,
	bool_and((nv % 1 = 0 AND abs(nv) < 2::numeric ^ 53) OR (nv * 1024 % 1 = 0 AND abs(nv * 1024) < 2::numeric ^ 53))
		AS exact_in_float8
FROM zs GROUP BY kind ORDER BY kind;

-- zscore against the reference: (x - avg) / stddev_samp of the frame without
-- its last row (k PRECEDING AND 1 PRECEDING), in numeric (exact sums, 30
-- decimals and more); relative difference at most 1e-12, NULL in the same
-- rows. reference_scored: rows the reference scores.
CREATE FUNCTION pg_temp.zscore_check(k int)
RETURNS TABLE (kind text, reference_scored bigint, mismatches bigint)
LANGUAGE sql AS $$
	WITH r AS (
		SELECT zs.kind, analytics.zscore(zs.v) OVER w AS z,
			((zs.nv - avg(zs.nv::numeric(60, 30)) OVER o)
				/ NULLIF(stddev_samp(zs.nv::numeric(60, 30)) OVER o, 0))::float8 AS zref
		FROM zs
		WINDOW w AS (PARTITION BY zs.kind ORDER BY zs.i ROWS BETWEEN k PRECEDING AND CURRENT ROW),
			o AS (PARTITION BY zs.kind ORDER BY zs.i ROWS BETWEEN k PRECEDING AND 1 PRECEDING)
	)
	SELECT r.kind, count(r.zref),
		count(*) FILTER (WHERE (r.z IS NULL) <> (r.zref IS NULL) OR abs(r.z - r.zref) > 1e-12 * abs(r.zref))
	FROM r GROUP BY r.kind ORDER BY r.kind
$$;
-- frames of 3 rows (2 others: drift values repeat, so s is often 0), 29 and 1000
SELECT 3 AS frame, * FROM pg_temp.zscore_check(2);
SELECT 29 AS frame, * FROM pg_temp.zscore_check(28);
SELECT 1000 AS frame, * FROM pg_temp.zscore_check(999);
-- float8 avg and stddev_samp over the same frames are far off on offset and
-- drift data (relative error above 1e-9 somewhere): the data is not easy
SELECT kind, max(abs(z - zf) / NULLIF(abs(z), 0)) > 1e-9 AS float8_off FROM (
	SELECT kind, analytics.zscore(v) OVER w AS z, (v - avg(v) OVER o) / NULLIF(stddev_samp(v) OVER o, 0) AS zf
	FROM zs
	WINDOW w AS (PARTITION BY kind ORDER BY i ROWS BETWEEN 28 PRECEDING AND CURRENT ROW),
		o AS (PARTITION BY kind ORDER BY i ROWS BETWEEN 28 PRECEDING AND 1 PRECEDING)
) x WHERE kind IN ('offset', 'drift') GROUP BY kind ORDER BY kind;

-- robust_zscore against percentile_cont over the other rows of the frame
-- (0.6745 (x - median) / MAD, NULL when MAD is 0 or the frame has fewer than
-- 2 other rows)
CREATE FUNCTION pg_temp.robust_check(k int)
RETURNS TABLE (kind text, reference_scored bigint, mismatches bigint)
LANGUAGE sql AS $$
	WITH r AS (
		SELECT zs.kind, zs.i, zs.v,
			analytics.robust_zscore(zs.v) OVER (PARTITION BY zs.kind ORDER BY zs.i
				ROWS BETWEEN k PRECEDING AND CURRENT ROW) AS rz
		FROM zs
	),
	ref AS (
		SELECT r.kind, r.rz, 0.6745 * (r.v - m.med) / NULLIF(d.mad, 0) AS rzref
		FROM r
		CROSS JOIN LATERAL (
			SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY o.v) AS med
			FROM zs o WHERE o.kind = r.kind AND o.i BETWEEN r.i - k AND r.i - 1
			HAVING count(*) >= 2
		) m
		CROSS JOIN LATERAL (
			SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(o.v - m.med)) AS mad
			FROM zs o WHERE o.kind = r.kind AND o.i BETWEEN r.i - k AND r.i - 1
		) d
		UNION ALL
		SELECT r.kind, r.rz, NULL FROM r WHERE r.i <= 2
	)
	SELECT ref.kind, count(ref.rzref),
		count(*) FILTER (WHERE (ref.rz IS NULL) <> (ref.rzref IS NULL) OR abs(ref.rz - ref.rzref) > 1e-12 * abs(ref.rzref))
	FROM ref GROUP BY ref.kind ORDER BY ref.kind
$$;
SELECT 3 AS frame, * FROM pg_temp.robust_check(2);
SELECT 29 AS frame, * FROM pg_temp.robust_check(28);

-- Moving-aggregate mode gives the same results, to the bit, as recomputing
-- every frame: EXCLUDE TIES (no ties: i is unique) makes the window start
-- each frame afresh; an UNBOUNDED PRECEDING frame coincides with the sliding
-- one in a partition's first 29 rows.
SELECT kind,
	count(*) FILTER (WHERE z IS DISTINCT FROM z_fresh) AS zscore_differs,
	count(*) FILTER (WHERE rz IS DISTINCT FROM rz_fresh) AS robust_differs,
	count(*) FILTER (WHERE a IS DISTINCT FROM a_fresh) AS anomaly_differs,
	count(*) FILTER (WHERE i <= 29 AND (z IS DISTINCT FROM z_grow OR rz IS DISTINCT FROM rz_grow)) AS growing_differs
FROM (
	SELECT kind, i,
		analytics.zscore(v) OVER w AS z, analytics.zscore(v) OVER w_fresh AS z_fresh,
		analytics.zscore(v) OVER w_grow AS z_grow,
		analytics.robust_zscore(v) OVER w AS rz, analytics.robust_zscore(v) OVER w_fresh AS rz_fresh,
		analytics.robust_zscore(v) OVER w_grow AS rz_grow,
		analytics.zscore_anomaly(v, 1.5) OVER w AS a, analytics.zscore_anomaly(v, 1.5) OVER w_fresh AS a_fresh
	FROM zs
	WINDOW w AS (PARTITION BY kind ORDER BY i ROWS BETWEEN 28 PRECEDING AND CURRENT ROW),
		w_fresh AS (PARTITION BY kind ORDER BY i ROWS BETWEEN 28 PRECEDING AND CURRENT ROW EXCLUDE TIES),
		w_grow AS (PARTITION BY kind ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) x GROUP BY kind ORDER BY kind;

-- No combine function, yet parallel safe: with parallel plans forced, the
-- aggregates run above the Gather (no Partial Aggregate), and give the
-- serial plan's results.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_mentions(q, 'Gather') AS parallel_plan, pg_temp.plan_mentions(q, 'Partial') AS partial_aggregate
FROM (VALUES ('SELECT kind, analytics.zscore(v ORDER BY i), analytics.robust_zscore(v ORDER BY i) FROM zs GROUP BY kind'),
	('SELECT analytics.zscore_anomaly(v, 1) OVER (PARTITION BY kind ORDER BY i ROWS 28 PRECEDING) FROM zs')) t(q);
CREATE TEMP TABLE par_groups AS
SELECT kind, analytics.zscore(v ORDER BY i) AS z, analytics.robust_zscore(v ORDER BY i) AS rz,
	analytics.zscore_anomaly(v, 1 ORDER BY i) AS a
FROM zs GROUP BY kind;
CREATE TEMP TABLE par_windows AS
SELECT kind, i, analytics.zscore(v) OVER w AS z, analytics.robust_zscore(v) OVER w AS rz
FROM zs WINDOW w AS (PARTITION BY kind ORDER BY i ROWS 28 PRECEDING);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS groups, count(*) FILTER (WHERE p.z IS DISTINCT FROM s.z OR p.rz IS DISTINCT FROM s.rz
	OR p.a IS DISTINCT FROM s.a) AS differ
FROM par_groups p JOIN (
	SELECT kind, analytics.zscore(v ORDER BY i) AS z, analytics.robust_zscore(v ORDER BY i) AS rz,
		analytics.zscore_anomaly(v, 1 ORDER BY i) AS a
	FROM zs GROUP BY kind) s USING (kind);
SELECT count(*) AS rows, count(*) FILTER (WHERE p.z IS DISTINCT FROM s.z OR p.rz IS DISTINCT FROM s.rz) AS differ
FROM par_windows p JOIN (
	SELECT kind, i, analytics.zscore(v) OVER w AS z, analytics.robust_zscore(v) OVER w AS rz
	FROM zs WINDOW w AS (PARTITION BY kind ORDER BY i ROWS 28 PRECEDING)) s USING (kind, i);
RESET max_parallel_workers_per_gather;

-- Tiny and huge values: scaling every value by 2^-1040 (squares far below
-- the float8 range) or 2^480 (sums of squares above it) leaves z unchanged
-- (to 1e-12); the plain values' magnitudes are at most 125. scored: every
-- row but a partition's first two (as the reference found above).
SELECT count(z) AS scored,
	count(*) FILTER (WHERE (z IS NULL) <> (z_tiny IS NULL) OR abs(z_tiny - z) > 1e-12 * abs(z)) AS tiny_differs,
	count(*) FILTER (WHERE (z IS NULL) <> (z_huge IS NULL) OR abs(z_huge - z) > 1e-12 * abs(z)) AS huge_differs
FROM (
	SELECT analytics.zscore(v) OVER w AS z,
		analytics.zscore(v * 2::float8 ^ -1040) OVER w AS z_tiny,
		analytics.zscore(v * 2::float8 ^ 480) OVER w AS z_huge
	FROM zs WHERE kind = 'plain'
	WINDOW w AS (ORDER BY i ROWS BETWEEN 28 PRECEDING AND CURRENT ROW)
) x;

-- Long sliding frames: up to 50,001 rows over 100,000 rows, and (robust_zscore)
-- up to 10,001 rows over 50,000 rows. That the inverse transitions make them
-- fast (aggregated afresh for every row they would take some ten minutes) is
-- measured by test/bench/sliding_frames.sh, not here: a test must not depend
-- on the machine's speed. (work_mem is raised so that the window's rows stay
-- in memory: spilled to disk, PostgreSQL itself steps back to the frame head
-- row by row.) scored: all rows but the first two; g % 97 never gives a
-- frame of equal values, nor one where more than half of the values are
-- equal (MAD 0).
SET work_mem = '64MB';
SELECT count(z) AS scored FROM (
	SELECT analytics.zscore((g % 97)::float8) OVER (ORDER BY g ROWS BETWEEN 50000 PRECEDING AND CURRENT ROW) AS z
	FROM generate_series(1, 100000) g
) x;
SELECT count(z) AS scored FROM (
	SELECT analytics.robust_zscore((g % 97)::float8) OVER (ORDER BY g ROWS BETWEEN 10000 PRECEDING AND CURRENT ROW) AS z
	FROM generate_series(1, 50000) g
) x;
RESET work_mem;

-- The setting analytics.anomaly_threshold: default 3, at least 0, per session
SHOW analytics.anomaly_threshold;
SET analytics.anomaly_threshold = -1;
SET analytics.anomaly_threshold = 2.5;
SHOW analytics.anomaly_threshold;
RESET analytics.anomaly_threshold;
SELECT setting, min_val, max_val::float8 > 1e300 AS unbounded, context, vartype
FROM pg_settings WHERE name = 'analytics.anomaly_threshold';

-- The view analytics.event_anomalies
--
-- signup, UTC days (23:59:59Z and 00:00Z fall on two days; one event at
-- 23:30 -05 counts on the next UTC day):
--   11-01: 2, 11-02: 4, 11-03: 0 (no events), 11-04: 3, 11-05: 9, 11-06: 1
--   11-01, 11-02: fewer than 2 earlier days: NULL
--   11-03: {2, 4} then 0: mean 3, s² = 2: z = -3 / sqrt(2) = -2.1213203436
--   11-04: {2, 4, 0} then 3: mean 2, s² = 8 / 2 = 4: z = 0.5
--   11-05: {2, 4, 0, 3} then 9: mean 2.25, s² = (0.0625 + 3.0625 + 5.0625 + 0.5625) / 3
--          = 35/12: z = 6.75 / sqrt(35/12) = 3.9523952954 > 3: an anomaly
--   11-06: {2, 4, 0, 3, 9} then 1: mean 3.6, s² = (2.56 + 0.16 + 12.96 + 0.36 + 29.16) / 4
--          = 11.3: z = -2.6 / sqrt(11.3) = -0.7734533525
-- once: one day, one event: NULL
-- daily: 2026-10-01: 50 events, then 29 days alternating 1, 3, 1, 3, ...
--   (day d after 10-01: 1 when d is odd), 107 events in 30 rows
--   10-29 (d = 28): the frame is d = 0 .. 28, others {50, fourteen 1s,
--     thirteen 3s}: n = 28, sum 103, squares 2631, s² = (2631 - 103²/28) / 27
--     = 83.4113756614: z = (3 - 103/28) / sqrt(s²) = -0.0742989930
--   10-30 (d = 29): the frame starts at d = 1: the 50 has left it; others
--     fourteen 1s and fourteen 3s: mean 2, s² = 28 / 27: z = -1 / sqrt(28/27)
--     = -0.9819805061
-- Now is 2026-11-20 12:00 UTC (analytics.mock_now), whatever the date of the
-- run: all these days are complete.
SET analytics.mock_now = '2026-11-20 12:00Z';
INSERT INTO analytics.events (event_id, occurred_at, event_name)
SELECT gen_random_uuid(), v.ts, v.name
FROM (VALUES
	('2026-11-01 08:00Z'::timestamptz, 'signup', 1),
	('2026-11-01 23:59:59Z', 'signup', 1),
	('2026-11-02 00:00Z', 'signup', 3),
	('2026-11-02 23:59:59Z', 'signup', 1),
	('2026-11-04 12:00Z', 'signup', 3),
	('2026-11-05 10:00Z', 'signup', 9),
	('2026-11-05 23:30-05', 'signup', 1),
	('2026-11-03 12:00Z', 'once', 1)
) AS v(ts, name, n)
CROSS JOIN LATERAL generate_series(1, v.n);
INSERT INTO analytics.events (event_id, occurred_at, event_name)
SELECT gen_random_uuid(), '2026-10-01 12:00Z'::timestamptz + d * interval '1 day', 'daily'
FROM generate_series(0, 29) d
CROSS JOIN LATERAL generate_series(1, CASE WHEN d = 0 THEN 50 WHEN d % 2 = 1 THEN 1 ELSE 3 END);

SELECT day, event_name, events, round(zscore::numeric, 10) AS zscore, is_anomaly
FROM analytics.event_anomalies WHERE event_name IN ('signup', 'once') ORDER BY event_name, day;
SELECT count(*) AS days, sum(events) AS events, min(day) AS first_day, max(day) AS last_day
FROM analytics.event_anomalies WHERE event_name = 'daily';
SELECT day, events, round(zscore::numeric, 10) AS zscore, is_anomaly
FROM analytics.event_anomalies WHERE event_name = 'daily' AND day >= '2026-10-29' ORDER BY day;

-- is_anomaly follows the setting when the query runs: with 4, 11-05 (3.95)
-- is not an anomaly; with 0.5, |z| > 0.5 on 11-03, 11-05 and 11-06, not on
-- 11-04 (0.5 itself)
SET analytics.anomaly_threshold = 4;
SELECT day, is_anomaly FROM analytics.event_anomalies WHERE event_name = 'signup' ORDER BY day;
SET analytics.anomaly_threshold = 0.5;
SELECT day, is_anomaly FROM analytics.event_anomalies WHERE event_name = 'signup' ORDER BY day;
RESET analytics.anomaly_threshold;

-- Plain scalar columns only; readers may select; a day filter leaves the
-- z-scores alone (11-05: as above)
SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
FROM pg_attribute a
WHERE a.attrelid = 'analytics.event_anomalies'::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;
SELECT has_table_privilege('analytics_reader', 'analytics.event_anomalies', 'SELECT') AS reader_can_select,
	has_table_privilege('public', 'analytics.event_anomalies', 'SELECT') AS public_can_select;
SELECT day, round(zscore::numeric, 10) AS zscore FROM analytics.event_anomalies
WHERE event_name = 'signup' AND day = '2026-11-05';
-- The current UTC day is left out: at 2026-11-06 23:59:59 UTC signup's last
-- day is 11-05 (11-06 is not over); from 11-07 00:00 UTC it is 11-06, and
-- in 2031 still 11-06 (the days up to the last event's, none after).
SET analytics.mock_now = '2026-11-06 23:59:59Z';
SELECT max(day) AS last_day FROM analytics.event_anomalies WHERE event_name = 'signup';
SET analytics.mock_now = '2026-11-07 00:00Z';
SELECT max(day) AS last_day FROM analytics.event_anomalies WHERE event_name = 'signup';
SET analytics.mock_now = '2031-01-01 00:00Z';
SELECT max(day) AS last_day FROM analytics.event_anomalies WHERE event_name = 'signup';
RESET analytics.mock_now;

-- The view reads the daily counts (the built-in aggregate event_days), not
-- the events: once refreshed, a date filter reads no partition of the
-- events, and gives the values of the 0.1.0 definition (written out here:
-- daily counts, the gaps filled with LEAD, the window over all days). An
-- event in August, then monthly partitions.
SET analytics.mock_now = '2026-11-20 12:00Z';
INSERT INTO analytics.events (event_id, occurred_at, event_name)
VALUES (gen_random_uuid(), '2026-08-15 12:00Z', 'early');
SELECT count(*) > 0 AS partitions_created FROM analytics.ensure_partitions('1 month');
CREATE TEMP VIEW anomalies_010 AS
WITH daily AS (
	SELECT e.event_name, (timezone('UTC', e.occurred_at))::date AS day, count(*) AS events
	FROM analytics.events e GROUP BY 1, 2
),
filled AS (
	SELECT d.day + g.i AS day, d.event_name, CASE WHEN g.i = 0 THEN d.events ELSE 0 END AS events
	FROM (SELECT c.*, lead(c.day) OVER (PARTITION BY c.event_name ORDER BY c.day) AS next_day FROM daily c) d
	CROSS JOIN LATERAL generate_series(0, COALESCE(d.next_day - d.day - 1, 0)) AS g(i)
),
scored AS (
	SELECT x.day, x.event_name, x.events,
		analytics.zscore(x.events::float8) OVER (PARTITION BY x.event_name ORDER BY x.day
			ROWS BETWEEN 28 PRECEDING AND CURRENT ROW) AS zscore
	FROM filled x WHERE x.day < (timezone('UTC', analytics_internal._now()))::date
)
SELECT s.*, abs(s.zscore) > analytics.anomaly_threshold() AS is_anomaly FROM scored s;
CREATE FUNCTION pg_temp.anomalies_bi(since date) RETURNS text
LANGUAGE sql RETURN format('select "day", "event_name", sum("events") AS events, sum("zscore") AS zscore, bool_or("is_anomaly") AS is_anomaly from (select * from analytics.event_anomalies) "$Table" where "day" >= date %L group by 1, 2 limit 1000001', since);
CREATE FUNCTION pg_temp.anomalies_mismatches(since date, reference text) RETURNS bigint
LANGUAGE sql RETURN pg_temp.except_both(pg_temp.anomalies_bi(since),
	format('SELECT day, event_name, events, zscore, is_anomaly FROM (%s) r WHERE r.day >= %L', reference, since));
SELECT count(*) > 0 AS refreshed FROM analytics.refresh_materialized_aggregate('event_days');
SELECT since, pg_temp.partitions_read(pg_temp.anomalies_bi(since)) AS partitions_read,
	pg_temp.anomalies_mismatches(since, 'SELECT * FROM analytics.event_anomalies OFFSET 0') AS vs_unfiltered,
	pg_temp.anomalies_mismatches(since, 'SELECT * FROM anomalies_010') AS vs_010,
	(SELECT count(*) FROM analytics.event_anomalies WHERE day >= since) AS rows_kept
FROM unnest(ARRAY['2026-11-02', '2026-10-20', '2026-08-01']::date[]) since;
-- the whole view equals the 0.1.0 definition too
SELECT count(*) AS mismatches FROM ((SELECT * FROM analytics.event_anomalies EXCEPT SELECT * FROM anomalies_010)
	UNION ALL (SELECT * FROM anomalies_010 EXCEPT SELECT * FROM analytics.event_anomalies)) x;
DROP VIEW anomalies_010;
RESET analytics.mock_now;

-- analytics.anomaly_threshold() returns the setting
SET analytics.anomaly_threshold = 2.5;
SELECT analytics.anomaly_threshold() AS threshold;
RESET analytics.anomaly_threshold;
SELECT analytics.anomaly_threshold() AS threshold;

-- A fresh session (a BI tool's new connection) that has not loaded the
-- library filters on is_anomaly: the threshold comes from a C function,
-- which loads the library and so defines the setting. With current_setting()
-- this failed: unrecognized configuration parameter "analytics.anomaly_threshold".
-- At the default 3, only signup on 11-05 (z 3.95, worked out above) is an
-- anomaly; the daily event's z-scores all lie within +-1 (its 50 on 10-01
-- makes the spread large while it is in the frame).
\c
SET DateStyle = ISO;
SELECT count(*) AS libraries_loaded FROM pg_settings WHERE name = 'analytics.anomaly_threshold';
SELECT event_name, day, round(zscore::numeric, 10) AS zscore
FROM analytics.event_anomalies WHERE is_anomaly ORDER BY event_name, day;
SELECT count(*) AS libraries_loaded FROM pg_settings WHERE name = 'analytics.anomaly_threshold';

DROP EXTENSION analytics CASCADE;
