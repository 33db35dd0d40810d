/*-------------------------------------------------------------------------
 *
 * defer_log.c
 *	  Deferred appends for aggregates under hash aggregation (see
 *	  analytics.h).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/memutils.h"

#include "analytics.h"

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
