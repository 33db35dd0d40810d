-- pg_cron 1.4 schedules: analytics.cron_validate and analytics.cron_next.
--
-- Every expected time below is worked out from the calendar, not from a run:
--   2024-01-01 is a Monday, 2026-01-01 a Thursday (2025 has 365 days: 2025-01-01,
--   a Wednesday, plus 52 weeks and a day), 2027-01-01 a Friday, 2028-01-01 a
--   Saturday. 29 February is day 60 of a leap year, 59 days after 1 January:
--   59 = 8 weeks + 3 days, so 2024-02-29 is a Thursday and 2028-02-29 a Tuesday.
--   2026-02-01 is 31 days (4 weeks + 3) after a Thursday: a Sunday, so the
--   Mondays of February 2026 are the 2nd, 9th, 16th and 23rd; those of
--   January 2026 the 5th, 12th, 19th and 26th.
--   Leap years: 2028, 2032; 2100 is not one (divisible by 100, not by 400),
--   so after 2096 the next 29 February is in 2104.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

CREATE TABLE cron_cases (id serial, schedule text, after timestamptz, expected timestamptz, why text);
INSERT INTO cron_cases (schedule, after, expected, why) VALUES
	-- strictly after, to the minute
	('* * * * *', '2026-01-01 10:05:00', '2026-01-01 10:06:00', 'the next minute, not this one'),
	('* * * * *', '2026-01-01 10:05:00.000001', '2026-01-01 10:06:00', 'seconds count as after'),
	('* * * * *', '2026-01-01 10:04:59.999999', '2026-01-01 10:05:00', 'a minute boundary ahead'),
	-- month ends
	('0 12 31 * *', '2026-04-01 00:00', '2026-05-31 12:00', 'April has 30 days'),
	('0 12 31 * *', '2026-01-31 12:00', '2026-03-31 12:00', 'February has no 31st'),
	('59 23 30 * *', '2026-02-01 00:00', '2026-03-30 23:59', 'nor a 30th'),
	('59 23 31 12 *', '2026-12-31 23:59', '2027-12-31 23:59', 'year end, a year on'),
	('0 0 1 * *', '2026-12-31 23:59:30', '2027-01-01 00:00', 'into the next year'),
	-- 29 February
	('0 0 29 2 *', '2026-03-01 00:00', '2028-02-29 00:00', '2027 is not a leap year'),
	('0 0 29 2 *', '2024-02-29 00:00', '2028-02-29 00:00', 'strictly after the one of 2024'),
	('0 0 29 2 *', '2028-02-29 00:00', '2032-02-29 00:00', 'four years on'),
	('0 0 29 2 *', '2096-03-01 00:00', '2104-02-29 00:00', '2100 is not a leap year'),
	('0 6 28-29 2 *', '2027-02-28 06:00', '2028-02-28 06:00', 'no 29th in 2027'),
	-- Sunday as 0 and as 7; names
	('0 9 * * 0', '2026-01-01 00:00', '2026-01-04 09:00', 'Thursday to Sunday'),
	('0 9 * * 7', '2026-01-01 00:00', '2026-01-04 09:00', '7 is Sunday too'),
	('0 9 * * sun', '2026-01-01 00:00', '2026-01-04 09:00', 'and sun'),
	('0 9 * * 5-7', '2026-01-01 10:00', '2026-01-02 09:00', 'Friday'),
	('0 9 * * 5-7', '2026-01-03 09:00', '2026-01-04 09:00', 'Saturday to Sunday (7)'),
	('0 9 * * 5-7', '2026-01-04 09:00', '2026-01-09 09:00', 'Sunday to Friday'),
	('0 9-17 * * mon-fri', '2026-01-02 17:30', '2026-01-05 09:00', 'Friday evening to Monday'),
	('0 0 1 jan,jul *', '2026-01-01 00:00', '2026-07-01 00:00', 'month names'),
	('0 0 1 JUL-aug *', '2026-07-01 00:00', '2026-08-01 00:00', 'in any case'),
	('0 0 * * Mon', '2026-01-01 00:00', '2026-01-05 00:00', 'Thursday to Monday'),
	-- day of month OR day of week when both are restricted
	('0 0 13 * 5', '2026-01-01 00:00', '2026-01-02 00:00', 'a Friday before the 13th'),
	('0 0 13 * 5', '2026-01-10 00:00', '2026-01-13 00:00', 'the 13th (a Tuesday) before Friday the 16th'),
	('0 0 30 2 1', '2026-01-01 00:00', '2026-02-02 00:00', 'no 30 February, but Mondays in February'),
	('0 0 1-7 * 1', '2026-01-08 00:00', '2026-01-12 00:00', 'the first week or Mondays: Monday the 12th'),
	-- AND when either field starts with *
	('0 0 */2 * 1', '2026-01-01 00:00', '2026-01-05 00:00', 'odd days that are Mondays: the 5th'),
	('0 0 */2 * 1', '2026-01-05 00:00', '2026-01-19 00:00', 'not the 12th (even): the 19th'),
	('0 0 */2 * 1', '2026-01-19 00:00', '2026-02-09 00:00', 'not the 26th, not 2 February: the 9th'),
	('0 0 1,15 * *', '2026-01-01 00:00', '2026-01-15 00:00', 'day of week * : the listed days'),
	('0 0 1 * */3', '2026-01-02 00:00', '2026-02-01 00:00', 'the 1st on a Sunday, Wednesday or Saturday: 1 February is a Sunday'),
	-- steps, ranges, lists
	('*/15 * * * *', '2026-01-01 10:07:30', '2026-01-01 10:15:00', 'every quarter hour'),
	('1-10/4 * * * *', '2026-01-01 10:05', '2026-01-01 10:09', 'minutes 1, 5, 9'),
	('1-10/4 * * * *', '2026-01-01 10:09', '2026-01-01 11:01', 'then the next hour'),
	('*/100 * * * *', '2026-01-01 10:00', '2026-01-01 11:00', 'a step beyond the range: minute 0'),
	('5-59/20 * * * *', '2026-01-01 10:26', '2026-01-01 10:45', 'minutes 5, 25, 45'),
	('30 */6 * * *', '2026-01-01 13:00', '2026-01-01 18:30', 'hours 0, 6, 12, 18'),
	('0,30 8,20 * * *', '2026-01-01 08:30', '2026-01-01 20:00', 'lists'),
	('07 00 * * *', '2026-01-01 00:07', '2026-01-02 00:07', 'leading zeros'),
	('  0	0 * * *  ', '2026-01-01 00:00', '2026-01-02 00:00', 'spaces and tabs around and between fields'),
	('0 0 1 */4 *', '2026-02-01 00:00', '2026-05-01 00:00', 'months 1, 5, 9'),
	-- macros
	('@hourly', '2026-01-01 10:59:59', '2026-01-01 11:00', '0 * * * *'),
	('@daily', '2026-01-01 00:00', '2026-01-02 00:00', '0 0 * * *'),
	('@midnight', '2026-01-01 00:00', '2026-01-02 00:00', '0 0 * * *'),
	('@weekly', '2026-01-01 00:00', '2026-01-04 00:00', '0 0 * * 0: Sunday'),
	('@monthly', '2026-01-15 00:00', '2026-02-01 00:00', '0 0 1 * *'),
	('@yearly', '2026-01-01 00:00', '2027-01-01 00:00', '0 0 1 1 *'),
	('@annually', '2026-06-01 00:00', '2027-01-01 00:00', '0 0 1 1 *'),
	-- no next run: NULL
	('@reboot', '2026-01-01 00:00', NULL, 'when pg_cron starts'),
	('@restart', '2026-01-01 00:00', NULL, 'when pg_cron starts'),
	('0 0 30 2 *', '2026-01-01 00:00', NULL, 'never: no 30 February in a 400-year cycle'),
	('0 0 31 4,6,9,11 *', '2026-01-01 00:00', NULL, 'never: those months have 30 days'),
	-- before 2000 and at the end of the timestamp range
	('0 0 * * *', '1999-12-31 12:00', '2000-01-01 00:00', 'before the PostgreSQL epoch'),
	('30 * * * *', '1969-07-20 20:17:40', '1969-07-20 20:30', 'before the Unix epoch'),
	('0 0 * * *', '294276-12-31 12:00', NULL, 'the next midnight is beyond timestamptz');
SELECT id, schedule, why, analytics.cron_next(schedule, after) AS next_run,
	analytics.cron_next(schedule, after) IS NOT DISTINCT FROM expected AS as_expected
FROM cron_cases ORDER BY id;
-- the weekday of the leap days found (0 Sunday ... 6 Saturday)
SELECT d, extract(dow FROM d) AS dow FROM unnest(ARRAY[
	analytics.cron_next('0 0 29 2 *', '2024-01-01'), analytics.cron_next('0 0 29 2 *', '2026-01-01')]) d;

-- UTC whatever the session's time zone
SET TimeZone = 'America/New_York';
SELECT analytics.cron_next('0 0 * * *', '2026-01-01 12:00+00') = '2026-01-02 00:00+00' AS utc_midnight;
SET TimeZone = 'UTC';

-- NULL in, NULL out; infinity is not a time
SELECT analytics.cron_next(NULL, '2026-01-01'), analytics.cron_next('* * * * *', NULL), analytics.cron_validate(NULL);
SELECT analytics.cron_next('* * * * *', 'infinity');
-- labelled IMMUTABLE STRICT PARALLEL SAFE
SELECT proname, provolatile, proisstrict, proparallel FROM pg_proc
WHERE oid IN ('analytics.cron_next(text, timestamptz)'::regprocedure, 'analytics.cron_validate(text)'::regprocedure) ORDER BY 1;

-- Valid schedules
SELECT s, analytics.cron_validate(s) FROM unnest(ARRAY['* * * * *', '0 0 30 2 *', '1-10/2 * * * *',
	'0 0 * jan-mar mon-fri', '0 0 * JAN Sun', '0 0 * * 7', '@reboot', '*/100 * * * *']) s;

-- Invalid: what pg_cron 1.4 rejects (checked with cron.schedule), each
-- naming the bad field
SELECT analytics.cron_validate('60 * * * *');
SELECT analytics.cron_validate('* 24 * * *');
SELECT analytics.cron_validate('* * 0 * *');
SELECT analytics.cron_validate('* * 32 * *');
SELECT analytics.cron_validate('* * * 0 *');
SELECT analytics.cron_validate('* * * 13 *');
SELECT analytics.cron_validate('* * * * 8');
SELECT analytics.cron_validate('*/0 * * * *');
SELECT analytics.cron_validate('*/ * * * *');
SELECT analytics.cron_validate('5/2 * * * *');
SELECT analytics.cron_validate('1,,2 * * * *');
SELECT analytics.cron_validate('1, * * * *');
SELECT analytics.cron_validate(',1 * * * *');
SELECT analytics.cron_validate('-1 * * * *');
SELECT analytics.cron_validate('1- * * * *');
SELECT analytics.cron_validate('mon * * * *');
SELECT analytics.cron_validate('0 0 * * sunday');
SELECT analytics.cron_validate('0 0 L * *');
SELECT analytics.cron_validate('0 0 $ * *');
SELECT analytics.cron_validate('* * * *');
SELECT analytics.cron_validate('30 seconds');
SELECT analytics.cron_validate('');
SELECT analytics.cron_validate(' 	 ');
SELECT analytics.cron_validate('@every');
SELECT analytics.cron_validate('@HOURLY');
SELECT analytics.cron_validate('@daily *');
-- and what pg_cron 1.4 silently reads otherwise (stricter here: see src/cron.c)
SELECT analytics.cron_validate('* * * * * *');
SELECT analytics.cron_validate('5; * * * *');
SELECT analytics.cron_validate('1-5-7 * * * *');
SELECT analytics.cron_validate('*5 * * * *');
SELECT analytics.cron_validate('5-1 * * * *');
SELECT analytics.cron_validate(repeat('1,', 600) || '1 * * * *');
-- cron_next checks its schedule too
SELECT analytics.cron_next('61 * * * *', '2026-01-01');
-- the SQLSTATE
DO $$
BEGIN
	PERFORM analytics.cron_validate('* * * * 9');
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'invalid_parameter_value: %', SQLERRM;
END
$$;

DROP TABLE cron_cases;
DROP EXTENSION analytics CASCADE;
