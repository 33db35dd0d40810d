/*-------------------------------------------------------------------------
 *
 * autonomous.c
 *	  The record of a failed warehouse load that survives its rollback:
 *	  analytics_internal._record_failed_run and the background worker that writes
 *	  the record in a transaction of its own.
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
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
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
