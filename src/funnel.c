/*-------------------------------------------------------------------------
 *
 * funnel.c
 *	  Funnel aggregates: funnel_level and funnel_times over one entity's
 *	  events, funnel_dropoff across entities.
 *
 * Definition. An entity's events are ordered by (ts, step): among equal
 * timestamps lower steps come first, and other events (step 0) before any
 * step. Every step-1 event starts a chain, which then takes each next step
 * at its first occurrence after the previous step (ClickHouse's greedy
 * matching), as long as that occurrence is within window of the step-1
 * event (inclusive). Modes:
 *	 strict_increase		a step must have a later timestamp than the
 *							previous one (occurrences at the same time are
 *							passed over)
 *	 strict_order			the next step must be the very next event (step-0
 *							rows included); anything else ends the chain
 *	 strict_deduplication	an event repeating a step the chain has matched
 *							ends the chain
 * funnel_level is the highest level any chain reaches (0 without a step-1
 * event). funnel_times gives the step times of the first chain to reach
 * that level (the earliest time at the last step; among chains finishing
 * there, the one with the latest start).
 *
 * Evaluation is O(n) after one sort: a dynamic program over the events in
 * order keeps, for each level, the waiting chain with the latest start;
 * chains at the same level behave alike except for the window, where a
 * later start dominates. Under strict_increase the events of one timestamp
 * form a group that advances only chains from earlier timestamps.
 *
 * The state keeps (ts, step) pairs in 16 bytes each; in the default modes
 * rows of step 0 are not kept at all. Input arriving in order is not sorted
 * again.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "analytics.h"

#define FUNNEL_MAX_STEPS		1024
#define FUNNEL_STATE_VERSION	1
#define FUNNEL_LOCAL			64	/* FunnelEvaluate's arrays on the stack */

/* mode flags */
#define FUNNEL_STRICT_ORDER		0x01
#define FUNNEL_STRICT_DEDUP		0x02
#define FUNNEL_STRICT_INCREASE	0x04
#define FUNNEL_ALL_MODES		0x07

#define FUNNEL_VALID_MODES "strict_order, strict_deduplication, strict_increase"

typedef struct FunnelEvent
{
	int64		ts;
	int32		step;
} FunnelEvent;					/* 16 bytes with padding */

typedef struct FunnelState
{
	int64		window;			/* microseconds */
	int32		modes;
	int32		maxstep;		/* highest step seen */
	int32		nevents;
	int32		capacity;
	bool		sorted;			/* events arrived in (ts, step) order */
	FunnelEvent last;			/* a copy of the latest event added, so that
								 * the order check reads no further than
								 * this header */
	FunnelEvent *events;
	AnalyticsDeferLog *log;		/* events may wait there (flush before
								 * reading the state), or NULL */
} FunnelState;

/*
 * What funnel_trans keeps between rows of a query (fn_extra): the window and
 * mode arguments are usually constants, parsed once rather than every row.
 */
typedef struct FunnelCallCache
{
	AnalyticsIntervalCache window;
	bool		have_modes;
	int32		modes;
	int			modelen;
	char	   *mode;			/* the mode text last parsed */
	AnalyticsDeferUse defer;	/* the deferred appends */
} FunnelCallCache;

/* Serialized form: this header, then nevents FunnelEvents */
typedef struct FunnelStateHeader
{
	int32		vl_len_;
	uint32		version;
	int64		window;
	int32		modes;
	int32		maxstep;
	int32		nevents;
	int32		sorted;
} FunnelStateHeader;

static inline int
FunnelEventCmp(const FunnelEvent *a, const FunnelEvent *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->step != b->step)
		return a->step < b->step ? -1 : 1;
	return 0;
}

static int
FunnelEventQsortCmp(const void *a, const void *b)
{
	return FunnelEventCmp((const FunnelEvent *) a, (const FunnelEvent *) b);
}

/*
 * Whether ts (not before start) lies within window of start. Finite
 * timestamps can lie further apart than an int64 holds (4713 BC to 294276
 * AD): such a difference exceeds any window.
 */
static inline bool
FunnelWithin(int64 ts, int64 start, int64 window)
{
	int64		d;

	return !pg_sub_s64_overflow(ts, start, &d) && d <= window;
}

/* An event time the funnel can order and subtract: finite, in range */
static inline void
FunnelCheckTime(TimestampTz ts)
{
	if (unlikely(TIMESTAMP_NOT_FINITE(ts) || !IS_VALID_TIMESTAMP(ts)))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("funnel timestamps must be finite"),
				 errdetail("An event is at %s.",
						   TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" :
						   TIMESTAMP_IS_NOEND(ts) ? "infinity" : "a time out of range"),
				 errhint("Filter out such rows, or make their time NULL to skip them.")));
}

/*
 * Window as microseconds; a month counts 30 days, as interval comparison
 * does. cache may be NULL.
 */
static int64
FunnelWindow(AnalyticsIntervalCache *cache, Interval *window)
{
	int64		usec = cache ? AnalyticsIntervalUsecsCached(cache, window, "funnel window") :
		AnalyticsIntervalUsecs(window, "funnel window");

	if (usec < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel window must not be negative")));
	return usec;
}

/* Parse a comma-separated list of modes */
static int32
FunnelModes(text *mode)
{
	char	   *s = text_to_cstring(mode);
	char	   *tok;
	char	   *save = NULL;
	int32		flags = 0;

	for (tok = strtok_r(s, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
	{
		char	   *end;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok == '\0')
			continue;
		if (strcmp(tok, "strict_order") == 0)
			flags |= FUNNEL_STRICT_ORDER;
		else if (strcmp(tok, "strict_deduplication") == 0)
			flags |= FUNNEL_STRICT_DEDUP;
		else if (strcmp(tok, "strict_increase") == 0)
			flags |= FUNNEL_STRICT_INCREASE;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown funnel mode \"%s\"", tok),
					 errhint("Valid modes are " FUNNEL_VALID_MODES ", combined with commas.")));
	}
	pfree(s);
	return flags;
}

static FunnelState *
FunnelStateNew(MemoryContext cxt, int64 window, int32 modes)
{
	FunnelState *state = MemoryContextAllocZero(cxt, sizeof(FunnelState));

	state->window = window;
	state->modes = modes;
	state->sorted = true;
	state->capacity = 16;
	state->events = MemoryContextAlloc(cxt, state->capacity * sizeof(FunnelEvent));
	return state;
}

static void
FunnelStateGrow(FunnelState *state, int64 need)
{
	int64		cap = state->capacity;

	while (cap < need)
		cap *= 2;
	if (cap > PG_INT32_MAX || cap * sizeof(FunnelEvent) > MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many funnel events for one entity")));
	state->events = repalloc_huge(state->events, cap * sizeof(FunnelEvent));
	state->capacity = (int32) cap;
}

/* Room for more events (the array lives in the state's context) */
static inline void
FunnelStateReserve(FunnelState *state, int32 more)
{
	int64		need = (int64) state->nevents + more;

	if (unlikely(need > state->capacity))
		FunnelStateGrow(state, need);
}

/* Append events, keeping sorted and last up to date */
static inline void
FunnelStateAppend(FunnelState *state, const FunnelEvent *ev, int32 n)
{
	if (n == 0)
		return;
	FunnelStateReserve(state, n);
	if (state->sorted && state->nevents > 0 && FunnelEventCmp(&state->last, &ev[0]) > 0)
		state->sorted = false;
	if (n == 1)
		state->events[state->nevents] = ev[0];
	else
		memcpy(state->events + state->nevents, ev, n * sizeof(FunnelEvent));
	state->nevents += n;
	state->last = ev[n - 1];
}

/* Apply deferred events (analytics.h): payload a = ts, b = step */
static void
FunnelApplyDeferred(const AnalyticsDeferred *items, int n)
{
	for (int i = 0; i < n; i++)
	{
		FunnelState *state = (FunnelState *) items[i].state;
		FunnelEvent ev;

		/* overlap the cache misses: states first, then their events */
		if (i + ANALYTICS_PREFETCH_STATE_AHEAD < n)
			ANALYTICS_PREFETCH_W(items[i + ANALYTICS_PREFETCH_STATE_AHEAD].state);
		if (i + ANALYTICS_PREFETCH_DATA_AHEAD < n)
		{
			FunnelState *ahead = (FunnelState *) items[i + ANALYTICS_PREFETCH_DATA_AHEAD].state;

			ANALYTICS_PREFETCH_W(ahead->events + ahead->nevents);
		}
		ev.ts = items[i].a;
		ev.step = items[i].b;
		FunnelStateAppend(state, &ev, 1);
		if (ev.step > state->maxstep)
			state->maxstep = ev.step;
	}
}

static inline void
FunnelStateFlush(FunnelState *state)
{
	if (state != NULL && state->log != NULL)
		AnalyticsDeferLogFlush(state->log);
}

/*
 * Shared transition: funnel_level_trans and funnel_times use the same state.
 * Arguments: state, ts, step, window[, mode].
 */
PG_FUNCTION_INFO_V1(funnel_trans);
Datum
funnel_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = NULL;
	FunnelState *state = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);
	FunnelCallCache *cache = (FunnelCallCache *) fcinfo->flinfo->fn_extra;
	int32		step;
	int32		modes = 0;
	int64		window;
	FunnelEvent ev;
	AnalyticsDeferLog *log;

	/*
	 * Only aggregates pass a state, so the context is checked when there is
	 * none (and on a first call): not on every row.
	 */
	if ((state == NULL || cache == NULL) && !AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_trans called in non-aggregate context");
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FunnelCallCache));
		AnalyticsDeferUseInit(&cache->defer, fcinfo);
		fcinfo->flinfo->fn_extra = cache;
	}

	step = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2);
	if (step < 0 || step > FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel step %d is out of range", step),
				 errdetail("Steps are numbered from 1 to %d; 0 or NULL marks another event.",
						   FUNNEL_MAX_STEPS)));
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		text	   *mode = PG_GETARG_TEXT_PP(4);
		int			len = VARSIZE_ANY_EXHDR(mode);

		if (!cache->have_modes || cache->modelen != len ||
			memcmp(cache->mode, VARDATA_ANY(mode), len) != 0)
		{
			cache->have_modes = false;
			cache->modes = FunnelModes(mode);
			if (cache->mode)
				pfree(cache->mode);
			cache->mode = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, Max(len, 1));
			memcpy(cache->mode, VARDATA_ANY(mode), len);
			cache->modelen = len;
			cache->have_modes = true;
		}
		modes = cache->modes;
	}

	/* every time is checked, whether or not the row could change the result */
	if (!PG_ARGISNULL(1))
		FunnelCheckTime(PG_GETARG_TIMESTAMPTZ(1));

	/*
	 * Rows without a time, and in the default modes other events (step 0),
	 * cannot change the result: they cost nothing, not even a look at the
	 * state.
	 */
	if (PG_ARGISNULL(1) || (step == 0 && !(modes & FUNNEL_STRICT_ORDER)))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}

	if (PG_ARGISNULL(3))
	{
		if (state == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel window must not be null")));
		window = state->window;
	}
	else
		window = FunnelWindow(&cache->window, PG_GETARG_INTERVAL_P(3));
	ev.ts = PG_GETARG_TIMESTAMPTZ(1);
	ev.step = step;

	log = AnalyticsDeferLogFor(&cache->defer, aggcxt, FunnelApplyDeferred, state == NULL,
							   window, modes);
	if (log != NULL)
	{
		/* the group's state was made with this window and modes */
		if (state != NULL)
		{
			AnalyticsDeferLogAdd(log, state, ev.ts, ev.step, 0);
			PG_RETURN_POINTER(state);
		}
		state = FunnelStateNew(log->states, window, modes);
		state->log = log;
	}
	else if (state == NULL)
		state = FunnelStateNew(aggcxt, window, modes);
	else
	{
		FunnelStateFlush(state);
		if (window != state->window || modes != state->modes)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("funnel window and mode must be the same for every row of a group")));
	}
	FunnelStateAppend(state, &ev, 1);
	if (step > state->maxstep)
		state->maxstep = step;
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(funnel_combine);
Datum
funnel_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	FunnelState *a = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);
	FunnelState *b = PG_ARGISNULL(1) ? NULL : (FunnelState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_combine called in non-aggregate context");
	FunnelStateFlush(a);
	FunnelStateFlush(b);
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
	{
		/* copy, never alias: b belongs to its caller */
		a = FunnelStateNew(aggcxt, b->window, b->modes);
		a->maxstep = b->maxstep;
		FunnelStateAppend(a, b->events, b->nevents);
		a->sorted = b->sorted;
		PG_RETURN_POINTER(a);
	}
	if (a->window != b->window || a->modes != b->modes)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel window and mode must be the same for every row of a group")));
	if (b->nevents == 0)
		PG_RETURN_POINTER(a);
	FunnelStateAppend(a, b->events, b->nevents);
	if (!b->sorted)
		a->sorted = false;
	a->maxstep = Max(a->maxstep, b->maxstep);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(funnel_serialize);
Datum
funnel_serialize(PG_FUNCTION_ARGS)
{
	FunnelState *state = (FunnelState *) PG_GETARG_POINTER(0);
	Size		len;
	FunnelStateHeader *hdr;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "funnel_serialize called in non-aggregate context");
	FunnelStateFlush(state);
	len = sizeof(FunnelStateHeader) + (Size) state->nevents * sizeof(FunnelEvent);
	if (len > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("funnel state of %d events is too large to pass between processes",
						state->nevents)));
	hdr = palloc(len);
	SET_VARSIZE(hdr, len);
	hdr->version = FUNNEL_STATE_VERSION;
	hdr->window = state->window;
	hdr->modes = state->modes;
	hdr->maxstep = state->maxstep;
	hdr->nevents = state->nevents;
	hdr->sorted = state->sorted ? 1 : 0;
	memcpy((char *) hdr + sizeof(FunnelStateHeader), state->events,
		   (Size) state->nevents * sizeof(FunnelEvent));
	PG_RETURN_BYTEA_P(hdr);
}

PG_FUNCTION_INFO_V1(funnel_deserialize);
Datum
funnel_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *raw;
	FunnelStateHeader hdr;
	FunnelState *state;
	Size		len;
	int32		top = 0;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "funnel_deserialize called in non-aggregate context");
	raw = PG_GETARG_BYTEA_PP(0);
	len = VARSIZE_ANY_EXHDR(raw);
	if (len < sizeof(FunnelStateHeader) - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid funnel state"),
				 errdetail("The state has %zu bytes, fewer than its header.", len)));
	memcpy((char *) &hdr + VARHDRSZ, VARDATA_ANY(raw), sizeof(FunnelStateHeader) - VARHDRSZ);
	if (hdr.version != FUNNEL_STATE_VERSION || hdr.nevents < 0 ||
		hdr.maxstep < 0 || hdr.maxstep > FUNNEL_MAX_STEPS ||
		(hdr.modes & ~FUNNEL_ALL_MODES) != 0 || hdr.window < 0 ||
		(hdr.sorted != 0 && hdr.sorted != 1) ||
		len != sizeof(FunnelStateHeader) - VARHDRSZ + (Size) hdr.nevents * sizeof(FunnelEvent))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid funnel state"),
				 errdetail("The header does not match a funnel state of version %d.",
						   FUNNEL_STATE_VERSION)));
	/* in the current (per-row) context: combine copies it */
	state = FunnelStateNew(CurrentMemoryContext, hdr.window, hdr.modes);
	state->maxstep = hdr.maxstep;
	FunnelStateReserve(state, hdr.nevents);
	memcpy(state->events, VARDATA_ANY(raw) + sizeof(FunnelStateHeader) - VARHDRSZ,
		   (Size) hdr.nevents * sizeof(FunnelEvent));
	state->nevents = hdr.nevents;
	/* the order is recomputed, not taken from the sender */
	for (int i = 0; i < state->nevents; i++)
	{
		TimestampTz ts = state->events[i].ts;

		CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE);
		if (state->events[i].step < 0 || state->events[i].step > state->maxstep)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid funnel state"),
					 errdetail("Event %d has step %d.", i, state->events[i].step)));
		/* other events (step 0) are kept only under strict_order */
		if (state->events[i].step == 0 && !(hdr.modes & FUNNEL_STRICT_ORDER))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid funnel state"),
					 errdetail("Event %d is another event (step 0), which only strict_order keeps.", i)));
		/* the transition function keeps finite, in-range times only */
		if (TIMESTAMP_NOT_FINITE(ts) || !IS_VALID_TIMESTAMP(ts))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid funnel state"),
					 errdetail("Event %d has a time out of range.", i)));
		top = Max(top, state->events[i].step);
		if (i > 0 && FunnelEventCmp(&state->events[i - 1], &state->events[i]) > 0)
			state->sorted = false;
	}
	/* the transition and combine functions keep the highest step of the events */
	if (top != state->maxstep)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid funnel state"),
				 errdetail("The highest step is %d, but the events' highest is %d.",
						   state->maxstep, top)));
	if (state->nevents > 0)
		state->last = state->events[state->nevents - 1];
	PG_RETURN_POINTER(state);
}

/*
 * Run the dynamic program. Returns the level; when times is not NULL, fills
 * times[0..level-1] with the step times of the first chain to reach it.
 */
static int
FunnelEvaluate(FunnelState *state, TimestampTz *times)
{
	int			nsteps = state->maxstep;
	int			n = state->nevents;
	FunnelEvent *ev = state->events;
	int64		window = state->window;
	bool		increase = (state->modes & FUNNEL_STRICT_INCREASE) != 0;
	bool		dedup = (state->modes & FUNNEL_STRICT_DEDUP) != 0;
	int			level = 0;
	int			best_node = -1;

	/* per level: the surviving chain with the latest start (node index, -1 none) */
	int		   *chain;
	int		   *pending;
	int			chain_buf[FUNNEL_LOCAL];
	int			pending_buf[FUNNEL_LOCAL];
	int64		node_start_buf[FUNNEL_LOCAL];
	/* chain nodes: step time, start time and the node of the previous step */
	int64	   *node_ts = NULL;
	int64	   *node_start;
	int		   *node_parent = NULL;
	int			nnodes = 0;

	if (nsteps == 0 || n == 0)
		return 0;
	if (!state->sorted)
	{
		qsort(ev, n, sizeof(FunnelEvent), FunnelEventQsortCmp);
		state->sorted = true;
		state->last = ev[n - 1];
	}

	/* small funnels and entities need no allocation */
	chain = nsteps < FUNNEL_LOCAL ? chain_buf : palloc((nsteps + 1) * sizeof(int));
	pending = nsteps < FUNNEL_LOCAL ? pending_buf : palloc((nsteps + 1) * sizeof(int));
	for (int j = 0; j <= nsteps; j++)
		chain[j] = pending[j] = -1;
	node_start = n <= FUNNEL_LOCAL ? node_start_buf : palloc(n * sizeof(int64));
	if (times)
	{
		node_ts = palloc(n * sizeof(int64));
		node_parent = palloc(n * sizeof(int));
	}

	if (state->modes & FUNNEL_STRICT_ORDER)
	{
		/*
		 * Consecutive steps are adjacent: the chain ending at an event is
		 * the one ending at the event just before it, one step lower.
		 */
		int			prev = -1;	/* node of the chain ending at the previous event */

		for (int i = 0; i < n; i++)
		{
			int			s = ev[i].step;
			int			node = -1;

			CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE);
			if (s == 1)
				node = nnodes++, node_start[node] = ev[i].ts;
			else if (s > 1 && prev >= 0 && ev[i - 1].step == s - 1 &&
					 FunnelWithin(ev[i].ts, node_start[prev], window) &&
					 (!increase || ev[i].ts > ev[i - 1].ts))
				node = nnodes++, node_start[node] = node_start[prev];
			if (node >= 0)
			{
				if (times)
					node_ts[node] = ev[i].ts, node_parent[node] = s > 1 ? prev : -1;
				if (s > level)
					level = s, best_node = node;
			}
			prev = node;
		}
	}
	else
	{
		int			i = 0;
		int			groups = 0;

		while (i < n)
		{
			/* a group: one event, or under strict_increase all of one timestamp */
			int			end = i + 1;

			/* counted in groups: i jumps a whole group at a time */
			CHECK_FOR_INTERRUPTS_EVERY(groups, INTERRUPT_CADENCE);
			groups++;
			if (increase)
				while (end < n && ev[end].ts == ev[i].ts)
					end++;
			for (int k = i; k < end; k++)
			{
				int			s = ev[k].step;
				int			from = -1;
				int		   *target = increase ? pending : chain;

				if (s == 1)
					from = -2;	/* a new chain */
				else if (chain[s - 1] >= 0)
				{
					/*
					 * The chains waiting for step s take this event (or, past
					 * their window, can never take one): none waits any more.
					 */
					if (FunnelWithin(ev[k].ts, node_start[chain[s - 1]], window))
						from = chain[s - 1];
					chain[s - 1] = -1;
				}
				if (dedup)
				{
					/* a repeat of a matched step ends every chain at level >= s */
					for (int j = s; j <= nsteps; j++)
						chain[j] = pending[j] = -1;
				}
				if (from != -1)
				{
					int64		start = from == -2 ? ev[k].ts : node_start[from];

					if (target[s] < 0 || node_start[target[s]] < start)
					{
						int			node = nnodes++;

						node_start[node] = start;
						if (times)
							node_ts[node] = ev[k].ts, node_parent[node] = from == -2 ? -1 : from;
						target[s] = node;
						if (s > level)
							level = s, best_node = node;
					}
				}
			}
			if (increase)
			{
				for (int j = 1; j <= nsteps; j++)
				{
					if (pending[j] >= 0 &&
						(chain[j] < 0 || node_start[chain[j]] < node_start[pending[j]]))
						chain[j] = pending[j];
					pending[j] = -1;
				}
			}
			i = end;
		}
	}

	if (times)
	{
		int			node = best_node;

		for (int j = level - 1; j >= 0; j--)
		{
			Assert(node >= 0);
			times[j] = node_ts[node];
			node = node_parent[node];
		}
	}
	return level;
}

static FunnelState *
FunnelFinalState(FunctionCallInfo fcinfo)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "funnel final function called in non-aggregate context");
	if (PG_ARGISNULL(0))
		return NULL;
	FunnelStateFlush((FunnelState *) PG_GETARG_POINTER(0));
	return (FunnelState *) PG_GETARG_POINTER(0);
}

PG_FUNCTION_INFO_V1(funnel_level_final);
Datum
funnel_level_final(PG_FUNCTION_ARGS)
{
	FunnelState *state = FunnelFinalState(fcinfo);

	PG_RETURN_INT32(state ? FunnelEvaluate(state, NULL) : 0);
}

PG_FUNCTION_INFO_V1(funnel_times_final);
Datum
funnel_times_final(PG_FUNCTION_ARGS)
{
	FunnelState *state = FunnelFinalState(fcinfo);
	TimestampTz *times;
	Datum	   *elems;
	int			level;

	if (state == NULL)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TIMESTAMPTZOID));
	times = palloc(Max(state->maxstep, 1) * sizeof(TimestampTz));
	level = FunnelEvaluate(state, times);
	if (level == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TIMESTAMPTZOID));
	elems = palloc(level * sizeof(Datum));
	for (int j = 0; j < level; j++)
		elems[j] = TimestampTzGetDatum(times[j]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, level, TIMESTAMPTZOID, sizeof(TimestampTz),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ---------- funnel_dropoff: bigint[] state, Citus-friendly ---------- */

static ArrayType *
DropoffNew(int nsteps)
{
	Datum	   *zeros = palloc(nsteps * sizeof(Datum));

	for (int i = 0; i < nsteps; i++)
		zeros[i] = Int64GetDatum(0);
	return construct_array(zeros, nsteps, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static int64 *
DropoffCounts(ArrayType *a, int *n)
{
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != INT8OID ||
		ARR_LBOUND(a)[0] != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid funnel_dropoff state"),
				 errdetail("The state must be a one-dimensional bigint array without NULLs starting at 1.")));
	*n = ARR_DIMS(a)[0];
	return (int64 *) ARR_DATA_PTR(a);
}

PG_FUNCTION_INFO_V1(funnel_dropoff_trans);
Datum
funnel_dropoff_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ArrayType  *state;
	int32		level;
	int32		nsteps;
	int			n;
	int64	   *counts;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "funnel_dropoff_trans called in non-aggregate context");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("nsteps must not be null")));
	nsteps = PG_GETARG_INT32(2);
	if (nsteps < 1 || nsteps > FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nsteps %d is out of range", nsteps),
				 errdetail("A funnel has 1 to %d steps.", FUNNEL_MAX_STEPS)));
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		state = DropoffNew(nsteps);
		MemoryContextSwitchTo(old);
	}
	else
		state = PG_GETARG_ARRAYTYPE_P(0);	/* ours: updated in place */
	counts = DropoffCounts(state, &n);
	if (n != nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nsteps must be the same for every row of a group")));
	if (PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(state);
	level = PG_GETARG_INT32(1);
	if (level < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("funnel level %d is negative", level)));
	for (int k = 0; k < Min(level, nsteps); k++)
		counts[k]++;
	PG_RETURN_ARRAYTYPE_P(state);
}

/* An AnalyticsArrayCheck */
static void
DropoffCheckState(ArrayType *state)
{
	int			n;

	(void) DropoffCounts(state, &n);
}

PG_FUNCTION_INFO_V1(funnel_dropoff_combine);
Datum
funnel_dropoff_combine(PG_FUNCTION_ARGS)
{
	Datum		result;
	ArrayType  *a;
	ArrayType  *b;
	int			na,
				nb;
	int64	   *ca,
			   *cb;

	if (AnalyticsArrayCombineArgs(fcinfo, DropoffCheckState, &result, &a, &b))
		return result;
	ca = DropoffCounts(a, &na);
	cb = DropoffCounts(b, &nb);
	if (na != nb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine funnel_dropoff states of %d and %d steps", na, nb)));
	for (int k = 0; k < na; k++)
		if (pg_add_s64_overflow(ca[k], cb[k], &ca[k]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("funnel_dropoff count out of range")));
	PG_RETURN_ARRAYTYPE_P(a);
}
