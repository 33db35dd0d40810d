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
#include "fmgr.h"
#include "utils/array.h"

/* GUC: how far in the future an event's occurred_at may be, in seconds */
extern int	analytics_max_clock_skew;

/* GUC: how far in the past (before now) an event's occurred_at may be, in seconds */
extern int	analytics_max_event_age;

/* GUC: most partitions analytics.ensure_partitions creates in one call */
extern int	analytics_max_new_partitions;

/*
 * The most bytes a text that lands in an index may take (identifiers of
 * events, keys and names of the warehouse). A btree entry holds at most
 * 2704 bytes; 1000 leaves room for two such texts and a timestamp in one
 * entry, uncompressed.
 */
#define ANALYTICS_TEXT_MAX_BYTES	1000

/* 0 when t fits ANALYTICS_TEXT_MAX_BYTES (or is NULL), else its size in bytes */
extern int	AnalyticsTextBytesOver(text *t);

/*
 * The largest duration_ms the aggregates take (screen_seconds keeps
 * durations as int32 milliseconds, about 24.8 days).
 */
#define ANALYTICS_DURATION_MS_MAX	PG_INT32_MAX

/* GUC: gap in a session after which its user counts as gone, in seconds */
extern int	analytics_session_idle_timeout;

/* GUC: absolute z-score above which analytics.event_anomalies flags a day */
extern double analytics_anomaly_threshold;

/* analytics.mock_now, or the transaction's start time */
extern TimestampTz AnalyticsNow(void);

/*
 * Turn a GSL status into an ereport(ERROR) (no-op for GSL_SUCCESS). "what"
 * names the computation for the error message.
 */
extern void AnalyticsGslCheck(int status, const char *what);

/*
 * Two-sided p value of Student's t statistic t on df degrees of freedom,
 * accurate to about 1e-15 relative even far in the tails.
 */
extern double AnalyticsTTestP(double t, double df);

/*
 * An interval as microseconds, a month counting 30 days as interval
 * comparison does; "what" names the argument in the out-of-range error.
 */
extern int64 AnalyticsIntervalUsecs(const Interval *iv, const char *what);

/*
 * The last interval an aggregate converted, kept in its per-call cache
 * (fn_extra): the argument is usually a constant, converted once a query
 * rather than once a row.
 */
typedef struct AnalyticsIntervalCache
{
	Interval	iv;
	int64		usecs;
	bool		valid;
} AnalyticsIntervalCache;

static inline int64
AnalyticsIntervalUsecsCached(AnalyticsIntervalCache *cache, const Interval *iv,
							 const char *what)
{
	if (!cache->valid || cache->iv.time != iv->time ||
		cache->iv.day != iv->day || cache->iv.month != iv->month)
	{
		cache->usecs = AnalyticsIntervalUsecs(iv, what);
		cache->iv = *iv;
		cache->valid = true;
	}
	return cache->usecs;
}

/*
 * An ISO 8601 / RFC 3339 timestamp:
 *	 YYYY-MM-DD(T| )HH:MM[:SS[.fraction]][Z|+HH[:MM]|-HH[:MM]]
 * Fractions beyond microseconds are rounded. With need_offset, the offset
 * is required (an instant without one would be ambiguous); without it, a
 * missing offset means UTC and a date alone means its midnight, UTC.
 * Returns false, never an error, on anything else, including impossible
 * dates and instants outside the years 1 to 9999 in UTC; the session's
 * DateStyle and TimeZone play no part.
 */
extern bool AnalyticsParseIsoTimestamp(const char *s, int len, bool need_offset,
									   TimestampTz *out);

/*
 * Deferred appends for aggregates under hash aggregation.
 *
 * A hash aggregate calls the transition function for rows of random groups,
 * so every call that touches its group's state waits for a cache miss, one
 * after another. An aggregate whose rows only append to their state can
 * instead write (state, payload) to a log, a sequential write that does not
 * wait, and apply the log in batches, where the misses of many groups
 * overlap (the apply function prefetches ahead). The log lives in the
 * aggregate context; when that context is reset it is gone, and the pointer
 * the caller keeps to it (*owner) is cleared. Before a state is read
 * (final, serialize, combine) its log must be flushed.
 */
typedef struct AnalyticsDeferred
{
	void	   *state;			/* the group's state */
	int64		a;				/* payload, as the aggregate defines it */
	int32		b;
	int32		c;
} AnalyticsDeferred;

typedef void (*AnalyticsDeferApply) (const AnalyticsDeferred *items, int n);

typedef struct AnalyticsDeferLog
{
	MemoryContext states;		/* a child of the aggregate context for the
								 * states, apart from the hash table's
								 * entries so that those stay dense */
	AnalyticsDeferApply apply;
	struct AnalyticsDeferLog **owner;	/* cleared when the log is freed */
	int			n;
	int			capacity;
	AnalyticsDeferred *items;
} AnalyticsDeferLog;

extern AnalyticsDeferLog *AnalyticsDeferLogCreate(MemoryContext ctx, AnalyticsDeferApply apply,
												  AnalyticsDeferLog **owner);
extern void AnalyticsDeferLogFlush(AnalyticsDeferLog *log);
/*
 * What a transition function keeps (in fn_extra) to decide whether a row may
 * go through the log: only under a hash aggregate, and only while every row
 * gives the arguments (key) that all states made with the log share, so
 * that a logged row never needs its state read to be checked.
 */
typedef struct AnalyticsDeferUse
{
	bool		active;			/* hash aggregate, and no row has differed */
	AnalyticsDeferLog *log;		/* NULL until a first state; cleared on reset */
	int64		key[2];			/* the arguments of every state made with log */
} AnalyticsDeferUse;

extern void AnalyticsDeferUseInit(AnalyticsDeferUse *use, FunctionCallInfo fcinfo);

static inline void
AnalyticsDeferLogAdd(AnalyticsDeferLog *log, void *state, int64 a, int32 b, int32 c)
{
	AnalyticsDeferred *item;

	if (unlikely(log->n == log->capacity))
		AnalyticsDeferLogFlush(log);
	item = &log->items[log->n++];
	item->state = state;
	item->a = a;
	item->b = b;
	item->c = c;
}

/*
 * The log a row may go through, or NULL when it must reach its state
 * directly. new_state: the row makes its group's state (aggctx, then the
 * aggregate context, is where a log is made). key0, key1: the row's arguments
 * that a state fixes. The first row that differs from the log's key turns the
 * log off for the rest of the query, after applying it, so that from then on
 * every state's arguments are checked.
 */
static inline AnalyticsDeferLog *
AnalyticsDeferLogFor(AnalyticsDeferUse *use, MemoryContext aggctx, AnalyticsDeferApply apply,
					 bool new_state, int64 key0, int64 key1)
{
	if (!use->active)
		return NULL;
	if (use->log == NULL)
	{
		/* states outlive no log: one that exists was made without one */
		if (!new_state)
			return NULL;
		(void) AnalyticsDeferLogCreate(aggctx, apply, &use->log);
		use->key[0] = key0;
		use->key[1] = key1;
	}
	else if (key0 != use->key[0] || key1 != use->key[1])
	{
		AnalyticsDeferLogFlush(use->log);
		use->active = false;
		return NULL;
	}
	return use->log;
}

/*
 * The start of a combine function whose state is an array (a concrete type,
 * also merged by hand from stored states): a NULL on either side decides the
 * result, and a state standing alone is copied into the aggregate context.
 * Otherwise *a is the first state, writable (in place inside an aggregate, a
 * copy outside one), and *b the second, for the caller to merge. check
 * raises an error for an invalid state; every state returned has passed it
 * or is the caller's to check. Returns true when *result is the answer.
 */
typedef void (*AnalyticsArrayCheck) (ArrayType *state);

extern bool AnalyticsArrayCombineArgs(FunctionCallInfo fcinfo, AnalyticsArrayCheck check,
									  Datum *result, ArrayType **a, ArrayType **b);

/*
 * Least squares by orthogonal updating (Miller's algorithm AS 274).
 *
 * Rows (x, y) with weight w are rotated one at a time into a factor
 * X = Q D^(1/2) U, U unit upper triangular, by square-root-free Givens
 * rotations: the normal equations are never formed, so the accuracy is that
 * of a QR decomposition, and the factor takes O(p^2) space whatever the
 * number of rows. Two factors of the same design merge by rotating the rows
 * of one into the other. A factor for p coefficients is a flat array of
 * AnalyticsLsqSize(p) doubles:
 *
 *	 d[p]			row weights (the squared diagonal of R)
 *	 u[p(p-1)/2]	U above its diagonal, by rows
 *	 theta[p]		Q'y scaled like U
 *	 sserr			residual sum of squares so far
 *
 * An all-zero array is the factor of no rows.
 */
#define ANALYTICS_LSQ_MAX_P		101

static inline int
AnalyticsLsqSize(int p)
{
	return p + p * (p - 1) / 2 + p + 1;
}

/* Rotate the row (x, y) with weight w into f; x is overwritten */
extern void AnalyticsLsqInclude(double *f, int p, double w, double *x, double y);

/* Merge factor g into f (both for p coefficients) */
extern void AnalyticsLsqMerge(double *f, const double *g, int p);

/*
 * A solved factor. A column that is (up to tol, relative to its norm) a
 * linear combination of the columns before it is aliased: it gets no
 * coefficient, as R's lm() does, and the others are those of the model
 * without it.
 */
typedef struct AnalyticsLsqFit
{
	int			p;				/* columns */
	int			rank;			/* columns not aliased */
	bool	   *aliased;		/* [p] */
	double	   *beta;			/* [p] coefficients, 0 where aliased */
	double		rss;			/* residual sum of squares */
	int		   *kept;			/* [rank] indexes of the columns kept */
	double	   *u;				/* [rank * rank] U of the kept columns */
	double	   *d;				/* [rank] their row weights */
} AnalyticsLsqFit;

/* The relative tolerance below which a column counts as aliased (R's lm) */
#define ANALYTICS_LSQ_TOL		1e-7

extern void AnalyticsLsqSolve(const double *f, int p, double tol, AnalyticsLsqFit *fit);
extern double AnalyticsLsqQuad(const AnalyticsLsqFit *fit, const double *x0);
extern double AnalyticsLsqCondition(const AnalyticsLsqFit *fit);

#ifdef __GNUC__
#define ANALYTICS_PREFETCH(p)		__builtin_prefetch((p), 0, 3)
#define ANALYTICS_PREFETCH_W(p)		__builtin_prefetch((p), 1, 3)
#else
#define ANALYTICS_PREFETCH(p)		((void) 0)
#define ANALYTICS_PREFETCH_W(p)		((void) 0)
#endif

/* GUC analytics.mock_now: the time tests take as now, empty when unset */
extern char *analytics_mock_now;

/* GUC: how long analytics.job_runs keeps a finished run, in seconds (0: forever) */
extern int	analytics_job_run_retention;

#endif							/* ANALYTICS_H */
