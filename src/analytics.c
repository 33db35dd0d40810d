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

#include <math.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
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

int			analytics_max_clock_skew = 86400;
int			analytics_max_event_age = 315360000;
int			analytics_max_new_partitions = 240;
int			analytics_session_idle_timeout = 1800;
double		analytics_anomaly_threshold = 3.0;
char	   *analytics_mock_now = NULL;
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
							86400,
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
							315360000,
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
							240,
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

/* SQL: analytics._now() */
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

/* Read exactly "digits" decimal digits at *pos */
static bool
ReadDigits(const char *s, int len, int *pos, int digits, int *value)
{
	int			v = 0;

	if (*pos + digits > len)
		return false;
	for (int i = 0; i < digits; i++)
	{
		char		c = s[*pos + i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*pos += digits;
	*value = v;
	return true;
}

/* ---------- ISO 8601 timestamps (see analytics.h) ---------- */

bool
AnalyticsParseIsoTimestamp(const char *s, int len, bool need_offset, TimestampTz *out)
{
	struct pg_tm tm;
	int			pos = 0;
	int			offset = 0;
	int64		usec = 0;
	Timestamp	result;
	int			tz;

	memset(&tm, 0, sizeof(tm));
	if (!ReadDigits(s, len, &pos, 4, &tm.tm_year) || pos >= len || s[pos++] != '-' ||
		!ReadDigits(s, len, &pos, 2, &tm.tm_mon) || pos >= len || s[pos++] != '-' ||
		!ReadDigits(s, len, &pos, 2, &tm.tm_mday))
		return false;
	if (pos == len && !need_offset)
		goto decoded;			/* a date alone: its midnight, UTC */
	if (pos >= len || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' '))
		return false;
	pos++;
	if (!ReadDigits(s, len, &pos, 2, &tm.tm_hour) || pos >= len || s[pos++] != ':' ||
		!ReadDigits(s, len, &pos, 2, &tm.tm_min))
		return false;
	if (pos < len && s[pos] == ':')
	{
		pos++;
		if (!ReadDigits(s, len, &pos, 2, &tm.tm_sec))
			return false;
		if (pos < len && (s[pos] == '.' || s[pos] == ','))
		{
			int64		scale = 100000;
			int			ndigits = 0;

			pos++;
			while (pos < len && s[pos] >= '0' && s[pos] <= '9')
			{
				if (ndigits < 6)
					usec += (s[pos] - '0') * scale;
				else if (ndigits == 6 && s[pos] >= '5')
					usec += 1;
				scale /= 10;
				ndigits++;
				pos++;
			}
			if (ndigits == 0)
				return false;
		}
	}
	if (pos >= len)
	{
		if (need_offset)
			return false;		/* no offset: the instant would be ambiguous */
	}
	else if (s[pos] == 'Z' || s[pos] == 'z')
		pos++;
	else if (s[pos] == '+' || s[pos] == '-')
	{
		int			sign = s[pos] == '-' ? -1 : 1;
		int			oh,
					om = 0;

		pos++;
		if (!ReadDigits(s, len, &pos, 2, &oh))
			return false;
		if (pos < len && s[pos] == ':')
		{
			pos++;
			if (!ReadDigits(s, len, &pos, 2, &om))
				return false;	/* a colon needs its minutes */
		}
		else if (pos < len && !ReadDigits(s, len, &pos, 2, &om))
			return false;
		if (oh > 15 || om > 59)
			return false;
		offset = sign * (oh * SECS_PER_HOUR + om * SECS_PER_MINUTE);
	}
	else
		return false;
	if (pos != len)
		return false;

decoded:
	if (tm.tm_year < 1 || tm.tm_mon < 1 || tm.tm_mon > MONTHS_PER_YEAR ||
		tm.tm_mday < 1 ||
		tm.tm_mday > day_tab[isleap(tm.tm_year)][tm.tm_mon - 1] ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return false;

	tz = -offset;				/* PostgreSQL counts zones west of UTC */
	if (tm2timestamp(&tm, 0, &tz, &result) != 0)
		return false;
	result += usec;
	/* years 1 to 9999 in UTC: the offset may have moved the instant out */
	if (result < (date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY ||
		result >= (date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY)
		return false;
	*out = result;
	return true;
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

/* ---------- least squares by orthogonal updating (see analytics.h) ---------- */

/* Where row i of U starts in the flat array (its element i + 1) */
static inline int
LsqRowStart(int p, int i)
{
	return i * (2 * p - i - 1) / 2;
}

/*
 * AS 274's INCLUD: each nonzero x[i] rotates the row against row i of the
 * factor; what is left of y when the weight is spent (or the row is through)
 * adds to the residual sum of squares.
 */
void
AnalyticsLsqInclude(double *f, int p, double w, double *x, double y)
{
	double	   *d = f;
	double	   *u = f + p;
	double	   *theta = u + p * (p - 1) / 2;
	double	   *sserr = theta + p;
	int			next = 0;

	for (int i = 0; i < p; i++)
	{
		double		xi = x[i];
		double		di,
					wxi,
					dpi,
					cbar,
					sbar,
					yk;

		if (w == 0.0)
			return;
		if (xi == 0.0)
		{
			next += p - i - 1;
			continue;
		}
		di = d[i];
		wxi = w * xi;
		dpi = di + wxi * xi;
		cbar = di / dpi;
		sbar = wxi / dpi;
		w *= cbar;
		d[i] = dpi;
		for (int k = i + 1; k < p; k++, next++)
		{
			double		xk = x[k];

			x[k] = xk - xi * u[next];
			u[next] = cbar * u[next] + sbar * xk;
		}
		yk = y;
		y = yk - xi * theta[i];
		theta[i] = cbar * theta[i] + sbar * yk;
	}
	*sserr += w * y * y;
}

/*
 * Stacking two factors and triangularising again: the rows of g, row i being
 * d_g[i] * (e_i + U_g[i]) with right-hand side theta_g[i], are rotated into f.
 */
void
AnalyticsLsqMerge(double *f, const double *g, int p)
{
	const double *d = g;
	const double *u = g + p;
	const double *theta = u + p * (p - 1) / 2;
	double		x[ANALYTICS_LSQ_MAX_P];

	if (p < 1 || p > ANALYTICS_LSQ_MAX_P)
		elog(ERROR, "least squares with %d coefficients is out of range", p);
	for (int i = 0; i < p; i++)
	{
		const double *row = u + LsqRowStart(p, i);

		if (d[i] == 0.0)
			continue;
		for (int k = 0; k < i; k++)
			x[k] = 0.0;
		x[i] = 1.0;
		for (int k = i + 1; k < p; k++)
			x[k] = row[k - i - 1];
		AnalyticsLsqInclude(f, p, d[i], x, theta[i]);
	}
	f[AnalyticsLsqSize(p) - 1] += g[AnalyticsLsqSize(p) - 1];
}

/*
 * Solve a factor (AS 274's TOLSET, SING and REGCF, on a copy): a column whose
 * part orthogonal to the columns before it has a norm of at most tol times
 * its own is aliased; its row of the factor is rotated into the rows after
 * it, which leaves the factor of the model without that column.
 * Everything is allocated in CurrentMemoryContext.
 */
void
AnalyticsLsqSolve(const double *f, int p, double tol, AnalyticsLsqFit *fit)
{
	int			size;
	double	   *c;
	double	   *d;
	double	   *u;
	double	   *theta;
	double	   *norm2;
	double		x[ANALYTICS_LSQ_MAX_P];
	int			r;

	if (p < 1 || p > ANALYTICS_LSQ_MAX_P)
		elog(ERROR, "least squares with %d coefficients is out of range", p);
	size = AnalyticsLsqSize(p);
	c = palloc(size * sizeof(double));
	d = c;
	u = c + p;
	theta = u + p * (p - 1) / 2;
	norm2 = palloc0(p * sizeof(double));
	memcpy(c, f, size * sizeof(double));
	fit->p = p;
	fit->aliased = palloc0(p * sizeof(bool));
	fit->beta = palloc0(p * sizeof(double));

	/* squared norms of the design's columns: those of D^(1/2) U */
	for (int i = 0; i < p; i++)
	{
		const double *row = u + LsqRowStart(p, i);

		norm2[i] += d[i];
		for (int k = i + 1; k < p; k++)
			norm2[k] += d[i] * row[k - i - 1] * row[k - i - 1];
	}

	for (int j = 0; j < p; j++)
	{
		double	   *row = u + LsqRowStart(p, j);
		double		w = d[j];

		if (norm2[j] > 0.0 && w > tol * tol * norm2[j])
			continue;
		fit->aliased[j] = true;
		d[j] = 0.0;
		if (w == 0.0)
			continue;
		for (int k = 0; k <= j; k++)
			x[k] = 0.0;
		for (int k = j + 1; k < p; k++)
		{
			x[k] = row[k - j - 1];
			row[k - j - 1] = 0.0;
		}
		AnalyticsLsqInclude(c, p, w, x, theta[j]);
		theta[j] = 0.0;
	}

	/* back substitution over the columns kept */
	for (int j = p - 1; j >= 0; j--)
	{
		const double *row = u + LsqRowStart(p, j);
		double		b;

		if (fit->aliased[j])
			continue;
		b = theta[j];
		for (int k = j + 1; k < p; k++)
			b -= row[k - j - 1] * fit->beta[k];
		fit->beta[j] = b;
	}
	fit->rss = c[size - 1];

	fit->rank = 0;
	for (int j = 0; j < p; j++)
		if (!fit->aliased[j])
			fit->rank++;
	r = fit->rank;
	fit->kept = palloc(Max(r, 1) * sizeof(int));
	fit->u = palloc0(Max(r * r, 1) * sizeof(double));
	fit->d = palloc(Max(r, 1) * sizeof(double));
	for (int j = 0, a = 0; j < p; j++)
		if (!fit->aliased[j])
			fit->kept[a++] = j;
	for (int a = 0; a < r; a++)
	{
		int			i = fit->kept[a];
		const double *row = u + LsqRowStart(p, i);

		fit->d[a] = d[i];
		fit->u[a * r + a] = 1.0;
		for (int b = a + 1; b < r; b++)
			fit->u[a * r + b] = row[fit->kept[b] - i - 1];
	}
	pfree(norm2);
	pfree(c);
}

/*
 * x0' (X'X)^-1 x0 over the columns kept (x0 has p elements): with
 * X'X = U' D U, it is |D^(-1/2) v|^2 where U'v = x0.
 */
double
AnalyticsLsqQuad(const AnalyticsLsqFit *fit, const double *x0)
{
	int			r = fit->rank;
	double		v[ANALYTICS_LSQ_MAX_P];
	gsl_matrix_const_view uv = gsl_matrix_const_view_array(fit->u, r, r);
	gsl_vector_view vv = gsl_vector_view_array(v, r);
	double		q = 0.0;

	for (int a = 0; a < r; a++)
		v[a] = x0[fit->kept[a]];
	AnalyticsGslCheck(gsl_blas_dtrsv(CblasUpper, CblasTrans, CblasUnit, &uv.matrix, &vv.vector),
					  "triangular solve");
	for (int a = 0; a < r; a++)
		q += v[a] * v[a] / fit->d[a];
	return q;
}

/*
 * The 2-norm condition number of the design's kept columns: that of
 * R = D^(1/2) U, from its singular values.
 */
double
AnalyticsLsqCondition(const AnalyticsLsqFit *fit)
{
	int			r = fit->rank;
	double	   *a = palloc(r * r * sizeof(double));
	double	   *v = palloc(r * r * sizeof(double));
	double	   *s = palloc(r * sizeof(double));
	double	   *work = palloc(r * sizeof(double));
	gsl_matrix_view av = gsl_matrix_view_array(a, r, r);
	gsl_matrix_view vv = gsl_matrix_view_array(v, r, r);
	gsl_vector_view sv = gsl_vector_view_array(s, r);
	gsl_vector_view wv = gsl_vector_view_array(work, r);
	double		cond;

	for (int i = 0; i < r; i++)
	{
		double		sd = sqrt(fit->d[i]);

		for (int k = 0; k < r; k++)
			a[i * r + k] = sd * fit->u[i * r + k];
	}
	AnalyticsGslCheck(gsl_linalg_SV_decomp(&av.matrix, &vv.matrix, &sv.vector, &wv.vector),
					  "singular value decomposition");
	cond = s[r - 1] > 0.0 ? s[0] / s[r - 1] : get_float8_infinity();
	pfree(a);
	pfree(v);
	pfree(s);
	pfree(work);
	return cond;
}
