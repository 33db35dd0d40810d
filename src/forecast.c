/*-------------------------------------------------------------------------
 *
 * forecast.c
 *	  Time series: linear_forecast, trend_summary and detect_season.
 *
 * Time is measured in steps from the first (earliest) observation:
 *
 * - a step without a month part ('1 day', '1 hour', '7 days') has a fixed
 *	 length, a day counting 24 hours: t = (ts - first) / step;
 * - a step of whole months ('1 month', '3 months', '1 year') counts calendar
 *	 months in the session time zone: t = (12 (year - year0) + (month -
 *	 month0) + (day - day0 + (time of day - time of day0) / 24 h) / 31) /
 *	 months in step, so observations on the same day of every month are
 *	 whole steps apart. A step mixing months with days or time is refused.
 *
 * linear_forecast fits value ~ 1 + t (+ seasonal position floor(t) mod s)
 * by least squares (the AS 274 factor of lsq.c), and forecasts with
 * prediction intervals from the t distribution. detect_season looks for the
 * strongest cycle in the autocorrelation of the detrended series. Both keep
 * every observation (16 bytes) in an internal state, serialized for
 * parallel plans. trend_summary keeps O(1) sums in a float8[], updated and
 * merged as PostgreSQL's regr_* aggregates do (Youngs and Cramer).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "analytics.h"

#define FORECAST_MAX_HORIZON	10000
#define FORECAST_MAX_SEASON		(ANALYTICS_LSQ_MAX_P - 2)

/* linear_forecast's confidence when the call gives none */
#define FORECAST_DEFAULT_CONFIDENCE 0.95

/*
 * A step position within this much below a whole step counts as that step:
 * month positions and divisions by the step length can round just below a
 * whole number of steps.
 */
#define FORECAST_STEP_SLACK		1e-9

/* The longest period detect_season looks for, in steps */
#define SEASON_MAX_LAG			400

/*
 * The least autocorrelation a season must show, whatever the length of the
 * series: a weaker cycle is no use to a forecast even when significant.
 */
#define SEASON_MIN_ACF			0.3

/*
 * The 95% bound of the sample autocorrelation of white noise is
 * SEASON_WHITE_NOISE_Z / sqrt(n): r(k) of an uncorrelated series is about
 * normal with variance 1 / n, and 1.96 is the standard normal's 97.5%
 * quantile (two-sided 5%).
 */
#define SEASON_WHITE_NOISE_Z	1.96

/*
 * trend_summary calls a slope increasing or decreasing when the two-sided p
 * value of its t test is below this significance level, else stable.
 */
#define TREND_SIGNIFICANCE		0.05

/* A step: whole months, or a fixed length in microseconds */
typedef struct ForecastStep
{
	int32		months;
	int64		usecs;
} ForecastStep;

static ForecastStep
ForecastStepOf(const Interval *iv, const char *fname)
{
	ForecastStep step = {0, 0};

	if (iv->month != 0 && (iv->day != 0 || iv->time != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s step must be whole months or have no month part", fname),
				 errdetail("Months have no fixed length, so a step like '1 month 2 days' has none either."),
				 errhint("Use a step such as '1 month', '3 months', '1 year', '1 day' or '1 hour'.")));
	if (iv->month != 0)
		step.months = iv->month;
	else
		step.usecs = AnalyticsIntervalUsecs(iv, "step");
	if (step.months < 0 || step.usecs < 0 || (step.months == 0 && step.usecs == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s step must be positive", fname)));
	return step;
}

/* Calendar months since year 0 (with the day's fraction over 31 days) */
static double
ForecastMonthPosition(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (timestamp2tm(ts, &tz, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return 12.0 * tm.tm_year + (tm.tm_mon - 1) +
		(tm.tm_mday - 1 + ((tm.tm_hour * 60.0 + tm.tm_min) * 60.0 + tm.tm_sec + fsec / 1e6) / 86400.0) / 31.0;
}

/*
 * The position of ts in steps from origin (absolute positions for month
 * steps are kept as month positions, see ForecastStepsFrom).
 */
static double
ForecastStepsFrom(TimestampTz ts, TimestampTz origin, const ForecastStep *step)
{
	int64		d;

	if (step->months != 0)
		return (ForecastMonthPosition(ts) - ForecastMonthPosition(origin)) / step->months;
	/* more than 292,000 years apart: the difference does not fit an int64 */
	if (pg_sub_s64_overflow(ts, origin, &d))
		return ((double) ts - (double) origin) / (double) step->usecs;
	return (double) d / (double) step->usecs;
}

static void
ForecastCheckObservation(TimestampTz ts, double value, const char *fname)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s timestamps must be finite", fname)));
	if (isnan(value) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s values must be finite", fname),
				 errdetail("The value at %s is %s.", timestamptz_to_str(ts),
						   isnan(value) ? "NaN" : "infinite"),
				 errhint("Filter out such rows, or make them NULL to skip them.")));
}

static void
ForecastCheckNotNull(FunctionCallInfo fcinfo, int arg, const char *fname, const char *what)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s %s must not be null", fname, what)));
}

/* ---------- the observations state (linear_forecast, detect_season) ---------- */

typedef struct ForecastPoint
{
	TimestampTz ts;
	double		y;
} ForecastPoint;

/* What is fixed for a group: the same in every row and every partial state */
typedef struct ForecastParams
{
	int32		kind;			/* FORECAST_KIND_* */
	int32		horizon;
	int32		season;			/* -1 detect, 0 none, >= 2 period */
	int32		months;			/* the step */
	int64		usecs;
	double		confidence;
} ForecastParams;

#define FORECAST_KIND_FORECAST	1
#define FORECAST_KIND_SEASON	2

typedef struct ForecastState
{
	ForecastParams params;
	int64		n;
	int64		capacity;
	ForecastPoint *points;
} ForecastState;

/* Serialized: the header, then n points as they are in memory */
#define FORECAST_STATE_VERSION	1

typedef struct ForecastWire
{
	int32		version;
	int32		pad;
	ForecastParams params;
	int64		n;
} ForecastWire;

static const char *
ForecastName(int32 kind)
{
	return kind == FORECAST_KIND_FORECAST ? "linear_forecast" : "detect_season";
}

/* The parameter ranges, shared by the transition and the deserializer */
static inline bool
ForecastHorizonValid(int32 horizon)
{
	return horizon >= 1 && horizon <= FORECAST_MAX_HORIZON;
}

static inline bool
ForecastConfidenceValid(double confidence)
{
	return confidence > 0.0 && confidence < 1.0;
}

static inline bool
ForecastSeasonValid(int32 season)
{
	return season >= -1 && season != 1 && season <= FORECAST_MAX_SEASON;
}

static void
ForecastCheckParams(const ForecastParams *params)
{
	const char *fname = ForecastName(params->kind);

	if (params->kind == FORECAST_KIND_FORECAST)
	{
		if (!ForecastHorizonValid(params->horizon))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s horizon must be between 1 and %d, got %d",
							fname, FORECAST_MAX_HORIZON, params->horizon)));
		if (!ForecastConfidenceValid(params->confidence))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s confidence must be strictly between 0 and 1, got %g",
							fname, params->confidence)));
		if (!ForecastSeasonValid(params->season))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s season must be -1 (detect), 0 (none) or a period from 2 to %d, got %d",
							fname, FORECAST_MAX_SEASON, params->season)));
	}
}

static bool
ForecastParamsEqual(const ForecastParams *a, const ForecastParams *b)
{
	return a->kind == b->kind && a->horizon == b->horizon && a->season == b->season &&
		a->months == b->months && a->usecs == b->usecs && a->confidence == b->confidence;
}

static void
ForecastCheckSameParams(const ForecastParams *a, const ForecastParams *b)
{
	if (!ForecastParamsEqual(a, b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s arguments differ between rows of a group", ForecastName(a->kind)),
				 errdetail("Horizon, step, confidence and season must be the same in every row of a group.")));
}

static ForecastState *
ForecastStateNew(MemoryContext cxt, const ForecastParams *params, int64 capacity)
{
	ForecastState *st = MemoryContextAllocZero(cxt, sizeof(ForecastState));

	st->params = *params;
	st->capacity = Max(capacity, 16);
	st->points = MemoryContextAllocHuge(cxt, st->capacity * sizeof(ForecastPoint));
	return st;
}

static void
ForecastReserve(ForecastState *st, int64 more)
{
	int64		need = st->n + more;

	if (need > st->capacity)
	{
		int64		cap = Max(need, 2 * st->capacity);

		if ((Size) cap * sizeof(ForecastPoint) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s keeps too many observations", ForecastName(st->params.kind))));
		st->points = repalloc_huge(st->points, cap * sizeof(ForecastPoint));
		st->capacity = cap;
	}
}

/*
 * Transition of linear_forecast (ts, value, horizon, step [, confidence,
 * season]) and detect_season (ts, value, step): keep the observation.
 */
static Datum
ForecastTrans(FunctionCallInfo fcinfo, int32 kind)
{
	MemoryContext aggcxt;
	ForecastState *st = PG_ARGISNULL(0) ? NULL : (ForecastState *) PG_GETARG_POINTER(0);
	const char *fname = ForecastName(kind);
	ForecastParams params = {0};
	TimestampTz ts;
	double		y;
	ForecastStep step;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "%s called in non-aggregate context", fname);

	params.kind = kind;
	if (kind == FORECAST_KIND_FORECAST)
	{
		ForecastCheckNotNull(fcinfo, 3, fname, "horizon");
		ForecastCheckNotNull(fcinfo, 4, fname, "step");
		params.horizon = PG_GETARG_INT32(3);
		step = ForecastStepOf(PG_GETARG_INTERVAL_P(4), fname);
		params.confidence = FORECAST_DEFAULT_CONFIDENCE;
		if (PG_NARGS() > 5)
		{
			ForecastCheckNotNull(fcinfo, 5, fname, "confidence");
			ForecastCheckNotNull(fcinfo, 6, fname, "season");
			params.confidence = PG_GETARG_FLOAT8(5);
			params.season = PG_GETARG_INT32(6);
		}
	}
	else
	{
		ForecastCheckNotNull(fcinfo, 3, fname, "step");
		step = ForecastStepOf(PG_GETARG_INTERVAL_P(3), fname);
	}
	params.months = step.months;
	params.usecs = step.usecs;

	if (st == NULL)
	{
		ForecastCheckParams(&params);
		st = ForecastStateNew(aggcxt, &params, 16);
	}
	else
		ForecastCheckSameParams(&st->params, &params);

	/* rows without time or value are left out */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	y = PG_GETARG_FLOAT8(2);
	ForecastCheckObservation(ts, y, fname);
	ForecastReserve(st, 1);
	st->points[st->n].ts = ts;
	st->points[st->n].y = y;
	st->n++;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(linear_forecast_trans);

/* Transition of linear_forecast */
Datum
linear_forecast_trans(PG_FUNCTION_ARGS)
{
	return ForecastTrans(fcinfo, FORECAST_KIND_FORECAST);
}

PG_FUNCTION_INFO_V1(detect_season_trans);

/* Transition of detect_season */
Datum
detect_season_trans(PG_FUNCTION_ARGS)
{
	return ForecastTrans(fcinfo, FORECAST_KIND_SEASON);
}

PG_FUNCTION_INFO_V1(forecast_combine);

/* Combine: append the second state's observations to the first's */
Datum
forecast_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ForecastState *a = PG_ARGISNULL(0) ? NULL : (ForecastState *) PG_GETARG_POINTER(0);
	ForecastState *b = PG_ARGISNULL(1) ? NULL : (ForecastState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "forecast_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		/* copy: the second state belongs to someone else */
		a = ForecastStateNew(aggcxt, &b->params, b->n);
	}
	else
		ForecastCheckSameParams(&a->params, &b->params);
	ForecastReserve(a, b->n);
	memcpy(a->points + a->n, b->points, b->n * sizeof(ForecastPoint));
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(forecast_serialize);

/* Serialize: header, then the observations */
Datum
forecast_serialize(PG_FUNCTION_ARGS)
{
	ForecastState *st = (ForecastState *) PG_GETARG_POINTER(0);
	Size		size = VARHDRSZ + sizeof(ForecastWire) + st->n * sizeof(ForecastPoint);
	bytea	   *out;
	ForecastWire wire = {0};

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "forecast_serialize called in non-aggregate context");
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s state of %lld observations is too large to pass between parallel workers",
						ForecastName(st->params.kind), (long long) st->n),
				 errhint("Run the query with max_parallel_workers_per_gather = 0.")));
	out = palloc(size);
	SET_VARSIZE(out, size);
	wire.version = FORECAST_STATE_VERSION;
	wire.params = st->params;
	wire.n = st->n;
	memcpy(VARDATA(out), &wire, sizeof(wire));
	memcpy(VARDATA(out) + sizeof(wire), st->points, st->n * sizeof(ForecastPoint));
	PG_RETURN_BYTEA_P(out);
}

/*
 * Why a deserialized header is not one a group of rows could have given, or
 * NULL: the kind, a positive step of whole months or of microseconds, and
 * for linear_forecast the ranges its transition checks (detect_season
 * leaves those zero).
 */
static const char *
ForecastWireProblem(const ForecastParams *params)
{
	if (params->kind != FORECAST_KIND_FORECAST && params->kind != FORECAST_KIND_SEASON)
		return "The kind of state is unknown.";
	if (!((params->months > 0 && params->usecs == 0) ||
		  (params->months == 0 && params->usecs > 0)))
		return "The step is not a positive number of months or microseconds.";
	if (params->kind == FORECAST_KIND_FORECAST
		? !ForecastHorizonValid(params->horizon) ||
		!ForecastConfidenceValid(params->confidence) ||
		!ForecastSeasonValid(params->season)
		: params->horizon != 0 || params->confidence != 0.0 || params->season != 0)
		return "The horizon, confidence or season is out of range.";
	return NULL;
}

pg_attribute_noreturn()
static void
ForecastBadState(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid forecast state"),
			 errdetail("%s", detail)));
}

PG_FUNCTION_INFO_V1(forecast_deserialize);

/* Deserialize: check the header against the length, and every observation */
Datum
forecast_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(in);
	ForecastWire wire;
	ForecastState *st;
	const char *problem;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "forecast_deserialize called in non-aggregate context");
	if (len < sizeof(wire))
		ForecastBadState(psprintf("The state has %zu bytes, fewer than its header.", len));
	memcpy(&wire, VARDATA_ANY(in), sizeof(wire));
	if (wire.version != FORECAST_STATE_VERSION || wire.n < 0 ||
		(Size) wire.n != (len - sizeof(wire)) / sizeof(ForecastPoint) ||
		(len - sizeof(wire)) % sizeof(ForecastPoint) != 0)
		ForecastBadState("The header does not match the state's length or version.");
	/* the step and parameters must be ones a row could have given */
	problem = ForecastWireProblem(&wire.params);
	if (problem != NULL)
		ForecastBadState(problem);
	st = ForecastStateNew(CurrentMemoryContext, &wire.params, wire.n);
	memcpy(st->points, VARDATA_ANY(in) + sizeof(wire), wire.n * sizeof(ForecastPoint));
	st->n = wire.n;
	/* observations as the transition accepts them: finite times and values */
	for (int64 i = 0; i < st->n; i++)
	{
		CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE);
		if (!IS_VALID_TIMESTAMP(st->points[i].ts) || !isfinite(st->points[i].y))
			ForecastBadState(psprintf("Observation %lld is not finite.", (long long) i));
	}
	PG_RETURN_POINTER(st);
}

/* ---------- the model ---------- */

static int
ForecastPointCmp(const void *a, const void *b)
{
	TimestampTz ta = ((const ForecastPoint *) a)->ts;
	TimestampTz tb = ((const ForecastPoint *) b)->ts;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return 0;
}

/* Seasonal position of step t (floor, forgiving rounding just below a step) */
static inline int
ForecastPosition(double t, int season)
{
	double		k = floor(t + FORECAST_STEP_SLACK);
	double		r = fmod(k, (double) season);

	return (int) (r < 0 ? r + season : r);
}

/* The design row at step t: 1, t, then one indicator per position 1..s-1 */
static inline void
ForecastRow(double *x, int p, double t, int season)
{
	x[0] = 1.0;
	x[1] = t;
	for (int j = 2; j < p; j++)
		x[j] = 0.0;
	if (season >= 2)
	{
		int			pos = ForecastPosition(t, season);

		if (pos > 0)
			x[1 + pos] = 1.0;
	}
}

/* Observations in time order, with their steps from the first */
typedef struct ForecastSeries
{
	const char *fname;
	ForecastStep step;
	int64		n;
	ForecastPoint *points;		/* sorted by ts */
	double	   *t;
} ForecastSeries;

static void
ForecastSeriesOf(ForecastState *st, ForecastSeries *s, int min_n)
{
	s->fname = ForecastName(st->params.kind);
	s->step.months = st->params.months;
	s->step.usecs = st->params.usecs;
	s->n = st->n;
	if (st->n < min_n)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s needs at least %d observations, got %lld",
						s->fname, min_n, (long long) st->n),
				 errhint("Give each group at least %d rows, for example with HAVING count(*) >= %d.",
						 min_n, min_n)));
	/* sorting in place leaves the state valid (FINALFUNC_MODIFY = SHAREABLE) */
	qsort(st->points, st->n, sizeof(ForecastPoint), ForecastPointCmp);
	s->points = st->points;
	if (s->points[0].ts == s->points[s->n - 1].ts)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s needs observations at different times", s->fname),
				 errdetail("All %lld observations are at %s.", (long long) s->n,
						   timestamptz_to_str(s->points[0].ts))));
	s->t = palloc_extended(s->n * sizeof(double), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < s->n; i++)
		s->t[i] = ForecastStepsFrom(s->points[i].ts, s->points[0].ts, &s->step);
}

/*
 * Least squares of the series on 1, t and the seasonal indicators. A design
 * that does not determine the coefficients is an error, explained.
 */
static void
ForecastFit(const ForecastSeries *s, int season, AnalyticsLsqFit *fit)
{
	int			p = season >= 2 ? season + 1 : 2;
	double	   *f;
	double		x[ANALYTICS_LSQ_MAX_P];

	if (p > ANALYTICS_LSQ_MAX_P)
		elog(ERROR, "season %d is beyond the largest that can be fitted", season);
	f = palloc0(AnalyticsLsqSize(p) * sizeof(double));

	if (s->n < p + 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s needs at least %d observations for %d coefficients, got %lld",
						s->fname, p + 1, p, (long long) s->n),
				 season >= 2 ? errdetail("A season of %d adds %d coefficients to the trend's 2.",
										 season, season - 1) : 0));
	for (int64 i = 0; i < s->n; i++)
	{
		CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE);
		ForecastRow(x, p, s->t[i], season);
		AnalyticsLsqInclude(f, p, 1.0, x, s->points[i].y);
	}
	for (int i = 0; i < AnalyticsLsqSize(p); i++)
		if (!isfinite(f[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s sums of squares overflow", s->fname),
					 errhint("Scale the values down.")));
	AnalyticsLsqSolve(f, p, ANALYTICS_LSQ_TOL, fit);
	if (fit->rank < p)
	{
		/* which position has no observation? */
		int		   *count = palloc0(Max(season, 1) * sizeof(int));

		for (int64 i = 0; season >= 2 && i < s->n; i++)
			count[ForecastPosition(s->t[i], season)]++;
		for (int j = 0; season >= 2 && j < season; j++)
			if (count[j] == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("%s cannot fit a season of %d", s->fname, season),
						 errdetail("No observation falls on seasonal position %d (steps %d, %d, ... from the first).",
								   j, j, j + season),
						 errhint("Use a shorter season, or more observations.")));
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s cannot fit the model: its design is singular", s->fname),
				 errdetail("The trend and seasonal columns are linearly dependent at these times.")));
	}
	pfree(f);
}

/*
 * c[k] = sum over i of e[i] e[i + k], for k = 0 .. nlags (nlags < n), by
 * FFT: the power spectrum of e padded with zeros to a power of two of at
 * least n + nlags + 1 points (so that no product wraps around) transformed
 * back. O(n log n) instead of the direct O(n nlags); equal to the direct
 * sums up to rounding (about 1e-15 of c[0]).
 */
static void
ForecastAutocovariance(const double *e, int64 n, int nlags, double *c)
{
	size_t		len = 4;
	double	   *x;

	while (len < (size_t) (n + nlags + 1))
		len <<= 1;
	x = palloc_extended(len * sizeof(double), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	memcpy(x, e, n * sizeof(double));
	CHECK_FOR_INTERRUPTS();
	AnalyticsGslCheck(gsl_fft_real_radix2_transform(x, 1, len), "the autocorrelation's Fourier transform");
	/* halfcomplex: x[0] and x[len / 2] real, x[k] + i x[len - k] between */
	x[0] *= x[0];
	x[len / 2] *= x[len / 2];
	for (size_t k = 1; k < len / 2; k++)
	{
		x[k] = x[k] * x[k] + x[len - k] * x[len - k];
		x[len - k] = 0.0;
	}
	CHECK_FOR_INTERRUPTS();
	AnalyticsGslCheck(gsl_fft_halfcomplex_radix2_inverse(x, 1, len), "the autocorrelation's inverse Fourier transform");
	for (int k = 0; k <= nlags; k++)
		c[k] = x[k];
	pfree(x);
}

/*
 * The season rule: on the series detrended by least squares, the lag k in
 * 2 .. min(n / 2, max_period) (SEASON_MAX_LAG, 400, for detect_season;
 * linear_forecast fits seasons of at most FORECAST_MAX_SEASON steps, so it
 * looks no further) where the sample autocorrelation r(k) is a local maximum
 * (r(k) > r(k - 1), r(k) >= r(k + 1)) above both 1.96 / sqrt(n)
 * (SEASON_WHITE_NOISE_Z) and 0.3 (SEASON_MIN_ACF) with the highest r(k).
 * Returns the period (0 for none) and r(k).
 */
static int
ForecastDetectSeason(const ForecastSeries *s, int max_period, double *strength)
{
	AnalyticsLsqFit fit;
	int64		n = s->n;
	double	   *e = palloc_extended(n * sizeof(double), MCXT_ALLOC_HUGE);
	double		mean = 0.0,
				c0 = 0.0,
				threshold = Max(SEASON_MIN_ACF, SEASON_WHITE_NOISE_Z / sqrt((double) n));
	int			maxlag = (int) Min(n / 2, max_period);
	int			nlags = (int) Min(maxlag + 1, n - 1);
	double	   *r = palloc0((nlags + 2) * sizeof(double));
	int			best = 0;

	*strength = 0.0;
	ForecastFit(s, 0, &fit);
	for (int64 i = 0; i < n; i++)
	{
		e[i] = s->points[i].y - (fit.beta[0] + fit.beta[1] * s->t[i]);
		mean += e[i];
	}
	mean /= n;
	for (int64 i = 0; i < n; i++)
	{
		e[i] -= mean;
		c0 += e[i] * e[i];
	}
	if (c0 == 0.0 || maxlag < 2)
		return 0;
	ForecastAutocovariance(e, n, nlags, r);
	for (int k = 1; k <= nlags; k++)
		r[k] /= c0;
	for (int k = 2; k <= maxlag; k++)
	{
		bool		peak = r[k] > r[k - 1] && (k + 1 > nlags || r[k] >= r[k + 1]);

		if (peak && r[k] > threshold && (best == 0 || r[k] > r[best]))
			best = k;
	}
	pfree(e);
	if (best > 0)
		*strength = r[best];
	return best;
}

PG_FUNCTION_INFO_V1(detect_season_final);

/* Final of detect_season: (period, strength) */
Datum
detect_season_final(PG_FUNCTION_ARGS)
{
	ForecastState *st;
	ForecastSeries s;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	double		strength;
	int			period;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "detect_season_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (ForecastState *) PG_GETARG_POINTER(0);
	if (st->n == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "detect_season_final must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	ForecastSeriesOf(st, &s, 3);
	period = ForecastDetectSeason(&s, SEASON_MAX_LAG, &strength);
	values[0] = Int32GetDatum(period);
	values[1] = Float8GetDatum(strength);
	nulls[1] = period == 0;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * The model of a linear_forecast or forecast_total state: the series, the
 * season (detected when -1), the fit, s^2 = RSS / (n - p) and the t quantile
 * of the two-sided interval at the state's confidence.
 */
typedef struct ForecastModel
{
	ForecastSeries s;
	AnalyticsLsqFit fit;
	int			season;
	int			p;
	double		sigma2;
	double		q;
} ForecastModel;

static void
ForecastModelOf(ForecastState *st, ForecastModel *m)
{
	ForecastSeriesOf(st, &m->s, 3);
	m->season = st->params.season;
	if (m->season == -1)
	{
		double		strength;

		m->season = ForecastDetectSeason(&m->s, FORECAST_MAX_SEASON, &strength);
	}
	m->p = m->season >= 2 ? m->season + 1 : 2;
	ForecastFit(&m->s, m->season, &m->fit);
	m->sigma2 = m->fit.rss / (m->s.n - m->p);
	m->q = gsl_cdf_tdist_Qinv((1.0 - st->params.confidence) / 2.0, (double) (m->s.n - m->p));
	if (!isfinite(m->q))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s cannot compute the t quantile for confidence %g",
						m->s.fname, st->params.confidence)));
}

/* The time and the design row of step h (1 = the first after the last observation) */
static TimestampTz
ForecastFutureRow(ForecastState *st, const ForecastModel *m, int h, double *x0)
{
	Interval	step;
	Interval   *ivh;
	TimestampTz ts;

	memset(&step, 0, sizeof(Interval));
	step.month = st->params.months;
	step.time = st->params.usecs;
	ivh = DatumGetIntervalP(DirectFunctionCall2(interval_mul, IntervalPGetDatum(&step),
												Float8GetDatum((double) h)));
	ts = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												 TimestampTzGetDatum(m->s.points[m->s.n - 1].ts),
												 IntervalPGetDatum(ivh)));
	ForecastRow(x0, m->p, ForecastStepsFrom(ts, m->s.points[0].ts, &m->s.step), m->season);
	return ts;
}

PG_FUNCTION_INFO_V1(linear_forecast_final);

/*
 * Final of linear_forecast: for h = 1 .. horizon, at ts = last + h * step,
 * the fitted value and the prediction interval
 * yhat -/+ t(1 - (1 - confidence) / 2, n - p) * s * sqrt(1 + x0' (X'X)^-1 x0).
 */
Datum
linear_forecast_final(PG_FUNCTION_ARGS)
{
	ForecastState *st;
	ForecastModel m;
	int			horizon;
	Oid			elemtype;
	TupleDesc	tupdesc;
	Datum	   *elems;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "linear_forecast_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (ForecastState *) PG_GETARG_POINTER(0);
	if (st->n == 0)
		PG_RETURN_NULL();
	ForecastModelOf(st, &m);

	elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(elemtype))
		elog(ERROR, "linear_forecast_final must return an array");
	tupdesc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	tupdesc = BlessTupleDesc(tupdesc);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);

	horizon = st->params.horizon;
	elems = palloc(horizon * sizeof(Datum));
	for (int h = 1; h <= horizon; h++)
	{
		double		x0[ANALYTICS_LSQ_MAX_P];
		TimestampTz ts = ForecastFutureRow(st, &m, h, x0);
		double		yhat = 0.0,
					half;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		for (int j = 0; j < m.p; j++)
			yhat += x0[j] * m.fit.beta[j];
		half = m.q * sqrt(m.sigma2 * (1.0 + AnalyticsLsqQuad(&m.fit, x0)));
		values[0] = TimestampTzGetDatum(ts);
		values[1] = Float8GetDatum(yhat);
		values[2] = Float8GetDatum(yhat - half);
		values[3] = Float8GetDatum(yhat + half);
		elems[h - 1] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, horizon, elemtype, typlen, typbyval, typalign));
}

PG_FUNCTION_INFO_V1(forecast_total_final);

/*
 * Final of forecast_total: the sum of the forecasts of steps 1 .. horizon
 * after the last observation, and the prediction interval of that sum. The
 * steps' new errors are independent, the coefficients' error is shared by
 * all of them: with u the sum of the future design rows,
 * Var(sum) = s^2 (horizon + u' (X'X)^-1 u) = s^2 1'(I + X0 (X'X)^-1 X0')1,
 * not the sum of the steps' variances. Returns (total, lower, upper,
 * season); horizon 0 gives a total of 0 with no width.
 */
Datum
forecast_total_final(PG_FUNCTION_ARGS)
{
	ForecastState *st;
	ForecastModel m;
	int			horizon;
	double		u[ANALYTICS_LSQ_MAX_P];
	double		total = 0.0,
				half;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "forecast_total_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (ForecastState *) PG_GETARG_POINTER(0);
	if (st->n == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "forecast_total_final must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	ForecastModelOf(st, &m);

	horizon = st->params.horizon;
	for (int j = 0; j < m.p; j++)
		u[j] = 0.0;
	for (int h = 1; h <= horizon; h++)
	{
		double		x0[ANALYTICS_LSQ_MAX_P];

		CHECK_FOR_INTERRUPTS_EVERY(h, INTERRUPT_CADENCE_COSTLY);
		(void) ForecastFutureRow(st, &m, h, x0);
		for (int j = 0; j < m.p; j++)
			u[j] += x0[j];
	}
	for (int j = 0; j < m.p; j++)
		total += u[j] * m.fit.beta[j];
	half = m.q * sqrt(m.sigma2 * ((double) horizon + AnalyticsLsqQuad(&m.fit, u)));
	values[0] = Float8GetDatum(total);
	values[1] = Float8GetDatum(total - half);
	values[2] = Float8GetDatum(total + half);
	values[3] = Int32GetDatum(m.season);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---------- forecasts over whole days, for goals (src/goals.c) ---------- */

/* A series of n observations at whole-day steps t (increasing, from 0) */
static void
ForecastDaySeries(const double *t, const double *y, int n, ForecastSeries *s)
{
	s->fname = "linear_forecast";
	s->step.months = 0;
	s->step.usecs = USECS_PER_DAY;
	s->n = n;
	s->points = palloc(n * sizeof(ForecastPoint));
	s->t = (double *) t;
	for (int i = 0; i < n; i++)
	{
		s->points[i].ts = (TimestampTz) (t[i] * USECS_PER_DAY);
		s->points[i].y = y[i];
	}
}

/*
 * The season goals fit (src/goals.sql): 7 when the season rule of
 * detect_season finds a period of 7 and every weekday position has an
 * observation to fit (so at least 9: 8 coefficients and a residual), 0
 * otherwise. At least 3 observations at different steps.
 */
int
AnalyticsWeeklySeason(const double *t, const double *y, int n)
{
	ForecastSeries s;
	double		strength;
	bool		seen[7] = {false};
	int			period;

	ForecastDaySeries(t, y, n, &s);
	period = ForecastDetectSeason(&s, SEASON_MAX_LAG, &strength);
	pfree(s.points);
	if (period != 7 || n < 9)
		return 0;
	for (int i = 0; i < n; i++)
		seen[ForecastPosition(t[i], 7)] = true;
	for (int j = 0; j < 7; j++)
		if (!seen[j])
			return 0;
	return 7;
}

/*
 * linear_forecast and forecast_total over whole days, in one fit (see
 * AnalyticsDayForecast in analytics.h): the same model, intervals and
 * numbers as the aggregates over the same observations at '1 day' steps.
 */
void
AnalyticsForecastDays(const double *t, const double *y, int n, int season, double confidence,
					  int horizon, double reach, int reach_horizon, AnalyticsDayForecast *out)
{
	ForecastSeries s;
	AnalyticsLsqFit fit;
	int			p = season >= 2 ? season + 1 : 2;
	double		u[ANALYTICS_LSQ_MAX_P];
	double		x0[ANALYTICS_LSQ_MAX_P];
	double		sigma2,
				q,
				running = 0.0;
	int			steps = Max(horizon, reach_horizon);

	Assert(horizon >= 1);
	ForecastDaySeries(t, y, n, &s);
	ForecastFit(&s, season, &fit);
	sigma2 = fit.rss / (n - p);
	q = gsl_cdf_tdist_Qinv((1.0 - confidence) / 2.0, (double) (n - p));
	if (!isfinite(q))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("linear_forecast cannot compute the t quantile for confidence %g", confidence)));
	for (int j = 0; j < p; j++)
		u[j] = 0.0;
	out->season = season;
	out->reached = 0;
	for (int h = 1; h <= steps; h++)
	{
		double		yhat = 0.0;

		CHECK_FOR_INTERRUPTS_EVERY(h, INTERRUPT_CADENCE_COSTLY);
		ForecastRow(x0, p, t[n - 1] + h, season);
		for (int j = 0; j < p; j++)
			yhat += x0[j] * fit.beta[j];
		if (h <= horizon)
			for (int j = 0; j < p; j++)
				u[j] += x0[j];
		if (h == horizon)
		{
			double		half = q * sqrt(sigma2 * (1.0 + AnalyticsLsqQuad(&fit, x0)));

			out->last = yhat;
			out->last_lower = yhat - half;
			out->last_upper = yhat + half;
		}
		running += yhat;
		if (h <= reach_horizon && out->reached == 0 && running >= reach)
			out->reached = h;
	}
	out->total = 0.0;
	for (int j = 0; j < p; j++)
		out->total += u[j] * fit.beta[j];
	{
		double		half = q * sqrt(sigma2 * ((double) horizon + AnalyticsLsqQuad(&fit, u)));

		out->total_lower = out->total - half;
		out->total_upper = out->total + half;
	}
	pfree(s.points);
}

/* ---------- trend_summary ---------- */

/*
 * State (float8[]): format, step months, step microseconds, origin (the
 * group's first row's time, see TrendOrigin), N, Sx, Sxx, Sy, Syy, Sxy (x in
 * steps from the origin, as float8_regr_accum keeps them), and the smallest
 * x.
 */
#define TREND_FORMAT	1
#define TREND_SIZE		11

/*
 * A state's shape (what the transition function relies on: it checks the
 * step itself, and garbage numbers cannot make it read out of bounds)
 */
static double *
TrendStateShape(ArrayType *a)
{
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID ||
		ARR_DIMS(a)[0] != TREND_SIZE || ((double *) ARR_DATA_PTR(a))[0] != TREND_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid trend_summary state"),
				 errdetail("A state is a float8 array of %d elements without nulls.", TREND_SIZE)));
	return (double *) ARR_DATA_PTR(a);
}

/* A state's shape and every number in it (final and combine) */
static double *
TrendState(ArrayType *a)
{
	double	   *s = TrendStateShape(a);

	if (s[0] != TREND_FORMAT || s[1] < 0 || s[1] != floor(s[1]) || s[2] < 0 ||
		s[2] != floor(s[2]) || (s[1] == 0) == (s[2] == 0) || !(s[4] >= 0 && s[4] <= ANALYTICS_EXACT_COUNT_MAX) ||
		s[4] != floor(s[4]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid trend_summary state"),
				 errdetail("The header does not describe a trend_summary state.")));
	for (int i = 3; i < TREND_SIZE; i++)
		if (!isfinite(s[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("trend_summary sums overflow"),
					 errhint("Scale the values down.")));
	if (s[6] < 0 || s[8] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid trend_summary state"),
				 errdetail("A sum of squared deviations is negative.")));
	return s;
}

/*
 * The origin of a trend_summary state: the first row's time in microseconds
 * (exact in a float8 within 285 years of 2000, the nearest float8 beyond)
 * or, for month steps, as a month position.
 */
static inline double
TrendOrigin(TimestampTz ts, const ForecastStep *step)
{
	return step->months != 0 ? ForecastMonthPosition(ts) : (double) ts;
}

/*
 * Steps from origin to ts: the difference of two integers below 2^53 is
 * exact, so within 285 years of 2000 this is the exact number of
 * microseconds divided by the step.
 */
static inline double
TrendSteps(TimestampTz ts, double origin, const ForecastStep *step)
{
	if (step->months != 0)
		return (ForecastMonthPosition(ts) - origin) / step->months;
	return ((double) ts - origin) / (double) step->usecs;
}

PG_FUNCTION_INFO_V1(trend_summary_trans);

/* Transition of trend_summary: Youngs-Cramer update */
Datum
trend_summary_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ArrayType  *state;
	double	   *s;
	ForecastStep step;
	TimestampTz ts;
	double		x,
				y,
				n;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "trend_summary_trans called in non-aggregate context");
	ForecastCheckNotNull(fcinfo, 3, "trend_summary", "step");
	step = ForecastStepOf(PG_GETARG_INTERVAL_P(3), "trend_summary");
	if (PG_ARGISNULL(0))
	{
		Datum		zeros[TREND_SIZE];
		MemoryContext old;

		for (int i = 0; i < TREND_SIZE; i++)
			zeros[i] = Float8GetDatum(0.0);
		old = MemoryContextSwitchTo(aggcxt);
		state = construct_array(zeros, TREND_SIZE, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
								TYPALIGN_DOUBLE);
		MemoryContextSwitchTo(old);
		s = (double *) ARR_DATA_PTR(state);
		s[0] = TREND_FORMAT;
		s[1] = step.months;
		s[2] = (double) step.usecs;
	}
	else
	{
		state = PG_GETARG_ARRAYTYPE_P(0);
		s = TrendStateShape(state);
		if (s[1] != step.months || s[2] != (double) step.usecs)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("trend_summary step differs between rows of a group")));
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_ARRAYTYPE_P(state);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	y = PG_GETARG_FLOAT8(2);
	ForecastCheckObservation(ts, y, "trend_summary");

	if (s[4] == 0)
	{
		s[3] = TrendOrigin(ts, &step);
		s[10] = 0.0;
	}
	x = TrendSteps(ts, s[3], &step);
	n = s[4] + 1.0;
	s[4] = n;
	s[5] += x;
	s[7] += y;
	if (n > 1.0)
	{
		double		tx = x * n - s[5];
		double		ty = y * n - s[7];
		double		scale = 1.0 / (n * (n - 1.0));

		s[6] += tx * tx * scale;
		s[8] += ty * ty * scale;
		s[9] += tx * ty * scale;
	}
	if (x < s[10])
		s[10] = x;
	PG_RETURN_ARRAYTYPE_P(state);
}

/* An AnalyticsArrayCheck */
static void
TrendCheckState(ArrayType *state)
{
	(void) TrendState(state);
}

PG_FUNCTION_INFO_V1(trend_summary_combine);

/* Combine of trend_summary: shift the second state to the first's origin */
Datum
trend_summary_combine(PG_FUNCTION_ARGS)
{
	Datum		result;
	ArrayType  *a;
	ArrayType  *b;
	double	   *sa;
	double	   *sb;
	double		n1,
				n2,
				n,
				shift,
				sx2,
				dx,
				dy;

	if (AnalyticsArrayCombineArgs(fcinfo, TrendCheckState, &result, &a, &b))
		return result;
	sa = TrendState(a);
	sb = TrendState(b);
	if (sa[1] != sb[1] || sa[2] != sb[2])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine trend_summary states of different steps")));
	n2 = sb[4];
	if (n2 == 0)
		PG_RETURN_ARRAYTYPE_P(a);
	n1 = sa[4];
	if (n1 == 0)
	{
		memcpy(sa, sb, TREND_SIZE * sizeof(double));
		PG_RETURN_ARRAYTYPE_P(a);
	}
	/* b's positions from a's origin (origins in microseconds are exact) */
	shift = (sb[3] - sa[3]) / (sa[1] != 0 ? sa[1] : sa[2]);
	sx2 = sb[5] + n2 * shift;
	n = n1 + n2;
	dx = sa[5] / n1 - sx2 / n2;
	dy = sa[7] / n1 - sb[7] / n2;
	sa[6] += sb[6] + n1 * n2 * dx * dx / n;
	sa[8] += sb[8] + n1 * n2 * dy * dy / n;
	sa[9] += sb[9] + n1 * n2 * dx * dy / n;
	sa[4] = n;
	sa[5] += sx2;
	sa[7] += sb[7];
	sa[10] = Min(sa[10], sb[10] + shift);
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(trend_summary_final);

/* Final of trend_summary: the least-squares line and its test */
Datum
trend_summary_final(PG_FUNCTION_ARGS)
{
	double	   *s;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {0};
	double		n,
				sxx,
				syy,
				sxy,
				slope,
				intercept,
				rss,
				sigma,
				se,
				tval,
				pval,
				r2;
	const char *direction;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = TrendState(PG_GETARG_ARRAYTYPE_P(0));
	n = s[4];
	if (n == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "trend_summary_final must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (n < 3)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("trend_summary needs at least 3 observations, got %.0f", n),
				 errhint("Give each group at least 3 rows, for example with HAVING count(*) >= 3.")));
	sxx = s[6];
	syy = s[8];
	sxy = s[9];
	if (sxx <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("trend_summary needs observations at different times"),
				 errdetail("All %.0f observations are at the same time.", n)));
	slope = sxy / sxx;
	intercept = s[7] / n - slope * (s[5] / n - s[10]);
	rss = Max(syy - sxy * slope, 0.0);
	sigma = sqrt(rss / (n - 2));
	se = sigma / sqrt(sxx);
	if (se > 0.0)
	{
		tval = slope / se;
		pval = AnalyticsTTestP(tval, n - 2);
	}
	else
		pval = slope != 0.0 ? 0.0 : get_float8_nan();	/* an exact line */
	/* at most 1 (Cauchy-Schwarz), but rounding can pass it by 2^-52 */
	r2 = syy > 0.0 ? Min(1.0, sxy * sxy / (sxx * syy)) : get_float8_nan();
	if (!isnan(pval) && pval < TREND_SIGNIFICANCE && slope != 0.0)
		direction = slope > 0.0 ? "increasing" : "decreasing";
	else
		direction = "stable";

	values[0] = Int64GetDatum((int64) n);
	values[1] = Float8GetDatum(slope);
	values[2] = Float8GetDatum(intercept);
	values[3] = Float8GetDatum(se);
	values[4] = Float8GetDatum(pval);
	nulls[4] = isnan(pval);
	values[5] = Float8GetDatum(r2);
	nulls[5] = isnan(r2);
	values[6] = CStringGetTextDatum(direction);
	values[7] = Float8GetDatum(sigma);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
