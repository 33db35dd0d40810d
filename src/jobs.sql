
-- src/jobs.sql: the scheduled-job registry. Every job the extension
-- schedules is a row of analytics.jobs; pg_cron runs it through one wrapper
-- (analytics_internal._job_tick), which records each run in analytics.job_runs, so
-- the figures hold whether cron.log_run is on or off.
--
-- Who runs what: a job's command runs as the role that created it (like any
-- pg_cron job), and only that role may run it by hand; alter_job and
-- drop_job take that role or a superuser. The functions are SECURITY
-- INVOKER: analytics_admin holds the column privileges they need, and a
-- command written by one role is never run as another (a run checks that its
-- role owns the job; pg_cron's command names the registry id, so a job
-- dropped and re-created under the same name is not run by the old pg_cron
-- job).

CREATE TABLE analytics.jobs (
	job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL UNIQUE
		CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,47}$'),
	job_type text NOT NULL
		CHECK (job_type OPERATOR(pg_catalog.=) ANY (ARRAY['refresh', 'goal_update', 'report', 'data_sync', 'maintenance', 'custom'])),
	schedule text NOT NULL CHECK (analytics.cron_validate(schedule)),
	command text NOT NULL CHECK (pg_catalog.btrim(command, E' \t\r\n') OPERATOR(pg_catalog.<>) ''),
	config jsonb NOT NULL DEFAULT '{}'
		CHECK (pg_catalog.jsonb_typeof(config) OPERATOR(pg_catalog.=) 'object'),
	is_active boolean NOT NULL DEFAULT true,
	owner name NOT NULL DEFAULT CURRENT_USER,
	cron_job_id bigint,
	created_at timestamptz NOT NULL DEFAULT analytics_internal._now(),
	updated_at timestamptz NOT NULL DEFAULT analytics_internal._now()
);
COMMENT ON TABLE analytics.jobs IS 'The scheduled-job registry: one row per job the extension schedules with pg_cron (see analytics.create_job)';
COMMENT ON COLUMN analytics.jobs.job_id IS 'Registry id, named in the job''s pg_cron command';
COMMENT ON COLUMN analytics.jobs.name IS 'Job name: 1 to 48 lowercase letters, digits or underscores, starting with a letter; the pg_cron job is named analytics_<name>';
COMMENT ON COLUMN analytics.jobs.job_type IS 'What the job does: refresh, goal_update, report, data_sync, maintenance or custom';
COMMENT ON COLUMN analytics.jobs.schedule IS 'pg_cron 1.4 schedule, in UTC (five fields or a macro such as @daily)';
COMMENT ON COLUMN analytics.jobs.command IS 'The SQL statement a run executes (it reads its configuration with analytics.job_config())';
COMMENT ON COLUMN analytics.jobs.config IS 'JSON object the command sees through analytics.job_config(); run_job merges its override into it';
COMMENT ON COLUMN analytics.jobs.is_active IS 'Whether pg_cron fires the job (false: paused; analytics.run_job still runs it)';
COMMENT ON COLUMN analytics.jobs.owner IS 'The role that created the job: its command runs as this role, and only this role runs it';
COMMENT ON COLUMN analytics.jobs.cron_job_id IS 'The job''s id in cron.job, NULL while it is not scheduled (pg_cron was not installed)';
COMMENT ON COLUMN analytics.jobs.created_at IS 'When the job was created';
COMMENT ON COLUMN analytics.jobs.updated_at IS 'When the job was last changed by analytics.alter_job';

CREATE TABLE analytics.job_runs (
	run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id bigint NOT NULL REFERENCES analytics.jobs ON DELETE CASCADE,
	job_name text NOT NULL,
	started_at timestamptz NOT NULL,
	finished_at timestamptz,
	status text NOT NULL
		CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'success', 'failed', 'skipped', 'pending'])),
	error text,
	rows_affected bigint,
	manual boolean NOT NULL DEFAULT false,
	config jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX job_runs_job_started ON analytics.job_runs (job_id, started_at);
COMMENT ON TABLE analytics.job_runs IS 'One row per run of a job of analytics.jobs, scheduled or manual; finished runs older than analytics.job_run_retention are deleted by the maintenance job';
COMMENT ON COLUMN analytics.job_runs.run_id IS 'Run id, in the order runs started';
COMMENT ON COLUMN analytics.job_runs.job_id IS 'The job (analytics.jobs.job_id); its runs go when the job is dropped';
COMMENT ON COLUMN analytics.job_runs.job_name IS 'The job''s name';
COMMENT ON COLUMN analytics.job_runs.started_at IS 'When the run started (the wall clock, or analytics.mock_now in tests)';
COMMENT ON COLUMN analytics.job_runs.finished_at IS 'When the run ended; NULL while it runs, and for a run that ended without recording its outcome';
COMMENT ON COLUMN analytics.job_runs.status IS 'running (committed at the start, visible to other sessions), success, failed, skipped (a run of the job was still going) or pending';
COMMENT ON COLUMN analytics.job_runs.error IS 'Error message of a failed run; why a run was skipped; NULL otherwise';
COMMENT ON COLUMN analytics.job_runs.rows_affected IS 'Rows the command processed (ROW_COUNT: rows written by INSERT, UPDATE, DELETE, rows returned by SELECT) when it succeeded';
COMMENT ON COLUMN analytics.job_runs.manual IS 'true for a run by analytics.run_job, false for one fired by pg_cron';
COMMENT ON COLUMN analytics.job_runs.config IS 'The configuration the command saw: the job''s config with run_job''s override merged in';

-- Row security: every admin reads the whole registry, but changes only the
-- jobs of their own role and the runs of those jobs (the column privileges
-- alone would let one admin retune or forge the runs of another's job, or
-- of a superuser's). Superusers and the extension's owner bypass it.
ALTER TABLE analytics.jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY jobs_read ON analytics.jobs FOR SELECT USING (true);
CREATE POLICY jobs_own ON analytics.jobs
	USING (owner OPERATOR(pg_catalog.=) CURRENT_USER) WITH CHECK (owner OPERATOR(pg_catalog.=) CURRENT_USER);
ALTER TABLE analytics.job_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY job_runs_read ON analytics.job_runs FOR SELECT USING (true);
CREATE POLICY job_runs_own ON analytics.job_runs
	USING (EXISTS (SELECT FROM analytics.jobs j WHERE j.job_id OPERATOR(pg_catalog.=) job_runs.job_id
		AND j.owner OPERATOR(pg_catalog.=) CURRENT_USER))
	WITH CHECK (EXISTS (SELECT FROM analytics.jobs j WHERE j.job_id OPERATOR(pg_catalog.=) job_runs.job_id
		AND j.owner OPERATOR(pg_catalog.=) CURRENT_USER));

SELECT pg_catalog.pg_extension_config_dump('analytics.jobs', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.jobs_job_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.job_runs', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.job_runs_run_id_seq', '');

-- The records a run writes in a transaction of its own (src/jobs.c).
CREATE FUNCTION analytics_internal._job_run_begin(job_id bigint, started_at timestamptz, manual boolean, config text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'job_run_begin'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics_internal._job_run_begin(bigint, timestamptz, boolean, text) IS 'Internal step of a job run: inserts its running row, committed by a background worker at once; the run id, or NULL when no worker could';

CREATE FUNCTION analytics_internal._job_run_failed(run_id bigint, finished_at timestamptz, error text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'job_run_failed'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics_internal._job_run_failed(bigint, timestamptz, text) IS 'Internal step of a job run: marks the run failed, committed by a background worker whatever becomes of the caller''s transaction; false when no worker could';

CREATE FUNCTION analytics_internal._job_clock()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'job_clock'
LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._job_clock() IS 'Internal: the time a job run starts or ends: analytics.mock_now when set, else clock_timestamp()';

CREATE FUNCTION analytics_internal._job_run_retention()
RETURNS interval
AS 'MODULE_PATHNAME', 'job_run_retention'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._job_run_retention() IS 'Internal: the setting analytics.job_run_retention as an interval, NULL when 0 (keep every run)';

CREATE FUNCTION analytics.job_config()
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(NULLIF(pg_catalog.current_setting('analytics.job_config', true), ''), '{}')::pg_catalog.jsonb
$$;
COMMENT ON FUNCTION analytics.job_config() IS 'Inside a run of a job: its configuration (the job''s config merged with run_job''s override); {} outside a run';

CREATE FUNCTION analytics_internal._has_pg_cron()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'pg_cron')
$$;
COMMENT ON FUNCTION analytics_internal._has_pg_cron() IS 'Internal: whether pg_cron is installed in this database';

-- Checks shared by create_job and alter_job; raises invalid_parameter_value.
CREATE FUNCTION analytics_internal._job_check(name text, job_type text, schedule text, command text, config jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name IS NULL OR name OPERATOR(pg_catalog.!~) '^[a-z][a-z0-9_]{0,47}$' THEN
		RAISE EXCEPTION 'invalid job name %', COALESCE('"' OPERATOR(pg_catalog.||) name OPERATOR(pg_catalog.||) '"', 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'A job name is 1 to 48 lowercase letters, digits or underscores, starting with a letter.';
	END IF;
	IF job_type IS NULL OR NOT job_type OPERATOR(pg_catalog.=) ANY (ARRAY['refresh', 'goal_update', 'report', 'data_sync', 'maintenance', 'custom']) THEN
		RAISE EXCEPTION 'invalid job type %', COALESCE('"' OPERATOR(pg_catalog.||) job_type OPERATOR(pg_catalog.||) '"', 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'A job type is one of refresh, goal_update, report, data_sync, maintenance and custom.';
	END IF;
	IF schedule IS NULL THEN
		RAISE EXCEPTION 'job schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM analytics.cron_validate(schedule);
	IF schedule OPERATOR(pg_catalog.!~) '^[ \t]*@re(boot|start)[ \t]*$'
		AND analytics.cron_next(schedule, analytics_internal._now()) IS NULL THEN
		RAISE EXCEPTION 'schedule "%" never fires', schedule
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'No day matches its day-of-month, month and day-of-week fields (the calendar repeats every 400 years).';
	END IF;
	IF command IS NULL OR pg_catalog.btrim(command, E' \t\r\n') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'job command is empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF config IS NULL OR pg_catalog.jsonb_typeof(config) OPERATOR(pg_catalog.<>) 'object' THEN
		RAISE EXCEPTION 'job config must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'The command reads it with analytics.job_config(), as in (analytics.job_config() ->> ''days'')::int.';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_check(text, text, text, text, jsonb) IS 'Internal: raises invalid_parameter_value when a job''s name, type, schedule, command or config is not valid';

-- The job of that name, locked, that the current role may change.
CREATE FUNCTION analytics_internal._job_for_change(job_name text)
RETURNS analytics.jobs
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	-- read first (row security shows every job), lock once it is ours
	SELECT * INTO j FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) job_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job "%" does not exist', job_name
			USING ERRCODE = 'undefined_object',
				HINT = 'analytics.scheduled_jobs lists the jobs.';
	END IF;
	IF j.owner OPERATOR(pg_catalog.<>) CURRENT_USER
		AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
		RAISE EXCEPTION 'job "%" belongs to role "%"', job_name, j.owner
			USING ERRCODE = 'insufficient_privilege',
				DETAIL = 'A job is changed or dropped by the role that created it, or by a superuser.';
	END IF;
	SELECT * INTO j FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id FOR UPDATE;
	RETURN j;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_for_change(text) IS 'Internal: the job of that name, locked, when the current role created it or is a superuser; else an error';

-- pg_cron through dynamic SQL: the extension installs without it.
CREATE FUNCTION analytics_internal._job_cron_schedule(j analytics.jobs)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cron_id bigint;
BEGIN
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO cron_id
		USING 'analytics_' OPERATOR(pg_catalog.||) j.name, j.schedule,
			pg_catalog.format('SELECT analytics_internal._job_tick(%L, %s)', j.name, j.job_id);
	IF NOT j.is_active THEN
		EXECUTE 'SELECT cron.alter_job($1, active => false)' USING cron_id;
	END IF;
	UPDATE analytics.jobs x SET cron_job_id = cron_id WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id;
	RETURN cron_id;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_cron_schedule(analytics.jobs) IS 'Internal: schedules the job with pg_cron as analytics_<name>, its command the wrapper analytics_internal._job_tick; the pg_cron job id';

CREATE FUNCTION analytics_internal._job_cron_exists(cron_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	found boolean;
BEGIN
	IF cron_id IS NULL OR NOT analytics_internal._has_pg_cron() THEN
		RETURN false;
	END IF;
	EXECUTE 'SELECT EXISTS (SELECT FROM cron.job c WHERE c.jobid OPERATOR(pg_catalog.=) $1)' INTO found USING cron_id;
	RETURN found;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_cron_exists(bigint) IS 'Internal: whether pg_cron has a job of that id that the current role sees';

CREATE FUNCTION analytics.create_job(name text, job_type text, schedule text, command text, config jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	PERFORM analytics_internal._job_check(name, job_type, schedule, command, config);
	IF EXISTS (SELECT FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) create_job.name) THEN
		RAISE EXCEPTION 'job "%" already exists', name
			USING ERRCODE = 'duplicate_object',
				HINT = 'Change it with analytics.alter_job, or drop it first with analytics.drop_job.';
	END IF;
	INSERT INTO analytics.jobs (name, job_type, schedule, command, config)
	VALUES (name, job_type, schedule, command, config)
	RETURNING * INTO j;
	IF NOT analytics_internal._has_pg_cron() THEN
		RAISE NOTICE 'job "%" is registered but not scheduled: pg_cron is not installed in this database', name
			USING HINT = 'analytics.run_job runs it meanwhile; once pg_cron is installed, analytics.alter_job(''' || name || ''') schedules it.';
		RETURN NULL;
	END IF;
	RETURN analytics_internal._job_cron_schedule(j);
END
$$;
COMMENT ON FUNCTION analytics.create_job(text, text, text, text, jsonb) IS 'Registers a job and schedules it with pg_cron (as analytics_<name>, run as the calling role); the pg_cron job id, NULL when pg_cron is not installed (the job is registered, not scheduled)';

CREATE FUNCTION analytics.alter_job(name text, schedule text DEFAULT NULL, is_active boolean DEFAULT NULL, config jsonb DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	j := analytics_internal._job_for_change(name);
	PERFORM analytics_internal._job_check(j.name, j.job_type, COALESCE(schedule, j.schedule), j.command, COALESCE(config, j.config));
	UPDATE analytics.jobs x
	SET schedule = COALESCE(alter_job.schedule, x.schedule),
		is_active = COALESCE(alter_job.is_active, x.is_active),
		config = COALESCE(alter_job.config, x.config),
		updated_at = analytics_internal._now()
	WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id
	RETURNING * INTO j;
	IF analytics_internal._job_cron_exists(j.cron_job_id) THEN
		EXECUTE 'SELECT cron.alter_job($1, schedule => $2, active => $3)' USING j.cron_job_id, j.schedule, j.is_active;
	ELSIF analytics_internal._has_pg_cron() THEN
		-- never scheduled (no pg_cron then), or its pg_cron job was removed
		PERFORM analytics_internal._job_cron_schedule(j);
	END IF;
END
$$;
COMMENT ON FUNCTION analytics.alter_job(text, text, boolean, jsonb) IS 'Changes a job''s schedule, whether it is active, or its config (NULL keeps each); schedules it with pg_cron when it was not scheduled';

CREATE FUNCTION analytics.drop_job(name text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	j := analytics_internal._job_for_change(name);
	IF analytics_internal._job_cron_exists(j.cron_job_id) THEN
		EXECUTE 'SELECT cron.unschedule($1)' USING j.cron_job_id;
	END IF;
	DELETE FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id;
END
$$;
COMMENT ON FUNCTION analytics.drop_job(text) IS 'Unschedules a job from pg_cron and removes it and its runs from the registry';

-- The extension's own scheduled work (materialized aggregate refreshes, the
-- KPI summary refresh): a registry job of a fixed command, owned by the
-- calling role (the extension's owner, from a SECURITY DEFINER function);
-- scheduling again changes its schedule, NULL drops it. One of that name
-- with another command or owner is replaced. The pg_cron job id.
CREATE FUNCTION analytics_internal._job_register(name text, job_type text, schedule text, command text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	SELECT * INTO j FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) _job_register.name;
	IF FOUND AND (schedule IS NULL OR j.owner OPERATOR(pg_catalog.<>) CURRENT_USER
		OR j.command OPERATOR(pg_catalog.<>) _job_register.command) THEN
		PERFORM analytics.drop_job(j.name);
		j := NULL;
	END IF;
	IF schedule IS NULL THEN
		RETURN NULL;
	END IF;
	IF j.job_id IS NULL THEN
		RETURN analytics.create_job(name, job_type, schedule, command);
	END IF;
	PERFORM analytics.alter_job(j.name, schedule => schedule, is_active => true);
	RETURN (SELECT x.cron_job_id FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id);
END
$$;
COMMENT ON FUNCTION analytics_internal._job_register(text, text, text, text) IS 'Registers (or reschedules, or with a NULL schedule drops) a job of the extension''s own with a fixed command; the pg_cron job id';
REVOKE ALL ON FUNCTION analytics_internal._job_register(text, text, text, text) FROM PUBLIC;

-- One run of a job, scheduled or manual: the only place a command runs.
CREATE FUNCTION analytics_internal._job_execute(job_id bigint, manual boolean, config_override jsonb)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
	cfg jsonb;
	run bigint;
	started timestamptz;
	n bigint;
	prev text;
	running text;
	recorded boolean;
	err_message text;
	err_detail text;
	err_hint text;
	err_state text;
BEGIN
	SELECT * INTO STRICT j FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) _job_execute.job_id;
	IF j.owner OPERATOR(pg_catalog.<>) CURRENT_USER THEN
		RAISE EXCEPTION 'job "%" belongs to role "%"', j.name, j.owner
			USING ERRCODE = 'insufficient_privilege',
				DETAIL = 'A job''s command runs as the role that created it.',
				HINT = pg_catalog.format('Run it as that role: SET ROLE %I.', j.owner);
	END IF;
	cfg := j.config OPERATOR(pg_catalog.||) COALESCE(config_override, '{}');
	started := analytics_internal._job_clock();

	-- A command that runs its own job (directly or through another job)
	-- would recurse until the stack gives out: the jobs running in this
	-- session are listed in a setting of the run's own.
	running := pg_catalog.current_setting('analytics_internal.running_jobs', true);
	IF pg_catalog.strpos(COALESCE(running, ''), ',' OPERATOR(pg_catalog.||) j.job_id OPERATOR(pg_catalog.||) ',') OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'job "%" is already running in this session', j.name
			USING ERRCODE = 'object_in_use',
				DETAIL = 'A job''s command ran the job itself.';
	END IF;
	-- One run of a job at a time: a run holds this lock until its
	-- transaction ends; a run that finds it taken is recorded as skipped.
	IF NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('analytics.jobs'), j.job_id::int) THEN
		INSERT INTO analytics.job_runs (job_id, job_name, started_at, finished_at, status, error, manual, config)
		VALUES (j.job_id, j.name, started, started, 'skipped', 'a run of this job was still going', manual, cfg)
		RETURNING run_id INTO run;
		RAISE NOTICE 'job "%" is still running: this run is skipped', j.name;
		RETURN run;
	END IF;

	-- the running row, visible to other sessions at once when a worker can
	-- commit it (else with this transaction)
	run := analytics_internal._job_run_begin(j.job_id, started, manual, cfg::text);
	IF run IS NULL THEN
		INSERT INTO analytics.job_runs (job_id, job_name, started_at, status, manual, config)
		VALUES (j.job_id, j.name, started, 'running', manual, cfg)
		RETURNING run_id INTO run;
	END IF;
	-- We hold the lock, so any other running row of this job is a run whose
	-- transaction was rolled back after its row was committed, or a session
	-- that ended.
	UPDATE analytics.job_runs r
	SET status = 'failed', error = 'the run ended without recording its outcome (its transaction was rolled back or its session ended)'
	WHERE r.job_id OPERATOR(pg_catalog.=) j.job_id AND r.status OPERATOR(pg_catalog.=) 'running'
		AND r.run_id OPERATOR(pg_catalog.<>) run;

	prev := pg_catalog.current_setting('analytics.job_config', true);
	PERFORM pg_catalog.set_config('analytics.job_config', cfg::text, true);
	PERFORM pg_catalog.set_config('analytics_internal.running_jobs',
		COALESCE(NULLIF(running, ''), ',') OPERATOR(pg_catalog.||) j.job_id OPERATOR(pg_catalog.||) ',', true);
	BEGIN
		EXECUTE j.command;
		GET DIAGNOSTICS n = ROW_COUNT;
	EXCEPTION WHEN OTHERS OR query_canceled THEN
		-- the command's work is rolled back; the failure is committed by a
		-- worker, then the error goes on to pg_cron or the caller
		GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT, err_detail = PG_EXCEPTION_DETAIL,
			err_hint = PG_EXCEPTION_HINT, err_state = RETURNED_SQLSTATE;
		PERFORM pg_catalog.set_config('analytics.job_config', COALESCE(prev, ''), true);
		PERFORM pg_catalog.set_config('analytics_internal.running_jobs', COALESCE(running, ''), true);
		recorded := analytics_internal._job_run_failed(run, analytics_internal._job_clock(), err_message);
		err_hint := COALESCE(NULLIF(err_hint, '') OPERATOR(pg_catalog.||) ' ', '') OPERATOR(pg_catalog.||) CASE WHEN recorded
			THEN pg_catalog.format('Run %s is recorded as failed in analytics.job_runs.', run)
			ELSE 'The run could not be recorded as failed (the job was created in this transaction, this transaction locks analytics.job_runs, or no background worker was free; the server log says why).' END;
		IF COALESCE(err_detail, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = err_state, HINT = err_hint,
				MESSAGE = pg_catalog.format('job "%s" failed: %s', j.name, err_message);
		END IF;
		RAISE EXCEPTION USING ERRCODE = err_state, HINT = err_hint, DETAIL = err_detail,
			MESSAGE = pg_catalog.format('job "%s" failed: %s', j.name, err_message);
	END;
	PERFORM pg_catalog.set_config('analytics.job_config', COALESCE(prev, ''), true);
	PERFORM pg_catalog.set_config('analytics_internal.running_jobs', COALESCE(running, ''), true);
	UPDATE analytics.job_runs r
	SET status = 'success', finished_at = analytics_internal._job_clock(), rows_affected = n
	WHERE r.run_id OPERATOR(pg_catalog.=) run;
	RETURN run;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_execute(bigint, boolean, jsonb) IS 'Internal: one run of a job: records it running, runs its command with its config in analytics.job_config, records success or failure (then raises the error); a run that finds one going is recorded as skipped';

-- What every job's pg_cron command calls.
CREATE FUNCTION analytics_internal._job_tick(name text, job_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	active boolean;
BEGIN
	SELECT j.is_active INTO active FROM analytics.jobs j
	WHERE j.job_id OPERATOR(pg_catalog.=) _job_tick.job_id AND j.name OPERATOR(pg_catalog.=) _job_tick.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job "%" (registry id %) is not in analytics.jobs', name, job_id
			USING ERRCODE = 'undefined_object',
				HINT = 'Its pg_cron job outlived it: remove that with cron.unschedule.';
	END IF;
	IF NOT active THEN
		RETURN NULL;
	END IF;
	RETURN analytics_internal._job_execute(job_id, false, NULL);
END
$$;
COMMENT ON FUNCTION analytics_internal._job_tick(text, bigint) IS 'Internal: the command of every job''s pg_cron entry: runs the job (the registry id must still carry that name) and records the run';

CREATE FUNCTION analytics.run_job(name text, config_override jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	id bigint;
BEGIN
	IF config_override IS NOT NULL AND pg_catalog.jsonb_typeof(config_override) OPERATOR(pg_catalog.<>) 'object' THEN
		RAISE EXCEPTION 'config_override must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT j.job_id INTO id FROM analytics.jobs j WHERE j.name OPERATOR(pg_catalog.=) run_job.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job "%" does not exist', name
			USING ERRCODE = 'undefined_object',
				HINT = 'analytics.scheduled_jobs lists the jobs.';
	END IF;
	RETURN analytics_internal._job_execute(id, true, config_override);
END
$$;
COMMENT ON FUNCTION analytics.run_job(text, jsonb) IS 'Runs a job now, recorded like a scheduled run (manual = true), its command seeing the job''s config with config_override merged in; the run id; raises the command''s error after recording the failure';

-- The maintenance job's command (see analytics.schedule_maintenance).
CREATE FUNCTION analytics_internal._maintenance()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	made bigint;
	pruned bigint := 0;
	keep interval := analytics_internal._job_run_retention();
BEGIN
	SELECT pg_catalog.count(*) INTO made FROM analytics.ensure_partitions();
	IF keep IS NOT NULL THEN
		DELETE FROM analytics.job_runs r
		WHERE r.status OPERATOR(pg_catalog.<>) 'running'
			AND COALESCE(r.finished_at, r.started_at) OPERATOR(pg_catalog.<) (analytics_internal._now() OPERATOR(pg_catalog.-) keep);
		GET DIAGNOSTICS pruned = ROW_COUNT;
	END IF;
	RETURN made OPERATOR(pg_catalog.+) pruned;
END
$$;
COMMENT ON FUNCTION analytics_internal._maintenance() IS 'Internal: the maintenance job''s command: analytics.ensure_partitions(), then deletes job runs that finished longer ago than analytics.job_run_retention; partitions created plus runs deleted';

CREATE VIEW analytics.scheduled_jobs AS
SELECT j.name,
	j.job_type,
	j.schedule,
	j.is_active,
	j.cron_job_id IS NOT NULL AS is_scheduled,
	l.started_at AS last_run_at,
	CASE WHEN j.is_active AND j.cron_job_id IS NOT NULL
		THEN analytics.cron_next(j.schedule, analytics_internal._now()) END AS next_run_at,
	COALESCE(l.status, 'pending') AS last_status,
	l.error AS last_error,
	s.success_count OPERATOR(pg_catalog.+) s.failure_count AS run_count,
	s.success_count,
	s.failure_count,
	s.success_count::float8 OPERATOR(pg_catalog./)
		NULLIF(s.success_count OPERATOR(pg_catalog.+) s.failure_count, 0) AS success_rate,
	s.avg_seconds,
	j.config,
	j.config::text AS config_text
FROM analytics.jobs j
LEFT JOIN LATERAL (
	SELECT r.started_at, r.status, r.error
	FROM analytics.job_runs r
	WHERE r.job_id OPERATOR(pg_catalog.=) j.job_id AND r.status OPERATOR(pg_catalog.<>) 'skipped'
	ORDER BY r.started_at DESC, r.run_id DESC
	LIMIT 1
) l ON true
CROSS JOIN LATERAL (
	SELECT pg_catalog.count(*) FILTER (WHERE r.status OPERATOR(pg_catalog.=) 'success') AS success_count,
		pg_catalog.count(*) FILTER (WHERE r.status OPERATOR(pg_catalog.=) 'failed') AS failure_count,
		pg_catalog.avg(pg_catalog.date_part('epoch', r.finished_at OPERATOR(pg_catalog.-) r.started_at))
			FILTER (WHERE r.status OPERATOR(pg_catalog.=) ANY (ARRAY['success', 'failed']) AND r.finished_at IS NOT NULL) AS avg_seconds
	FROM analytics.job_runs r
	WHERE r.job_id OPERATOR(pg_catalog.=) j.job_id
) s;
COMMENT ON VIEW analytics.scheduled_jobs IS 'Every job of the registry with its next run and the health of its runs';
COMMENT ON COLUMN analytics.scheduled_jobs.name IS 'Job name';
COMMENT ON COLUMN analytics.scheduled_jobs.job_type IS 'refresh, goal_update, report, data_sync, maintenance or custom';
COMMENT ON COLUMN analytics.scheduled_jobs.schedule IS 'pg_cron 1.4 schedule, in UTC';
COMMENT ON COLUMN analytics.scheduled_jobs.is_active IS 'Whether pg_cron fires the job';
COMMENT ON COLUMN analytics.scheduled_jobs.is_scheduled IS 'Whether the job has a pg_cron entry (false when pg_cron was not installed when it was created)';
COMMENT ON COLUMN analytics.scheduled_jobs.last_run_at IS 'Start of the latest run that was not skipped (running included); NULL before the first';
COMMENT ON COLUMN analytics.scheduled_jobs.next_run_at IS 'Next time pg_cron fires the job after now (analytics_internal._now()), computed from the schedule in UTC; NULL when inactive, not scheduled or @reboot';
COMMENT ON COLUMN analytics.scheduled_jobs.last_status IS 'Status of that run: running, success or failed; pending before the first run';
COMMENT ON COLUMN analytics.scheduled_jobs.last_error IS 'Error message of that run when it failed, else NULL';
COMMENT ON COLUMN analytics.scheduled_jobs.run_count IS 'Finished runs kept in analytics.job_runs (success and failed; not running or skipped)';
COMMENT ON COLUMN analytics.scheduled_jobs.success_count IS 'Runs that succeeded';
COMMENT ON COLUMN analytics.scheduled_jobs.failure_count IS 'Runs that failed';
COMMENT ON COLUMN analytics.scheduled_jobs.success_rate IS 'success_count / run_count, from 0 to 1; NULL before the first finished run';
COMMENT ON COLUMN analytics.scheduled_jobs.avg_seconds IS 'Mean duration of the finished runs, in seconds';
COMMENT ON COLUMN analytics.scheduled_jobs.config IS 'The job''s config (a JSON object)';
COMMENT ON COLUMN analytics.scheduled_jobs.config_text IS 'The job''s config as text, for tools that do not read jsonb';

-- Privileges: analytics_admin creates and runs jobs through the functions
-- (SECURITY INVOKER, with the column privileges below); readers read the view.
REVOKE ALL ON FUNCTION analytics_internal._job_run_begin(bigint, timestamptz, boolean, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_run_failed(bigint, timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_check(text, text, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_for_change(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_cron_schedule(analytics.jobs) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_cron_exists(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.create_job(text, text, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.alter_job(text, text, boolean, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.drop_job(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_execute(bigint, boolean, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_tick(text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.run_job(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._maintenance() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics_internal._job_run_begin(bigint, timestamptz, boolean, text),
	analytics_internal._job_run_failed(bigint, timestamptz, text),
	analytics_internal._job_check(text, text, text, text, jsonb),
	analytics_internal._job_for_change(text),
	analytics_internal._job_cron_schedule(analytics.jobs),
	analytics_internal._job_cron_exists(bigint),
	analytics.create_job(text, text, text, text, jsonb),
	analytics.alter_job(text, text, boolean, jsonb),
	analytics.drop_job(text),
	analytics_internal._job_execute(bigint, boolean, jsonb),
	analytics_internal._job_tick(text, bigint),
	analytics.run_job(text, jsonb)
	TO analytics_admin;
GRANT SELECT, DELETE ON analytics.jobs TO analytics_admin;
GRANT INSERT (name, job_type, schedule, command, config) ON analytics.jobs TO analytics_admin;
GRANT UPDATE (schedule, is_active, config, cron_job_id, updated_at) ON analytics.jobs TO analytics_admin;
GRANT SELECT ON analytics.job_runs TO analytics_admin;
GRANT INSERT (job_id, job_name, started_at, finished_at, status, error, manual, config) ON analytics.job_runs TO analytics_admin;
GRANT UPDATE (status, finished_at, error, rows_affected) ON analytics.job_runs TO analytics_admin;
GRANT SELECT ON analytics.scheduled_jobs TO analytics_reader, analytics_admin;
