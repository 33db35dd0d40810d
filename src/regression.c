/*-------------------------------------------------------------------------
 *
 * regression.c
 *	  ols(): multiple linear regression by orthogonal updating.
 *
 * The state is a float8[] (a concrete type, so partial aggregation also
 * works where internal states cannot travel, e.g. under Citus):
 *
 *	 [0] format (1)		[1] p, coefficients		[2] 1 with intercept, else 0
 *	 [3] n				[4] mean of y			[5] sum of squared deviations of y
 *	 [6] sum of y^2		[7...] the AS 274 factor of the design (analytics.h)
 *
 * The mean and deviations of y (Welford's updates, Chan's merge) give the
 * centred total sum of squares for R-squared with an intercept; without
 * one, R-squared uses the uncentred sum of squares as R does.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "analytics.h"

#define OLS_FORMAT		1
#define OLS_HEADER		7
#define OLS_MAX_X		(ANALYTICS_LSQ_MAX_P - 1)

/* Elements of a state for p coefficients */
static inline int
OlsStateSize(int p)
{
	return OLS_HEADER + AnalyticsLsqSize(p);
}

/*
 * The elements of an ols state, after checking that it is one: a state comes
 * from SQL, so it may be anything.
 */
static double *
OlsState(ArrayType *a)
{
	double	   *s;
	int			n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	double		p;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID || n < OLS_HEADER)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid ols state"),
				 errdetail("A state is a one-dimensional float8 array without nulls.")));
	s = (double *) ARR_DATA_PTR(a);
	p = s[1];
	if (s[0] != OLS_FORMAT || !(p >= 1 && p <= ANALYTICS_LSQ_MAX_P) || p != floor(p) ||
		(s[2] != 0.0 && s[2] != 1.0) ||
		n != OlsStateSize((int) p) || !(s[3] >= 0 && s[3] <= ANALYTICS_EXACT_COUNT_MAX && s[3] == floor(s[3])))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid ols state"),
				 errdetail("The header or the length of the array does not describe an ols state.")));
	return s;
}

static ArrayType *
OlsStateNew(int p, bool intercept)
{
	int			size = OlsStateSize(p);
	Datum	   *zeros = palloc(size * sizeof(Datum));
	ArrayType  *a;
	double	   *s;

	for (int i = 0; i < size; i++)
		zeros[i] = Float8GetDatum(0.0);
	a = construct_array(zeros, size, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	s = (double *) ARR_DATA_PTR(a);
	s[0] = OLS_FORMAT;
	s[1] = p;
	s[2] = intercept ? 1.0 : 0.0;
	pfree(zeros);
	return a;
}

/* "1 row", "2 rows" */
static char *
OlsCount(double n, const char *one, const char *many)
{
	return psprintf("%.0f %s", n, n == 1 ? one : many);
}

/*
 * The numbers of a state that a final or combine function relies on: a
 * state made by hand may have the right shape and impossible values.
 */
static void
OlsCheckValues(const double *s)
{
	int			p = (int) s[1];
	const double *f = s + OLS_HEADER;
	bool		intercept = s[2] == 1.0;
	bool		finite = isfinite(s[4]) && isfinite(s[5]) && (intercept || isfinite(s[6]));
	bool		ok;

	/* the sum of y^2 serves only without an intercept */
	for (int i = 0; i < AnalyticsLsqSize(p); i++)
		finite = finite && isfinite(f[i]);
	if (!finite)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("ols sums of squares overflow"),
				 errhint("Scale the regressors or the values down.")));
	ok = s[5] >= 0.0 && (intercept || s[6] >= 0.0);
	for (int i = 0; i < p; i++)
		ok = ok && f[i] >= 0.0;
	ok = ok && f[AnalyticsLsqSize(p) - 1] >= 0.0;
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid ols state"),
				 errdetail("A sum of squares or a row weight is negative.")));
}

static void
OlsCheckFinite(double v, const char *what)
{
	if (unlikely(isnan(v) || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ols %s must be finite", what),
				 errdetail("The value is %s.", isnan(v) ? "NaN" : "infinite"),
				 errhint("Filter out such rows, or make them NULL to skip them.")));
}

PG_FUNCTION_INFO_V1(ols_trans);

/* Transition: rotate the row (1, x; y) into the state's factor */
Datum
ols_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ArrayType  *state;
	ArrayType  *xa;
	double	   *s;
	bool		intercept = PG_NARGS() < 4 || PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	double		y;
	const double *xv;
	int			k,
				p;
	double		row[ANALYTICS_LSQ_MAX_P];
	double		n,
				delta;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "ols_trans called in non-aggregate context");
	if (PG_NARGS() >= 4 && PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ols intercept must not be null")));
	/* rows with a NULL are left out, as lm() leaves them out */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	y = PG_GETARG_FLOAT8(1);
	xa = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(xa) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("ols regressors must be a one-dimensional array")));
	if (ARR_HASNULL(xa))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	k = ARR_NDIM(xa) == 0 ? 0 : ARR_DIMS(xa)[0];
	if (k > OLS_MAX_X)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ols supports at most %d regressors, got %d", OLS_MAX_X, k)));
	p = k + (intercept ? 1 : 0);
	if (p == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ols needs at least one regressor or an intercept")));

	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		state = OlsStateNew(p, intercept);
		MemoryContextSwitchTo(old);
	}
	else
		state = PG_GETARG_ARRAYTYPE_P(0);

	/*
	 * Per row, only what indexing the state relies on: its shape, and a
	 * design equal to the row's (final and combine check every number).
	 */
	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID ||
		ARR_DIMS(state)[0] < OLS_HEADER || ((double *) ARR_DATA_PTR(state))[0] != OLS_FORMAT)
		(void) OlsState(state);
	s = (double *) ARR_DATA_PTR(state);
	if (s[1] != (double) p || (s[2] == 1.0) != intercept)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ols regressors differ between rows of a group"),
				 errdetail("A row has %s %s an intercept; the group's first had %s %s one.",
						   OlsCount(k, "regressor", "regressors"), intercept ? "with" : "without",
						   OlsCount(s[1] - (s[2] == 1.0 ? 1 : 0), "regressor", "regressors"),
						   s[2] == 1.0 ? "with" : "without")));
	if (ARR_DIMS(state)[0] != OlsStateSize(p))
		(void) OlsState(state);

	OlsCheckFinite(y, "values");
	xv = (const double *) ARR_DATA_PTR(xa);
	if (intercept)
		row[0] = 1.0;
	for (int i = 0; i < k; i++)
	{
		OlsCheckFinite(xv[i], "regressors");
		row[p - k + i] = xv[i];
	}

	/* Welford's update of the mean and squared deviations of y */
	n = s[3] + 1.0;
	delta = y - s[4];
	s[3] = n;
	s[4] += delta / n;
	s[5] += delta * (y - s[4]);
	s[6] += y * y;
	AnalyticsLsqInclude(s + OLS_HEADER, p, 1.0, row, y);
	PG_RETURN_ARRAYTYPE_P(state);
}

/* An AnalyticsArrayCheck */
static void
OlsCheckState(ArrayType *state)
{
	(void) OlsState(state);
}

PG_FUNCTION_INFO_V1(ols_combine);

/* Combine: stack two factors and triangularise again */
Datum
ols_combine(PG_FUNCTION_ARGS)
{
	Datum		result;
	ArrayType  *a;
	ArrayType  *b;
	double	   *sa;
	double	   *sb;
	double		n,
				delta;

	if (AnalyticsArrayCombineArgs(fcinfo, OlsCheckState, &result, &a, &b))
		return result;
	sa = OlsState(a);
	sb = OlsState(b);
	OlsCheckValues(sb);
	if (sa[1] != sb[1] || sa[2] != sb[2])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine ols states of different designs"),
				 errdetail("One has %s %s an intercept, the other %s %s one.",
						   OlsCount(sa[1], "coefficient", "coefficients"), sa[2] == 1.0 ? "with" : "without",
						   OlsCount(sb[1], "coefficient", "coefficients"), sb[2] == 1.0 ? "with" : "without")));
	if (sb[3] == 0)
		PG_RETURN_ARRAYTYPE_P(a);

	/* Chan et al.'s merge of means and squared deviations */
	n = sa[3] + sb[3];
	delta = sb[4] - sa[4];
	sa[5] += sb[5] + delta * delta * sa[3] * sb[3] / n;
	sa[4] += delta * sb[3] / n;
	sa[3] = n;
	sa[6] += sb[6];
	AnalyticsLsqMerge(sa + OLS_HEADER, sb + OLS_HEADER, (int) sa[1]);
	PG_RETURN_ARRAYTYPE_P(a);
}

static Datum
OlsArray(const double *v, const bool *null, int p)
{
	Datum	   *elems = palloc(p * sizeof(Datum));
	int			dims[1] = {p};
	int			lbs[1] = {1};

	for (int i = 0; i < p; i++)
		elems[i] = Float8GetDatum(v[i]);
	return PointerGetDatum(construct_md_array(elems, (bool *) null, 1, dims, lbs, FLOAT8OID,
											  sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(ols_final);

/* Final: coefficients, their inference and the fit's summary */
Datum
ols_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	double	   *s;
	int			p;
	bool		intercept;
	double		n;
	AnalyticsLsqFit fit;
	double	   *se,
			   *tv,
			   *pv;
	bool	   *tnull;
	double		df,
				sigma2,
				tss,
				r2,
				adj_r2,
				fstat;
	double		e[ANALYTICS_LSQ_MAX_P];
	Datum		values[10];
	bool		nulls[10] = {0};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = OlsState(PG_GETARG_ARRAYTYPE_P(0));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "ols_final must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	p = (int) s[1];
	intercept = s[2] == 1.0;
	n = s[3];
	if (n <= p)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ols needs more rows than coefficients"),
				 errdetail("The group has %s for %s.", OlsCount(n, "row", "rows"),
						   OlsCount(p, "coefficient", "coefficients")),
				 errhint("Give each group at least %d rows, for example with HAVING count(*) > %d.",
						 p + 1, p)));
	OlsCheckValues(s);

	AnalyticsLsqSolve(s + OLS_HEADER, p, ANALYTICS_LSQ_TOL, &fit);
	df = n - fit.rank;
	sigma2 = fit.rss / df;
	se = palloc(p * sizeof(double));
	tv = palloc(p * sizeof(double));
	pv = palloc(p * sizeof(double));
	tnull = palloc(p * sizeof(bool));
	for (int j = 0; j < p; j++)
	{
		tnull[j] = fit.aliased[j];
		if (fit.aliased[j])
			continue;
		memset(e, 0, p * sizeof(double));
		e[j] = 1.0;
		se[j] = sqrt(sigma2 * AnalyticsLsqQuad(&fit, e));
		tv[j] = fit.beta[j] / se[j];

		/*
		 * An exact fit (residuals all 0) has standard errors 0: a nonzero
		 * coefficient gets t = +-Infinity and p = 0, a zero one 0 / 0, which
		 * is undefined: t and p are NULL, as R's summary.lm gives NaN.
		 */
		if (isnan(tv[j]))
			tnull[j] = true;
		else
			pv[j] = AnalyticsTTestP(tv[j], df);
	}

	/*
	 * R^2 = 1 - RSS / TSS lies in [0, 1] (RSS cannot exceed TSS: the model
	 * holds the intercept, or without one the zero fit), but rounding can
	 * take it a few units of 2^-52 outside: clamped, so that R^2 of an
	 * uncorrelated regressor is 0, not -2.2e-16. A constant y (TSS = 0)
	 * has no R^2: NULL. The F statistic is clamped at 0 likewise.
	 */
	tss = intercept ? s[5] : s[6];
	r2 = tss > 0.0 ? Min(1.0, Max(0.0, 1.0 - fit.rss / tss)) : get_float8_nan();
	adj_r2 = 1.0 - (1.0 - r2) * (n - (intercept ? 1 : 0)) / df;
	fstat = (Max(0.0, tss - fit.rss) / (fit.rank - (intercept ? 1 : 0))) / sigma2;

	values[0] = OlsArray(fit.beta, fit.aliased, p);
	values[1] = OlsArray(se, fit.aliased, p);
	values[2] = OlsArray(tv, tnull, p);
	values[3] = OlsArray(pv, tnull, p);
	values[4] = Float8GetDatum(r2);
	nulls[4] = isnan(r2);
	values[5] = Float8GetDatum(adj_r2);
	nulls[5] = isnan(adj_r2);
	values[6] = Float8GetDatum(sqrt(sigma2));
	values[7] = Float8GetDatum(fstat);
	nulls[7] = fit.rank - (intercept ? 1 : 0) == 0 || isnan(fstat);
	values[8] = Int64GetDatum((int64) n);
	values[9] = Float8GetDatum(fit.rank > 0 ? AnalyticsLsqCondition(&fit) : 0.0);
	nulls[9] = fit.rank == 0;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
