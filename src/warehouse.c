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
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "port/atomics.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
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
	bool		recorded;
	char		error[FLEXIBLE_ARRAY_MEMBER];
} FailedRun;

PGDLLEXPORT void analytics_failed_run_main(Datum main_arg);

void
analytics_failed_run_main(Datum main_arg)
{
	dsm_segment *seg;
	FailedRun  *run;
	Oid			argtypes[3] = {INT8OID, TIMESTAMPTZOID, TEXTOID};
	Datum		values[3];
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
	ret = SPI_execute_with_args("INSERT INTO analytics.load_runs (run_id, started_at, finished_at, status, error) "
								"VALUES ($1, $2, pg_catalog.clock_timestamp(), 'failed', $3)",
								3, argtypes, values, NULL, false, 0);
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
 * _record_failed_run(run_id, started_at, error): records the run as failed
 * in analytics.load_runs, committed whatever becomes of the caller's
 * transaction; false when that cannot be done: the caller holds a lock the
 * worker would wait for, no dynamic shared memory segment or background
 * worker slot (max_worker_processes) is free, or the worker failed (the
 * server log says why). It never raises an error of its own, so that the
 * caller's error is the one reported.
 */
PG_FUNCTION_INFO_V1(record_failed_run);
Datum
record_failed_run(PG_FUNCTION_ARGS)
{
	int64		run_id = PG_GETARG_INT64(0);
	TimestampTz started_at = PG_GETARG_TIMESTAMPTZ(1);
	char	   *error = text_to_cstring(PG_GETARG_TEXT_PP(2));
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
