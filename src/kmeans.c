/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  analytics.kmeans: k-means clustering of float8[] feature vectors, as
 *	  an aggregate (the state keeps the points; parallel: combine appends,
 *	  serialize writes them out), and analytics.kmeans_assign, the nearest
 *	  centroid of a vector.
 *
 * The final function sorts the points (so that the result does not depend
 * on the order rows arrive in, parallel or not), seeds the centroids with
 * k-means++ (Arthur and Vassilvitskii, 2007) from a seeded generator, or
 * takes the initial centroids given, then runs Lloyd's iterations: assign
 * each point to its nearest centroid (squared Euclidean distance; ties to
 * the lowest index), move each centroid to the mean of its points (a
 * centroid without points stays), until no assignment changes or the cap of
 * iterations is reached. R's kmeans(x, centers, algorithm = "Lloyd") does
 * the same from the same centres.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "analytics.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* the most clusters and dimensions a call may ask for */
#define KMEANS_MAX_K		1000
#define KMEANS_MAX_DIM		1000
#define KMEANS_MAX_ITER		10000

typedef struct KmeansParams
{
	int32		k;				/* 0 until the first row */
	int32		max_iter;
	int64		seed;			/* k-means++ seed; ignored with init */
	int32		has_init;		/* 1: initial centroids given (init, k x dim) */
	int32		pad;
} KmeansParams;

typedef struct KmeansState
{
	KmeansParams params;
	double	   *init;			/* k x dim, when has_init */
	int			dim;			/* 0 until the first vector */
	int64		n;
	int64		capacity;		/* in points */
	double	   *x;				/* n x dim */
} KmeansState;

/* The elements of a float8[] vector, or an error naming what is wrong */
static double *
kmeans_vector(ArrayType *a, int *dim, const char *what)
{
	int			n;

	if (ARR_NDIM(a) != 1 || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional float8 array", what)));
	if (ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL", what)));
	n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	if (n < 1 || n > KMEANS_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must have 1 to %d elements, not %d", what, KMEANS_MAX_DIM, n)));
	*dim = n;
	return (double *) ARR_DATA_PTR(a);
}

static KmeansState *
kmeans_state_new(MemoryContext ctx)
{
	return (KmeansState *) MemoryContextAllocZero(ctx, sizeof(KmeansState));
}

static void
kmeans_append(KmeansState *st, MemoryContext ctx, const double *x, int dim, int64 count)
{
	if (st->dim == 0)
		st->dim = dim;
	else if (st->dim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("kmeans feature vectors must all have %d elements, not %d", st->dim, dim)));
	if (st->n + count > st->capacity)
	{
		int64		cap = Max(st->capacity * 2, Max(st->n + count, 64));

		if (st->x == NULL)
			st->x = MemoryContextAllocHuge(ctx, cap * dim * sizeof(double));
		else
			st->x = repalloc_huge(st->x, cap * dim * sizeof(double));
		st->capacity = cap;
	}
	memcpy(st->x + st->n * dim, x, count * dim * sizeof(double));
	st->n += count;
}

static int
kmeans_check_iterations(int max_iter)
{
	if (max_iter < 1 || max_iter > KMEANS_MAX_ITER)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iterations must be from 1 to %d, not %d", KMEANS_MAX_ITER, max_iter)));
	return max_iter;
}

/*
 * The parameters of a call, from a row's arguments: the same in every row
 * (they are constants in a query), checked on the first.
 */
static void
kmeans_take_params(FunctionCallInfo fcinfo, KmeansState *st, MemoryContext ctx, bool with_init, int dim)
{
	KmeansParams p;

	memset(&p, 0, sizeof(p));
	if (with_init)
	{
		ArrayType  *init;

		if (PG_ARGISNULL(2))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("kmeans needs initial centroids")));
		init = PG_GETARG_ARRAYTYPE_P(2);
		if (ARR_NDIM(init) != 2 || ARR_ELEMTYPE(init) != FLOAT8OID || ARR_HASNULL(init) || ARR_DIMS(init)[1] != dim)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("initial centroids must be a k x %d float8 array without NULL", dim)));
		p.k = ARR_DIMS(init)[0];
		p.has_init = 1;
		p.max_iter = kmeans_check_iterations(PG_ARGISNULL(3) ? 100 : PG_GETARG_INT32(3));
		if (st->params.k == 0)
		{
			st->init = MemoryContextAlloc(ctx, (Size) p.k * dim * sizeof(double));
			memcpy(st->init, ARR_DATA_PTR(init), (Size) p.k * dim * sizeof(double));
		}
		else if (memcmp(st->init, ARR_DATA_PTR(init), (Size) p.k * dim * sizeof(double)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kmeans initial centroids must be the same in every row")));
	}
	else
	{
		if (PG_ARGISNULL(2))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("kmeans needs k")));
		p.k = PG_GETARG_INT32(2);
		p.seed = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
		p.max_iter = kmeans_check_iterations(PG_ARGISNULL(4) ? 100 : PG_GETARG_INT32(4));
	}
	if (p.k < 1 || p.k > KMEANS_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be from 1 to %d, not %d", KMEANS_MAX_K, p.k)));
	if (st->params.k == 0)
		st->params = p;
	else if (memcmp(&st->params, &p, sizeof(p)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans parameters must be the same in every row")));
}

static Datum
kmeans_trans_common(FunctionCallInfo fcinfo, bool with_init)
{
	MemoryContext aggctx;
	KmeansState *st;
	int			dim;
	double	   *x;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "kmeans_trans called in non-aggregate context");
	st = PG_ARGISNULL(0) ? kmeans_state_new(aggctx) : (KmeansState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	x = kmeans_vector(PG_GETARG_ARRAYTYPE_P(1), &dim, "a kmeans feature vector");
	for (int j = 0; j < dim; j++)
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kmeans feature vectors must be finite"),
					 errdetail("Element %d is %g.", j + 1, x[j])));
	kmeans_take_params(fcinfo, st, aggctx, with_init, dim);
	kmeans_append(st, aggctx, x, dim, 1);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(kmeans_trans);

/* Transition of kmeans(features, k, seed, max_iterations) */
Datum
kmeans_trans(PG_FUNCTION_ARGS)
{
	return kmeans_trans_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(kmeans_from_trans);

/* Transition of kmeans(features, initial_centroids, max_iterations) */
Datum
kmeans_from_trans(PG_FUNCTION_ARGS)
{
	return kmeans_trans_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(kmeans_combine);

Datum
kmeans_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	KmeansState *a;
	KmeansState *b;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "kmeans_combine called in non-aggregate context");
	a = PG_ARGISNULL(0) ? NULL : (KmeansState *) PG_GETARG_POINTER(0);
	b = PG_ARGISNULL(1) ? NULL : (KmeansState *) PG_GETARG_POINTER(1);
	if (b == NULL || b->n == 0)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL || a->n == 0)
	{
		a = kmeans_state_new(aggctx);
		a->params = b->params;
		if (b->params.has_init)
		{
			a->init = MemoryContextAlloc(aggctx, (Size) b->params.k * b->dim * sizeof(double));
			memcpy(a->init, b->init, (Size) b->params.k * b->dim * sizeof(double));
		}
	}
	kmeans_append(a, aggctx, b->x, b->dim, b->n);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(kmeans_serialize);

/* Wire: the parameters, int32 dim, int64 n, the initial centroids (k x dim,
 * when given), then n x dim doubles */
Datum
kmeans_serialize(PG_FUNCTION_ARGS)
{
	KmeansState *st = (KmeansState *) PG_GETARG_POINTER(0);
	Size		ninit = st->params.has_init ? (Size) st->params.k * st->dim : 0;
	Size		len = VARHDRSZ + sizeof(KmeansParams) + sizeof(int32) + sizeof(int64) +
		(ninit + (Size) st->n * st->dim) * sizeof(double);
	bytea	   *out = (bytea *) palloc_extended(len, MCXT_ALLOC_HUGE);
	char	   *p = VARDATA(out);
	int32		dim = st->dim;

	SET_VARSIZE(out, len);
	memcpy(p, &st->params, sizeof(KmeansParams));
	p += sizeof(KmeansParams);
	memcpy(p, &dim, sizeof(int32));
	p += sizeof(int32);
	memcpy(p, &st->n, sizeof(int64));
	p += sizeof(int64);
	if (ninit > 0)
		memcpy(p, st->init, ninit * sizeof(double));
	p += ninit * sizeof(double);
	if (st->n > 0)
		memcpy(p, st->x, (Size) st->n * st->dim * sizeof(double));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(kmeans_deserialize);

Datum
kmeans_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	Size		len = VARSIZE_ANY_EXHDR(in);
	Size		head = sizeof(KmeansParams) + sizeof(int32) + sizeof(int64);
	KmeansState *st;
	KmeansParams params;
	int32		dim;
	int64		n;
	Size		ninit;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "kmeans_deserialize called in non-aggregate context");
	if (len < head)
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION), errmsg("invalid kmeans state")));
	memcpy(&params, p, sizeof(KmeansParams));
	memcpy(&dim, p + sizeof(KmeansParams), sizeof(int32));
	memcpy(&n, p + sizeof(KmeansParams) + sizeof(int32), sizeof(int64));
	if (dim < 0 || dim > KMEANS_MAX_DIM || n < 0 || (dim == 0 && n > 0) ||
		params.k < 0 || params.k > KMEANS_MAX_K || (params.has_init != 0 && params.has_init != 1) ||
		(n > 0 && (params.k < 1 || params.max_iter < 1 || params.max_iter > KMEANS_MAX_ITER)) ||
		n > (int64) (MaxAllocHugeSize / sizeof(double) / Max(dim, 1)))
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION), errmsg("invalid kmeans state")));
	ninit = params.has_init ? (Size) params.k * dim : 0;
	if (len != head + (ninit + (Size) n * dim) * sizeof(double))
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION), errmsg("invalid kmeans state")));
	st = kmeans_state_new(aggctx);
	st->params = params;
	if (ninit > 0)
	{
		st->init = MemoryContextAlloc(aggctx, ninit * sizeof(double));
		memcpy(st->init, p + head, ninit * sizeof(double));
	}
	if (n > 0)
		kmeans_append(st, aggctx, (const double *) (p + head + ninit * sizeof(double)), dim, n);
	PG_RETURN_POINTER(st);
}

/* lexicographic order of points, for a result independent of row order */
static int	kmeans_sort_dim;

static int
kmeans_point_cmp(const void *a, const void *b)
{
	const double *x = (const double *) a;
	const double *y = (const double *) b;

	for (int j = 0; j < kmeans_sort_dim; j++)
		if (x[j] != y[j])
			return x[j] < y[j] ? -1 : 1;
	return 0;
}

static inline double
kmeans_dist2(const double *x, const double *c, int dim)
{
	double		s = 0.0;

	for (int j = 0; j < dim; j++)
	{
		double		d = x[j] - c[j];

		s += d * d;
	}
	return s;
}

/* k-means++: the first centroid a random point, each next one a point drawn
 * with probability proportional to its squared distance to the nearest
 * centroid so far */
static void
kmeans_plusplus(const KmeansState *st, int k, int64 seed, double *c)
{
	pg_prng_state rng;
	double	   *d2 = palloc_extended(st->n * sizeof(double), MCXT_ALLOC_HUGE);
	int			dim = st->dim;
	int64		first;

	pg_prng_seed(&rng, (uint64) seed);
	first = (int64) pg_prng_uint64_range(&rng, 0, (uint64) (st->n - 1));
	memcpy(c, st->x + first * dim, dim * sizeof(double));
	for (int64 i = 0; i < st->n; i++)
		d2[i] = kmeans_dist2(st->x + i * dim, c, dim);
	for (int m = 1; m < k; m++)
	{
		double		total = 0.0,
					target,
					acc = 0.0;
		int64		pick = st->n - 1;

		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < st->n; i++)
			total += d2[i];
		if (total <= 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("kmeans cannot find %d clusters in %lld points with only %d distinct", k,
							(long long) st->n, m)));
		target = pg_prng_double(&rng) * total;
		for (int64 i = 0; i < st->n; i++)
		{
			acc += d2[i];
			if (acc > target && d2[i] > 0.0)
			{
				pick = i;
				break;
			}
		}
		memcpy(c + m * dim, st->x + pick * dim, dim * sizeof(double));
		for (int64 i = 0; i < st->n; i++)
		{
			double		d = kmeans_dist2(st->x + i * dim, c + m * dim, dim);

			if (d < d2[i])
				d2[i] = d;
		}
	}
	pfree(d2);
}

/* Lloyd's iterations from the centroids in c; returns the iterations run */
static int
kmeans_lloyd(const KmeansState *st, int k, int max_iter, double *c)
{
	int			dim = st->dim;
	int		   *assign = palloc_extended(st->n * sizeof(int), MCXT_ALLOC_HUGE);
	double	   *sum = palloc(k * dim * sizeof(double));
	int64	   *count = palloc(k * sizeof(int64));
	int			iter;

	for (int64 i = 0; i < st->n; i++)
		assign[i] = -1;
	for (iter = 0; iter < max_iter; iter++)
	{
		bool		changed = false;

		for (int64 i = 0; i < st->n; i++)
		{
			const double *x = st->x + i * dim;
			int			best = 0;
			double		bestd = kmeans_dist2(x, c, dim);

			CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE_COSTLY);
			for (int m = 1; m < k; m++)
			{
				double		d = kmeans_dist2(x, c + m * dim, dim);

				if (d < bestd)
				{
					bestd = d;
					best = m;
				}
			}
			if (assign[i] != best)
			{
				assign[i] = best;
				changed = true;
			}
		}
		if (!changed)
			break;
		memset(sum, 0, k * dim * sizeof(double));
		memset(count, 0, k * sizeof(int64));
		for (int64 i = 0; i < st->n; i++)
		{
			for (int j = 0; j < dim; j++)
				sum[assign[i] * dim + j] += st->x[i * dim + j];
			count[assign[i]]++;
		}
		for (int m = 0; m < k; m++)
			if (count[m] > 0)
				for (int j = 0; j < dim; j++)
					c[m * dim + j] = sum[m * dim + j] / count[m];
	}
	pfree(assign);
	pfree(sum);
	pfree(count);
	return iter;
}

/* The centroids as a k x dim float8 array */
static ArrayType *
kmeans_result(const double *c, int k, int dim)
{
	Datum	   *elems = palloc(k * dim * sizeof(Datum));
	int			dims[2] = {k, dim};
	int			lbs[2] = {1, 1};

	for (int i = 0; i < k * dim; i++)
		elems[i] = Float8GetDatum(c[i]);
	return construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
							  TYPALIGN_DOUBLE);
}

static KmeansState *
kmeans_sorted_state(FunctionCallInfo fcinfo)
{
	KmeansState *st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "kmeans final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		return NULL;
	st = (KmeansState *) PG_GETARG_POINTER(0);
	if (st->n == 0)
		return NULL;
	/* sorting in place leaves the state valid (FINALFUNC_MODIFY = SHAREABLE) */
	kmeans_sort_dim = st->dim;
	qsort(st->x, st->n, st->dim * sizeof(double), kmeans_point_cmp);
	return st;
}

PG_FUNCTION_INFO_V1(kmeans_final);

/*
 * Final of both forms: k-means++ seeding from the seed, or the initial
 * centroids given, then Lloyd's iterations; the centroids, k x dim.
 */
Datum
kmeans_final(PG_FUNCTION_ARGS)
{
	KmeansState *st = kmeans_sorted_state(fcinfo);
	int			k;
	double	   *c;

	if (st == NULL)
		PG_RETURN_NULL();
	k = st->params.k;
	if (k < 1 || st->params.max_iter < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION), errmsg("invalid kmeans state")));
	c = palloc((Size) k * st->dim * sizeof(double));
	if (st->params.has_init)
		memcpy(c, st->init, (Size) k * st->dim * sizeof(double));
	else
	{
		if (k > st->n)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("kmeans cannot find %d clusters in %lld points", k, (long long) st->n)));
		kmeans_plusplus(st, k, st->params.seed, c);
	}
	(void) kmeans_lloyd(st, k, st->params.max_iter, c);
	PG_RETURN_ARRAYTYPE_P(kmeans_result(c, k, st->dim));
}

PG_FUNCTION_INFO_V1(kmeans_assign);

/* The 1-based index of the centroid nearest to a vector (ties: the lowest) */
Datum
kmeans_assign(PG_FUNCTION_ARGS)
{
	int			dim;
	double	   *x = kmeans_vector(PG_GETARG_ARRAYTYPE_P(0), &dim, "the feature vector");
	ArrayType  *cents = PG_GETARG_ARRAYTYPE_P(1);
	double	   *c;
	int			k,
				best = 0;
	double		bestd;

	if (ARR_NDIM(cents) != 2 || ARR_ELEMTYPE(cents) != FLOAT8OID || ARR_HASNULL(cents) || ARR_DIMS(cents)[1] != dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("centroids must be a k x %d float8 array without NULL", dim)));
	k = ARR_DIMS(cents)[0];
	c = (double *) ARR_DATA_PTR(cents);
	bestd = kmeans_dist2(x, c, dim);
	for (int m = 1; m < k; m++)
	{
		double		d = kmeans_dist2(x, c + m * dim, dim);

		if (d < bestd)
		{
			bestd = d;
			best = m;
		}
	}
	PG_RETURN_INT32(best + 1);
}
