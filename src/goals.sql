
-- src/goals.sql: KPI goals over the metric catalog (src/metrics.sql). A goal
-- holds a target for a metric between two UTC days; analytics.update_goals
-- (the registry's job goal_update) computes each active goal's current
-- value, progress, forecast at the end day, status and alerts.
--
-- The semantics (README, Goals, has a worked example):
--   * current_value: the metric over [start_date, min(today, end_date)]
--     (UTC days): a running total for a sum, the period's ratio for a ratio
--     or an average, the last value for last; progress_percentage = 100 x
--     current / target. A goal without a metric takes record_progress's value.
--   * forecast: the metric at end_date. The fit uses the complete days so far
--     (start_date to yesterday; days without a value count 0 for a sum) with
--     a weekly season when detect_season finds one (7) and none otherwise;
--     for a sum, forecast = the complete days' total + analytics.forecast_total
--     of the days from today to end_date, whose interval is the interval of
--     that total (not a sum of daily intervals); for a ratio or an average,
--     the numerator and the denominator are forecast so, and the forecast is
--     their ratio (its bounds: the numerator's bounds over the forecast
--     denominator); for last, linear_forecast's value at end_date. At least 3
--     complete days are needed, else no forecast.
--   * on_track: the forecast meets the target (at_least: >=, at_most: <=).
--   * projected_completion_date (sums, at_least): the first day from today on
--     when the projected running total (the complete days' total, then the
--     daily forecasts) reaches the target; NULL if not within 365 days.
--   * daily_required_progress = (target - current) / days left, the days
--     left being today to end_date (today is not over).
--   * status: an at_least goal is achieved as soon as its current value
--     reaches the target, failed once end_date has passed without it; an
--     at_most goal is judged once end_date has passed (achieved when current
--     <= target); cancelled only by cancel_goal; finished goals are frozen.
--   * alerts: crossing alert_threshold (a progress percentage), becoming
--     achieved, failed or off track each add one row to
--     analytics.goal_alerts and NOTIFY analytics_goal_alerts (a JSON
--     payload), once per crossing: a goal is evaluated under its row lock, the
--     alert is keyed by (goal, kind, episode), and both commit or roll back
--     with the goal's new values. Changing the target re-arms the threshold
--     alert; getting back on track re-arms the off-track one.

CREATE TABLE analytics.goals (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL,
	description text,
	metric text REFERENCES analytics.metrics (name),
	target_value float8 NOT NULL,
	unit text,
	start_date date NOT NULL,
	end_date date NOT NULL,
	direction text NOT NULL DEFAULT 'at_least'
		CHECK (direction OPERATOR(pg_catalog.=) ANY (ARRAY['at_least', 'at_most'])),
	status text NOT NULL DEFAULT 'active'
		CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'achieved', 'failed', 'cancelled'])),
	current_value float8,
	progress_percentage float8,
	alert_threshold float8,
	alert_sent boolean NOT NULL DEFAULT false,
	confidence float8 NOT NULL DEFAULT 0.95,
	forecast_value float8,
	forecast_lower float8,
	forecast_upper float8,
	forecast_updated_at timestamptz,
	on_track boolean,
	projected_completion_date date,
	daily_required_progress float8,
	created_by text NOT NULL DEFAULT current_user,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	threshold_episode int NOT NULL DEFAULT 0,
	off_track_episode int NOT NULL DEFAULT 0,
	CHECK (end_date OPERATOR(pg_catalog.>=) start_date)
);
COMMENT ON TABLE analytics.goals IS 'KPI goals: a target for a metric of analytics.metrics (or for values entered by hand) between two UTC days, with its progress, forecast, status and alert state, kept by analytics.update_goals';
COMMENT ON COLUMN analytics.goals.id IS 'Goal id';
COMMENT ON COLUMN analytics.goals.name IS 'Name';
COMMENT ON COLUMN analytics.goals.description IS 'What it is for';
COMMENT ON COLUMN analytics.goals.metric IS 'The metric it follows (analytics.metrics.name); NULL for a goal whose value is entered with analytics.record_progress';
COMMENT ON COLUMN analytics.goals.target_value IS 'The target, in the metric''s unit';
COMMENT ON COLUMN analytics.goals.unit IS 'Unit (the metric''s when not given)';
COMMENT ON COLUMN analytics.goals.start_date IS 'First UTC day counted';
COMMENT ON COLUMN analytics.goals.end_date IS 'Last UTC day counted';
COMMENT ON COLUMN analytics.goals.direction IS 'at_least: reach the target; at_most: stay at or under it (judged at end_date)';
COMMENT ON COLUMN analytics.goals.status IS 'active, achieved, failed or cancelled; finished goals are frozen';
COMMENT ON COLUMN analytics.goals.current_value IS 'The metric over start_date to min(today, end_date): running total of a sum, period ratio of a ratio';
COMMENT ON COLUMN analytics.goals.progress_percentage IS '100 x current_value / target_value';
COMMENT ON COLUMN analytics.goals.alert_threshold IS 'A progress percentage whose crossing raises one alert (re-armed when the target changes); NULL for none';
COMMENT ON COLUMN analytics.goals.alert_sent IS 'Whether the threshold alert was raised for the current target';
COMMENT ON COLUMN analytics.goals.confidence IS 'Confidence level of the forecast interval (0.5 to 0.99)';
COMMENT ON COLUMN analytics.goals.forecast_value IS 'Forecast of the metric at end_date (see README, Goals)';
COMMENT ON COLUMN analytics.goals.forecast_lower IS 'Lower bound of the forecast''s prediction interval';
COMMENT ON COLUMN analytics.goals.forecast_upper IS 'Upper bound of the forecast''s prediction interval';
COMMENT ON COLUMN analytics.goals.forecast_updated_at IS 'When the forecast was last computed';
COMMENT ON COLUMN analytics.goals.on_track IS 'Whether the forecast meets the target (at_least: >=, at_most: <=); NULL without a forecast';
COMMENT ON COLUMN analytics.goals.projected_completion_date IS 'For an at_least sum: the first day the projected running total reaches the target; NULL if not within 365 days';
COMMENT ON COLUMN analytics.goals.daily_required_progress IS '(target - current) / the days left (today to end_date)';
COMMENT ON COLUMN analytics.goals.created_by IS 'Role that created it (it may change or cancel it)';
COMMENT ON COLUMN analytics.goals.created_at IS 'When it was created';
COMMENT ON COLUMN analytics.goals.updated_at IS 'When it last changed';
COMMENT ON COLUMN analytics.goals.threshold_episode IS 'Internal: how many times the threshold alert was re-armed (target changes)';
COMMENT ON COLUMN analytics.goals.off_track_episode IS 'Internal: how many times the goal got back on track (re-arming the off-track alert)';
SELECT pg_catalog.pg_extension_config_dump('analytics.goals', '');

CREATE TABLE analytics.goal_alerts (
	id bigserial PRIMARY KEY,
	goal_id uuid NOT NULL REFERENCES analytics.goals (id) ON DELETE CASCADE,
	kind text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['threshold', 'achieved', 'failed', 'off_track'])),
	episode int NOT NULL,
	raised_at timestamptz NOT NULL,
	payload jsonb NOT NULL,
	UNIQUE (goal_id, kind, episode)
);
COMMENT ON TABLE analytics.goal_alerts IS 'One row per goal alert (threshold crossed, achieved, failed, off track), also sent as NOTIFY analytics_goal_alerts with the payload';
COMMENT ON COLUMN analytics.goal_alerts.id IS 'Alert number';
COMMENT ON COLUMN analytics.goal_alerts.goal_id IS 'The goal';
COMMENT ON COLUMN analytics.goal_alerts.kind IS 'threshold, achieved, failed or off_track';
COMMENT ON COLUMN analytics.goal_alerts.episode IS 'Which arming of the alert it is (0 first; a target change re-arms threshold, getting back on track re-arms off_track)';
COMMENT ON COLUMN analytics.goal_alerts.raised_at IS 'When it was raised';
COMMENT ON COLUMN analytics.goal_alerts.payload IS 'The NOTIFY payload: goal id and name, kind, metric, current value, target, progress, forecast, on_track';
SELECT pg_catalog.pg_extension_config_dump('analytics.goal_alerts', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.goal_alerts_id_seq', '');

-- The checks shared by create_goal and update_goal.
CREATE FUNCTION analytics_internal._goal_check(g analytics.goals)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF g.name IS NULL OR g.name = '' THEN
		RAISE EXCEPTION 'a goal needs a name' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.target_value IS NULL OR g.target_value IN ('NaN', 'Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'target_value must be a finite number, not %', coalesce(g.target_value::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.start_date IS NULL OR g.end_date IS NULL OR g.end_date < g.start_date
		OR NOT isfinite(g.start_date) OR NOT isfinite(g.end_date) THEN
		RAISE EXCEPTION 'a goal needs finite start_date <= end_date, not % and %',
			coalesce(g.start_date::text, 'NULL'), coalesce(g.end_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.direction IS NULL OR g.direction NOT IN ('at_least', 'at_most') THEN
		RAISE EXCEPTION 'invalid direction "%"', g.direction
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use at_least or at_most.';
	END IF;
	IF g.confidence IS NULL OR NOT (g.confidence >= 0.5 AND g.confidence <= 0.99) THEN
		RAISE EXCEPTION 'confidence must be between 0.5 and 0.99, not %', coalesce(g.confidence::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.alert_threshold IS NOT NULL AND NOT (g.alert_threshold >= 0 AND g.alert_threshold <= 1000) THEN
		RAISE EXCEPTION 'alert_threshold must be a progress percentage from 0 to 1000, not %', g.alert_threshold
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.metric IS NOT NULL AND NOT EXISTS (SELECT FROM analytics.metrics m WHERE m.name = g.metric) THEN
		RAISE EXCEPTION 'metric "%" does not exist', g.metric
			USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM analytics.metrics lists them.';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._goal_check(analytics.goals) IS 'Internal: raises invalid_parameter_value (or undefined_object for the metric) unless a goal''s fields are valid';

CREATE FUNCTION analytics.create_goal(name text, metric text, target_value float8, start_date date, end_date date,
	direction text DEFAULT 'at_least', alert_threshold float8 DEFAULT NULL, confidence float8 DEFAULT 0.95,
	description text DEFAULT NULL, unit text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals;
BEGIN
	g.id := gen_random_uuid();
	g.name := name;
	g.description := description;
	g.metric := metric;
	g.target_value := target_value;
	g.unit := coalesce(unit, (SELECT m.unit FROM analytics.metrics m WHERE m.name = create_goal.metric));
	g.start_date := start_date;
	g.end_date := end_date;
	g.direction := direction;
	g.status := 'active';
	g.alert_threshold := alert_threshold;
	g.alert_sent := false;
	g.confidence := confidence;
	g.created_by := pg_get_userbyid(analytics_internal._matagg_caller());
	g.created_at := analytics_internal._now();
	g.updated_at := g.created_at;
	g.threshold_episode := 0;
	g.off_track_episode := 0;
	PERFORM analytics_internal._goal_check(g);
	INSERT INTO analytics.goals SELECT g.*;
	RETURN g.id;
END
$$;
COMMENT ON FUNCTION analytics.create_goal(text, text, float8, date, date, text, float8, float8, text, text) IS 'Creates a goal for a metric of analytics.metrics (NULL: values entered with record_progress) from start_date to end_date (UTC days); returns its id; analytics.update_goals computes it';

-- A goal by id, locked, for the role that created it (or a member).
CREATE FUNCTION analytics_internal._goal_for_change(goal uuid)
RETURNS analytics.goals
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals;
BEGIN
	SELECT * INTO g FROM analytics.goals x WHERE x.id = goal FOR UPDATE;
	IF g.id IS NULL THEN
		RAISE EXCEPTION 'goal % does not exist', coalesce(goal::text, 'NULL') USING ERRCODE = 'undefined_object';
	END IF;
	IF NOT pg_has_role(analytics_internal._matagg_caller(), g.created_by, 'USAGE') THEN
		RAISE EXCEPTION 'must be a member of role "%" to change goal "%"', g.created_by, g.name
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF g.status <> 'active' THEN
		RAISE EXCEPTION 'goal "%" is %', g.name, g.status
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'A finished goal is frozen.';
	END IF;
	RETURN g;
END
$$;
COMMENT ON FUNCTION analytics_internal._goal_for_change(uuid) IS 'Internal: an active goal, locked, after checking that the caller acts as (a member of) the role that created it';

CREATE FUNCTION analytics.update_goal(goal uuid, name text DEFAULT NULL, target_value float8 DEFAULT NULL,
	end_date date DEFAULT NULL, alert_threshold float8 DEFAULT NULL, description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals := analytics_internal._goal_for_change(goal);
	old_target float8 := g.target_value;
BEGIN
	g.name := coalesce(update_goal.name, g.name);
	g.target_value := coalesce(update_goal.target_value, g.target_value);
	g.end_date := coalesce(update_goal.end_date, g.end_date);
	g.alert_threshold := coalesce(update_goal.alert_threshold, g.alert_threshold);
	g.description := coalesce(update_goal.description, g.description);
	PERFORM analytics_internal._goal_check(g);
	IF g.target_value <> old_target THEN
		-- a new target re-arms the threshold alert
		g.threshold_episode := g.threshold_episode + 1;
		g.alert_sent := false;
		g.progress_percentage := CASE WHEN g.target_value <> 0 THEN 100 * g.current_value / g.target_value END;
	END IF;
	UPDATE analytics.goals x SET name = g.name, target_value = g.target_value, end_date = g.end_date,
		alert_threshold = g.alert_threshold, description = g.description, threshold_episode = g.threshold_episode,
		alert_sent = g.alert_sent, progress_percentage = g.progress_percentage, updated_at = analytics_internal._now()
	WHERE x.id = g.id;
END
$$;
COMMENT ON FUNCTION analytics.update_goal(uuid, text, float8, date, float8, text) IS 'Changes an active goal''s name, target, end date, alert threshold or description (NULL keeps it); a new target re-arms the threshold alert';

CREATE FUNCTION analytics.cancel_goal(goal uuid)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals := analytics_internal._goal_for_change(goal);
BEGIN
	UPDATE analytics.goals x SET status = 'cancelled', updated_at = analytics_internal._now() WHERE x.id = g.id;
END
$$;
COMMENT ON FUNCTION analytics.cancel_goal(uuid) IS 'Cancels an active goal (it is frozen from then on)';

-- Raises one alert of a goal: a row (once per goal, kind and episode) and
-- a NOTIFY, both in the caller's transaction.
CREATE FUNCTION analytics_internal._goal_alert(g analytics.goals, alert_kind text, alert_episode int)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	payload jsonb := jsonb_build_object('goal_id', g.id, 'name', g.name, 'kind', alert_kind, 'metric', g.metric,
		'current_value', g.current_value, 'target_value', g.target_value,
		'progress_percentage', g.progress_percentage, 'forecast_value', g.forecast_value, 'on_track', g.on_track);
	made bigint;
BEGIN
	INSERT INTO analytics.goal_alerts (goal_id, kind, episode, raised_at, payload)
	VALUES (g.id, alert_kind, alert_episode, analytics_internal._now(), payload)
	ON CONFLICT (goal_id, kind, episode) DO NOTHING
	RETURNING id INTO made;
	IF made IS NOT NULL THEN
		PERFORM pg_notify('analytics_goal_alerts', payload::text);
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._goal_alert(analytics.goals, text, int) IS 'Internal: records and notifies one goal alert, once per goal, kind and episode';

-- A metric's daily values for the goals (C, src/goals.c, reads them).
CREATE FUNCTION analytics_internal._metric_days(m analytics.metrics, lo date, hi date, OUT a float8[], OUT b float8[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- the members of a dimension added up each day; the days lo..hi in order,
	-- NULL on a day without a value
	WITH r AS (
		SELECT x.day, sum(x.a) AS a, sum(x.b) AS b
		FROM analytics_internal._metric_rows(m.owner, analytics_internal._metric_sql(m), lo, hi,
			CASE WHEN m.aggregation IN ('sum', 'last') THEN 1 ELSE 2 END, m.dimension IS NOT NULL) x
		WHERE x.day >= lo AND x.day <= hi
		GROUP BY x.day
	)
	SELECT array_agg(r.a ORDER BY d.d), array_agg(r.b ORDER BY d.d)
	FROM generate_series(lo::timestamp, hi::timestamp, '1 day') d(d)
	LEFT JOIN r ON r.day = (d.d)::date
$$;
COMMENT ON FUNCTION analytics_internal._metric_days(analytics.metrics, date, date) IS 'Internal: a metric''s daily values from lo to hi as arrays (element 1 is lo; NULL on a day without a value): a the value or numerator, b the denominator';

CREATE FUNCTION analytics_internal._goal_numbers(aggregation text, scale float8, direction text, target float8,
	confidence float8, start_date date, end_date date, today date, lo date, a float8[], b float8[],
	OUT current_value float8, OUT forecast_value float8, OUT forecast_lower float8, OUT forecast_upper float8,
	OUT projected_completion_date date)
AS 'MODULE_PATHNAME', 'goal_numbers'
LANGUAGE C STABLE;
COMMENT ON FUNCTION analytics_internal._goal_numbers(text, float8, text, float8, float8, date, date, date, date, float8[], float8[]) IS 'Internal: a metric goal''s current value, forecast at end_date with its interval and projected completion day (README, Goals) from its metric''s daily values a (and b, the denominators) from day lo on';
REVOKE ALL ON FUNCTION analytics_internal._goal_numbers(text, float8, text, float8, float8, date, date, date, date, float8[], float8[]) FROM PUBLIC;

-- Settles one active goal, locked by the caller, whose current value and
-- forecast g holds (was: the goal as stored): progress, on-track status,
-- daily required progress, status and alerts (see the top), then stores it.
CREATE FUNCTION analytics_internal._goal_settle(g analytics.goals, was analytics.goals, today date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	g.progress_percentage := CASE WHEN g.target_value <> 0 THEN 100 * g.current_value / g.target_value END;
	g.on_track := CASE g.direction WHEN 'at_least' THEN g.forecast_value >= g.target_value
		ELSE g.forecast_value <= g.target_value END;
	g.daily_required_progress := CASE WHEN today <= g.end_date
		THEN (g.target_value - g.current_value) / (g.end_date - today + 1) END;
	-- status
	IF g.direction = 'at_least' AND g.current_value >= g.target_value THEN
		g.status := 'achieved';
	ELSIF today > g.end_date THEN
		g.status := CASE WHEN g.direction = 'at_most' AND g.current_value <= g.target_value THEN 'achieved' ELSE 'failed' END;
	END IF;
	-- alerts, each once per episode
	IF g.alert_threshold IS NOT NULL AND NOT g.alert_sent AND g.progress_percentage >= g.alert_threshold THEN
		g.alert_sent := true;
		PERFORM analytics_internal._goal_alert(g, 'threshold', g.threshold_episode);
	END IF;
	IF g.status <> was.status THEN
		PERFORM analytics_internal._goal_alert(g, g.status, 0);
	ELSIF g.on_track IS FALSE AND was.on_track IS DISTINCT FROM false THEN
		PERFORM analytics_internal._goal_alert(g, 'off_track', g.off_track_episode);
	ELSIF g.on_track AND was.on_track IS FALSE THEN
		g.off_track_episode := g.off_track_episode + 1;
	END IF;
	UPDATE analytics.goals x SET current_value = g.current_value, progress_percentage = g.progress_percentage,
		forecast_value = g.forecast_value, forecast_lower = g.forecast_lower, forecast_upper = g.forecast_upper,
		forecast_updated_at = g.forecast_updated_at, on_track = g.on_track,
		projected_completion_date = g.projected_completion_date, daily_required_progress = g.daily_required_progress,
		status = g.status, alert_sent = g.alert_sent, off_track_episode = g.off_track_episode,
		updated_at = analytics_internal._now()
	WHERE x.id = g.id;
END
$$;
COMMENT ON FUNCTION analytics_internal._goal_settle(analytics.goals, analytics.goals, date) IS 'Internal: stores an active goal''s new current value and forecast with its progress, on-track status, daily required progress and status, and raises its alerts';

-- The goals are computed metric by metric (in name order, each metric's
-- goals in id order, locked as they are reached: two runs at once take the
-- locks in one order). A metric's daily values are read once, over the days
-- its active goals need, and each goal's numbers are computed from them.
CREATE FUNCTION analytics.update_goals()
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	now_ts timestamptz := analytics_internal._now();
	today date := (timezone('UTC', now_ts))::date;
	n bigint := 0;
	m analytics.metrics;
	g analytics.goals;
	was analytics.goals;
	lo date;
	hi date;
	days record;
	f record;
BEGIN
	FOR m IN SELECT x.* FROM analytics.metrics x
		WHERE EXISTS (SELECT FROM analytics.goals y WHERE y.metric = x.name AND y.status = 'active')
		ORDER BY x.name
	LOOP
		SELECT min(y.start_date), max(LEAST(today, y.end_date)) INTO lo, hi
		FROM analytics.goals y WHERE y.metric = m.name AND y.status = 'active' AND y.start_date <= today;
		days := NULL;
		IF lo IS NOT NULL AND lo <= hi THEN
			days := analytics_internal._metric_days(m, lo, hi);
		END IF;
		FOR g IN SELECT y.* FROM analytics.goals y WHERE y.metric = m.name AND y.status = 'active'
			ORDER BY y.id FOR UPDATE
		LOOP
			was := g;
			f := analytics_internal._goal_numbers(m.aggregation, m.scale, g.direction, g.target_value, g.confidence,
				g.start_date, g.end_date, today, lo, days.a, days.b);
			IF today >= g.start_date THEN
				g.current_value := f.current_value;
			END IF;
			g.forecast_value := f.forecast_value;
			g.forecast_lower := f.forecast_lower;
			g.forecast_upper := f.forecast_upper;
			g.projected_completion_date := f.projected_completion_date;
			g.forecast_updated_at := now_ts;
			PERFORM analytics_internal._goal_settle(g, was, today);
			n := n + 1;
		END LOOP;
	END LOOP;
	-- goals without a metric: their value is record_progress's
	FOR g IN SELECT y.* FROM analytics.goals y WHERE y.metric IS NULL AND y.status = 'active' ORDER BY y.id FOR UPDATE
	LOOP
		PERFORM analytics_internal._goal_settle(g, g, today);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION analytics.update_goals() IS 'The goal-update job: computes every active goal (current value, progress, forecast, on-track status, projected completion, daily required progress, status) and raises their alerts; each metric''s daily values are read once for all its goals; returns the goals computed';

CREATE FUNCTION analytics.record_progress(goal uuid, value float8)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals := analytics_internal._goal_for_change(goal);
	was analytics.goals := g;
BEGIN
	IF g.metric IS NOT NULL THEN
		RAISE EXCEPTION 'goal "%" follows metric "%"', g.name, g.metric
			USING ERRCODE = 'object_not_in_prerequisite_state',
				DETAIL = 'record_progress is for goals without a metric; analytics.update_goals computes this one.';
	END IF;
	IF value IS NULL OR value IN ('NaN', 'Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'progress must be a finite number, not %', coalesce(value::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	g.current_value := value;
	PERFORM analytics_internal._goal_settle(g, was, (timezone('UTC', analytics_internal._now()))::date);
END
$$;
COMMENT ON FUNCTION analytics.record_progress(uuid, float8) IS 'Sets the current value of a goal without a metric (a value entered by hand) and computes its progress, status and alerts';

CREATE FUNCTION analytics.schedule_goal_updates(schedule text DEFAULT '*/15 * * * *')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF schedule IS NOT NULL THEN
		PERFORM analytics_internal._require_pg_cron();
	END IF;
	RETURN analytics_internal._job_register('goal_update', 'goal_update', schedule, 'SELECT analytics.update_goals()');
END
$$;
COMMENT ON FUNCTION analytics.schedule_goal_updates(text) IS 'Schedules analytics.update_goals() as the registry job "goal_update" (default every 15 minutes; NULL unschedules); returns the pg_cron job id';

-- For BI tools: plain scalar columns (no uuid, no timestamptz).
CREATE VIEW analytics.goal_progress AS
SELECT g.id::text AS goal_id, g.name, g.metric, g.unit, g.direction, g.status, g.start_date, g.end_date,
	g.target_value, g.current_value, g.progress_percentage, g.forecast_value, g.forecast_lower, g.forecast_upper,
	g.on_track, g.projected_completion_date, g.daily_required_progress, g.alert_threshold, g.alert_sent,
	(timezone('UTC', g.forecast_updated_at)) AS forecast_updated_utc
FROM analytics.goals g;
COMMENT ON VIEW analytics.goal_progress IS 'Goals with their progress and forecast, plain scalar columns for BI tools (ids as text, times as UTC timestamps)';
COMMENT ON COLUMN analytics.goal_progress.goal_id IS 'Goal id (analytics.goals.id) as text';
COMMENT ON COLUMN analytics.goal_progress.name IS 'Name';
COMMENT ON COLUMN analytics.goal_progress.metric IS 'The metric followed; NULL for values entered by hand';
COMMENT ON COLUMN analytics.goal_progress.unit IS 'Unit';
COMMENT ON COLUMN analytics.goal_progress.direction IS 'at_least or at_most';
COMMENT ON COLUMN analytics.goal_progress.status IS 'active, achieved, failed or cancelled';
COMMENT ON COLUMN analytics.goal_progress.start_date IS 'First UTC day counted';
COMMENT ON COLUMN analytics.goal_progress.end_date IS 'Last UTC day counted';
COMMENT ON COLUMN analytics.goal_progress.target_value IS 'The target';
COMMENT ON COLUMN analytics.goal_progress.current_value IS 'The metric from start_date to min(today, end_date)';
COMMENT ON COLUMN analytics.goal_progress.progress_percentage IS '100 x current_value / target_value';
COMMENT ON COLUMN analytics.goal_progress.forecast_value IS 'Forecast of the metric at end_date';
COMMENT ON COLUMN analytics.goal_progress.forecast_lower IS 'Lower bound of the forecast interval';
COMMENT ON COLUMN analytics.goal_progress.forecast_upper IS 'Upper bound of the forecast interval';
COMMENT ON COLUMN analytics.goal_progress.on_track IS 'Whether the forecast meets the target';
COMMENT ON COLUMN analytics.goal_progress.projected_completion_date IS 'First day the projected running total reaches the target (at_least sums)';
COMMENT ON COLUMN analytics.goal_progress.daily_required_progress IS '(target - current) / days left, today included';
COMMENT ON COLUMN analytics.goal_progress.alert_threshold IS 'Progress percentage that raises an alert';
COMMENT ON COLUMN analytics.goal_progress.alert_sent IS 'Whether that alert was raised for the current target';
COMMENT ON COLUMN analytics.goal_progress.forecast_updated_utc IS 'When the forecast was last computed (UTC)';

REVOKE ALL ON FUNCTION analytics.create_goal(text, text, float8, date, date, text, float8, float8, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.update_goal(uuid, text, float8, date, float8, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.cancel_goal(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.record_progress(uuid, float8) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.update_goals() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.schedule_goal_updates(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.create_goal(text, text, float8, date, date, text, float8, float8, text, text),
	analytics.update_goal(uuid, text, float8, date, float8, text), analytics.cancel_goal(uuid),
	analytics.record_progress(uuid, float8), analytics.update_goals(), analytics.schedule_goal_updates(text)
	TO analytics_admin;
GRANT SELECT ON analytics.goals, analytics.goal_alerts, analytics.goal_progress TO analytics_reader, analytics_admin;
