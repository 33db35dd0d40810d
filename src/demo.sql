
-- src/demo.sql: deterministic demo data for the seed's student app.

-- The demo events of users x days ending on until (UTC, default yesterday: the
-- last complete UTC day before analytics_internal._now(), whatever the session's time
-- zone; tests set analytics.mock_now), as rows of
-- analytics.events. Deterministic: identical arguments give identical rows.
CREATE FUNCTION analytics.demo_events(users int, days int, seed int, until date DEFAULT pg_catalog.timezone('UTC', analytics_internal._now())::date - 1)
RETURNS SETOF analytics.events
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	screens CONSTANT text[] := ARRAY['home', 'search', 'booking', 'schedule', 'profile'];
	-- mean seconds on each screen
	dwell CONSTANT float8[] := ARRAY[25, 40, 55, 70, 15];
	filters CONSTANT text[] := ARRAY['place', 'time', 'utilities', 'close_to_me'];
	filter_p CONSTANT float8[] := ARRAY[0.6, 0.45, 0.2, 0.35];
	buildings CONSTANT text[] := ARRAY['Library', 'Main', 'Science', 'Engineering'];
	windows CONSTANT text[] := ARRAY['morning', 'afternoon', 'evening'];
	tags CONSTANT text[] := ARRAY['quiet', 'group', 'projector', 'whiteboard', 'outlet'];
	tag_p CONSTANT float8[] := ARRAY[0.5, 0.35, 0.15, 0.25, 0.3];
	methods CONSTANT text[] := ARRAY['ics', 'pdf', 'manual'];
	-- chance to reach file_selected, then completed, by method
	p_select CONSTANT float8[] := ARRAY[0.9, 0.75, 0.6];
	p_complete CONSTANT float8[] := ARRAY[0.9, 0.5, 0.8];
	u int;
	d int;
	s int;
	k int;
	n int;
	day date;
	t timestamptz;
	scr int;
	sid text;
	seq int;
	ev analytics.events;
	pick text[];
	meth int;
	secs float8;
BEGIN
	IF users IS NULL OR users < 1 OR days IS NULL OR days < 1 OR seed IS NULL OR until IS NULL THEN
		RAISE EXCEPTION 'users and days must be at least 1, seed and until not null'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM pg_catalog.setseed((seed % 1000003)::float8 / 1000003);
	FOR u IN 1..users LOOP
		FOR d IN 0..days - 1 LOOP
			CONTINUE WHEN pg_catalog.random() > 0.55;	-- active on about half the days
			day := until - (days - 1) + d;
			FOR s IN 1..(1 + (pg_catalog.random() * 2)::int) LOOP
				sid := pg_catalog.format('s-%s-%s-%s', u, day, s);
				t := pg_catalog.timezone('UTC', day + pg_catalog.make_interval(
					hours => 7 + (pg_catalog.random() * 14)::int, mins => (pg_catalog.random() * 59)::int,
					secs => (pg_catalog.random() * 59)::int));
				seq := 0;
				scr := 1;
				FOR k IN 1..(2 + (pg_catalog.random() * 6)::int) LOOP
					secs := pg_catalog.round((dwell[scr] * (0.3 + 1.4 * pg_catalog.random()))::numeric, 3);
					seq := seq + 1;
					ev := (pg_catalog.md5(pg_catalog.format('%s/%s/%s/%s', seed, sid, seq, 'v'))::uuid,
						t, t + interval '1 second', 'open_screen', sid, 'device-' || u, 'user-' || u,
						screens[scr], (secs * 1000)::bigint, pg_catalog.jsonb_build_object('screen', screens[scr]));
					RETURN NEXT ev;
					IF screens[scr] = 'home' AND pg_catalog.random() < 0.35 THEN
						pick := ARRAY[]::text[];
						FOR n IN 1..4 LOOP
							IF pg_catalog.random() < filter_p[n] THEN
								pick := pick || filters[n];
							END IF;
						END LOOP;
						IF pg_catalog.cardinality(pick) > 0 THEN
							seq := seq + 1;
							ev := (pg_catalog.md5(pg_catalog.format('%s/%s/%s/%s', seed, sid, seq, 'f'))::uuid,
								t + interval '3 seconds', t + interval '4 seconds', 'home_filters_opened', sid,
								'device-' || u, 'user-' || u, NULL, NULL,
								pg_catalog.jsonb_build_object('filters', pg_catalog.to_jsonb(pick)));
							RETURN NEXT ev;
						END IF;
					ELSIF screens[scr] = 'booking' AND pg_catalog.random() < 0.45 THEN
						pick := ARRAY[]::text[];
						FOR n IN 1..5 LOOP
							IF pg_catalog.random() < tag_p[n] THEN
								pick := pick || tags[n];
							END IF;
						END LOOP;
						seq := seq + 1;
						ev := (pg_catalog.md5(pg_catalog.format('%s/%s/%s/%s', seed, sid, seq, 'b'))::uuid,
							t + pg_catalog.make_interval(secs => secs * 0.8), t + pg_catalog.make_interval(secs => secs),
							'booking_created', sid, 'device-' || u, 'user-' || u, NULL, NULL,
							pg_catalog.jsonb_build_object(
								'building', buildings[1 + (pg_catalog.random() * 3)::int],
								'time_window', windows[1 + (pg_catalog.random() * 2)::int],
								'tags', pg_catalog.to_jsonb(pick)));
						RETURN NEXT ev;
					ELSIF screens[scr] = 'schedule' AND pg_catalog.random() < 0.3 THEN
						-- the import funnel: started -> file_selected -> completed,
						-- ending in failed or abandoned when a step is not reached
						meth := CASE WHEN pg_catalog.random() < 0.5 THEN 1
									 WHEN pg_catalog.random() < 0.6 THEN 2 ELSE 3 END;
						pick := ARRAY['started'];
						IF pg_catalog.random() < p_select[meth] THEN
							pick := pick || 'file_selected'::text;
							pick := pick || CASE WHEN pg_catalog.random() < p_complete[meth] THEN 'completed'
												 ELSE 'failed' END;
						ELSE
							pick := pick || 'abandoned'::text;
						END IF;
						FOR n IN 1..pg_catalog.cardinality(pick) LOOP
							seq := seq + 1;
							ev := (pg_catalog.md5(pg_catalog.format('%s/%s/%s/%s', seed, sid, seq, 'i'))::uuid,
								t + pg_catalog.make_interval(secs => 2 + n * secs / 4),
								t + pg_catalog.make_interval(secs => 3 + n * secs / 4),
								'schedule_import_step', sid, 'device-' || u, 'user-' || u, NULL, NULL,
								pg_catalog.jsonb_build_object('method', methods[meth], 'step', pick[n]));
							RETURN NEXT ev;
						END LOOP;
					END IF;
					t := t + pg_catalog.make_interval(secs => secs + 1 + (pg_catalog.random() * 4)::int);
					-- next screen: anywhere but here, home most often
					scr := CASE WHEN pg_catalog.random() < 0.3 THEN 1
								ELSE 2 + (pg_catalog.random() * 3.999)::int % 4 END;
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics.demo_events(int, int, int, date) IS 'The deterministic demo events of analytics.generate_demo_events, as rows';
REVOKE ALL ON FUNCTION analytics.demo_events(int, int, int, date) FROM PUBLIC;

CREATE FUNCTION analytics.generate_demo_events(users int, days int, seed int, until date DEFAULT pg_catalog.timezone('UTC', analytics_internal._now())::date - 1)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	INSERT INTO analytics.events SELECT * FROM analytics.demo_events(users, days, seed, until)
	ON CONFLICT DO NOTHING;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION analytics.generate_demo_events(int, int, int, date) IS 'Loads deterministic demo events of the student app; returns how many were new';
REVOKE ALL ON FUNCTION analytics.generate_demo_events(int, int, int, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.generate_demo_events(int, int, int, date) TO analytics_admin;
