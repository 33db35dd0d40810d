/*-------------------------------------------------------------------------
 *
 * jobs.c
 *	  The scheduled-job registry's records that must outlive the run's
 *	  transaction, its clock and its retention setting; the steps of a
 *	  report's email delivery, recorded the same way.
 *
 * A run of a job (analytics_internal._job_execute, src/jobs.sql) is one transaction:
 * the job's command, then its record. Two records cannot wait for the end of
 * that transaction: the "running" row, which other sessions must see while
 * the command runs, and the "failed" row, which must survive the rollback of
 * the failed command (the error then goes on to pg_cron or the caller). As in
 * warehouse.c, PostgreSQL has no autonomous transactions, so a background
 * worker writes them in a transaction of its own while the caller waits.
 *
 * The worker connects as the caller's current user (who must be allowed to
 * log in and to write analytics.job_runs, as an analytics_admin login or the
 * job's pg_cron user is). The caller never waits for a worker that would
 * wait for the caller: no worker is started when the caller holds a lock on
 * job_runs that conflicts with inserting rows, and the worker gives up on
 * any lock after JOB_RECORD_LOCK_TIMEOUT. Then the functions return NULL or
 * false and the caller records the run in its own transaction (see jobs.sql).
 *
 * A report delivery (reports.sql) is claimed before its message goes to the
 * mail server and marked sent when the server has accepted it, each step
 * committed by a worker: a delivery is sent at most once, whatever becomes
 * of the sending job's transaction.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

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
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "analytics.h"

#define JOB_RECORD_LOCK_TIMEOUT "10s"

/*
 * The records a worker writes. Each is one statement over the parameters
 * $1 id (bigint), $2 at (timestamptz), $3 manual (boolean), $4 text, $5
 * limit (bigint), returning one row's id when it did its work.
 */
typedef enum JobRecordKind
{
	JOB_RECORD_START,			/* insert the "running" row of a new run */
	JOB_RECORD_FAILED,			/* mark a run failed */
	DELIVERY_CLAIM,				/* a queued delivery is being sent */
	DELIVERY_SENT,				/* the mail server accepted it */
	DELIVERY_RETRY				/* it was refused: queue it again, or fail */
} JobRecordKind;

typedef struct JobRecordStatement
{
	const char *table;			/* the table of analytics it writes */
	const char *what;			/* for messages */
	const char *sql;
} JobRecordStatement;

static const JobRecordStatement job_record_statements[] = {
	[JOB_RECORD_START] = {"job_runs", "the start of a run of job",
		"INSERT INTO analytics.job_runs (job_id, job_name, started_at, status, manual, config) "
		"SELECT j.job_id, j.name, $2, 'running', $3, $4::pg_catalog.jsonb "
		"FROM analytics.jobs j WHERE j.job_id OPERATOR(pg_catalog.=) $1 "
		"RETURNING run_id"},
	[JOB_RECORD_FAILED] = {"job_runs", "failed job run",
		"UPDATE analytics.job_runs SET status = 'failed', finished_at = $2, error = $4 "
		"WHERE run_id OPERATOR(pg_catalog.=) $1 RETURNING run_id"},
	[DELIVERY_CLAIM] = {"report_deliveries", "the sending of report delivery",
		"UPDATE analytics.report_deliveries SET status = 'sending', "
		"attempts = attempts OPERATOR(pg_catalog.+) 1, last_attempt_at = $2 "
		"WHERE id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) 'queued' RETURNING id"},
	[DELIVERY_SENT] = {"report_deliveries", "sent report delivery",
		"UPDATE analytics.report_deliveries SET status = 'sent', sent_at = $2, next_attempt_at = NULL, "
		"last_error = NULL "
		"WHERE id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) 'sending' RETURNING id"},
	/* backoff: 1, 2, 4, ... minutes after the attempt, at most 6 hours */
	[DELIVERY_RETRY] = {"report_deliveries", "refused report delivery",
		"UPDATE analytics.report_deliveries SET "
		"status = CASE WHEN attempts OPERATOR(pg_catalog.>=) $5 THEN 'failed' ELSE 'queued' END, "
		"next_attempt_at = CASE WHEN attempts OPERATOR(pg_catalog.>=) $5 THEN NULL "
		"ELSE $2 OPERATOR(pg_catalog.+) LEAST(pg_catalog.make_interval(mins => 1) "
		"OPERATOR(pg_catalog.*) pg_catalog.power(2::pg_catalog.float8, attempts OPERATOR(pg_catalog.-) 1), "
		"pg_catalog.make_interval(hours => 6)) END, "
		"last_error = $4 "
		"WHERE id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) 'sending' RETURNING id"},
};

typedef struct JobRecord
{
	Oid			database;
	Oid			user;
	JobRecordKind kind;
	int64		id;				/* START: job_id; FAILED: run_id; DELIVERY_*: delivery id */
	TimestampTz at;				/* when it happened */
	bool		manual;			/* START: a manual run */
	int64		limit;			/* DELIVERY_RETRY: the attempts before it fails */
	bool		done;			/* set by the worker after its commit */
	int64		result;			/* the id the statement returned (START: the new run) */
	char		text[FLEXIBLE_ARRAY_MEMBER];	/* START: config; FAILED, RETRY: error */
} JobRecord;

PGDLLEXPORT void analytics_job_record_main(Datum main_arg);

void
analytics_job_record_main(Datum main_arg)
{
	dsm_segment *seg;
	JobRecord  *rec;
	const JobRecordStatement *stmt;
	Oid			argtypes[5] = {INT8OID, TIMESTAMPTZOID, BOOLOID, TEXTOID, INT8OID};
	Datum		values[5];
	int			ret;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the job run's record")));
	rec = (JobRecord *) dsm_segment_address(seg);
	stmt = &job_record_statements[rec->kind];

	BackgroundWorkerInitializeConnectionByOid(rec->database, rec->user, 0);
	SetConfigOption("lock_timeout", JOB_RECORD_LOCK_TIMEOUT, PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	values[0] = Int64GetDatum(rec->id);
	values[1] = TimestampTzGetDatum(rec->at);
	values[2] = BoolGetDatum(rec->manual);
	values[3] = CStringGetTextDatum(rec->text);
	values[4] = Int64GetDatum(rec->limit);
	ret = SPI_execute_with_args(stmt->sql, 5, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_INSERT_RETURNING && ret != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "recording %s %lld: SPI_execute_with_args returned %d",
			 stmt->what, (long long) rec->id, ret);
	/*
	 * No row when the row to change is not committed (the job or delivery
	 * was made in the caller's transaction) or is no longer in the state
	 * the statement expects.
	 */
	if (SPI_processed == 1)
	{
		bool		isnull;

		rec->result = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		rec->done = true;
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();

	/* the caller reads the record after the worker has exited */
	pg_write_barrier();
	dsm_detach(seg);
	proc_exit(0);
}

/*
 * Write a record in a worker's transaction; the worker's outcome in *rec
 * (done, result). False, without a worker, when the caller holds a lock on
 * the record's table that blocks writing rows (the worker would wait for
 * the caller, who waits for the worker) or no dynamic shared memory segment
 * or background worker slot is free; true when a worker ran.
 */
static bool
JobRecordWrite(JobRecordKind kind, int64 id, TimestampTz at, bool manual, int64 limit,
			   const char *text, JobRecord *out)
{
	const JobRecordStatement *stmt = &job_record_statements[kind];
	Size		len = strlen(text);
	Oid			table;
	dsm_segment *seg;
	JobRecord  *rec;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	bool		ran = false;

	table = get_relname_relid(stmt->table, get_namespace_oid("analytics", true));
	if (!OidIsValid(table) || CheckRelationOidLockedByMe(table, ShareLock, true))
		return false;
	seg = dsm_create(offsetof(JobRecord, text) + len + 1, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
		return false;
	rec = (JobRecord *) dsm_segment_address(seg);
	rec->database = MyDatabaseId;
	rec->user = GetUserId();
	rec->kind = kind;
	rec->id = id;
	rec->at = at;
	rec->manual = manual;
	rec->limit = limit;
	rec->done = false;
	rec->result = 0;
	memcpy(rec->text, text, len + 1);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "analytics");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "analytics_job_record_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "analytics record: %s %lld", stmt->what, (long long) id);
	snprintf(worker.bgw_type, BGW_MAXLEN, "analytics job run record");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	if (RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		if (WaitForBackgroundWorkerShutdown(handle) == BGWH_POSTMASTER_DIED)
			ereport(FATAL,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("postmaster exited while recording %s %lld", stmt->what, (long long) id)));
		pg_read_barrier();
		out->done = rec->done;
		out->result = rec->result;
		ran = true;
	}
	dsm_detach(seg);
	return ran;
}

/*
 * _job_run_begin(job_id, started_at, manual, config): inserts the "running"
 * row of a new run of the job, committed at once; its run_id, or NULL when
 * no worker could (see the file's comment) or the job is not committed yet.
 * Never raises an error of its own.
 */
PG_FUNCTION_INFO_V1(job_run_begin);
Datum
job_run_begin(PG_FUNCTION_ARGS)
{
	JobRecord	out;

	if (!JobRecordWrite(JOB_RECORD_START, PG_GETARG_INT64(0), PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_BOOL(2), 0,
						text_to_cstring(PG_GETARG_TEXT_PP(3)), &out) || !out.done)
		PG_RETURN_NULL();
	PG_RETURN_INT64(out.result);
}

/*
 * _job_run_failed(run_id, finished_at, error): marks a committed run failed,
 * committed whatever becomes of the caller's transaction; false when that
 * could not be done. Never raises an error of its own, so that the job's
 * error is the one reported.
 */
PG_FUNCTION_INFO_V1(job_run_failed);
Datum
job_run_failed(PG_FUNCTION_ARGS)
{
	JobRecord	out;

	PG_RETURN_BOOL(JobRecordWrite(JOB_RECORD_FAILED, PG_GETARG_INT64(0), PG_GETARG_TIMESTAMPTZ(1), false, 0,
								  text_to_cstring(PG_GETARG_TEXT_PP(2)), &out) && out.done);
}

/*
 * _delivery_record(step, delivery_id, at, error, max_attempts): a step of a
 * report delivery (src/reports.sql, analytics.deliver_reports), committed
 * at once whatever becomes of the caller's transaction: 'claim' (queued to
 * sending, one more attempt), 'sent', or 'retry' (sending back to queued
 * with a backoff, or to failed after max_attempts attempts, with the
 * error). True when done; false when the delivery was not in the state the
 * step expects (or is not committed yet); NULL when no worker could write
 * it. Never raises an error of its own.
 */
PG_FUNCTION_INFO_V1(delivery_record);
Datum
delivery_record(PG_FUNCTION_ARGS)
{
	char	   *step = text_to_cstring(PG_GETARG_TEXT_PP(0));
	JobRecordKind kind;
	JobRecord	out;

	if (strcmp(step, "claim") == 0)
		kind = DELIVERY_CLAIM;
	else if (strcmp(step, "sent") == 0)
		kind = DELIVERY_SENT;
	else if (strcmp(step, "retry") == 0)
		kind = DELIVERY_RETRY;
	else
		elog(ERROR, "unknown delivery step \"%s\"", step);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		elog(ERROR, "a delivery step needs its delivery and time");
	if (!JobRecordWrite(kind, PG_GETARG_INT64(1), PG_GETARG_TIMESTAMPTZ(2), false,
						PG_ARGISNULL(4) ? 1 : PG_GETARG_INT32(4),
						PG_ARGISNULL(3) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(3)), &out))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(out.done);
}

/*
 * _job_clock(): the time a run starts or ends: analytics.mock_now when a
 * test set it, else the wall clock (clock_timestamp(), not the transaction's
 * start: a run's duration is measured inside one transaction).
 */
PG_FUNCTION_INFO_V1(job_clock);
Datum
job_clock(PG_FUNCTION_ARGS)
{
	if (analytics_mock_now != NULL && analytics_mock_now[0] != '\0')
		PG_RETURN_TIMESTAMPTZ(AnalyticsNow());
	PG_RETURN_TIMESTAMPTZ(GetCurrentTimestamp());
}

/* _job_run_retention(): the setting analytics.job_run_retention as an interval, NULL for 0 */
PG_FUNCTION_INFO_V1(job_run_retention);
Datum
job_run_retention(PG_FUNCTION_ARGS)
{
	Interval   *result;

	if (analytics_job_run_retention <= 0)
		PG_RETURN_NULL();
	result = (Interval *) palloc0(sizeof(Interval));
	result->time = (int64) analytics_job_run_retention * USECS_PER_SEC;
	PG_RETURN_INTERVAL_P(result);
}
