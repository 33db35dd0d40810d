/*-------------------------------------------------------------------------
 *
 * anomaly.c
 *	  Anomaly scores of the last value of a window frame against the other
 *	  values of the frame: the aggregates analytics.zscore,
 *	  analytics.zscore_anomaly and analytics.robust_zscore.
 *
 * The aggregates are meant to run as window functions over a frame that ends
 * at the current row, such as
 *	 OVER (ORDER BY day ROWS BETWEEN 28 PRECEDING AND CURRENT ROW):
 *
 * - x is the frame's last value; the "others" are the frame's other values.
 * - zscore = (x - mean) / s, with the mean and the sample standard deviation
 *	 s (n - 1 in the denominator) of the others; NULL with fewer than 2
 *	 others or s = 0.
 * - zscore_anomaly = |zscore| > threshold; NULL when zscore is NULL. The
 *	 threshold must be a finite number >= 0, the same in every row of a frame.
 * - robust_zscore = 0.6745 (x - median) / MAD, Iglewicz and Hoaglin's
 *	 modified z-score: the median of the others, and their MAD = the median
 *	 of |v - median| over the others; NULL with fewer than 2 others or
 *	 MAD = 0.
 * - A row whose value is NULL is not counted; when the frame's last row has
 *	 a NULL value, the result is NULL.
 * - Values must be finite; for zscore their squares must be finite too
 *	 (|x| <= about 1.34e154).
 *
 * All three have moving-aggregate support with exact inverse transitions:
 * the result depends only on the values in the frame, never on the rows that
 * passed through the state before, so the moving and the plain mode give the
 * same result to the bit. A sliding frame costs O(1) per row for zscore and
 * O(frame) for robust_zscore.
 *
 * zscore keeps Σx and Σx² exactly (exact_sum.c), in "small
 * superaccumulators" (Radford Neal, 2015): fixed-point numbers in chunks of
 * 32 bits, each chunk held in an int64 so that carries can wait. A double is
 * an odd integer mantissa of at most 53 bits times a power of two: adding it
 * changes 2 or 3 chunks. x² is the square of the integer mantissa (a 128-bit
 * integer, or split exactly into hi + lo by fma), times a power of two:
 * nothing underflows, however tiny x is.
 * The Σx² accumulator reaches down to 2^-2176, below the smallest square of
 * a double (2^-2148), so tiny values (subnormal ones included) are as exact
 * as any other. The frame's last value joins the sums only when the next row
 * arrives, so the sums are the others' sums the final function needs. It
 * works on copies of the chunks in use: it shifts the sums exactly by K, the
 * others' mean rounded to a double (T1 = Σ(v - K), T2 = Σ(v - K)²),
 * converts T1 and T2 to double-double (about 106 bits), and computes the
 * mean and variance
 * of the others from them in double-double. Since K is within one rounding
 * of the mean and the values are doubles too, T2 is at most about twice the
 * others' sum of squared deviations: no cancellation is left, even for values
 * like 1e9 + small noise, and zero deviation is detected exactly (T2 = 0).
 *
 * robust_zscore keeps the frame's values in a sorted array (binary search
 * and memmove). Its final function takes the median and the deviations from
 * it in double-double, where they are exact: the midpoint of two values a
 * few units in the last place apart is no double.
 *
 * The result depends on which value is last in the frame, which a partial
 * aggregate cannot know: none of these aggregates has a combine function.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "analytics.h"

/* ---------- the exact sums of analytics.zscore (exact_sum.c) ---------- */

/*
 * Σx: values lie between 2^-1074 and 2^512 in magnitude (their squares are
 * finite), fewer than 2^53 of them: bits 2^-1088 to 2^640 hold the sums and
 * the shifted sums of the final function with room to spare.
 */
#define SUM_LOW_EXP		(-1088)
#define SUM_CHUNKS		54

/*
 * Σx²: squares lie between 2^-2148 and 2^1024, the sums and the shifted sums
 * below 2^1091: bits 2^-2176 to 2^1152.
 */
#define SQ_LOW_EXP		(-2176)
#define SQ_CHUNKS		104

StaticAssertDecl(SUM_CHUNKS <= EXACT_SUM_MAX_CHUNKS && SQ_CHUNKS <= EXACT_SUM_MAX_CHUNKS,
				 "an exact sum of zscore has more chunks than EXACT_SUM_MAX_CHUNKS");

/* Fewer than 2^53 values per frame: counts are exact as doubles */
#define ZSCORE_MAX_VALUES	(INT64CONST(1) << 53)

/* ---------- double-double arithmetic (about 106 bits) ---------- */

/*
 * The error-free transformations use additions and explicit fma only, so
 * contraction of a * b + c by the compiler cannot break them.
 */
typedef struct DoubleDouble
{
	double		hi;
	double		lo;				/* |lo| <= ulp(hi) / 2 */
} DoubleDouble;

static inline DoubleDouble
DDMake(double hi, double lo)
{
	DoubleDouble r;

	r.hi = hi;
	r.lo = lo;
	return r;
}

/* a + b exactly as hi + lo, when |a| >= |b| or a = 0 */
static inline DoubleDouble
DDFastTwoSum(double a, double b)
{
	double		s = a + b;

	return DDMake(s, b - (s - a));
}

/* a + b exactly as hi + lo */
static inline DoubleDouble
DDTwoSum(double a, double b)
{
	double		s = a + b;
	double		bb = s - a;

	return DDMake(s, (a - (s - bb)) + (b - bb));
}

/* a * b exactly as hi + lo (unless lo underflows) */
static inline DoubleDouble
DDTwoProduct(double a, double b)
{
	double		p = a * b;

	return DDMake(p, fma(a, b, -p));
}

static inline DoubleDouble
DDAdd(DoubleDouble a, DoubleDouble b)
{
	DoubleDouble s = DDTwoSum(a.hi, b.hi);
	DoubleDouble t = DDTwoSum(a.lo, b.lo);

	s = DDFastTwoSum(s.hi, s.lo + t.hi);
	return DDFastTwoSum(s.hi, s.lo + t.lo);
}

/* a + b, b a double */
static inline DoubleDouble
DDAddD(DoubleDouble a, double b)
{
	DoubleDouble s = DDTwoSum(a.hi, b);

	return DDFastTwoSum(s.hi, s.lo + a.lo);
}

static inline DoubleDouble
DDNeg(DoubleDouble a)
{
	return DDMake(-a.hi, -a.lo);
}

static inline DoubleDouble
DDSub(DoubleDouble a, DoubleDouble b)
{
	return DDAdd(a, DDNeg(b));
}

static inline DoubleDouble
DDMul(DoubleDouble a, DoubleDouble b)
{
	DoubleDouble p = DDTwoProduct(a.hi, b.hi);

	return DDFastTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

static inline DoubleDouble
DDMulD(DoubleDouble a, double b)
{
	DoubleDouble p = DDTwoProduct(a.hi, b);

	return DDFastTwoSum(p.hi, p.lo + a.lo * b);
}

/* a / b, b != 0: three quotient digits */
static pg_attribute_always_inline DoubleDouble
DDDiv(DoubleDouble a, DoubleDouble b)
{
	double		q1 = a.hi / b.hi;
	DoubleDouble r = DDSub(a, DDMul(b, DDMake(q1, 0.0)));
	double		q2 = r.hi / b.hi;
	double		q3;

	r = DDSub(r, DDMulD(b, q2));
	q3 = r.hi / b.hi;
	return DDAdd(DDFastTwoSum(q1, q2), DDMake(q3, 0.0));
}

/* Square root of a > 0: a Newton step from the double root */
static inline DoubleDouble
DDSqrt(DoubleDouble a)
{
	double		s = sqrt(a.hi);
	DoubleDouble r = DDSub(a, DDTwoProduct(s, s));

	return DDFastTwoSum(s, r.hi / (2.0 * s));
}

/*
 * ldexp(a, e): one multiplication by 2^e when 2^e is a normal double. The
 * product is rounded correctly, as ldexp rounds (only a subnormal result
 * rounds at all), so the result is ldexp's to the bit.
 */
static inline double
FastLdexp(double a, int e)
{
	uint64		bits;
	double		p;

	if (e < -1022 || e > 1023)
		return ldexp(a, e);
	bits = (uint64) (e + 1023) << 52;
	memcpy(&p, &bits, sizeof(p));
	return a * p;
}

static inline DoubleDouble
DDLdexp(DoubleDouble a, int e)
{
	return DDMake(FastLdexp(a.hi, e), FastLdexp(a.lo, e));
}

/*
 * A sum as m * 2^(*exp), m a double-double with 1 <= |m| < 2^32 (0, with
 * *exp = 0, for zero). s is a scratch copy: it is normalized, and negated
 * when negative. The top five chunks (at least 129 bits) are all that count.
 */
static DoubleDouble
ExactSumToDD(ExactSum *s, int *exp)
{
	DoubleDouble r = DDMake(0.0, 0.0);
	bool		negative = false;
	bool		first = true;
	int			top;

	ExactSumNormalize(s);
	*exp = 0;
	if (s->hi < s->lo)
		return r;
	if (s->chunk[s->hi] < 0)
	{
		ExactSumNegate(s);
		ExactSumNormalize(s);
		negative = true;
	}
	top = s->hi;
	for (int j = 4; j >= 0; j--)
	{
		/* 2^(-32 j): chunk times it is exact, as ldexp(chunk, -32 j) is */
		static const double scale[5] = {1.0, 0x1p-32, 0x1p-64, 0x1p-96, 0x1p-128};
		double		c;

		if (top - j < s->lo)
			continue;
		c = (double) s->chunk[top - j] * scale[j];

		/* 0 + c, c >= 0, is (c, +0) in DDAdd too */
		r = first ? DDMake(c, 0.0) : DDAdd(r, DDMake(c, 0.0));
		first = false;
	}
	*exp = s->low_exp + 32 * top;
	return negative ? DDNeg(r) : r;
}

/* ---------- analytics.zscore and analytics.zscore_anomaly ---------- */

typedef struct ZScoreState
{
	int64		nvalues;		/* non-NULL values in the frame */
	double		last;			/* the latest value, unless last_null */
	bool		last_null;		/* the latest row's value was NULL */
	bool		has_threshold;	/* zscore_anomaly: the frame's threshold */
	double		threshold;

	/*
	 * Σx and Σx² over the values added and not removed, except the latest
	 * one while it is last (!last_null): it is added when the next row
	 * arrives, so that the final function finds the others' sums ready.
	 */
	ExactSum	sum;
	ExactSum	sq;
	int64		sum_chunks[SUM_CHUNKS];
	int64		sq_chunks[SQ_CHUNKS];
} ZScoreState;

static ZScoreState *
ZScoreStateGet(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggctx;
	ZScoreState *st;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "%s called in non-aggregate context", fname);
	if (!PG_ARGISNULL(0))
		return (ZScoreState *) PG_GETARG_POINTER(0);
	st = MemoryContextAlloc(aggctx, sizeof(ZScoreState));
	st->nvalues = 0;
	st->last = 0.0;
	st->last_null = true;
	st->has_threshold = false;
	st->threshold = 0.0;
	ExactSumInit(&st->sum, st->sum_chunks, SUM_CHUNKS, SUM_LOW_EXP);
	ExactSumInit(&st->sq, st->sq_chunks, SQ_CHUNKS, SQ_LOW_EXP);
	return st;
}

/* zscore_anomaly's threshold argument: valid, and the same in every row */
static void
ZScoreCheckThreshold(FunctionCallInfo fcinfo, ZScoreState *st)
{
	double		t;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("anomaly threshold must not be null")));
	t = PG_GETARG_FLOAT8(2);
	if (isnan(t) || isinf(t) || t < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("anomaly threshold %s is out of range", float8out_internal(t)),
				 errdetail("The threshold must be a finite number greater than or equal to 0.")));
	if (!st->has_threshold)
	{
		st->threshold = t;
		st->has_threshold = true;
	}
	else if (t != st->threshold)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("anomaly threshold differs within a window frame"),
				 errdetail("One frame has rows with thresholds %s and %s.",
						   float8out_internal(st->threshold), float8out_internal(t)),
				 errhint("Pass the same threshold in every row, such as a constant.")));
}

/*
 * The value argument of zscore and zscore_anomaly: false for NULL, else a
 * finite value whose square is finite (negative zero made positive).
 */
static bool
ZScoreValue(FunctionCallInfo fcinfo, double *value)
{
	double		v;

	if (PG_ARGISNULL(1))
		return false;
	v = PG_GETARG_FLOAT8(1);
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("z-score input must be a finite number"),
				 errdetail("A value is %s.", float8out_internal(v))));
	if (isinf(v * v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("z-score input %s is out of range", float8out_internal(v)),
				 errdetail("The absolute value of an input may be at most about 1.34e154, so that its square is a finite float8.")));
	*value = v == 0.0 ? 0.0 : v;
	return true;
}

/* Add the latest value to the sums: it is no longer the last */
static inline void
ZScoreSettleLast(ZScoreState *st)
{
	if (st->last_null)
		return;
	ExactSumAddDouble(&st->sum, st->last, 0, false);
	ExactSumAddProduct(&st->sq, st->last, st->last, 0, false);
	st->last_null = true;
}

/*
 * analytics.zscore and analytics.zscore_anomaly transition, plain and
 * moving: (state, value [, threshold])
 */
PG_FUNCTION_INFO_V1(zscore_trans);
Datum
zscore_trans(PG_FUNCTION_ARGS)
{
	ZScoreState *st = ZScoreStateGet(fcinfo, "zscore_trans");
	double		v;

	if (PG_NARGS() > 2)
		ZScoreCheckThreshold(fcinfo, st);
	if (!ZScoreValue(fcinfo, &v))
	{
		ZScoreSettleLast(st);
		PG_RETURN_POINTER(st);
	}
	if (st->nvalues + 1 >= ZSCORE_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values in a z-score window frame"),
				 errdetail("A frame may hold fewer than 2^53 values.")));
	ZScoreSettleLast(st);
	st->nvalues++;
	st->last = v;
	st->last_null = false;
	PG_RETURN_POINTER(st);
}

/*
 * analytics.zscore and analytics.zscore_anomaly inverse transition: removes
 * the frame's first row, exactly. The window machinery starts a new state
 * instead of removing a state's only row, so the latest row, the frame's
 * last, is never the one removed. (Were it removed while still out of the
 * sums, subtracting it from them would leave the sums the same value as
 * removing it from sums that held it: exact sums may go negative.)
 */
PG_FUNCTION_INFO_V1(zscore_inv);
Datum
zscore_inv(PG_FUNCTION_ARGS)
{
	ZScoreState *st;
	double		v;

	if (PG_ARGISNULL(0))
		elog(ERROR, "zscore_inv called without a state");
	st = ZScoreStateGet(fcinfo, "zscore_inv");
	if (!ZScoreValue(fcinfo, &v))
		PG_RETURN_POINTER(st);
	if (st->nvalues <= 0)
		elog(ERROR, "zscore_inv removed a value that was never added");
	ExactSumAddDouble(&st->sum, v, 0, true);
	ExactSumAddProduct(&st->sq, v, v, 0, true);
	st->nvalues--;
	PG_RETURN_POINTER(st);
}

/*
 * The z-score of the state's last value against its other values; false for
 * NULL. Works on copies of the chunks in use: the state is left as it was.
 */
static bool
ZScoreCompute(const ZScoreState *st, double *result)
{
	int64		m = st->nvalues - 1;
	double		x = st->last;
	double		k;
	int64		t1_chunks[SUM_CHUNKS];
	int64		t2_chunks[SQ_CHUNKS];
	int64		scratch_chunks[SUM_CHUNKS];
	ExactSum	t1,
				t2,
				scratch;
	DoubleDouble a,
				b,
				ss,
				sd,
				num,
				z;
	int			ea,
				eb,
				half;
	uint64		kmant;
	int			kexp;
	bool		kneg;

	if (st->last_null || m < 2)
		return false;

	/* the others: S1 = Σx - x and S2 = Σx² - x², exactly: the state's sums */
	ExactSumCopy(&t1, t1_chunks, &st->sum);
	ExactSumCopy(&t2, t2_chunks, &st->sq);

	/* K: the others' mean rounded to a double (|K| <= max |v| < 2^512) */
	ExactSumCopy(&scratch, scratch_chunks, &t1);
	a = ExactSumToDD(&scratch, &ea);
	k = FastLdexp(DDDiv(a, DDMake((double) m, 0.0)).hi, ea);

	/*
	 * T1 = Σ(v - K) = S1 - m K, and T2 = Σ(v - K)² = S2 - 2 K T1 - m K², all
	 * exact: m K² is m (h + l) 2^(2 e) with h + l the square of K's integer
	 * mantissa and e its exponent.
	 */
	ExactSumAddProduct(&t1, (double) m, k, 0, true);
	ExactSumNormalize(&t1);
	ExactSumAddScaled(&t2, &t1, k, 1, true);
	DoubleParts(k, &kmant, &kexp, &kneg);
	if (kmant != 0)
	{
		DoubleDouble ksq = DDTwoProduct((double) kmant, (double) kmant);

		ExactSumAddProduct(&t2, (double) m, ksq.hi, 2 * kexp, true);
		ExactSumAddProduct(&t2, (double) m, ksq.lo, 2 * kexp, true);
	}
	ExactSumNormalize(&t2);
	if (ExactSumSign(&t2) < 0)
		elog(ERROR, "sum of squares is negative");
	if (ExactSumSign(&t2) == 0)
		return false;			/* the others are all equal: s = 0 */

	/*
	 * In double-double, scaled by 2^-half so that T2 lies in [1, 2^33): the
	 * z-score does not change when all values are scaled alike.
	 */
	b = ExactSumToDD(&t2, &eb);
	a = ExactSumToDD(&t1, &ea);
	if (eb & 1)
	{
		b = DDMulD(b, 2.0);
		eb--;
	}
	half = eb / 2;
	a = DDLdexp(a, ea - half);	/* T1 2^-half: |T1|² <= m T2 */

	/* SS = T2 - T1² / m: at least about T2 / 2, no cancellation */
	ss = DDSub(b, DDDiv(DDMul(a, a), DDMake((double) m, 0.0)));
	if (ss.hi <= 0.0)
		return false;
	sd = DDSqrt(DDDiv(ss, DDMake((double) (m - 1), 0.0)));

	/* x - mean = (x - K) - T1 / m */
	num = DDSub(DDLdexp(DDTwoSum(x, -k), -half), DDDiv(a, DDMake((double) m, 0.0)));
	z = DDDiv(num, sd);
	if (isnan(z.hi) || isinf(z.hi))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("z-score is out of range"),
				 errdetail("The last value lies too many standard deviations from the mean for a float8.")));
	*result = z.hi;
	return true;
}

static const ZScoreState *
ZScoreFinalState(FunctionCallInfo fcinfo, const char *fname)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "%s called in non-aggregate context", fname);
	if (PG_ARGISNULL(0))
		return NULL;
	return (const ZScoreState *) PG_GETARG_POINTER(0);
}

/* analytics.zscore final: the z-score of the frame's last value (read-only) */
PG_FUNCTION_INFO_V1(zscore_final);
Datum
zscore_final(PG_FUNCTION_ARGS)
{
	const ZScoreState *st = ZScoreFinalState(fcinfo, "zscore_final");
	double		z;

	if (st == NULL || !ZScoreCompute(st, &z))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(z);
}

/* analytics.zscore_anomaly final: |z| > threshold (read-only) */
PG_FUNCTION_INFO_V1(zscore_anomaly_final);
Datum
zscore_anomaly_final(PG_FUNCTION_ARGS)
{
	const ZScoreState *st = ZScoreFinalState(fcinfo, "zscore_anomaly_final");
	double		z;

	if (st == NULL || !ZScoreCompute(st, &z))
		PG_RETURN_NULL();
	Assert(st->has_threshold);
	PG_RETURN_BOOL(fabs(z) > st->threshold);
}

/* ---------- analytics.robust_zscore ---------- */

/* The frame's values in ascending order */
typedef struct RobustState
{
	int32		n;				/* non-NULL values in the frame */
	int32		capacity;
	double		last;			/* the latest value, unless last_null */
	bool		last_null;		/* the latest row's value was NULL */
	double	   *values;			/* sorted, in the aggregate context */
} RobustState;

#define ROBUST_INITIAL_CAPACITY 32
#define ROBUST_MAX_VALUES		((int32) (MaxAllocSize / sizeof(double)))

/* The modified z-score's constant: the 0.75 quantile of the standard normal */
#define ROBUST_CONSTANT			0.6745

static RobustState *
RobustStateGet(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggctx;
	RobustState *st;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "%s called in non-aggregate context", fname);
	if (!PG_ARGISNULL(0))
		return (RobustState *) PG_GETARG_POINTER(0);
	st = MemoryContextAlloc(aggctx, sizeof(RobustState));
	st->n = 0;
	st->capacity = ROBUST_INITIAL_CAPACITY;
	st->last = 0.0;
	st->last_null = true;
	st->values = MemoryContextAlloc(aggctx, st->capacity * sizeof(double));
	return st;
}

/* The value argument: false for NULL, else a finite value (no negative zero) */
static bool
RobustValue(FunctionCallInfo fcinfo, double *value)
{
	double		v;

	if (PG_ARGISNULL(1))
		return false;
	v = PG_GETARG_FLOAT8(1);
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("robust z-score input must be a finite number"),
				 errdetail("A value is %s.", float8out_internal(v))));
	*value = v == 0.0 ? 0.0 : v;
	return true;
}

/* First index of values[0 .. n-1] holding a value >= v (upper: > v) */
static int32
RobustSearch(const double *values, int32 n, double v, bool upper)
{
	int32		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (values[mid] < v || (upper && values[mid] == v))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* analytics.robust_zscore transition, plain and moving: inserts in order */
PG_FUNCTION_INFO_V1(robust_zscore_trans);
Datum
robust_zscore_trans(PG_FUNCTION_ARGS)
{
	RobustState *st = RobustStateGet(fcinfo, "robust_zscore_trans");
	double		v;
	int32		pos;

	if (!RobustValue(fcinfo, &v))
	{
		st->last_null = true;
		PG_RETURN_POINTER(st);
	}
	if (st->n == st->capacity)
	{
		if (st->capacity >= ROBUST_MAX_VALUES / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many values in a robust z-score window frame"),
					 errdetail("A frame may hold at most %d values.", ROBUST_MAX_VALUES / 2)));
		st->capacity *= 2;
		st->values = repalloc(st->values, st->capacity * sizeof(double));
	}
	pos = RobustSearch(st->values, st->n, v, true);
	memmove(st->values + pos + 1, st->values + pos, (st->n - pos) * sizeof(double));
	st->values[pos] = v;
	st->n++;
	st->last = v;
	st->last_null = false;
	PG_RETURN_POINTER(st);
}

/*
 * analytics.robust_zscore inverse transition: removes the frame's first row
 * (one value equal to it: equal values cannot be told apart).
 */
PG_FUNCTION_INFO_V1(robust_zscore_inv);
Datum
robust_zscore_inv(PG_FUNCTION_ARGS)
{
	RobustState *st;
	double		v;
	int32		pos;

	if (PG_ARGISNULL(0))
		elog(ERROR, "robust_zscore_inv called without a state");
	st = RobustStateGet(fcinfo, "robust_zscore_inv");
	if (!RobustValue(fcinfo, &v))
		PG_RETURN_POINTER(st);
	pos = RobustSearch(st->values, st->n, v, false);
	if (pos >= st->n || st->values[pos] != v)
		elog(ERROR, "robust_zscore_inv removed a value that was never added");
	memmove(st->values + pos, st->values + pos + 1, (st->n - pos - 1) * sizeof(double));
	st->n--;
	PG_RETURN_POINTER(st);
}

/*
 * The jth of the others (the sorted values without the one at skip) times
 * 2^scale, exactly
 */
static inline double
RobustOther(const double *values, int32 skip, int scale, int32 j)
{
	double		v = values[j < skip ? j : j + 1];

	return scale == 0 ? v : ldexp(v, scale);
}

/* (a + b) / 2 as a double-double: exact, since a + b is and halving is */
static inline DoubleDouble
RobustMid(DoubleDouble a, DoubleDouble b)
{
	DoubleDouble s = DDAdd(a, b);

	return DDMake(s.hi * 0.5, s.lo * 0.5);
}

/* a <= b, for double-doubles */
static inline bool
DDLessEqual(DoubleDouble a, DoubleDouble b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

/*
 * analytics.robust_zscore final: the median of the others, then their MAD by
 * a walk outward from the median over the sorted values (the deviations on
 * either side come in ascending order, as in a merge). O(frame); read-only.
 *
 * The median of an even count, the deviations and the MAD are kept as
 * double-doubles, in which they are exact: the midpoint of two values a few
 * units in the last place apart is no double, and rounding it would be an
 * error as large as the deviations themselves. Halving is exact unless it
 * underflows, so when every value is below 2^-500 they are first scaled up
 * to about 1 (a power of two: the score does not change); near the float8
 * limit they are scaled down by 4, so that no sum or difference overflows.
 * (A frame mixing subnormal values with values above 2^-500 may lose the
 * lowest bit of a halved subnormal.)
 */
PG_FUNCTION_INFO_V1(robust_zscore_final);
Datum
robust_zscore_final(PG_FUNCTION_ARGS)
{
	const RobustState *st;
	const double *vals;
	int32		m,
				skip,
				h,
				left,
				right,
				kth,
				last_step;
	int			scale = 0;
	double		largest,
				ma,
				mb,
				twice,
				z;
	DoubleDouble x,
				median,
				mad,
				d1 = DDMake(0.0, 0.0),
				d2 = DDMake(0.0, 0.0);

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "robust_zscore_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (const RobustState *) PG_GETARG_POINTER(0);
	m = st->n - 1;
	if (st->last_null || m < 2)
		PG_RETURN_NULL();
	vals = st->values;

	/* the others: the sorted values without one copy of the last value */
	skip = RobustSearch(vals, st->n, st->last, false);
	if (skip >= st->n || vals[skip] != st->last)
		elog(ERROR, "robust_zscore_final lost the frame's last value");

	largest = Max(fabs(vals[0]), fabs(vals[st->n - 1]));
	if (largest > ldexp(1.0, 1020))
		scale = -2;
	else if (largest > 0.0 && largest < ldexp(1.0, -500))
		scale = -ilogb(largest);
	x = DDMake(ldexp(st->last, scale), 0.0);

	/* the median, (ma + mb) / 2: ma = mb = the middle value when m is odd */
	h = m / 2;
	if (m % 2 == 1)
	{
		ma = mb = RobustOther(vals, skip, scale, h);
		left = h;				/* its deviation, 0, comes first */
		kth = h;
	}
	else
	{
		ma = RobustOther(vals, skip, scale, h - 1);
		mb = RobustOther(vals, skip, scale, h);
		left = h - 1;
		kth = h - 1;
	}
	right = left + 1;
	median = RobustMid(DDMake(ma, 0.0), DDMake(mb, 0.0));
	twice = ma + mb;

	/*
	 * The deviations in ascending order, merging those below the median
	 * (walking left) and those above it (walking right): the kth, and for m
	 * even the next one too. median - l <= r - median exactly when
	 * ma + mb <= l + r; rounding keeps the order of sums, so the rounded sums
	 * decide unless they are equal, and then their exact values do.
	 */
	last_step = m % 2 == 1 ? kth : kth + 1;
	for (int32 step = 0; step <= last_step; step++)
	{
		bool		take_left;

		if (right >= m)
			take_left = true;
		else if (left < 0)
			take_left = false;
		else
		{
			double		l = RobustOther(vals, skip, scale, left);
			double		r = RobustOther(vals, skip, scale, right);
			double		sum = l + r;

			if (sum != twice)
				take_left = twice < sum;
			else
				take_left = DDLessEqual(DDTwoSum(ma, mb), DDTwoSum(l, r));
		}
		if (step >= kth)
		{
			DoubleDouble d;

			if (take_left)
				d = DDAddD(median, -RobustOther(vals, skip, scale, left));
			else
				d = DDAddD(DDNeg(median), RobustOther(vals, skip, scale, right));
			if (step == kth)
				d1 = d;
			else
				d2 = d;
		}
		if (take_left)
			left--;
		else
			right++;
		CHECK_FOR_INTERRUPTS_EVERY(step, INTERRUPT_CADENCE);
	}
	mad = m % 2 == 1 ? d1 : RobustMid(d1, d2);
	if (mad.hi == 0.0)
		PG_RETURN_NULL();

	z = DDMulD(DDDiv(DDSub(x, median), mad), ROBUST_CONSTANT).hi;
	if (isnan(z) || isinf(z))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("robust z-score is out of range"),
				 errdetail("The last value lies too many median absolute deviations from the median for a float8.")));
	PG_RETURN_FLOAT8(z);
}
