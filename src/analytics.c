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

#include <limits.h>

#include <gsl/gsl_errno.h>

#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/guc.h"

#include "analytics.h"

PG_MODULE_MAGIC;

int			analytics_max_clock_skew = 86400;
int			analytics_session_idle_timeout = 1800;

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
