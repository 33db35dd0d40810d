/*-------------------------------------------------------------------------
 *
 * analytics.h
 *	  Declarations shared by the analytics extension's C files.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ANALYTICS_H
#define ANALYTICS_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* GUC: how far in the future an event's occurred_at may be, in seconds */
extern int	analytics_max_clock_skew;

/* GUC: gap in a session after which its user counts as gone, in seconds */
extern int	analytics_session_idle_timeout;

/*
 * Turn a GSL status into an ereport(ERROR) (no-op for GSL_SUCCESS). "what"
 * names the computation for the error message.
 */
extern void AnalyticsGslCheck(int status, const char *what);

/*
 * An interval as microseconds, a month counting 30 days as interval
 * comparison does; "what" names the argument in the out-of-range error.
 */
extern int64 AnalyticsIntervalUsecs(const Interval *iv, const char *what);

#endif							/* ANALYTICS_H */
