
-- src/kmeans.sql: k-means clustering (C, src/kmeans.c), and the customers'
-- RFM features of the warehouse it is shown on.

CREATE FUNCTION analytics_internal.kmeans_trans(internal, float8[], int, int, int)
RETURNS internal AS 'MODULE_PATHNAME', 'kmeans_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_from_trans(internal, float8[], float8[], int)
RETURNS internal AS 'MODULE_PATHNAME', 'kmeans_from_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kmeans_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'kmeans_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kmeans_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_final(internal)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.kmeans_trans(internal, float8[], int, int, int) IS 'Transition function of kmeans (k-means++ seeding)';
COMMENT ON FUNCTION analytics_internal.kmeans_from_trans(internal, float8[], float8[], int) IS 'Transition function of kmeans from initial centroids';
COMMENT ON FUNCTION analytics_internal.kmeans_combine(internal, internal) IS 'Combine function of kmeans (appends the points)';
COMMENT ON FUNCTION analytics_internal.kmeans_serialize(internal) IS 'Serialize function of kmeans';
COMMENT ON FUNCTION analytics_internal.kmeans_deserialize(bytea, internal) IS 'Deserialize function of kmeans';
COMMENT ON FUNCTION analytics_internal.kmeans_final(internal) IS 'Final function of kmeans: seeding (or the initial centroids), then Lloyd''s iterations';

-- The final function sorts the points in place: the state stays valid, so
-- it may be shared (FINALFUNC_MODIFY = SHAREABLE).
CREATE AGGREGATE analytics.kmeans(features float8[], k int, seed int, max_iterations int) (
	SFUNC = analytics_internal.kmeans_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal.kmeans_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.kmeans_combine,
	SERIALFUNC = analytics_internal.kmeans_serialize,
	DESERIALFUNC = analytics_internal.kmeans_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.kmeans(float8[], int, int, int) IS 'k-means clustering of the feature vectors: k-means++ seeding from the seed, then Lloyd''s iterations (at most max_iterations); the k centroids as a k x dim array';

CREATE AGGREGATE analytics.kmeans(features float8[], initial_centroids float8[], max_iterations int) (
	SFUNC = analytics_internal.kmeans_from_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal.kmeans_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.kmeans_combine,
	SERIALFUNC = analytics_internal.kmeans_serialize,
	DESERIALFUNC = analytics_internal.kmeans_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.kmeans(float8[], float8[], int) IS 'k-means clustering from the initial centroids given (k x dim): Lloyd''s iterations, as R''s kmeans(x, centers, algorithm = "Lloyd")';

CREATE FUNCTION analytics.kmeans_assign(features float8[], centroids float8[])
RETURNS int AS 'MODULE_PATHNAME', 'kmeans_assign' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.kmeans_assign(float8[], float8[]) IS 'The 1-based index of the centroid (a row of a k x dim array) nearest to the vector (squared Euclidean distance; ties: the lowest index)';

-- Support functions of internal-state aggregates are not for direct calls.
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_trans(internal, float8[], int, int, int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_from_trans(internal, float8[], float8[], int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_combine(internal, internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_serialize(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_deserialize(bytea, internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_final(internal) FROM PUBLIC;

-- Recency, frequency and monetary value per customer (all SCD2 versions
-- together), over completed order lines, as of today (UTC): the features
-- of a customer segmentation with kmeans.
CREATE VIEW analytics.customer_rfm AS
SELECT c.customer_id,
	(pg_catalog.timezone('UTC', analytics_internal._now()))::date - max(d.full_date) AS recency_days,
	pg_catalog.count(DISTINCT f.order_id) AS frequency,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS monetary
FROM analytics.fact_sales f
JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
JOIN analytics.dim_date d ON d.date_key = f.date_key
WHERE f.status = 'completed'
GROUP BY c.customer_id;
COMMENT ON VIEW analytics.customer_rfm IS 'Per customer: days since the last completed purchase (UTC, as of today), distinct orders, and revenue of completed lines: the RFM features of a segmentation';
COMMENT ON COLUMN analytics.customer_rfm.customer_id IS 'Source customer id (all SCD2 versions together)';
COMMENT ON COLUMN analytics.customer_rfm.recency_days IS 'Days from the last completed purchase to today (UTC)';
COMMENT ON COLUMN analytics.customer_rfm.frequency IS 'Distinct orders with a completed line';
COMMENT ON COLUMN analytics.customer_rfm.monetary IS 'Revenue of the completed lines; currency of the data, 2 decimals';
GRANT SELECT ON analytics.customer_rfm TO analytics_reader, analytics_admin;
