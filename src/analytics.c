/*-------------------------------------------------------------------------
 *
 * analytics.c
 *	  Module magic, load-time set-up (GUCs, GSL) and shared helpers.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>

#include <gsl/gsl_errno.h>

#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "analytics.h"

PG_MODULE_MAGIC;

int			analytics_max_clock_skew = 86400;
int			analytics_session_idle_timeout = 1800;
double		analytics_anomaly_threshold = 3.0;

void		_PG_init(void);

/*
 * Module load: define GUCs, reserve the prefix, and make GSL report errors
 * through return codes instead of aborting the backend.
 */
void
_PG_init(void)
{
	gsl_set_error_handler_off();

	DefineCustomIntVariable("analytics.max_clock_skew",
							"Sets how far in the future an event's occurred_at may be.",
							"Events stamped further ahead of their receipt than this are rejected. "
							"Raise it if devices with fast clocks send valid events.",
							&analytics_max_clock_skew,
							86400,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);

	DefineCustomIntVariable("analytics.session_idle_timeout",
							"Sets the gap after which a session's user counts as gone.",
							"Time between two events of a session counts toward the screen shown, "
							"unless the gap is longer than this.",
							&analytics_session_idle_timeout,
							1800,
							1,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);

	DefineCustomRealVariable("analytics.anomaly_threshold",
							 "Sets the absolute z-score above which a day counts as an anomaly.",
							 "The view analytics.event_anomalies flags a day whose event count lies "
							 "more than this many standard deviations from the mean of the 28 days before it.",
							 &analytics_anomaly_threshold,
							 3.0,
							 0.0,
							 DBL_MAX,
							 PGC_USERSET,
							 0,
							 NULL,
							 NULL,
							 NULL);

	MarkGUCPrefixReserved("analytics");
}

/*
 * Map a GSL status to a PostgreSQL error with a specific SQLSTATE.
 */
void
AnalyticsGslCheck(int status, const char *what)
{
	int			code;

	if (status == GSL_SUCCESS)
		return;

	switch (status)
	{
		case GSL_EDOM:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case GSL_ERANGE:
		case GSL_EOVRFLW:
		case GSL_EUNDRFLW:
			code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			break;
		case GSL_ENOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			break;
		default:
			code = ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s failed", what),
			 errdetail("GSL reported: %s.", gsl_strerror(status))));
}

/*
 * An interval as microseconds: 30-day months, 24-hour days.
 */
int64
AnalyticsIntervalUsecs(const Interval *iv, const char *what)
{
	int64		days;
	int64		result;

	if (pg_mul_s64_overflow((int64) iv->month * DAYS_PER_MONTH + iv->day,
							USECS_PER_DAY, &days) ||
		pg_add_s64_overflow(days, iv->time, &result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", what)));
	return result;
}

/* ---------- deferred appends (see analytics.h) ---------- */

/* The log holds at most this many items between flushes (96 kB) */
#define DEFER_LOG_MAX	4096

static void
AnalyticsDeferLogReset(void *arg)
{
	AnalyticsDeferLog *log = (AnalyticsDeferLog *) arg;

	if (*log->owner == log)
		*log->owner = NULL;
}

/*
 * A log in ctx (an aggregate context) applied by apply; *owner is set to it
 * now and cleared when ctx is reset or deleted.
 */
AnalyticsDeferLog *
AnalyticsDeferLogCreate(MemoryContext ctx, AnalyticsDeferApply apply, AnalyticsDeferLog **owner)
{
	AnalyticsDeferLog *log = MemoryContextAllocZero(ctx, sizeof(AnalyticsDeferLog));
	MemoryContextCallback *cb = MemoryContextAlloc(ctx, sizeof(MemoryContextCallback));

	log->states = AllocSetContextCreate(ctx, "analytics aggregate states", ALLOCSET_DEFAULT_SIZES);
	log->apply = apply;
	log->owner = owner;
	log->capacity = 256;
	log->items = MemoryContextAlloc(ctx, log->capacity * sizeof(AnalyticsDeferred));
	cb->func = AnalyticsDeferLogReset;
	cb->arg = log;
	MemoryContextRegisterResetCallback(ctx, cb);
	*owner = log;
	return log;
}

/*
 * Apply and empty the log; a log filling up grows instead, up to
 * DEFER_LOG_MAX items, so that small groups of rows take little memory.
 */
void
AnalyticsDeferLogFlush(AnalyticsDeferLog *log)
{
	int			n = log->n;

	if (n == 0)
		return;
	CHECK_FOR_INTERRUPTS();
	/* empty first: an error in apply must not leave the items to apply twice */
	log->n = 0;
	log->apply(log->items, n);
	if (n == log->capacity && log->capacity < DEFER_LOG_MAX)
	{
		AnalyticsDeferred *items = MemoryContextAlloc(GetMemoryChunkContext(log->items),
													  2 * log->capacity * sizeof(AnalyticsDeferred));

		pfree(log->items);
		log->items = items;
		log->capacity *= 2;
	}
}

/*
 * Set up use at a transition function's first call. The log is worth it only
 * under a hash aggregate node (not a sorted or plain one, where a group's
 * rows arrive together, nor grouping sets mixing both, nor a window
 * function).
 */
void
AnalyticsDeferUseInit(AnalyticsDeferUse *use, FunctionCallInfo fcinfo)
{
	use->active = fcinfo->context != NULL && IsA(fcinfo->context, AggState) &&
		((AggState *) fcinfo->context)->aggstrategy == AGG_HASHED;
	use->log = NULL;
}
