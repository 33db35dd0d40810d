/*-------------------------------------------------------------------------
 *
 * screen_time.c
 *	  Screen time: the analytics.screen_seconds aggregate over one session's
 *	  events, the analytics.screen_time type it returns, the accessors
 *	  analytics.screen_time_rows and analytics.seconds_on, and the
 *	  analytics.rollup aggregate that merges screen_time values. The pool of
 *	  screen names the states share is in name_pool.c, the type's checks and
 *	  its text and binary input and output in screen_time_io.c.
 *
 * The rules of analytics.screen_seconds (ts, screen [, duration_ms],
 * idle_timeout):
 *
 * - Rows with a NULL ts are ignored. An infinite ts is an error.
 * - A row with a non-NULL screen is a view of that screen; a row with a NULL
 *	 screen is other activity in the session.
 * - The events are taken in time order. Ties in ts are broken by screen name
 *	 in byte order, views before other activity (NULL screen last), then by
 *	 duration_ms (none first, then ascending). Input order cannot decide: it
 *	 is not stable across parallel workers.
 * - The current screen is the screen of the latest view. Each view adds 1 to
 *	 its screen's views.
 * - For consecutive events e(i), e(i+1) with gap = ts(i+1) - ts(i): when a
 *	 current screen exists, its view carries no duration and
 *	 gap <= idle_timeout, the gap counts toward the current screen; a gap
 *	 longer than idle_timeout counts zero (the user was gone) and the screen
 *	 stays current for the events that follow.
 * - The last event ends the session: nothing counts after it.
 * - Duration override: a view with a non-NULL duration_ms adds exactly
 *	 duration_ms / 1000 seconds to its screen, and the gaps that follow it up
 *	 to the next view (through any other activity) add nothing. The duration
 *	 is used as measured, even when it exceeds idle_timeout or the time to the
 *	 next event. duration_ms on a row with a NULL screen is ignored (but must
 *	 not be negative).
 * - idle_timeout: a NULL value means the analytics.session_idle_timeout GUC,
 *	 read by the final function; all non-NULL values of a group must be equal
 *	 (as durations: a month is 30 days, a day 24 hours, as in interval
 *	 comparison), also across partial states being combined.
 *
 * Times are summed as whole microseconds (the resolution of timestamptz), so
 * sums are exact and do not depend on the order states are merged in; they
 * are shown as float8 seconds.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "analytics.h"

/* ---------- the transition state of analytics.screen_seconds ---------- */

#define SCREEN_NONE		(-1)		/* ScreenEvent.screen of other activity */
#define NO_DURATION		(-1)		/* ScreenEvent.duration_ms when absent */

/* One event in compact form */
typedef struct ScreenEvent
{
	TimestampTz ts;
	int32		screen;			/* id in the state's name pool, or
								 * SCREEN_NONE */
	int32		duration_ms;	/* app-measured duration, or NO_DURATION */
} ScreenEvent;

StaticAssertDecl(sizeof(ScreenEvent) == 16, "ScreenEvent must take 16 bytes");

#define MAX_EVENTS	((int32) (MaxAllocSize / sizeof(ScreenEvent)))

typedef struct ScreenState
{
	ScreenPool *pool;			/* the names of the screen ids */
	AnalyticsDeferLog *log;		/* events may wait there (flush before
								 * reading the state), or NULL */
	int64		idle_usecs;		/* that idle_timeout, if has_timeout */
	bool		has_timeout;	/* a row gave a non-NULL idle_timeout */
	bool		sorted;			/* events are in time order (with ties broken) */
	int32		nevents;
	int32		maxevents;
	ScreenEvent last;			/* a copy of the latest event added */
	ScreenEvent *events;		/* inline, until there are too many */
	ScreenEvent inline_events[FLEXIBLE_ARRAY_MEMBER];
} ScreenState;

/* A new state takes 256 bytes, room for this many events */
#define SCREEN_INLINE_EVENTS \
	((int32) ((256 - offsetof(ScreenState, inline_events)) / sizeof(ScreenEvent)))

/* What screen_seconds_trans and _deserialize keep between rows (fn_extra) */
typedef struct ScreenCallCache
{
	AnalyticsIntervalCache timeout;
	ScreenPool *pool;			/* the pool of the current aggregate context */
	AnalyticsDeferUse defer;	/* the deferred appends */
} ScreenCallCache;

/* Order of events, names compared through the pool */
static int
ScreenEventCompare(const ScreenPool *pool, const ScreenEvent *a, const ScreenEvent *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->screen != b->screen)
	{
		if (a->screen == SCREEN_NONE)
			return 1;
		if (b->screen == SCREEN_NONE)
			return -1;
		return NameCompare(pool->names[a->screen], pool->lens[a->screen],
						   pool->names[b->screen], pool->lens[b->screen]);
	}
	return (a->duration_ms > b->duration_ms) - (a->duration_ms < b->duration_ms);
}

/* The same order, with names replaced by their ranks (arg) */
static int
ScreenEventRankCompare(const void *pa, const void *pb, void *arg)
{
	const ScreenEvent *a = pa;
	const ScreenEvent *b = pb;
	const int32 *rank = arg;
	int32		ra,
				rb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	ra = a->screen == SCREEN_NONE ? PG_INT32_MAX : rank[a->screen];
	rb = b->screen == SCREEN_NONE ? PG_INT32_MAX : rank[b->screen];
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return (a->duration_ms > b->duration_ms) - (a->duration_ms < b->duration_ms);
}

static ScreenState *
ScreenStateCreate(MemoryContext ctx, ScreenPool *pool)
{
	ScreenState *st = MemoryContextAlloc(ctx, offsetof(ScreenState, inline_events) +
										 SCREEN_INLINE_EVENTS * sizeof(ScreenEvent));

	st->pool = pool;
	st->log = NULL;
	st->idle_usecs = 0;
	st->has_timeout = false;
	st->sorted = true;
	st->nevents = 0;
	st->maxevents = SCREEN_INLINE_EVENTS;
	st->events = st->inline_events;
	return st;
}

/* An idle timeout in microseconds as seconds, whatever the IntervalStyle */
static char *
UsecsText(int64 usecs)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (usecs < 0)
	{
		appendStringInfoChar(&buf, '-');
		/* -PG_INT64_MIN overflows; a microsecond less does not matter here */
		usecs = usecs == PG_INT64_MIN ? PG_INT64_MAX : -usecs;
	}
	ScreenTimeAppendSeconds(&buf, usecs);
	appendStringInfoString(&buf, " seconds");
	return buf.data;
}

/* Record the group's idle timeout; every non-NULL value must agree */
static void
ScreenStateSetTimeout(ScreenState *st, int64 usecs, bool combining)
{
	if (!st->has_timeout)
	{
		st->has_timeout = true;
		st->idle_usecs = usecs;
	}
	else if (st->idle_usecs != usecs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("idle_timeout must be the same for every row"),
				 combining ?
				 errdetail("Partial states built with idle_timeout %s and %s cannot be combined.",
						   UsecsText(st->idle_usecs), UsecsText(usecs)) :
				 errdetail("One row gives %s, another %s.",
						   UsecsText(st->idle_usecs), UsecsText(usecs))));
}

/* Room for extra more events */
static void
ScreenStateGrow(ScreenState *st, int32 extra)
{
	int64		needed = (int64) st->nevents + extra;
	ScreenEvent *events;

	if (needed > MAX_EVENTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many events in one screen_seconds group"),
				 errdetail("A group holds at most %d events.", MAX_EVENTS)));
	needed = Max(needed, Min((int64) st->maxevents * 2, (int64) MAX_EVENTS));
	if (st->events == st->inline_events)
	{
		events = MemoryContextAlloc(GetMemoryChunkContext(st), needed * sizeof(ScreenEvent));
		memcpy(events, st->events, st->nevents * sizeof(ScreenEvent));
	}
	else
		events = repalloc(st->events, needed * sizeof(ScreenEvent));
	st->events = events;
	st->maxevents = (int32) needed;
}

static inline void
ScreenStateAppend(ScreenState *st, TimestampTz ts, int32 screen, int32 duration_ms)
{
	ScreenEvent ev;

	if (unlikely(st->nevents == st->maxevents))
		ScreenStateGrow(st, 1);
	ev.ts = ts;
	ev.screen = screen;
	ev.duration_ms = duration_ms;
	if (st->sorted && st->nevents > 0 && ts <= st->last.ts &&
		ScreenEventCompare(st->pool, &st->last, &ev) > 0)
		st->sorted = false;
	st->events[st->nevents++] = ev;
	st->last = ev;
}

/* Apply deferred events (analytics.h): a = ts, b = screen, c = duration */
static void
ScreenApplyDeferred(const AnalyticsDeferred *items, int n)
{
	for (int i = 0; i < n; i++)
	{
		/* overlap the cache misses: states first, then their events */
		if (i + ANALYTICS_PREFETCH_STATE_AHEAD < n)
			ANALYTICS_PREFETCH_W(items[i + ANALYTICS_PREFETCH_STATE_AHEAD].state);
		if (i + ANALYTICS_PREFETCH_DATA_AHEAD < n)
		{
			ScreenState *ahead = (ScreenState *) items[i + ANALYTICS_PREFETCH_DATA_AHEAD].state;

			ANALYTICS_PREFETCH_W(ahead->events + ahead->nevents);
		}
		ScreenStateAppend((ScreenState *) items[i].state, items[i].a, items[i].b, items[i].c);
	}
}

static inline void
ScreenStateFlush(ScreenState *st)
{
	if (st != NULL && st->log != NULL)
		AnalyticsDeferLogFlush(st->log);
}

/*
 * Add src's events to dst. src is only read: dst never points into it. The
 * screen ids are mapped when the states use different pools.
 */
static void
ScreenStateMerge(ScreenState *dst, const ScreenState *src)
{
	int32	   *map = NULL;
	int32		first = dst->nevents;

	if (src->has_timeout)
		ScreenStateSetTimeout(dst, src->idle_usecs, true);
	if (src->nevents == 0)
		return;
	if (dst->pool != src->pool)
	{
		map = palloc(Max(src->pool->n, 1) * sizeof(int32));
		memset(map, 0xff, Max(src->pool->n, 1) * sizeof(int32));
	}
	if (dst->maxevents - dst->nevents < src->nevents)
		ScreenStateGrow(dst, src->nevents);
	for (int32 j = 0; j < src->nevents; j++)
	{
		ScreenEvent ev = src->events[j];

		CHECK_FOR_INTERRUPTS_EVERY(j, INTERRUPT_CADENCE);
		if (map != NULL && ev.screen != SCREEN_NONE)
		{
			if (map[ev.screen] < 0)
				map[ev.screen] = ScreenPoolLookup(dst->pool, src->pool->names[ev.screen],
												  src->pool->lens[ev.screen]);
			ev.screen = map[ev.screen];
		}
		dst->events[dst->nevents++] = ev;
	}
	/* the mapping keeps the order within src: names compare the same */
	if (!src->sorted ||
		(first > 0 && ScreenEventCompare(dst->pool, &dst->events[first - 1], &dst->events[first]) > 0))
		dst->sorted = false;
	dst->last = dst->events[dst->nevents - 1];
	if (map != NULL)
		pfree(map);
}

static MemoryContext
ScreenAggContext(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggctx;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return aggctx;
}

static ScreenCallCache *
ScreenCache(FunctionCallInfo fcinfo)
{
	ScreenCallCache *cache = (ScreenCallCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ScreenCallCache));
		AnalyticsDeferUseInit(&cache->defer, fcinfo);
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache;
}

/*
 * analytics.screen_seconds transition, for all three forms:
 *	 (state, ts, screen)
 *	 (state, ts, screen, idle_timeout)
 *	 (state, ts, screen, duration_ms, idle_timeout)
 */
PG_FUNCTION_INFO_V1(screen_seconds_trans);
Datum
screen_seconds_trans(PG_FUNCTION_ARGS)
{
	ScreenState *st = PG_ARGISNULL(0) ? NULL : (ScreenState *) PG_GETARG_POINTER(0);
	ScreenCallCache *cache = (ScreenCallCache *) fcinfo->flinfo->fn_extra;
	MemoryContext aggctx = NULL;
	ScreenPool *pool;
	int			nargs = PG_NARGS();
	int			timeout_arg = nargs == 4 ? 3 : nargs == 5 ? 4 : -1;
	TimestampTz ts;
	int32		duration_ms = NO_DURATION;
	int32		screen = SCREEN_NONE;
	bool		has_timeout = false;
	int64		idle_usecs = 0;
	AnalyticsDeferLog *log;

	/*
	 * Only aggregates pass a state, so the context is checked when there is
	 * none (and on a first call): not on every row.
	 */
	if (st == NULL || cache == NULL)
	{
		aggctx = ScreenAggContext(fcinfo, "screen_seconds_trans");
		cache = ScreenCache(fcinfo);
	}
	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts) || !IS_VALID_TIMESTAMP(ts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ts must be finite")));

	if (nargs == 5 && !PG_ARGISNULL(3))
	{
		int64		d = PG_GETARG_INT64(3);

		if (d < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("duration_ms must not be negative"),
					 errdetail("duration_ms is " INT64_FORMAT "; durations are 0 or more milliseconds.", d)));
		if (d > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("duration_ms is out of range"),
					 errdetail("duration_ms is " INT64_FORMAT "; screen_seconds takes durations up to %d ms (about 24.8 days).",
							   d, PG_INT32_MAX)));
		duration_ms = (int32) d;
	}

	if (timeout_arg > 0 && !PG_ARGISNULL(timeout_arg))
	{
		idle_usecs = AnalyticsIntervalUsecsCached(&cache->timeout,
												  PG_GETARG_INTERVAL_P(timeout_arg),
												  "idle_timeout");
		if (idle_usecs <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("idle_timeout must be positive"),
					 errdetail("idle_timeout is %s.", UsecsText(idle_usecs))));
		has_timeout = true;
	}

	/*
	 * Under a hash aggregate every state of this function uses the pool of
	 * the one aggregate context: the state need not be read to know it.
	 */
	if (st == NULL)
		pool = ScreenPoolGet(aggctx, &cache->pool);
	else if (cache->defer.active)
	{
		pool = cache->pool;
		Assert(pool != NULL && pool == st->pool);
	}
	else
		pool = st->pool;
	if (!PG_ARGISNULL(2))
	{
		text	   *t = PG_GETARG_TEXT_PP(2);

		screen = ScreenPoolLookup(pool, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	else
		duration_ms = NO_DURATION;	/* only a view's duration counts */

	log = AnalyticsDeferLogFor(&cache->defer, aggctx, ScreenApplyDeferred, st == NULL,
							   has_timeout ? idle_usecs : 0, 0);
	if (log != NULL)
	{
		/* the group's state was made with this idle timeout and pool */
		if (st != NULL)
		{
			AnalyticsDeferLogAdd(log, st, ts, screen, duration_ms);
			PG_RETURN_POINTER(st);
		}
		st = ScreenStateCreate(log->states, pool);
		st->log = log;
	}
	else if (st == NULL)
		st = ScreenStateCreate(aggctx, pool);
	else
	{
		ScreenStateFlush(st);
		Assert(st->pool == pool);
	}
	if (has_timeout)
		ScreenStateSetTimeout(st, idle_usecs, false);
	ScreenStateAppend(st, ts, screen, duration_ms);
	PG_RETURN_POINTER(st);
}

/* analytics.screen_seconds combine: merges the second state into the first */
PG_FUNCTION_INFO_V1(screen_seconds_combine);
Datum
screen_seconds_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = ScreenAggContext(fcinfo, "screen_seconds_combine");
	ScreenState *s1 = PG_ARGISNULL(0) ? NULL : (ScreenState *) PG_GETARG_POINTER(0);
	ScreenState *s2 = PG_ARGISNULL(1) ? NULL : (ScreenState *) PG_GETARG_POINTER(1);

	ScreenStateFlush(s1);
	ScreenStateFlush(s2);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
	{
		/* a copy in the aggregate context: s2 is not ours */
		ScreenPool *pool = s2->pool;

		if (pool->ctx != aggctx)
			pool = ScreenPoolGet(aggctx, &ScreenCache(fcinfo)->pool);
		s1 = ScreenStateCreate(aggctx, pool);
	}
	ScreenStateMerge(s1, s2);
	PG_RETURN_POINTER(s1);
}

/*
 * Serialized state (network byte order):
 *	 uint32 version, uint32 flags, int64 idle_usecs (0 without a timeout),
 *	 int32 nscreens, int32 nevents,
 *	 nscreens x (int32 length, bytes), nevents x (int64 ts, int32 screen,
 *	 int32 duration_ms); screens are numbered in the order listed
 */
#define SCREEN_STATE_VERSION		1
#define SCREEN_STATE_HAS_TIMEOUT	0x0001

PG_FUNCTION_INFO_V1(screen_seconds_serialize);
Datum
screen_seconds_serialize(PG_FUNCTION_ARGS)
{
	ScreenState *st;
	ScreenPool *pool;
	StringInfoData buf;
	int32	   *slot;
	int32	   *used;
	int32		nused = 0;

	(void) ScreenAggContext(fcinfo, "screen_seconds_serialize");
	st = (ScreenState *) PG_GETARG_POINTER(0);
	ScreenStateFlush(st);
	pool = st->pool;

	/* number the screens this state uses, in order of first use */
	slot = ScreenPoolSlots(pool);
	used = palloc(Max(Min(pool->n, st->nevents), 1) * sizeof(int32));
	for (int32 j = 0; j < st->nevents; j++)
	{
		int32		id = st->events[j].screen;

		if (id != SCREEN_NONE && slot[id] < 0)
		{
			slot[id] = nused;
			used[nused++] = id;
		}
	}

	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, 24 + (int) Min((Size) st->nevents * 16, MaxAllocSize / 2));
	pq_sendint32(&buf, SCREEN_STATE_VERSION);
	pq_sendint32(&buf, st->has_timeout ? SCREEN_STATE_HAS_TIMEOUT : 0);
	pq_sendint64(&buf, st->has_timeout ? st->idle_usecs : 0);
	pq_sendint32(&buf, nused);
	pq_sendint32(&buf, st->nevents);
	for (int32 i = 0; i < nused; i++)
	{
		pq_sendint32(&buf, pool->lens[used[i]]);
		pq_sendbytes(&buf, pool->names[used[i]], pool->lens[used[i]]);
	}
	for (int32 j = 0; j < st->nevents; j++)
	{
		int32		id = st->events[j].screen;

		pq_sendint64(&buf, st->events[j].ts);
		pq_sendint32(&buf, id == SCREEN_NONE ? SCREEN_NONE : slot[id]);
		pq_sendint32(&buf, st->events[j].duration_ms);
	}
	for (int32 i = 0; i < nused; i++)
		slot[used[i]] = -1;
	pfree(used);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* A serialized state that is not one: the SQLSTATE of every deserializer */
pg_attribute_noreturn()
static void
BadState(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid screen_seconds state"),
			 errdetail("%s", detail)));
}

static void
NeedBytes(StringInfo buf, int64 n)
{
	if (n < 0 || n > buf->len - buf->cursor)
		BadState("The state is truncated.");
}

/*
 * analytics.screen_seconds deserialize: checks every count and index. The
 * state is made in the current (per-row) memory context, its names go to
 * the aggregate context's pool; combine copies the state.
 */
PG_FUNCTION_INFO_V1(screen_seconds_deserialize);
Datum
screen_seconds_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = ScreenAggContext(fcinfo, "screen_seconds_deserialize");
	ScreenPool *pool = ScreenPoolGet(aggctx, &ScreenCache(fcinfo)->pool);
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	ScreenState *st;
	uint32		version,
				flags;
	int64		idle_usecs;
	int32		nscreens,
				nevents;
	int32	   *map;
	int32	   *slot;

	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;

	NeedBytes(&buf, 24);
	version = pq_getmsgint(&buf, 4);
	flags = pq_getmsgint(&buf, 4);
	idle_usecs = pq_getmsgint64(&buf);
	nscreens = (int32) pq_getmsgint(&buf, 4);
	nevents = (int32) pq_getmsgint(&buf, 4);
	if (version != SCREEN_STATE_VERSION)
		BadState(psprintf("Version %u is not supported.", version));
	if ((flags & ~SCREEN_STATE_HAS_TIMEOUT) != 0)
		BadState("Unknown flags are set.");
	if ((flags & SCREEN_STATE_HAS_TIMEOUT) ? idle_usecs <= 0 : idle_usecs != 0)
		BadState("The idle timeout is invalid.");
	if (nscreens < 0 || nevents < 0 || nevents > MAX_EVENTS)
		BadState("A count is negative or too large.");
	NeedBytes(&buf, (int64) nscreens * 4 + (int64) nevents * 16);

	st = ScreenStateCreate(CurrentMemoryContext, pool);
	if (flags & SCREEN_STATE_HAS_TIMEOUT)
		ScreenStateSetTimeout(st, idle_usecs, false);
	map = palloc(Max(nscreens, 1) * sizeof(int32));
	for (int32 i = 0; i < nscreens; i++)
	{
		int32		len;
		const char *name;

		NeedBytes(&buf, 4);
		len = (int32) pq_getmsgint(&buf, 4);
		NeedBytes(&buf, len);
		name = pq_getmsgbytes(&buf, len);
		if (memchr(name, '\0', len) != NULL || !pg_verifymbstr(name, len, true))
			BadState("A screen name is not valid text.");
		map[i] = ScreenPoolLookup(pool, name, len);
	}
	/* every name once */
	slot = ScreenPoolSlots(pool);
	for (int32 i = 0; i < nscreens; i++)
	{
		if (slot[map[i]] >= 0)
		{
			for (int32 k = 0; k < i; k++)
				slot[map[k]] = -1;
			BadState("A screen name appears twice.");
		}
		slot[map[i]] = i;
	}
	for (int32 i = 0; i < nscreens; i++)
		slot[map[i]] = -1;

	NeedBytes(&buf, (int64) nevents * 16);
	if (nevents > st->maxevents)
		ScreenStateGrow(st, nevents);
	for (int32 j = 0; j < nevents; j++)
	{
		TimestampTz ts = pq_getmsgint64(&buf);
		int32		screen = (int32) pq_getmsgint(&buf, 4);
		int32		duration_ms = (int32) pq_getmsgint(&buf, 4);

		CHECK_FOR_INTERRUPTS_EVERY(j, INTERRUPT_CADENCE);
		if (!IS_VALID_TIMESTAMP(ts))
			BadState("An event time is out of range.");
		if (screen < SCREEN_NONE || screen >= nscreens)
			BadState("An event's screen is out of range.");
		if (duration_ms < NO_DURATION ||
			(screen == SCREEN_NONE && duration_ms != NO_DURATION))
			BadState("An event's duration is invalid.");
		/* recomputes sortedness rather than trusting the sender */
		ScreenStateAppend(st, ts, screen == SCREEN_NONE ? SCREEN_NONE : map[screen], duration_ms);
	}
	if (buf.cursor != buf.len)
		BadState("The state has trailing bytes.");
	pfree(map);
	PG_RETURN_POINTER(st);
}

static void
UsecsOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("screen time is out of range"),
			 errdetail("Screen times up to " INT64_FORMAT " microseconds are supported.",
					   PG_INT64_MAX)));
}

static void
AddUsecs(int64 *sum, int64 usecs)
{
	if (pg_add_s64_overflow(*sum, usecs, sum))
		UsecsOverflow();
}

/* Totals of the screens of one session, while the final function walks it */
typedef struct ScreenSum
{
	int32		id;				/* pool id */
	int32		rank;			/* the name's position in byte order */
	int64		usecs;
	int64		views;
} ScreenSum;

/*
 * analytics.screen_seconds final: sorts the events unless they arrived in
 * order, then walks them (rules in the file header).
 *
 * The state is only read (FINALFUNC_MODIFY = READ_ONLY, which a window
 * aggregate needs: transitions go on after each final call): unsorted
 * events are sorted in a copy, in the per-call context. Only the pool's
 * caches change: the ranks of names (valid for every state of the pool)
 * and the slots, scratch that is all -1 again on return.
 */
PG_FUNCTION_INFO_V1(screen_seconds_final);
Datum
screen_seconds_final(PG_FUNCTION_ARGS)
{
	ScreenState *st;
	ScreenPool *pool;
	int64		idle;
	int32	   *slot;
	ScreenSum	local[16];
	ScreenSum  *sums = local;
	int32		nsums = 0;
	ScreenTotal *totals;
	ScreenSum  *cur = NULL;
	bool		cur_measured = false;
	ScreenTime *result;
	ScreenEvent *events;
	ScreenEvent *sorted_copy = NULL;

	(void) ScreenAggContext(fcinfo, "screen_seconds_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (ScreenState *) PG_GETARG_POINTER(0);
	ScreenStateFlush(st);
	pool = st->pool;
	idle = st->has_timeout ? st->idle_usecs :
		(int64) analytics_session_idle_timeout * USECS_PER_SEC;

	/* the ranks of the names order ties and the result */
	ScreenPoolRank(pool);
	events = st->events;
	if (!st->sorted)
	{
		sorted_copy = palloc((Size) st->nevents * sizeof(ScreenEvent));
		memcpy(sorted_copy, st->events, (Size) st->nevents * sizeof(ScreenEvent));
		qsort_arg(sorted_copy, st->nevents, sizeof(ScreenEvent),
				  ScreenEventRankCompare, pool->rank);
		events = sorted_copy;
	}

	slot = ScreenPoolSlots(pool);
	if (st->nevents > (int32) lengthof(local))
		sums = palloc(Min(st->nevents, pool->n) * sizeof(ScreenSum));
	for (int32 i = 0; i < st->nevents; i++)
	{
		const ScreenEvent *ev = &events[i];

		CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE);
		if (ev->screen != SCREEN_NONE)
		{
			int32		k = slot[ev->screen];

			if (k < 0)
			{
				k = slot[ev->screen] = nsums++;
				sums[k].id = ev->screen;
				sums[k].rank = pool->rank[ev->screen];
				sums[k].usecs = 0;
				sums[k].views = 0;
			}
			cur = &sums[k];
			cur->views++;
			cur_measured = ev->duration_ms != NO_DURATION;
			if (cur_measured)
				AddUsecs(&cur->usecs, (int64) ev->duration_ms * 1000);
		}
		if (cur != NULL && !cur_measured && i + 1 < st->nevents)
		{
			int64		gap;

			/* a difference too large for int64 exceeds any timeout */
			if (!pg_sub_s64_overflow(events[i + 1].ts, ev->ts, &gap) &&
				gap <= idle)
				AddUsecs(&cur->usecs, gap);
		}
	}
	for (int32 k = 0; k < nsums; k++)
		slot[sums[k].id] = -1;

	/* by name: insertion sort on the ranks (few screens a session) */
	for (int32 k = 1; k < nsums; k++)
	{
		ScreenSum	s = sums[k];
		int32		j = k;

		for (; j > 0 && sums[j - 1].rank > s.rank; j--)
			sums[j] = sums[j - 1];
		sums[j] = s;
		CHECK_FOR_INTERRUPTS_EVERY(k, INTERRUPT_CADENCE_COSTLY);
	}

	totals = palloc(Max(nsums, 1) * sizeof(ScreenTotal));
	for (int32 k = 0; k < nsums; k++)
	{
		totals[k].name = pool->names[sums[k].id];
		totals[k].len = pool->lens[sums[k].id];
		totals[k].usecs = sums[k].usecs;
		totals[k].views = sums[k].views;
	}
	result = ScreenTimeBuild(totals, nsums);
	pfree(totals);
	if (sums != local)
		pfree(sums);
	if (sorted_copy != NULL)
		pfree(sorted_copy);
	PG_RETURN_POINTER(result);
}

/* ---------- merging and reading values ---------- */

/*
 * The state of analytics.rollup: an expanded analytics.screen_time.
 *
 * Merging two flat values costs the size of both, so a rollup that merged
 * each row into a flat state would cost O(n^2) for n distinct screens. In
 * an aggregate, screen_time_merge instead keeps the state expanded (an
 * ExpandedObjectHeader in a child of the aggregate context, which the
 * executor keeps as the state without copying): totals in arrival order,
 * found by name through a hash table, so a row costs its own size. The
 * totals are put in name order when the value is flattened (for the
 * result, a partial state sent to the leader, a window frame's value): the
 * new ones are sorted and merged with those already in order, so a rollup
 * of n screens costs O(n log n). The aggregate keeps its concrete state
 * type (analytics.screen_time), so partial states still travel anywhere
 * the type does. A state stays flat (merged as two values) until it would
 * hold more than ROLLUP_EXPAND_MIN screens: an expanded state takes at least
 * a memory context's first block (8 kB), too much for each of many small
 * groups, while merging small flat values costs a constant a row.
 */
#define ROLLUP_EXPAND_MIN	64

typedef struct ScreenTimeExpanded
{
	ExpandedObjectHeader hdr;
	int32		n;				/* totals */
	int32		max;
	ScreenTotal *totals;		/* arrival order; names in hdr.eoh_context */
	screendict_hash *dict;		/* name -> index into totals */
	int32		nsorted;		/* order[0..nsorted-1] is in name order */
	int32	   *order;			/* [max] indexes into totals */
	Size		names_size;		/* bytes of all names */
} ScreenTimeExpanded;

static Size ScreenTimeExpandedFlatSize(ExpandedObjectHeader *eohptr);
static void ScreenTimeExpandedFlatten(ExpandedObjectHeader *eohptr, void *result,
									  Size allocated_size);

static const ExpandedObjectMethods ScreenTimeExpandedMethods =
{
	ScreenTimeExpandedFlatSize,
	ScreenTimeExpandedFlatten
};

static int
ScreenTotalOrderCompare(const void *pa, const void *pb, void *arg)
{
	const ScreenTotal *t = arg;
	const ScreenTotal *a = &t[*(const int32 *) pa];
	const ScreenTotal *b = &t[*(const int32 *) pb];

	return NameCompare(a->name, a->len, b->name, b->len);
}

/* Put order[] in name order: sort the new totals, merge with the rest */
static void
ScreenTimeExpandedSort(ScreenTimeExpanded *x)
{
	int32		m = x->n - x->nsorted;
	int32	   *merged;
	int32		i = 0,
				j = x->nsorted,
				k = 0;

	if (m == 0)
		return;
	for (int32 id = x->nsorted; id < x->n; id++)
		x->order[id] = id;		/* totals are never removed: the new ids */
	qsort_arg(x->order + x->nsorted, m, sizeof(int32), ScreenTotalOrderCompare, x->totals);
	if (x->nsorted > 0)
	{
		merged = MemoryContextAlloc(x->hdr.eoh_context, x->max * sizeof(int32));
		while (i < x->nsorted || j < x->n)
		{
			if (j >= x->n ||
				(i < x->nsorted &&
				 ScreenTotalOrderCompare(&x->order[i], &x->order[j], x->totals) < 0))
				merged[k++] = x->order[i++];
			else
				merged[k++] = x->order[j++];
		}
		pfree(x->order);
		x->order = merged;
	}
	x->nsorted = x->n;
}

static Size
ScreenTimeExpandedFlatSize(ExpandedObjectHeader *eohptr)
{
	ScreenTimeExpanded *x = (ScreenTimeExpanded *) eohptr;
	Size		size = SCREEN_TIME_HEADER + (Size) x->n * sizeof(ScreenTimeEntry) + x->names_size;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("screen_time value is too large")));
	return size;
}

static void
ScreenTimeExpandedFlatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	ScreenTimeExpanded *x = (ScreenTimeExpanded *) eohptr;
	ScreenTime *st = (ScreenTime *) result;
	char	   *names;
	int32		off = 0;

	Assert(allocated_size == ScreenTimeExpandedFlatSize(eohptr));
	ScreenTimeExpandedSort(x);
	memset(st, 0, SCREEN_TIME_HEADER);
	SET_VARSIZE(st, allocated_size);
	st->version = SCREEN_TIME_VERSION;
	st->nscreens = x->n;
	names = ScreenTimeNames(st);
	for (int32 k = 0; k < x->n; k++)
	{
		const ScreenTotal *t = &x->totals[x->order[k]];

		st->entries[k].usecs = t->usecs;
		st->entries[k].views = t->views;
		st->entries[k].name_off = off;
		st->entries[k].name_len = t->len;
		memcpy(names + off, t->name, t->len);
		off += t->len;
	}
}

/* Add the totals of a checked flat value to x */
static void
ScreenTimeExpandedAdd(ScreenTimeExpanded *x, const ScreenTime *v)
{
	const char *vn = ScreenTimeNames(v);

	for (int32 i = 0; i < v->nscreens; i++)
	{
		const ScreenTimeEntry *e = &v->entries[i];
		ScreenName	key;
		ScreenDictEntry *entry;
		ScreenTotal *t;
		bool		found;

		CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE);
		key.name = vn + e->name_off;
		key.len = e->name_len;
		entry = screendict_insert(x->dict, key, &found);
		if (!found)
		{
			char	   *copy;

			if (x->n == x->max)
			{
				if ((Size) x->max * 2 * sizeof(ScreenTotal) > MaxAllocSize)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("screen_time value is too large")));
				x->max *= 2;
				x->totals = repalloc(x->totals, x->max * sizeof(ScreenTotal));
				x->order = repalloc(x->order, x->max * sizeof(int32));
			}
			copy = MemoryContextAlloc(x->hdr.eoh_context, Max(e->name_len, 1));
			memcpy(copy, key.name, e->name_len);
			entry->key.name = copy;		/* the hash table keeps our copy */
			entry->id = x->n;
			t = &x->totals[x->n++];
			t->name = copy;
			t->len = e->name_len;
			t->usecs = 0;
			t->views = 0;
			x->names_size += e->name_len;
		}
		t = &x->totals[entry->id];
		AddUsecs(&t->usecs, e->usecs);
		if (pg_add_s64_overflow(t->views, e->views, &t->views))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("view count is out of range")));
	}
}

/* An expanded copy of a checked flat value, in a child of aggctx */
static ScreenTimeExpanded *
ScreenTimeExpand(const ScreenTime *v, MemoryContext aggctx)
{
	MemoryContext ctx = AllocSetContextCreate(aggctx, "analytics.rollup state",
											  ALLOCSET_DEFAULT_SIZES);
	ScreenTimeExpanded *x = MemoryContextAllocZero(ctx, sizeof(ScreenTimeExpanded));

	EOH_init_header(&x->hdr, &ScreenTimeExpandedMethods, ctx);
	x->max = Max(16, v->nscreens);
	x->totals = MemoryContextAlloc(ctx, x->max * sizeof(ScreenTotal));
	x->order = MemoryContextAlloc(ctx, x->max * sizeof(int32));
	x->dict = screendict_create(ctx, Max(16, v->nscreens), NULL);
	ScreenTimeExpandedAdd(x, v);
	/* a flat value is in name order already */
	for (int32 k = 0; k < x->n; k++)
		x->order[k] = k;
	x->nsorted = x->n;
	return x;
}

/*
 * analytics.screen_time_merge(a, b): the sums of seconds and views per
 * screen; the transition and combine function of analytics.rollup. In an
 * aggregate the state a is kept expanded (see ScreenTimeExpanded) and
 * returned as a read-write expanded datum; otherwise two flat values are
 * merged into a new one.
 */
PG_FUNCTION_INFO_V1(screen_time_merge);
Datum
screen_time_merge(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	ScreenTime *a;
	ScreenTime *b;
	const char *an;
	const char *bn;
	ScreenTotal *t;
	int32		n = 0;
	int32		i = 0;
	int32		j = 0;

	if (AggCheckCallContext(fcinfo, &aggctx))
	{
		Datum		state = PG_GETARG_DATUM(0);
		ScreenTimeExpanded *x;

		if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(state)) &&
			DatumGetEOHP(state)->eoh_methods == &ScreenTimeExpandedMethods)
		{
			x = (ScreenTimeExpanded *) DatumGetEOHP(state);
			ScreenTimeExpandedAdd(x, ScreenTimeArg(fcinfo, 1));
			PG_RETURN_DATUM(EOHPGetRWDatum(&x->hdr));
		}
		a = ScreenTimeArg(fcinfo, 0);
		b = ScreenTimeArg(fcinfo, 1);
		if (a->nscreens + b->nscreens > ROLLUP_EXPAND_MIN)
		{
			x = ScreenTimeExpand(a, aggctx);
			ScreenTimeExpandedAdd(x, b);
			PG_RETURN_DATUM(EOHPGetRWDatum(&x->hdr));
		}
	}
	else
	{
		a = ScreenTimeArg(fcinfo, 0);
		b = ScreenTimeArg(fcinfo, 1);
	}
	an = ScreenTimeNames(a);
	bn = ScreenTimeNames(b);
	t = palloc(Max(a->nscreens + b->nscreens, 1) * sizeof(ScreenTotal));
	while (i < a->nscreens || j < b->nscreens)
	{
		const ScreenTimeEntry *ea = i < a->nscreens ? &a->entries[i] : NULL;
		const ScreenTimeEntry *eb = j < b->nscreens ? &b->entries[j] : NULL;
		int			c;

		if (ea == NULL)
			c = 1;
		else if (eb == NULL)
			c = -1;
		else
			c = NameCompare(an + ea->name_off, ea->name_len, bn + eb->name_off, eb->name_len);

		if (c <= 0)
		{
			t[n].name = an + ea->name_off;
			t[n].len = ea->name_len;
			t[n].usecs = ea->usecs;
			t[n].views = ea->views;
			i++;
			if (c == 0)
			{
				AddUsecs(&t[n].usecs, eb->usecs);
				if (pg_add_s64_overflow(t[n].views, eb->views, &t[n].views))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("view count is out of range")));
				j++;
			}
		}
		else
		{
			t[n].name = bn + eb->name_off;
			t[n].len = eb->name_len;
			t[n].usecs = eb->usecs;
			t[n].views = eb->views;
			j++;
		}
		n++;
	}
	PG_RETURN_POINTER(ScreenTimeBuild(t, n));
}

/* seconds descending, then screen name in byte order */
static int
RowOrderCompare(const void *pa, const void *pb, void *arg)
{
	const ScreenTime *st = arg;
	const ScreenTimeEntry *a = &st->entries[*(const int32 *) pa];
	const ScreenTimeEntry *b = &st->entries[*(const int32 *) pb];
	const char *names = ScreenTimeNames(st);

	if (a->usecs != b->usecs)
		return a->usecs > b->usecs ? -1 : 1;
	return NameCompare(names + a->name_off, a->name_len, names + b->name_off, b->name_len);
}

/*
 * analytics.screen_time_rows(st): one row per screen (screen, seconds,
 * views), by seconds descending, then screen name in byte order.
 */
PG_FUNCTION_INFO_V1(screen_time_rows);
Datum
screen_time_rows(PG_FUNCTION_ARGS)
{
	ScreenTime *st = ScreenTimeArg(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const char *names = ScreenTimeNames(st);
	int32	   *order = palloc(Max(st->nscreens, 1) * sizeof(int32));

	InitMaterializedSRF(fcinfo, 0);
	for (int32 i = 0; i < st->nscreens; i++)
		order[i] = i;
	qsort_arg(order, st->nscreens, sizeof(int32), RowOrderCompare, st);
	for (int32 k = 0; k < st->nscreens; k++)
	{
		const ScreenTimeEntry *e = &st->entries[order[k]];
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = PointerGetDatum(cstring_to_text_with_len(names + e->name_off, e->name_len));
		values[1] = Float8GetDatum((double) e->usecs / USECS_PER_SEC);
		values[2] = Int64GetDatum(e->views);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * analytics.seconds_on(st, screen): seconds on one screen; 0 for a screen
 * the value does not hold (it was never shown).
 */
PG_FUNCTION_INFO_V1(screen_time_seconds_on);
Datum
screen_time_seconds_on(PG_FUNCTION_ARGS)
{
	ScreenTime *st = ScreenTimeArg(fcinfo, 0);
	text	   *screen = PG_GETARG_TEXT_PP(1);
	const char *names = ScreenTimeNames(st);
	const char *s = VARDATA_ANY(screen);
	int32		len = VARSIZE_ANY_EXHDR(screen);
	int32		lo = 0;
	int32		hi = st->nscreens - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		const ScreenTimeEntry *e = &st->entries[mid];
		int			c = NameCompare(names + e->name_off, e->name_len, s, len);

		if (c == 0)
			PG_RETURN_FLOAT8((double) e->usecs / USECS_PER_SEC);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	PG_RETURN_FLOAT8(0.0);
}
