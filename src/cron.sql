
-- src/cron.sql: pg_cron 1.4 schedules, read in C (src/cron.c).

CREATE FUNCTION analytics.cron_validate(schedule text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'cron_validate'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.cron_validate(text) IS 'Raises an error naming the bad field when schedule is not a pg_cron 1.4 schedule (five fields or a macro such as @daily), else true';

CREATE FUNCTION analytics.cron_next(schedule text, after timestamptz)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'cron_next'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.cron_next(text, timestamptz) IS 'The first minute strictly after "after" at which pg_cron 1.4 runs schedule (UTC); NULL for @reboot and for a schedule that never matches, such as 0 0 30 2 *';
