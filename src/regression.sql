
-- src/regression.sql: ols(), multiple linear regression.

CREATE TYPE analytics.ols_fit AS (
	coefficients float8[],
	std_errors float8[],
	t_values float8[],
	p_values float8[],
	r_squared float8,
	adj_r_squared float8,
	residual_stddev float8,
	f_statistic float8,
	n bigint,
	condition_number float8
);
COMMENT ON TYPE analytics.ols_fit IS 'Result of analytics.ols: coefficients (intercept first) with their standard errors, t values and p values, and the fit''s summary';

CREATE FUNCTION analytics_internal.ols_trans(float8[], float8, float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'ols_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION analytics_internal.ols_trans(float8[], float8, float8[], boolean)
RETURNS float8[] AS 'MODULE_PATHNAME', 'ols_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION analytics_internal.ols_combine(float8[], float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'ols_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION analytics_internal.ols_final(float8[])
RETURNS analytics.ols_fit AS 'MODULE_PATHNAME', 'ols_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION analytics_internal.ols_trans(float8[], float8, float8[]) IS 'Transition function of ols: rotates a row into the state''s triangular factor';
COMMENT ON FUNCTION analytics_internal.ols_trans(float8[], float8, float8[], boolean) IS 'Transition function of ols with or without an intercept';
COMMENT ON FUNCTION analytics_internal.ols_combine(float8[], float8[]) IS 'Combine function of ols: merges two triangular factors';
COMMENT ON FUNCTION analytics_internal.ols_final(float8[]) IS 'Final function of ols: solves the factor and computes the inference';

-- The state is a float8[] (format, p, intercept, n, mean and squared
-- deviations of y, sum of y^2, then the AS 274 factor): a concrete type, so
-- partial states travel anywhere a float8[] does.
CREATE AGGREGATE analytics.ols(y float8, x float8[]) (
	SFUNC = analytics_internal.ols_trans,
	STYPE = float8[],
	FINALFUNC = analytics_internal.ols_final,
	COMBINEFUNC = analytics_internal.ols_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.ols(float8, float8[]) IS 'Ordinary least squares of y on the regressors x and an intercept, by orthogonal (Givens) updating';

CREATE AGGREGATE analytics.ols(y float8, x float8[], intercept boolean) (
	SFUNC = analytics_internal.ols_trans,
	STYPE = float8[],
	FINALFUNC = analytics_internal.ols_final,
	COMBINEFUNC = analytics_internal.ols_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.ols(float8, float8[], boolean) IS 'Ordinary least squares of y on the regressors x, with or without an intercept';
