-- k-means: Lloyd's iterations from fixed centres against R's kmeans
-- (test/reference/kmeans.R) and by hand; k-means++ seeding; the assignment
-- function; parallel plans equal to the serial one; errors; RFM features.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

CREATE TABLE pts (id int, x float8[]);
INSERT INTO pts VALUES (1, '{1,1}'), (2, '{1.5,2}'), (3, '{3,4}'), (4, '{5,7}'), (5, '{3.5,5}'), (6, '{4.5,5}'), (7, '{3.5,4.5}');
-- from (1, 1) and (5, 7): (1.25, 1.5) (points 1, 2) and (3.9, 5.1) (the
-- other five), as R
SELECT analytics.kmeans(x, '{{1,1},{5,7}}', 100) FROM pts;
-- from points 1, 3 and 4: (1.25, 1.5), (3.625, 4.625), (5, 7), as R
SELECT analytics.kmeans(x, '{{1,1},{3,4},{5,7}}', 100) FROM pts;
-- the assignments (R: 1 1 2 2 2 2 2)
SELECT string_agg(analytics.kmeans_assign(x, '{{1.25,1.5},{3.9,5.1}}')::text, ' ' ORDER BY id) FROM pts;
-- one iteration only: from (1, 1) and (5, 7), points 1, 2, 3 go to the
-- first (point 3 is 13 from both: a tie, the lowest index) and 4 .. 7 to
-- the second; the centroids move to their means, (5.5 / 3, 7 / 3) and
-- (16.5 / 4, 21.5 / 4) = (4.125, 5.375), and the cap stops there
SELECT analytics.kmeans(x, '{{1,1},{5,7}}', 1) FROM pts;

-- k-means++: two tight blobs far apart; any seed finds their means (0.5,
-- 0.5) and (10.5, 10.5); the same seed gives the same result
CREATE TABLE blobs AS
SELECT ARRAY[b * 10 + dx, b * 10 + dy]::float8[] AS x
FROM generate_series(0, 1) b, generate_series(0, 1) dx, generate_series(0, 1) dy;
SELECT seed, (SELECT array_agg(c ORDER BY c) FROM (SELECT analytics.kmeans(x, 2, seed, 100) AS c FROM blobs) k) AS centroids
FROM generate_series(1, 3) seed;
SELECT (SELECT analytics.kmeans(x, 2, 42, 100) FROM blobs) = (SELECT analytics.kmeans(x, 2, 42, 100) FROM blobs) AS same_seed_same_result;

-- Parallel: 40,000 points of four blobs, partial aggregates in workers,
-- the same centroids as the serial plan (the points are sorted before
-- seeding, so the order rows arrive in does not matter)
CREATE TABLE many AS
SELECT ARRAY[(i % 4) * 100 + (hashint4(i) % 1000) / 100.0, (i % 4 / 2) * 100 + (hashint4(i + 1) % 1000) / 100.0]::float8[] AS x
FROM generate_series(1, 40000) i;
ANALYZE many;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_result AS SELECT analytics.kmeans(x, 4, 7, 100) AS c FROM many;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT analytics.kmeans(x, 4, 7, 100) FROM many;
SELECT analytics.kmeans(x, 4, 7, 100) = (SELECT c FROM serial_result) AS parallel_equals_serial FROM many;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- Errors
SELECT analytics.kmeans(x, 0, 1, 10) FROM pts;
SELECT analytics.kmeans(x, 8, 1, 10) FROM pts;
SELECT analytics.kmeans(x, 2, 1, 0) FROM pts;
SELECT analytics.kmeans(x, '{{1,1,1}}', 10) FROM pts;
SELECT analytics.kmeans(v, 2, 1, 10) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) t(v);
SELECT analytics.kmeans(v, 2, 1, 10) FROM (VALUES ('{1,NaN}'::float8[])) t(v);
SELECT analytics.kmeans(v, 2, 1, 10) FROM (VALUES ('{1,2}'::float8[]), ('{1,2}'), ('{1,2}')) t(v);
SELECT analytics.kmeans_assign('{1,2}', '{{1,2,3}}');
SELECT analytics.kmeans(x, 2, 1, 10) FROM pts WHERE false;

-- RFM features of the warehouse, segmented (the columns a segmentation
-- reads; no sale loaded here: no customer)
SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
WHERE a.attrelid = 'analytics.customer_rfm'::regclass AND a.attnum > 0 ORDER BY a.attnum;

DROP EXTENSION analytics;
