/*-------------------------------------------------------------------------
 *
 * warehouse.c
 *	  Parsing of staging text for the retail warehouse loader, and the
 *	  record of a failed load that survives its rollback.
 *
 * Staging tables hold CSV text. The loader must tell, for every value,
 * whether it parses, and reject the row with a reason when it does not;
 * PostgreSQL 15's input functions can only throw, and a subtransaction per
 * value would cost more than the load. These functions return NULL instead
 * of an error for text that does not parse (and for empty text), so the
 * loader decides with plain expressions, one pass over staging.
 *
 * Also the loader's search for repeated natural keys: the aggregate
 * _repeated_rows(hash, ctid) keeps a 64-bit hash of each row's key with the
 * row's address, sorts them by hash, and returns the addresses of the rows
 * whose hash occurs more than once (the only rows that can repeat a key; the
 * loader compares their keys). Grouping 2M distinct text keys in a hash
 * table took 2.5-3 s; this takes well under one.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/itemptr.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "analytics.h"

/* Longest number text try_numeric reads (numeric itself allows more) */
#define TRY_NUMERIC_MAX_CHARS	1000

/* The text without surrounding whitespace, as start and length */
static void
TrimmedText(text *t, const char **s, int *len)
{
	const char *p = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);

	while (n > 0 && isspace((unsigned char) *p))
	{
		p++;
		n--;
	}
	while (n > 0 && isspace((unsigned char) p[n - 1]))
		n--;
	*s = p;
	*len = n;
}

/* try_timestamptz(text): ISO 8601, no offset meaning UTC, else NULL */
PG_FUNCTION_INFO_V1(try_timestamptz);
Datum
try_timestamptz(PG_FUNCTION_ARGS)
{
	const char *s;
	int			len;
	TimestampTz result;

	TrimmedText(PG_GETARG_TEXT_PP(0), &s, &len);
	if (len == 0 || !AnalyticsParseIsoTimestamp(s, len, false, &result))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(result);
}

/* try_int(text): a decimal int4, else NULL */
PG_FUNCTION_INFO_V1(try_int);
Datum
try_int(PG_FUNCTION_ARGS)
{
	const char *s;
	int			len;
	int			pos = 0;
	bool		negative = false;
	int64		v = 0;

	TrimmedText(PG_GETARG_TEXT_PP(0), &s, &len);
	if (len > 0 && (s[0] == '+' || s[0] == '-'))
	{
		negative = s[0] == '-';
		pos++;
	}
	if (pos == len)
		PG_RETURN_NULL();
	for (; pos < len; pos++)
	{
		if (s[pos] < '0' || s[pos] > '9')
			PG_RETURN_NULL();
		v = v * 10 + (s[pos] - '0');
		if (v > (int64) PG_INT32_MAX + 1)
			PG_RETURN_NULL();
	}
	if (negative)
		v = -v;
	if (v < PG_INT32_MIN || v > PG_INT32_MAX)
		PG_RETURN_NULL();
	PG_RETURN_INT32((int32) v);
}

/*
 * try_numeric(text, precision, scale): a plain decimal number (sign, digits,
 * at most one point; no exponent, NaN or infinity) that fits numeric(p, s)
 * after rounding to s decimals, as numeric(p, s); else NULL.
 */
PG_FUNCTION_INFO_V1(try_numeric);
Datum
try_numeric(PG_FUNCTION_ARGS)
{
	const char *s;
	int			len;
	int32		precision = PG_GETARG_INT32(1);
	int32		scale = PG_GETARG_INT32(2);
	int			pos = 0;
	int			int_start,
				int_end,
				frac_start = -1,
				frac_end = -1;
	int			int_digits;
	char	   *cstr;

	if (precision < 1 || precision > NUMERIC_MAX_PRECISION || scale < 0 || scale > precision)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("try_numeric needs 1 <= precision <= %d and 0 <= scale <= precision",
						NUMERIC_MAX_PRECISION)));

	TrimmedText(PG_GETARG_TEXT_PP(0), &s, &len);
	if (len == 0 || len > TRY_NUMERIC_MAX_CHARS)
		PG_RETURN_NULL();
	if (s[0] == '+' || s[0] == '-')
		pos++;
	int_start = pos;
	while (pos < len && s[pos] >= '0' && s[pos] <= '9')
		pos++;
	int_end = pos;
	if (pos < len && s[pos] == '.')
	{
		frac_start = ++pos;
		while (pos < len && s[pos] >= '0' && s[pos] <= '9')
			pos++;
		frac_end = pos;
	}
	if (pos != len || (int_end == int_start && frac_end <= frac_start))
		PG_RETURN_NULL();

	/* Range: integer digits (leading zeros aside) must fit p - s */
	while (int_start < int_end && s[int_start] == '0')
		int_start++;
	int_digits = int_end - int_start;
	if (int_digits > precision - scale)
		PG_RETURN_NULL();
	if (int_digits == precision - scale)
	{
		/*
		 * Rounding to "scale" decimals carries into a new digit when every
		 * digit kept is 9 and the first one dropped is 5 or more.
		 */
		bool		all_nines = true;
		int			nfrac = frac_start < 0 ? 0 : frac_end - frac_start;

		for (int i = int_start; i < int_end && all_nines; i++)
			all_nines = s[i] == '9';
		for (int i = 0; i < scale && all_nines; i++)
			all_nines = i < nfrac && s[frac_start + i] == '9';
		if (all_nines && scale < nfrac && s[frac_start + scale] >= '5')
			PG_RETURN_NULL();
	}

	/*
	 * Up to 18 digits, the value scaled to "scale" decimals fits an int64:
	 * build the numeric from that, rounded half away from zero as numeric's
	 * typmod rounding does (same value, same display scale). This is several
	 * times cheaper than numeric_in, and the loader calls it twice per sale.
	 */
	if (precision <= 18)
	{
		int64		v = 0;
		int			nfrac = frac_start < 0 ? 0 : frac_end - frac_start;

		for (int i = int_start; i < int_end; i++)
			v = v * 10 + (s[i] - '0');
		for (int i = 0; i < scale; i++)
			v = v * 10 + (i < nfrac ? s[frac_start + i] - '0' : 0);
		if (scale < nfrac && s[frac_start + scale] >= '5')
			v++;
		if (s[0] == '-')
			v = -v;
		PG_RETURN_NUMERIC(int64_div_fast_to_numeric(v, scale));
	}

	cstr = pnstrdup(s, len);
	PG_RETURN_DATUM(DirectFunctionCall3(numeric_in, CStringGetDatum(cstr),
										ObjectIdGetDatum(InvalidOid),
										Int32GetDatum(((precision << 16) | scale) + VARHDRSZ)));
}

/* try_bool(text): what boolean input accepts (true, f, yes, off, 1 ...), else NULL */
PG_FUNCTION_INFO_V1(try_bool);
Datum
try_bool(PG_FUNCTION_ARGS)
{
	const char *s;
	int			len;
	bool		result;

	TrimmedText(PG_GETARG_TEXT_PP(0), &s, &len);
	if (len == 0 || !parse_bool_with_len(s, len, &result))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(result);
}

/*
 * _trim_or_null(text): the text without surrounding whitespace (as the
 * parsers above see it), NULL when nothing is left; the value itself when
 * there is nothing to trim.
 */
PG_FUNCTION_INFO_V1(trim_or_null);
Datum
trim_or_null(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s;
	int			len;

	TrimmedText(t, &s, &len);
	if (len == 0)
		PG_RETURN_NULL();
	if (len == (int) VARSIZE_ANY_EXHDR(t))
		PG_RETURN_TEXT_P(t);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s, len));
}

/*
 * _too_long(field text, value text): NULL when value fits an index entry
 * (ANALYTICS_TEXT_MAX_BYTES, the limit of event identifiers too) or is
 * NULL, else the loader's reason for refusing the row.
 */
PG_FUNCTION_INFO_V1(too_long);
Datum
too_long(PG_FUNCTION_ARGS)
{
	int			bytes;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	bytes = AnalyticsTextBytesOver(PG_GETARG_TEXT_PP(1));
	if (bytes == 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s takes %d bytes: indexed keys and names go up to %d bytes",
											  PG_ARGISNULL(0) ? "value" : text_to_cstring(PG_GETARG_TEXT_PP(0)),
											  bytes, ANALYTICS_TEXT_MAX_BYTES)));
}

/* date_key(timestamptz): the UTC calendar day as YYYYMMDD, dim_date's key */
PG_FUNCTION_INFO_V1(date_key);
Datum
date_key(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date_key needs a finite timestamp")));
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	if (tm.tm_year < 1 || tm.tm_year > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date_key needs a year from 1 to 9999, got %d", tm.tm_year)));
	PG_RETURN_INT32(tm.tm_year * 10000 + tm.tm_mon * 100 + tm.tm_mday);
}

/*
 * Recording a failed load.
 *
 * A load that fails must leave the warehouse and staging as they were, and
 * fail for its caller (cron, psql with ON_ERROR_STOP, an application), yet
 * its run must be recorded as failed: a row that survives the rollback of
 * the caller's transaction. PostgreSQL has no autonomous transactions, so
 * the row is written by a background worker in a transaction of its own,
 * while the caller waits; the caller then raises the error.
 *
 * The caller passes the record in a dynamic shared memory segment; the
 * worker sets "recorded" once its transaction has committed. The worker
 * connects as the caller's current user (inside load_warehouse, a SECURITY
 * DEFINER function, the extension's owner), so that role must be allowed
 * to log in, like any background worker's.
 *
 * The caller must not wait on a worker that waits on the caller: a worker
 * cannot insert while the caller holds a lock on load_runs that conflicts
 * with ROW EXCLUSIVE (TRUNCATE, LOCK TABLE ... in this transaction), and the
 * deadlock detector cannot see a wait for a worker. Then no worker is
 * started; and a worker gives up on any lock after FAILED_RUN_LOCK_TIMEOUT.
 */
#define FAILED_RUN_LOCK_TIMEOUT "10s"

typedef struct FailedRun
{
	Oid			database;
	Oid			user;
	int64		run_id;
	TimestampTz started_at;
	bool		cancelled;		/* status 'cancelled', else 'failed' */
	bool		recorded;
	char		error[FLEXIBLE_ARRAY_MEMBER];
} FailedRun;

PGDLLEXPORT void analytics_failed_run_main(Datum main_arg);

void
analytics_failed_run_main(Datum main_arg)
{
	dsm_segment *seg;
	FailedRun  *run;
	Oid			argtypes[4] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
	Datum		values[4];
	int			ret;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the failed load run's record")));
	run = (FailedRun *) dsm_segment_address(seg);

	BackgroundWorkerInitializeConnectionByOid(run->database, run->user, 0);
	SetConfigOption("lock_timeout", FAILED_RUN_LOCK_TIMEOUT, PGC_USERSET, PGC_S_SESSION);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	values[0] = Int64GetDatum(run->run_id);
	values[1] = TimestampTzGetDatum(run->started_at);
	values[2] = CStringGetTextDatum(run->error);
	values[3] = CStringGetTextDatum(run->cancelled ? "cancelled" : "failed");
	ret = SPI_execute_with_args("INSERT INTO analytics.load_runs (run_id, started_at, finished_at, status, error) "
								"VALUES ($1, $2, pg_catalog.clock_timestamp(), $4, $3)",
								4, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "recording failed load run %lld: SPI_execute_with_args returned %d",
			 (long long) run->run_id, ret);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();

	/* the caller reads this after the worker has exited */
	pg_write_barrier();
	run->recorded = true;
	dsm_detach(seg);
	proc_exit(0);
}

/*
 * _record_failed_run(run_id, started_at, error [, cancelled]): records the
 * run as failed, or as cancelled when cancelled is true (statement_timeout,
 * pg_cancel_backend), in analytics.load_runs, committed whatever becomes of
 * the caller's transaction; false when that cannot be done: the caller holds
 * a lock the worker would wait for, no dynamic shared memory segment or
 * background worker slot (max_worker_processes) is free, or the worker
 * failed (the server log says why). It never raises an error of its own, so
 * that the caller's error is the one reported (only another cancellation
 * ends its wait for the worker early; the worker still records the run).
 */
PG_FUNCTION_INFO_V1(record_failed_run);
Datum
record_failed_run(PG_FUNCTION_ARGS)
{
	int64		run_id = PG_GETARG_INT64(0);
	TimestampTz started_at = PG_GETARG_TIMESTAMPTZ(1);
	char	   *error = text_to_cstring(PG_GETARG_TEXT_PP(2));
	/* 0.1.0's declaration has three arguments */
	bool		cancelled = PG_NARGS() > 3 && PG_GETARG_BOOL(3);
	Size		len = strlen(error);
	Oid			load_runs;
	dsm_segment *seg;
	FailedRun  *run;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	bool		recorded = false;

	load_runs = get_relname_relid("load_runs", get_namespace_oid("analytics", true));
	if (!OidIsValid(load_runs) || CheckRelationOidLockedByMe(load_runs, ShareLock, true))
		PG_RETURN_BOOL(false);

	seg = dsm_create(offsetof(FailedRun, error) + len + 1, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
		PG_RETURN_BOOL(false);
	run = (FailedRun *) dsm_segment_address(seg);
	run->database = MyDatabaseId;
	run->user = GetUserId();
	run->run_id = run_id;
	run->started_at = started_at;
	run->cancelled = cancelled;
	run->recorded = false;
	memcpy(run->error, error, len + 1);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "analytics");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "analytics_failed_run_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "analytics failed load run %lld", (long long) run_id);
	snprintf(worker.bgw_type, BGW_MAXLEN, "analytics failed load run");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	if (RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		if (WaitForBackgroundWorkerShutdown(handle) == BGWH_POSTMASTER_DIED)
			ereport(FATAL,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("postmaster exited while recording failed load run %lld", (long long) run_id)));
		pg_read_barrier();
		recorded = run->recorded;
	}
	dsm_detach(seg);
	PG_RETURN_BOOL(recorded);
}

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
