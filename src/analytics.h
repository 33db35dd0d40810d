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
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
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

/*
 * How often long loops check for interrupts: once every cadence + 1
 * iterations (a cadence is a mask, a power of two less one), so that a query
 * can be cancelled promptly while a cheap loop body does not pay for the
 * check at every iteration.
 *
 * INTERRUPT_CADENCE, every 65,536 iterations, is for bodies of a few dozen
 * instructions: an event or observation checked, copied or counted.
 * INTERRUPT_CADENCE_COSTLY, every 1,024, is for bodies that cost far more
 * themselves, so that the time between two checks stays about as short: a
 * step of an insertion sort (an inner loop over what is sorted so far), or
 * a screen name received, converted from the client encoding and copied.
 */
#define INTERRUPT_CADENCE			0xFFFF
#define INTERRUPT_CADENCE_COSTLY	0x3FF

#define CHECK_FOR_INTERRUPTS_EVERY(i, cadence) \
	do { \
		if (((i) & (cadence)) == 0) \
			CHECK_FOR_INTERRUPTS(); \
	} while (0)

/*
 * 2^53: the largest count a float8 state keeps exactly (every whole number
 * up to it is a double), so the most rows an array state may have counted.
 */
#define ANALYTICS_EXACT_COUNT_MAX	9007199254740992.0

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

/*
 * Forecasts over whole days (src/forecast.c, for src/goals.c): the model of
 * linear_forecast over n observations at day steps t[0] = 0 < t[1] < ...,
 * with the given season (0 or a period), at confidence. For the steps h =
 * 1 .. horizon after the last observation: total and its interval, the
 * sum of their forecasts as forecast_total gives it; last and its
 * interval, the forecast at step horizon as linear_forecast gives it; and
 * reached, the first h <= reach_horizon at which the running sum of the
 * forecasts is >= reach (0 if none).
 */
typedef struct AnalyticsDayForecast
{
	int			season;
	double		total;
	double		total_lower;
	double		total_upper;
	double		last;
	double		last_lower;
	double		last_upper;
	int			reached;
} AnalyticsDayForecast;

/* 7 when detect_season's rule finds a weekly season that can be fitted, else 0 */
extern int	AnalyticsWeeklySeason(const double *t, const double *y, int n);
extern void AnalyticsForecastDays(const double *t, const double *y, int n, int season,
								  double confidence, int horizon, double reach, int reach_horizon,
								  AnalyticsDayForecast *out);

/*
 * Exact sums ("small superaccumulators", Radford Neal, 2015), kept by
 * analytics.zscore: fixed-point numbers in chunks of 32 bits, each chunk held
 * in an int64 so that carries can wait. A double is an odd integer mantissa
 * of at most 53 bits times a power of two: adding it changes 2 or 3 chunks;
 * the product of two doubles is the product of their mantissas times a power
 * of two, so nothing underflows or rounds away.
 *
 * An exact sum: the value is Σ chunk[i] 2^(low_exp + 32 i) over the chunks in
 * use, lo .. hi (hi < lo: the sum is 0); chunks outside that range hold
 * anything and are zeroed when the range grows over them. Every update
 * changes a chunk by less than 2^32 in magnitude, so carries are propagated
 * after at most EXACT_SUM_MAX_ADDS updates, long before a chunk could
 * overflow. Normalized (right after ExactSumNormalize), chunks lo .. hi - 1
 * lie in [0, 2^32) and chunk hi is positive, or -1 for a negative sum.
 */
typedef struct ExactSum
{
	int32		lo;				/* lowest chunk in use */
	int32		hi;				/* highest chunk in use */
	int32		nchunks;
	int32		low_exp;		/* weight of chunk 0's lowest bit */
	int64		adds;			/* updates since carries were propagated */
	int64	   *chunk;
} ExactSum;

/* The most chunks a sum may have (ExactSumAddScaled copies one on the stack) */
#define EXACT_SUM_MAX_CHUNKS	104

/* An empty sum of nchunks chunks (the caller's array), chunk 0 at 2^low_exp */
extern void ExactSumInit(ExactSum *s, int64 *chunks, int nchunks, int low_exp);

/* A copy of src in dst, using chunks (room for src->nchunks): O(chunks in use) */
extern void ExactSumCopy(ExactSum *dst, int64 *chunks, const ExactSum *src);

/* Propagate the carries and trim the range to the nonzero chunks */
extern void ExactSumNormalize(ExactSum *s);

/* Negate a sum in place (the result is not normalized) */
extern void ExactSumNegate(ExactSum *s);

/* Add (or subtract) v * 2^shift exactly, v finite */
extern void ExactSumAddDouble(ExactSum *s, double v, int shift, bool subtract);

/* Add (or subtract) a * b * 2^shift exactly, a and b finite */
extern void ExactSumAddProduct(ExactSum *s, double a, double b, int shift, bool subtract);

/*
 * Add (or subtract) t * f * 2^shift to s exactly, t a normalized exact sum
 * and f a finite double
 */
extern void ExactSumAddScaled(ExactSum *s, const ExactSum *t, double f, int shift,
							  bool subtract);

/*
 * A finite double as mant * 2^exp, mant odd (or 0) and below 2^53; *negative
 * is its sign bit.
 */
static inline void
DoubleParts(double v, uint64 *mant, int *exp, bool *negative)
{
	uint64		bits;
	int			biased;
	uint64		m;
	int			e;

	memcpy(&bits, &v, sizeof(bits));
	biased = (int) ((bits >> 52) & 0x7FF);
	m = bits & ((UINT64CONST(1) << 52) - 1);
	*negative = (bits >> 63) != 0;
	if (biased == 0)
		e = -1074;				/* zero or subnormal */
	else
	{
		m |= UINT64CONST(1) << 52;
		e = biased - 1075;
	}
	if (m != 0)
	{
		int			tz = pg_rightmost_one_pos64(m);

		m >>= tz;
		e += tz;
	}
	*mant = m;
	*exp = e;
}

/* Sign of a normalized sum: -1, 0 or 1 */
static inline int
ExactSumSign(const ExactSum *s)
{
	if (s->hi < s->lo)
		return 0;
	return s->chunk[s->hi] < 0 ? -1 : 1;
}

/*
 * Screen names (name_pool.c): the pool that stores each screen name of the
 * analytics.screen_seconds states of one aggregate context once, and the
 * hash table of names (screendict) that the pool and analytics.rollup use.
 */

/* Byte-order comparison of two names, shorter first on a common prefix */
static inline int
NameCompare(const char *a, int32 alen, const char *b, int32 blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* A name as a key of screendict: its bytes (no terminator) and length */
typedef struct ScreenName
{
	const char *name;
	int32		len;
} ScreenName;

typedef struct ScreenDictEntry
{
	ScreenName	key;
	int32		id;
	uint32		hash;
	char		status;
} ScreenDictEntry;

/* screendict: simplehash, declared here and defined in name_pool.c */
#define SH_PREFIX screendict
#define SH_ELEMENT_TYPE ScreenDictEntry
#define SH_KEY_TYPE ScreenName
#define SH_SCOPE extern
#define SH_DECLARE
#include "lib/simplehash.h"

/*
 * A direct-mapped cache of name lookups, keyed by length and NameKey: the
 * screen of most rows is found with a few instructions.
 */
#define SCREEN_RECENT	64

/* A name's slot: the top bits of (key + len) times 2^64 / golden ratio */
#define SCREEN_RECENT_HASH_MULT	UINT64CONST(0x9E3779B97F4A7C15)

typedef struct ScreenRecent
{
	uint64		key;
	int32		len;			/* -1: empty */
	int32		id;
} ScreenRecent;

/*
 * The screen names of every state in one aggregate context, each stored
 * once: a state's events refer to names by id. A query shows few distinct
 * screens to many sessions, so this spares every session its own copies,
 * and the names stay in the CPU cache.
 */
typedef struct ScreenPool
{
	MemoryContext ctx;			/* the aggregate context: the pool lives there */
	struct ScreenPool **owner;	/* cleared when ctx is reset */
	int32		n;
	int32		max;
	char	  **names;
	int32	   *lens;
	screendict_hash *dict;		/* NULL while n <= DICT_LINEAR_MAX */
	ScreenRecent recent[SCREEN_RECENT];	/* ids of names seen lately */
	int32		nranked;		/* rank is valid for ids below this */
	int32	   *rank;			/* position of each name in byte order */
	int32	   *slot;			/* scratch of the final function: -1 each */
	int32		nslots;
} ScreenPool;

/*
 * The pool of ctx kept at *owner, made when there is none; *owner is cleared
 * when ctx is reset
 */
extern ScreenPool *ScreenPoolGet(MemoryContext ctx, ScreenPool **owner);

/* The id of a screen name, added when new: the slow path of ScreenPoolLookup */
extern int32 ScreenPoolFind(ScreenPool *pool, const char *name, int32 len);

/* Make pool->rank valid for every id */
extern void ScreenPoolRank(ScreenPool *pool);

/* pool->slot with room for every id, each -1 */
extern int32 *ScreenPoolSlots(ScreenPool *pool);

/*
 * A word that, with the length, tells names of up to 8 bytes apart (and the
 * first 8 bytes of longer ones), read without going past the name's end.
 */
static inline uint64
NameKey(const char *name, int32 len)
{
	uint32		lo,
				hi;
	uint64		key;

	if (len >= 8)
	{
		memcpy(&key, name, 8);
		return key;
	}
	if (len >= 4)
	{
		/* two overlapping words cover all 4 to 7 bytes */
		memcpy(&lo, name, 4);
		memcpy(&hi, name + len - 4, 4);
		return (uint64) lo | ((uint64) hi << 32);
	}
	if (len == 0)
		return 0;
	/* 1 to 3 bytes: first, middle, last */
	return (uint64) (unsigned char) name[0] |
		((uint64) (unsigned char) name[len / 2] << 8) |
		((uint64) (unsigned char) name[len - 1] << 16);
}

/* The id of a screen name, added when new */
static inline int32
ScreenPoolLookup(ScreenPool *pool, const char *name, int32 len)
{
	uint64		key = NameKey(name, len);
	ScreenRecent *r = &pool->recent[((key + (uint64) len) * SCREEN_RECENT_HASH_MULT) >> 58];

	StaticAssertStmt(SCREEN_RECENT == 64, "the slot is the hash's top 6 bits");
	if (r->len == len && r->key == key &&
		(len <= 8 || memcmp(pool->names[r->id] + 8, name + 8, len - 8) == 0))
		return r->id;
	r->id = ScreenPoolFind(pool, name, len);
	r->key = key;
	r->len = len;
	return r->id;
}

/*
 * The analytics.screen_time type (screen_time_io.c: checks, construction,
 * text and binary input and output; screen_time.c makes and reads values).
 *
 * Layout: a header, then nscreens entries sorted by name in byte order (no
 * duplicates), then the names, concatenated in entry order without
 * terminators. Times are whole microseconds.
 */
#define SCREEN_TIME_VERSION 1

typedef struct ScreenTimeEntry
{
	int64		usecs;			/* time on the screen */
	int64		views;
	int32		name_off;		/* offset into the names area */
	int32		name_len;
} ScreenTimeEntry;

typedef struct ScreenTime
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint16		version;
	uint16		flags;			/* none defined: 0 */
	int32		nscreens;
	ScreenTimeEntry entries[FLEXIBLE_ARRAY_MEMBER];
} ScreenTime;

#define SCREEN_TIME_HEADER	offsetof(ScreenTime, entries)
#define ScreenTimeNames(st) ((char *) &(st)->entries[(st)->nscreens])

/* One screen's totals while building a value */
typedef struct ScreenTotal
{
	const char *name;
	int32		len;
	int64		usecs;
	int64		views;
} ScreenTotal;

/* Argument n, detoasted, its every length, offset, count and order checked */
extern ScreenTime *ScreenTimeArg(FunctionCallInfo fcinfo, int n);

/* Build a value from totals already sorted by name, without duplicates */
extern ScreenTime *ScreenTimeBuild(const ScreenTotal *t, int32 n);

/* Microseconds as exact decimal seconds: 42.5, 10, 0.000001 */
extern void ScreenTimeAppendSeconds(StringInfo buf, int64 usecs);

#ifdef __GNUC__
#define ANALYTICS_PREFETCH(p)		__builtin_prefetch((p), 0, 3)
#define ANALYTICS_PREFETCH_W(p)		__builtin_prefetch((p), 1, 3)
#else
#define ANALYTICS_PREFETCH(p)		((void) 0)
#define ANALYTICS_PREFETCH_W(p)		((void) 0)
#endif

/*
 * How far ahead the apply function of a deferred log (funnel, screen time)
 * prefetches: the state of the item ANALYTICS_PREFETCH_STATE_AHEAD items
 * ahead, and where the item ANALYTICS_PREFETCH_DATA_AHEAD items ahead will
 * write its event, an address read from its state, which by then is in the
 * cache. Far enough ahead for a miss to complete before the item is
 * reached, near enough for the lines to stay in the cache until then.
 */
#define ANALYTICS_PREFETCH_STATE_AHEAD	16
#define ANALYTICS_PREFETCH_DATA_AHEAD	8

/*
 * Running SQL as another role (a metric's or a template's owner, an
 * aggregate's definer): AnalyticsBecomeRole switches the user id with
 * SECURITY_RESTRICTED_OPERATION and opens a GUC nest level with search_path
 * pinned to pg_catalog, pg_temp (settings set after it are undone with it);
 * AnalyticsRestoreRole undoes both. An error in between needs no restore:
 * the transaction's abort resets the user id and the settings.
 */
typedef struct AnalyticsAsRole
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} AnalyticsAsRole;

extern void AnalyticsBecomeRole(Oid role, AnalyticsAsRole *as);
extern void AnalyticsRestoreRole(AnalyticsAsRole *as);

/* GUC analytics.mock_now: the time tests take as now, empty when unset */
extern char *analytics_mock_now;

/* GUC: how long analytics.job_runs keeps a finished run, in seconds (0: forever) */
extern int	analytics_job_run_retention;

/* GUC: how long analytics.reports keeps a report, in seconds (0: forever) */
extern int	analytics_report_retention;

/* GUCs of the mail server that reports are sent through (report_mail.c) */
typedef enum AnalyticsSmtpTls
{
	ANALYTICS_SMTP_TLS_OFF,
	ANALYTICS_SMTP_TLS_TRY,
	ANALYTICS_SMTP_TLS_REQUIRE
} AnalyticsSmtpTls;

extern char *analytics_smtp_server;
extern char *analytics_smtp_sender;
extern char *analytics_smtp_user;
extern char *analytics_smtp_password;
extern int	analytics_smtp_tls;
extern int	analytics_smtp_timeout;
extern int	analytics_report_delivery_attempts;

#endif							/* ANALYTICS_H */
