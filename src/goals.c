/*-------------------------------------------------------------------------
 *
 * goals.c
 *	  The numbers of a KPI goal (src/goals.sql) from its metric's daily
 *	  values: current value, forecast at the end day with its interval, and
 *	  projected completion day.
 *
 * analytics.update_goals reads each metric's daily values once, as arrays
 * over the days its active goals need, and calls _goal_numbers for every
 * goal of that metric: the goals that share a metric share its series, and
 * a goal costs one fit over its days, not a query. The semantics are
 * those of the comment at the top of src/goals.sql (and the README, Goals).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "analytics.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"

/* The furthest projected_completion_date looks, in days */
#define GOAL_REACH_DAYS 365

/* The fewest complete days a forecast is made from */
#define GOAL_MIN_DAYS 3

typedef enum GoalAggregation
{
	GOAL_SUM,
	GOAL_RATIO,					/* ratio and average: numerator / denominator */
	GOAL_LAST
} GoalAggregation;

/* A metric's daily values: day lo + i has value v[i] (null when isnull[i]) */
typedef struct GoalDays
{
	DateADT		lo;
	int			n;
	Datum	   *v;
	bool	   *isnull;
} GoalDays;

static void
goal_days_of(ArrayType *arr, DateADT lo, GoalDays *days)
{
	if (ARR_NDIM(arr) > 1 || ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a goal's daily values must be a one-dimensional float8 array")));
	days->lo = lo;
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &days->v, &days->isnull, &days->n);
}

/* The value of day d, or NULL (false) when it has none or is not in the array */
static inline bool
goal_day(const GoalDays *days, DateADT d, double *value)
{
	int64		i = (int64) d - days->lo;

	if (days->v == NULL || i < 0 || i >= days->n || days->isnull[i])
		return false;
	*value = DatumGetFloat8(days->v[i]);
	return true;
}

/*
 * The observations of the complete days from..to for a fit: every day (0
 * without a value) for a sum or a ratio, the days with a value for last.
 * Fills t (days from the first observation) and y; returns how many, and
 * the day of the last in *last.
 */
static int
goal_observations(const GoalDays *days, DateADT from, DateADT to, bool every_day, double *t, double *y,
				  DateADT *last)
{
	int			n = 0;
	DateADT		first = 0;

	for (DateADT d = from; d <= to; d++)
	{
		double		v;

		if (!goal_day(days, d, &v))
		{
			if (!every_day)
				continue;
			v = 0.0;
		}
		if (n == 0)
			first = d;
		t[n] = (double) (d - first);
		y[n] = v;
		*last = d;
		n++;
	}
	return n;
}

/* The sum of the values of the days from..to (days without one count 0) */
static double
goal_sum(const GoalDays *days, DateADT from, DateADT to)
{
	double		sum = 0.0;

	for (DateADT d = from; d <= to; d++)
	{
		double		v;

		if (goal_day(days, d, &v))
			sum += v;
	}
	return sum;
}

static void
goal_check_date(DateADT d, const char *what)
{
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite date", what)));
}

PG_FUNCTION_INFO_V1(goal_numbers);

/*
 * SQL: analytics_internal._goal_numbers(aggregation text, scale float8,
 *		direction text, target float8, confidence float8, start_date date,
 *		end_date date, today date, lo date, a float8[], b float8[],
 *		OUT current_value float8, OUT forecast_value float8,
 *		OUT forecast_lower float8, OUT forecast_upper float8,
 *		OUT projected_completion_date date)
 *
 * a and b hold the metric's daily values (numerator and denominator for a
 * ratio or an average, b unused otherwise) from day lo on, NULL on a day
 * without a value; they must cover start_date to min(today, end_date).
 * current_value is NULL before start_date; the forecast is NULL without
 * GOAL_MIN_DAYS complete days (start_date to yesterday) or once end_date is
 * past.
 */
Datum
goal_numbers(PG_FUNCTION_ARGS)
{
	const char *aggname;
	GoalAggregation agg;
	double		scale,
				target,
				confidence;
	bool		at_least;
	DateADT		start,
				end,
				today,
				last_day;
	GoalDays	a = {0, 0, NULL, NULL},
				b = {0, 0, NULL, NULL};
	TupleDesc	tupdesc;
	Datum		values[5] = {0};
	bool		nulls[5] = {true, true, true, true, true};

	for (int i = 0; i < 8; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument %d of _goal_numbers must not be null", i + 1)));
	aggname = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strcmp(aggname, "sum") == 0)
		agg = GOAL_SUM;
	else if (strcmp(aggname, "ratio") == 0 || strcmp(aggname, "average") == 0)
		agg = GOAL_RATIO;
	else if (strcmp(aggname, "last") == 0)
		agg = GOAL_LAST;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid aggregation \"%s\"", aggname),
				 errhint("Use sum, ratio, average or last.")));
	scale = PG_GETARG_FLOAT8(1);
	at_least = strcmp(text_to_cstring(PG_GETARG_TEXT_PP(2)), "at_least") == 0;
	target = PG_GETARG_FLOAT8(3);
	confidence = PG_GETARG_FLOAT8(4);
	if (!(confidence > 0.0 && confidence < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence must be between 0 and 1, not %g", confidence)));
	start = PG_GETARG_DATEADT(5);
	end = PG_GETARG_DATEADT(6);
	today = PG_GETARG_DATEADT(7);
	goal_check_date(start, "start_date");
	goal_check_date(end, "end_date");
	goal_check_date(today, "today");
	if (!PG_ARGISNULL(8) && !PG_ARGISNULL(9))
	{
		goal_check_date(PG_GETARG_DATEADT(8), "lo");
		goal_days_of(PG_GETARG_ARRAYTYPE_P(9), PG_GETARG_DATEADT(8), &a);
		if (agg == GOAL_RATIO && !PG_ARGISNULL(10))
			goal_days_of(PG_GETARG_ARRAYTYPE_P(10), PG_GETARG_DATEADT(8), &b);
	}
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "_goal_numbers must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);

	/* the current value: start to min(today, end) */
	if (today >= start)
	{
		DateADT		to = Min(today, end);

		if (agg == GOAL_SUM)
		{
			values[0] = Float8GetDatum(goal_sum(&a, start, to));
			nulls[0] = false;
		}
		else if (agg == GOAL_RATIO)
		{
			double		den = goal_sum(&b, start, to);

			if (den != 0.0)
			{
				values[0] = Float8GetDatum(scale * goal_sum(&a, start, to) / den);
				nulls[0] = false;
			}
		}
		else
		{
			for (DateADT d = to; d >= start; d--)
			{
				double		v;

				if (goal_day(&a, d, &v))
				{
					values[0] = Float8GetDatum(v);
					nulls[0] = false;
					break;
				}
			}
		}
	}

	/* the forecast at end from the complete days start .. yesterday */
	last_day = today - 1;
	if (end > last_day && last_day >= start)
	{
		int			ndays = last_day - start + 1;
		double	   *t = palloc(ndays * sizeof(double));
		double	   *y = palloc(ndays * sizeof(double));
		DateADT		last_obs = 0;
		int			n = goal_observations(&a, start, last_day, agg != GOAL_LAST, t, y, &last_obs);

		if (n >= GOAL_MIN_DAYS)
		{
			int			season = AnalyticsWeeklySeason(t, y, n);
			AnalyticsDayForecast fa;

			if (agg == GOAL_LAST)
			{
				AnalyticsForecastDays(t, y, n, season, confidence, end - last_obs, 0.0, 0, &fa);
				values[1] = Float8GetDatum(fa.last);
				values[2] = Float8GetDatum(fa.last_lower);
				values[3] = Float8GetDatum(fa.last_upper);
				nulls[1] = nulls[2] = nulls[3] = false;
			}
			else
			{
				int			left = end - last_day;
				double		sofar = goal_sum(&a, start, last_day);
				bool		reach = agg == GOAL_SUM && at_least && sofar < target;

				AnalyticsForecastDays(t, y, n, season, confidence, left, target - sofar,
									  reach ? GOAL_REACH_DAYS : 0, &fa);
				if (agg == GOAL_SUM)
				{
					values[1] = Float8GetDatum(sofar + fa.total);
					values[2] = Float8GetDatum(sofar + fa.total_lower);
					values[3] = Float8GetDatum(sofar + fa.total_upper);
					nulls[1] = nulls[2] = nulls[3] = false;
					if (reach && fa.reached > 0)
					{
						values[4] = DateADTGetDatum(last_day + fa.reached);
						nulls[4] = false;
					}
				}
				else
				{
					/* the denominator forecast so, with the numerator's season */
					AnalyticsDayForecast fb;
					double		sofar_b;
					double		den;

					(void) goal_observations(&b, start, last_day, true, t, y, &last_obs);
					sofar_b = goal_sum(&b, start, last_day);
					AnalyticsForecastDays(t, y, n, season, confidence, left, 0.0, 0, &fb);
					den = sofar_b + fb.total;
					if (den != 0.0)
					{
						values[1] = Float8GetDatum(scale * (sofar + fa.total) / den);
						values[2] = Float8GetDatum(scale * (sofar + fa.total_lower) / den);
						values[3] = Float8GetDatum(scale * (sofar + fa.total_upper) / den);
						nulls[1] = nulls[2] = nulls[3] = false;
					}
				}
			}
		}
		pfree(t);
		pfree(y);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
