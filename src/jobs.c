/*-------------------------------------------------------------------------
 *
 * jobs.c
 *	  The scheduled-job registry's records that must outlive the run's
 *	  transaction, its clock and its retention setting.
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

typedef enum JobRecordKind
{
	JOB_RECORD_START,			/* insert the "running" row of a new run */
	JOB_RECORD_FAILED			/* mark a run failed */
} JobRecordKind;

typedef struct JobRecord
{
	Oid			database;
	Oid			user;
	JobRecordKind kind;
	int64		id;				/* START: job_id; FAILED: run_id */
	TimestampTz at;				/* START: started_at; FAILED: finished_at */
	bool		manual;
	bool		done;			/* set by the worker after its commit */
	int64		run_id;			/* START: the new run */
	Size		text_offset;	/* error text (FAILED), after the config (START) */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} JobRecord;

PGDLLEXPORT void analytics_job_record_main(Datum main_arg);

void
analytics_job_record_main(Datum main_arg)
{
	dsm_segment *seg;
	JobRecord  *rec;
	int			ret;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the job run's record")));
	rec = (JobRecord *) dsm_segment_address(seg);

	BackgroundWorkerInitializeConnectionByOid(rec->database, rec->user, 0);
	SetConfigOption("lock_timeout", JOB_RECORD_LOCK_TIMEOUT, PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	if (rec->kind == JOB_RECORD_START)
	{
		Oid			argtypes[4] = {INT8OID, TIMESTAMPTZOID, BOOLOID, TEXTOID};
		Datum		values[4];
		bool		isnull;

		values[0] = Int64GetDatum(rec->id);
		values[1] = TimestampTzGetDatum(rec->at);
		values[2] = BoolGetDatum(rec->manual);
		values[3] = CStringGetTextDatum(rec->data);
		ret = SPI_execute_with_args("INSERT INTO analytics.job_runs (job_id, job_name, started_at, status, manual, config) "
									"SELECT j.job_id, j.name, $2, 'running', $3, $4::pg_catalog.jsonb "
									"FROM analytics.jobs j WHERE j.job_id OPERATOR(pg_catalog.=) $1 "
									"RETURNING run_id",
									4, argtypes, values, NULL, false, 0);
		if (ret != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "recording the start of a run of job %lld: SPI_execute_with_args returned %d",
				 (long long) rec->id, ret);
		/* no row when the job is not committed (created in the caller's transaction) */
		if (SPI_processed == 1)
		{
			rec->run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			rec->done = true;
		}
	}
	else
	{
		Oid			argtypes[3] = {INT8OID, TIMESTAMPTZOID, TEXTOID};
		Datum		values[3];

		values[0] = Int64GetDatum(rec->id);
		values[1] = TimestampTzGetDatum(rec->at);
		values[2] = CStringGetTextDatum(rec->data + rec->text_offset);
		ret = SPI_execute_with_args("UPDATE analytics.job_runs SET status = 'failed', finished_at = $2, error = $3 "
									"WHERE run_id OPERATOR(pg_catalog.=) $1",
									3, argtypes, values, NULL, false, 0);
		if (ret != SPI_OK_UPDATE)
			elog(ERROR, "recording failed job run %lld: SPI_execute_with_args returned %d",
				 (long long) rec->id, ret);
		rec->done = SPI_processed == 1;
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
 * Run the worker for rec (built by the caller in seg); true when it
 * committed its record.
 */
static bool
JobRecordRun(dsm_segment *seg, JobRecord *rec, const char *what)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	bool		done = false;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "analytics");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "analytics_job_record_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "analytics job run %s %lld", what, (long long) rec->id);
	snprintf(worker.bgw_type, BGW_MAXLEN, "analytics job run record");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	if (RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		if (WaitForBackgroundWorkerShutdown(handle) == BGWH_POSTMASTER_DIED)
			ereport(FATAL,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("postmaster exited while recording a job run")));
		pg_read_barrier();
		done = rec->done;
	}
	return done;
}

/* Does this transaction hold a lock on job_runs that blocks inserting rows? */
static bool
JobRunsLockedByMe(void)
{
	Oid			job_runs;

	job_runs = get_relname_relid("job_runs", get_namespace_oid("analytics", true));
	return !OidIsValid(job_runs) || CheckRelationOidLockedByMe(job_runs, ShareLock, true);
}

static dsm_segment *
JobRecordCreate(JobRecordKind kind, int64 id, TimestampTz at, const char *text1, const char *text2)
{
	Size		len1 = strlen(text1);
	Size		len2 = strlen(text2);
	dsm_segment *seg;
	JobRecord  *rec;

	seg = dsm_create(offsetof(JobRecord, data) + len1 + len2 + 2, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
		return NULL;
	rec = (JobRecord *) dsm_segment_address(seg);
	rec->database = MyDatabaseId;
	rec->user = GetUserId();
	rec->kind = kind;
	rec->id = id;
	rec->at = at;
	rec->manual = false;
	rec->done = false;
	rec->run_id = 0;
	memcpy(rec->data, text1, len1 + 1);
	rec->text_offset = len1 + 1;
	memcpy(rec->data + rec->text_offset, text2, len2 + 1);
	return seg;
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
	int64		job_id = PG_GETARG_INT64(0);
	TimestampTz started_at = PG_GETARG_TIMESTAMPTZ(1);
	bool		manual = PG_GETARG_BOOL(2);
	char	   *config = text_to_cstring(PG_GETARG_TEXT_PP(3));
	dsm_segment *seg;
	JobRecord  *rec;
	bool		done;
	int64		run_id;

	if (JobRunsLockedByMe())
		PG_RETURN_NULL();
	seg = JobRecordCreate(JOB_RECORD_START, job_id, started_at, config, "");
	if (seg == NULL)
		PG_RETURN_NULL();
	rec = (JobRecord *) dsm_segment_address(seg);
	rec->manual = manual;
	done = JobRecordRun(seg, rec, "start");
	run_id = rec->run_id;
	dsm_detach(seg);
	if (!done)
		PG_RETURN_NULL();
	PG_RETURN_INT64(run_id);
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
	int64		run_id = PG_GETARG_INT64(0);
	TimestampTz finished_at = PG_GETARG_TIMESTAMPTZ(1);
	char	   *error = text_to_cstring(PG_GETARG_TEXT_PP(2));
	dsm_segment *seg;
	JobRecord  *rec;
	bool		done;

	if (JobRunsLockedByMe())
		PG_RETURN_BOOL(false);
	seg = JobRecordCreate(JOB_RECORD_FAILED, run_id, finished_at, "", error);
	if (seg == NULL)
		PG_RETURN_BOOL(false);
	rec = (JobRecord *) dsm_segment_address(seg);
	done = JobRecordRun(seg, rec, "failed");
	dsm_detach(seg);
	PG_RETURN_BOOL(done);
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
