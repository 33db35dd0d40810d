/*-------------------------------------------------------------------------
 *
 * name_pool.c
 *	  The pool of screen names shared by the analytics.screen_seconds states
 *	  of one aggregate context, and the hash table of names (screendict)
 *	  that the pool and analytics.rollup look names up in (see analytics.h).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/memutils.h"

#include "analytics.h"

#define MAX_SCREENS ((int32) (MaxAllocSize / sizeof(char *)))

/* Pools up to this size are searched linearly; larger ones hashed */
#define DICT_LINEAR_MAX 8

#define SH_PREFIX screendict
#define SH_ELEMENT_TYPE ScreenDictEntry
#define SH_KEY_TYPE ScreenName
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k).name, (k).len)
#define SH_EQUAL(tb, a, b) ((a).len == (b).len && memcmp((a).name, (b).name, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE extern
#define SH_DEFINE
#include "lib/simplehash.h"

static void
ScreenPoolReset(void *arg)
{
	ScreenPool *pool = (ScreenPool *) arg;

	if (*pool->owner == pool)
		*pool->owner = NULL;
}

/* The pool of ctx kept at *owner, made when there is none */
ScreenPool *
ScreenPoolGet(MemoryContext ctx, ScreenPool **owner)
{
	ScreenPool *pool = *owner;
	MemoryContextCallback *cb;

	if (pool != NULL && pool->ctx == ctx)
		return pool;
	pool = MemoryContextAllocZero(ctx, sizeof(ScreenPool));
	pool->ctx = ctx;
	pool->owner = owner;
	pool->max = 8;
	pool->names = MemoryContextAlloc(ctx, pool->max * sizeof(char *));
	pool->lens = MemoryContextAlloc(ctx, pool->max * sizeof(int32));
	for (int i = 0; i < SCREEN_RECENT; i++)
		pool->recent[i].len = -1;
	cb = MemoryContextAlloc(ctx, sizeof(MemoryContextCallback));
	cb->func = ScreenPoolReset;
	cb->arg = pool;
	MemoryContextRegisterResetCallback(ctx, cb);
	*owner = pool;
	return pool;
}

static void
ScreenDictInsert(ScreenPool *pool, int32 id)
{
	ScreenName	key;
	ScreenDictEntry *entry;
	bool		found;

	key.name = pool->names[id];
	key.len = pool->lens[id];
	entry = screendict_insert(pool->dict, key, &found);
	Assert(!found);
	entry->id = id;
}

/* Add a copy of a name; returns its id */
static int32
ScreenPoolAdd(ScreenPool *pool, const char *name, int32 len)
{
	char	   *copy;

	if (pool->n == pool->max)
	{
		if (pool->max >= MAX_SCREENS / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct screens in one screen_seconds aggregate")));
		pool->max *= 2;
		pool->names = repalloc(pool->names, pool->max * sizeof(char *));
		pool->lens = repalloc(pool->lens, pool->max * sizeof(int32));
	}
	copy = MemoryContextAlloc(pool->ctx, len + 1);
	memcpy(copy, name, len);
	copy[len] = '\0';
	pool->names[pool->n] = copy;
	pool->lens[pool->n] = len;
	if (pool->dict == NULL && pool->n + 1 > DICT_LINEAR_MAX)
	{
		pool->dict = screendict_create(pool->ctx, 4 * (pool->n + 1), NULL);
		for (int32 i = 0; i < pool->n; i++)
			ScreenDictInsert(pool, i);
	}
	if (pool->dict != NULL)
		ScreenDictInsert(pool, pool->n);
	return pool->n++;
}

/* The id of a screen name, added when new: the slow path of the lookup */
int32
ScreenPoolFind(ScreenPool *pool, const char *name, int32 len)
{
	if (pool->dict == NULL)
	{
		for (int32 i = 0; i < pool->n; i++)
			if (pool->lens[i] == len && memcmp(pool->names[i], name, len) == 0)
				return i;
	}
	else
	{
		ScreenName	key;
		ScreenDictEntry *entry;

		key.name = name;
		key.len = len;
		entry = screendict_lookup(pool->dict, key);
		if (entry)
			return entry->id;
	}
	return ScreenPoolAdd(pool, name, len);
}

static int
ScreenIdCompare(const void *pa, const void *pb, void *arg)
{
	const ScreenPool *pool = arg;
	int32		a = *(const int32 *) pa;
	int32		b = *(const int32 *) pb;

	return NameCompare(pool->names[a], pool->lens[a], pool->names[b], pool->lens[b]);
}

/* Make pool->rank valid for every id */
void
ScreenPoolRank(ScreenPool *pool)
{
	int32	   *order;

	if (pool->nranked == pool->n)
		return;
	order = palloc(pool->n * sizeof(int32));
	for (int32 i = 0; i < pool->n; i++)
		order[i] = i;
	qsort_arg(order, pool->n, sizeof(int32), ScreenIdCompare, pool);
	if (pool->rank != NULL)
		pfree(pool->rank);
	pool->rank = MemoryContextAlloc(pool->ctx, pool->max * sizeof(int32));
	for (int32 k = 0; k < pool->n; k++)
		pool->rank[order[k]] = k;
	pool->nranked = pool->n;
	pfree(order);
}

/* pool->slot with room for every id, each -1 */
int32 *
ScreenPoolSlots(ScreenPool *pool)
{
	if (pool->nslots < pool->n)
	{
		if (pool->slot != NULL)
			pfree(pool->slot);
		pool->slot = MemoryContextAlloc(pool->ctx, pool->max * sizeof(int32));
		pool->nslots = pool->max;
		memset(pool->slot, 0xff, pool->max * sizeof(int32));
	}
	return pool->slot;
}
