/*-------------------------------------------------------------------------
 *
 * analytics.c
 *	  Module magic, load-time set-up (GUCs, GSL) and small shared helpers
 *	  (now, GSL statuses, t tests, intervals, array states). Least squares
 *	  are in lsq.c, ISO 8601 timestamps in iso8601.c, deferred appends in
 *	  defer_log.c.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>

#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "access/xact.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/float.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "analytics.h"

PG_MODULE_MAGIC;

/* The GUCs' defaults (the variables hold them before _PG_init too) */
#define MAX_CLOCK_SKEW_DEFAULT			86400	/* seconds: one day */
#define MAX_EVENT_AGE_DEFAULT			315360000	/* seconds: 3,650 days */
#define MAX_NEW_PARTITIONS_DEFAULT		240 /* 20 years of monthly partitions */
#define SESSION_IDLE_TIMEOUT_DEFAULT	1800	/* seconds: 30 minutes */
#define ANOMALY_THRESHOLD_DEFAULT		3.0 /* standard deviations */

int			analytics_max_clock_skew = MAX_CLOCK_SKEW_DEFAULT;
int			analytics_max_event_age = MAX_EVENT_AGE_DEFAULT;
int			analytics_max_new_partitions = MAX_NEW_PARTITIONS_DEFAULT;
int			analytics_session_idle_timeout = SESSION_IDLE_TIMEOUT_DEFAULT;
double		analytics_anomaly_threshold = ANOMALY_THRESHOLD_DEFAULT;
char	   *analytics_mock_now = NULL;
int			analytics_job_run_retention = 30 * SECS_PER_DAY;
int			analytics_report_retention = 90 * SECS_PER_DAY;
char	   *analytics_job_config = NULL;
char	   *analytics_smtp_server = NULL;
char	   *analytics_smtp_sender = NULL;
char	   *analytics_smtp_user = NULL;
char	   *analytics_smtp_password = NULL;
int			analytics_smtp_tls = ANALYTICS_SMTP_TLS_TRY;
int			analytics_smtp_timeout = 30;
int			analytics_report_delivery_attempts = 8;

static const struct config_enum_entry smtp_tls_options[] = {
	{"off", ANALYTICS_SMTP_TLS_OFF, false},
	{"try", ANALYTICS_SMTP_TLS_TRY, false},
	{"require", ANALYTICS_SMTP_TLS_REQUIRE, false},
	{NULL, 0, false}
};
static TimestampTz *mock_now_value = NULL;

void		_PG_init(void);

static bool
check_mock_now(char **newval, void **extra, GucSource source)
{
	TimestampTz *ts;

	(void) source;
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	/* PostgreSQL 15 frees a GUC's extra with free() */
	ts = (TimestampTz *) malloc(sizeof(TimestampTz));
	if (ts == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		return false;
	}
	/* A time without an offset is read in UTC, whatever TimeZone says. */
	{
		int			len = strlen(*newval);

		if (!AnalyticsParseIsoTimestamp(*newval, len, false, ts) || TIMESTAMP_NOT_FINITE(*ts))
		{
			free(ts);
			GUC_check_errdetail("The value must be a finite ISO 8601 time, such as \"2026-11-20 12:00:00+00\".");
			return false;
		}
	}
	*extra = ts;
	return true;
}

static void
assign_mock_now(const char *newval, void *extra)
{
	(void) newval;
	mock_now_value = extra;
}

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
							MAX_CLOCK_SKEW_DEFAULT,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);

	DefineCustomIntVariable("analytics.max_event_age",
							"Sets how far in the past an event's occurred_at may be.",
							"Events stamped longer ago than this (before now) are rejected, so that "
							"a wrong clock cannot make partition maintenance create months by the thousand.",
							&analytics_max_event_age,
							MAX_EVENT_AGE_DEFAULT,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);

	DefineCustomIntVariable("analytics.max_new_partitions",
							"Sets how many monthly partitions analytics.ensure_partitions may create in one call.",
							"A call that would create more fails and creates none.",
							&analytics_max_new_partitions,
							MAX_NEW_PARTITIONS_DEFAULT,
							1,
							INT_MAX,
							PGC_USERSET,
							0,
							NULL,
							NULL,
							NULL);

	DefineCustomIntVariable("analytics.session_idle_timeout",
							"Sets the gap after which a session's user counts as gone.",
							"Time between two events of a session counts toward the screen shown, "
							"unless the gap is longer than this.",
							&analytics_session_idle_timeout,
							SESSION_IDLE_TIMEOUT_DEFAULT,
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
							 ANOMALY_THRESHOLD_DEFAULT,
							 0.0,
							 DBL_MAX,
							 PGC_USERSET,
							 0,
							 NULL,
							 NULL,
							 NULL);

	DefineCustomStringVariable("analytics.mock_now",
							   "Sets the time the extension takes as now, for tests.",
							   "When set, every function of the extension that depends on the current "
							   "time (ingestion, partition maintenance, views over complete days) "
							   "reads this instead of the transaction's start time. Leave it empty in production.",
							   &analytics_mock_now,
							   "",
							   PGC_SUSET,
							   GUC_NOT_IN_SAMPLE,
							   check_mock_now,
							   assign_mock_now,
							   NULL);

	DefineCustomIntVariable("analytics.job_run_retention",
							"Sets how long analytics.job_runs keeps a finished run.",
							"The maintenance job (analytics.schedule_maintenance) deletes runs "
							"that finished longer ago than this. Zero keeps every run.",
							&analytics_job_run_retention,
							30 * SECS_PER_DAY,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);

	DefineCustomIntVariable("analytics.report_retention",
							"Sets how long analytics.reports keeps a report and its file.",
							"Generating a report deletes the reports made longer ago than "
							"this. Zero keeps every report.",
							&analytics_report_retention,
							90 * SECS_PER_DAY,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);

	DefineCustomStringVariable("analytics.job_config",
							   "The configuration of the scheduled job being run, as JSON.",
							   "Set by the extension for the duration of each run of a job of "
							   "analytics.jobs (its config merged with run_job's override); "
							   "the job's command reads it with analytics.job_config(). Empty outside a run.",
							   &analytics_job_config,
							   "",
							   PGC_USERSET,
							   GUC_NOT_IN_SAMPLE,
							   NULL,
							   NULL,
							   NULL);

	/*
	 * The mail server reports are sent through. Only superusers set them;
	 * the credentials are shown to superusers only.
	 */
	DefineCustomStringVariable("analytics.smtp_server",
							   "Sets the mail server that reports are sent through, as an smtp:// or smtps:// URL.",
							   "For example smtp://mail.example.com:587. Empty: reports are not sent "
							   "(their deliveries are retried and then fail).",
							   &analytics_smtp_server,
							   "",
							   PGC_SUSET,
							   0,
							   NULL,
							   NULL,
							   NULL);

	DefineCustomStringVariable("analytics.smtp_sender",
							   "Sets the sender of report emails (From: and the envelope sender).",
							   "An address, or a name and an address as in \"Analytics <reports@example.com>\".",
							   &analytics_smtp_sender,
							   "",
							   PGC_SUSET,
							   0,
							   NULL,
							   NULL,
							   NULL);

	DefineCustomStringVariable("analytics.smtp_user",
							   "Sets the user name that report emails are sent with.",
							   "Empty: the mail server is used without authentication.",
							   &analytics_smtp_user,
							   "",
							   PGC_SUSET,
							   GUC_SUPERUSER_ONLY,
							   NULL,
							   NULL,
							   NULL);

	DefineCustomStringVariable("analytics.smtp_password",
							   "Sets the password that report emails are sent with.",
							   NULL,
							   &analytics_smtp_password,
							   "",
							   PGC_SUSET,
							   GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
							   NULL,
							   NULL,
							   NULL);

	DefineCustomEnumVariable("analytics.smtp_tls",
							 "Sets whether report emails are sent over TLS (STARTTLS).",
							 "off: never; try: when the server offers it; require: fail without it. "
							 "An smtps:// server URL is always TLS.",
							 &analytics_smtp_tls,
							 ANALYTICS_SMTP_TLS_TRY,
							 smtp_tls_options,
							 PGC_SUSET,
							 0,
							 NULL,
							 NULL,
							 NULL);

	DefineCustomIntVariable("analytics.smtp_timeout",
							"Sets how long sending one report email may take.",
							NULL,
							&analytics_smtp_timeout,
							30,
							1,
							3600,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);

	DefineCustomIntVariable("analytics.report_delivery_attempts",
							"Sets how many times a report email is tried before its delivery fails.",
							"A refused or unreachable attempt is retried 1, 2, 4, ... minutes later "
							"(at most 6 hours later).",
							&analytics_report_delivery_attempts,
							8,
							1,
							100,
							PGC_SUSET,
							0,
							NULL,
							NULL,
							NULL);

	MarkGUCPrefixReserved("analytics");
}

/*
 * The time the extension takes as now: analytics.mock_now when a test set
 * it, else the start of the transaction (what now() returns).
 */
TimestampTz
AnalyticsNow(void)
{
	if (mock_now_value != NULL)
		return *mock_now_value;
	return GetCurrentTransactionStartTimestamp();
}

/*
 * How many bytes a text value takes beyond ANALYTICS_TEXT_MAX_BYTES: 0 when
 * it fits (or is NULL), else its size in bytes.
 */
int
AnalyticsTextBytesOver(text *t)
{
	int			bytes;

	if (t == NULL)
		return 0;
	bytes = (int) VARSIZE_ANY_EXHDR(t);
	return bytes > ANALYTICS_TEXT_MAX_BYTES ? bytes : 0;
}

/* SQL: analytics_internal._now() */
PG_FUNCTION_INFO_V1(analytics_now);
Datum
analytics_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(AnalyticsNow());
}

/*
 * SQL: analytics.anomaly_threshold(), the setting analytics.anomaly_threshold
 * for analytics.event_anomalies. A C function, so that calling it loads the
 * library, which defines the setting: current_setting() in a session that
 * has not loaded it yet fails with "unrecognized configuration parameter".
 */
PG_FUNCTION_INFO_V1(analytics_anomaly_threshold_setting);
Datum
analytics_anomaly_threshold_setting(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(analytics_anomaly_threshold);
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
 * P(|T| >= |t|) for T ~ t(df), from the regularized incomplete beta function:
 * I(df / (df + t^2); df / 2, 1 / 2), or 1 - I(t^2 / (df + t^2); 1 / 2, df / 2)
 * near the centre. (gsl_cdf_tdist_Q approximates for df > 30 and loses up to
 * six digits in the tails.)
 */
double
AnalyticsTTestP(double t, double df)
{
	gsl_sf_result r;
	double		t2 = t * t;
	int			status;

	if (isnan(t))
		return t;
	if (isinf(t))
		return 0.0;
	if (t2 < df)
	{
		AnalyticsGslCheck(gsl_sf_beta_inc_e(0.5, df / 2.0, t2 / (df + t2), &r),
						  "the t distribution");
		return 1.0 - r.val;
	}
	status = gsl_sf_beta_inc_e(df / 2.0, 0.5, df / (df + t2), &r);
	/* below the smallest double: as R's pt() does, that is 0 */
	if (status == GSL_EUNDRFLW)
		return 0.0;
	AnalyticsGslCheck(status, "the t distribution");
	return r.val;
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

/* ---------- combining array states (see analytics.h) ---------- */

bool
AnalyticsArrayCombineArgs(FunctionCallInfo fcinfo, AnalyticsArrayCheck check,
						  Datum *result, ArrayType **a, ArrayType **b)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	if (PG_ARGISNULL(1))
	{
		fcinfo->isnull = PG_ARGISNULL(0);
		*result = PG_GETARG_DATUM(0);
		if (!fcinfo->isnull)
			check(PG_GETARG_ARRAYTYPE_P(0));
		return true;
	}
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		*b = PG_GETARG_ARRAYTYPE_P_COPY(1);
		MemoryContextSwitchTo(old);
		check(*b);
		*result = PointerGetDatum(*b);
		return true;
	}
	*a = AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(0) : PG_GETARG_ARRAYTYPE_P_COPY(0);
	*b = PG_GETARG_ARRAYTYPE_P(1);
	return false;
}

/*
 * Run as role (see analytics.h): the user id switched with
 * SECURITY_RESTRICTED_OPERATION (as a view's or a maintenance command's
 * query runs), and a GUC nest level whose search_path is pinned.
 */
void
AnalyticsBecomeRole(Oid role, AnalyticsAsRole *as)
{
	if (!OidIsValid(role))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no role to run the query as")));
	GetUserIdAndSecContext(&as->save_userid, &as->save_sec_context);
	SetUserIdAndSecContext(role, as->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	as->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

void
AnalyticsRestoreRole(AnalyticsAsRole *as)
{
	AtEOXact_GUC(false, as->save_nestlevel);
	SetUserIdAndSecContext(as->save_userid, as->save_sec_context);
}
