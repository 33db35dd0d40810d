/*-------------------------------------------------------------------------
 *
 * warehouse.c
 *	  The retail warehouse loader's search for repeated natural keys. Its
 *	  parsers of staging text are in warehouse_parse.c, the record of a
 *	  failed load in autonomous.c.
 *
 * The aggregate _repeated_rows(hash, ctid) keeps a 64-bit hash of each
 * row's key with the row's address, sorts them by hash, and returns the
 * addresses of the rows whose hash occurs more than once (the only rows that
 * can repeat a key; the loader compares their keys). Sorting pairs of
 * (hash, address), 16 bytes a row, costs less than grouping the text keys
 * themselves in a hash table, which keeps a copy of every distinct key (most
 * are) and misses the cache at every row; keys are compared only for the
 * few rows whose hashes collide.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "analytics.h"

/* ---------- _repeated_rows(hash, ctid): rows whose hash repeats ---------- */

/* Version word of the serialized state */
#define REPEATED_STATE_VERSION 1

typedef struct RepeatedRow
{
	int64		hash;
	ItemPointerData tid;
} RepeatedRow;

typedef struct RepeatedState
{
	int64		n;				/* rows kept */
	int64		size;			/* room in rows */
	RepeatedRow *rows;
} RepeatedState;

/* Serialized state: this header, then n RepeatedRow */
typedef struct RepeatedWire
{
	int32		version;
	int32		unused;
	int64		n;
} RepeatedWire;

static RepeatedState *
RepeatedStateNew(MemoryContext cxt, int64 size)
{
	RepeatedState *st = MemoryContextAlloc(cxt, sizeof(RepeatedState));

	st->n = 0;
	st->size = Max(size, 64);
	/* huge: a load may have more than MaxAllocSize / 16 rows */
	st->rows = MemoryContextAllocHuge(cxt, st->size * sizeof(RepeatedRow));
	return st;
}

/* Room for k more rows (repalloc keeps the chunk in its context) */
static void
RepeatedReserve(RepeatedState *st, int64 k)
{
	if (st->n + k <= st->size)
		return;
	st->size = Max(st->size * 2, st->n + k);
	st->rows = repalloc_huge(st->rows, st->size * sizeof(RepeatedRow));
}

/* By hash, then by address (for a deterministic result) */
static int
RepeatedRowCmp(const void *a, const void *b)
{
	const RepeatedRow *x = (const RepeatedRow *) a;
	const RepeatedRow *y = (const RepeatedRow *) b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return ItemPointerCompare((ItemPointer) &x->tid, (ItemPointer) &y->tid);
}

PG_FUNCTION_INFO_V1(repeated_rows_trans);

/* Transition of _repeated_rows: keep the row (one with a NULL is left out) */
Datum
repeated_rows_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RepeatedState *st = PG_ARGISNULL(0) ? NULL : (RepeatedState *) PG_GETARG_POINTER(0);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "_repeated_rows_trans called in non-aggregate context");
	if (st == NULL)
		st = RepeatedStateNew(aggcxt, 1024);
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		RepeatedReserve(st, 1);
		st->rows[st->n].hash = PG_GETARG_INT64(1);
		ItemPointerCopy((ItemPointer) PG_GETARG_POINTER(2), &st->rows[st->n].tid);
		st->n++;
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(repeated_rows_combine);

/* Combine: append the second state's rows to the first's */
Datum
repeated_rows_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RepeatedState *a = PG_ARGISNULL(0) ? NULL : (RepeatedState *) PG_GETARG_POINTER(0);
	RepeatedState *b = PG_ARGISNULL(1) ? NULL : (RepeatedState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "_repeated_rows_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = RepeatedStateNew(aggcxt, b->n);	/* a copy: b is someone else's */
	RepeatedReserve(a, b->n);
	memcpy(a->rows + a->n, b->rows, b->n * sizeof(RepeatedRow));
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(repeated_rows_serialize);

/* Serialize: header, then the rows */
Datum
repeated_rows_serialize(PG_FUNCTION_ARGS)
{
	RepeatedState *st = (RepeatedState *) PG_GETARG_POINTER(0);
	Size		size = VARHDRSZ + sizeof(RepeatedWire) + st->n * sizeof(RepeatedRow);
	RepeatedWire wire = {0};
	bytea	   *out;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "_repeated_rows_serialize called in non-aggregate context");
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("_repeated_rows state of %lld rows is too large to pass between parallel workers",
						(long long) st->n),
				 errhint("Run the query with max_parallel_workers_per_gather = 0.")));
	out = palloc(size);
	SET_VARSIZE(out, size);
	wire.version = REPEATED_STATE_VERSION;
	wire.n = st->n;
	memcpy(VARDATA(out), &wire, sizeof(wire));
	memcpy(VARDATA(out) + sizeof(wire), st->rows, st->n * sizeof(RepeatedRow));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(repeated_rows_deserialize);

/* Deserialize: the header must match the length, every address be valid */
Datum
repeated_rows_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(in);
	RepeatedWire wire;
	RepeatedState *st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "_repeated_rows_deserialize called in non-aggregate context");
	if (len < sizeof(wire))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid _repeated_rows state"),
				 errdetail("The state has %zu bytes, fewer than its header.", len)));
	memcpy(&wire, VARDATA_ANY(in), sizeof(wire));
	if (wire.version != REPEATED_STATE_VERSION || wire.n < 0 ||
		(len - sizeof(wire)) % sizeof(RepeatedRow) != 0 ||
		(Size) wire.n != (len - sizeof(wire)) / sizeof(RepeatedRow))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid _repeated_rows state"),
				 errdetail("The header does not match the state's length or version.")));
	st = RepeatedStateNew(CurrentMemoryContext, wire.n);
	memcpy(st->rows, VARDATA_ANY(in) + sizeof(wire), wire.n * sizeof(RepeatedRow));
	st->n = wire.n;
	for (int64 i = 0; i < st->n; i++)
		if (!ItemPointerIsValid(&st->rows[i].tid))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid _repeated_rows state"),
					 errdetail("Row %lld has an invalid address.", (long long) i)));
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(repeated_rows_final);

/*
 * Final: sort the rows in place (FINALFUNC_MODIFY = READ_WRITE) and return
 * the addresses of those whose hash occurs more than once, by hash and
 * address; an empty array when there are none.
 */
Datum
repeated_rows_final(PG_FUNCTION_ARGS)
{
	RepeatedState *st = PG_ARGISNULL(0) ? NULL : (RepeatedState *) PG_GETARG_POINTER(0);
	Datum	   *out;
	int64		nout = 0;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "_repeated_rows_final called in non-aggregate context");
	if (st == NULL || st->n < 2)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TIDOID));
	qsort(st->rows, st->n, sizeof(RepeatedRow), RepeatedRowCmp);
	/* a row is kept when its neighbour on either side has its hash */
#define REPEATED_KEEP(i) \
	(((i) > 0 && st->rows[(i) - 1].hash == st->rows[i].hash) || \
	 ((i) + 1 < st->n && st->rows[(i) + 1].hash == st->rows[i].hash))
	for (int64 i = 0; i < st->n; i++)
		if (REPEATED_KEEP(i))
			nout++;
	if (nout == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TIDOID));
	if ((Size) nout > MaxArraySize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%lld rows share a hash with another, more than an array holds", (long long) nout)));
	out = palloc(nout * sizeof(Datum));
	nout = 0;
	for (int64 i = 0; i < st->n; i++)
		if (REPEATED_KEEP(i))
			out[nout++] = PointerGetDatum(&st->rows[i].tid);
#undef REPEATED_KEEP
	PG_RETURN_ARRAYTYPE_P(construct_array(out, (int) nout, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT));
}
