-- A helper for tests of binary receive functions (sql/screen_time.sql,
-- test/integration/fuzz.sql), included with \i. It lives in pg_temp.

-- The value that the binary receive function of type typ builds from the
-- bytes b, as text: b is written as the one field of a binary COPY file
-- (bytea's binary form is its bytes) and read back by COPY FROM into a
-- column of type typ (a temporary table dropped at commit). Server files:
-- superuser only.
CREATE FUNCTION pg_temp.binary_recv(b bytea, typ regtype) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	tbl text := 'binary_recv_' || typ::oid;
	file text := current_setting('data_directory') || '/binary_recv.bin';
	r text;
BEGIN
	IF to_regclass('pg_temp.' || tbl) IS NULL THEN
		EXECUTE format('CREATE TEMP TABLE %I (v %s) ON COMMIT DROP', tbl, typ);
	END IF;
	EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', b, file);
	EXECUTE format('COPY pg_temp.%I FROM %L WITH (FORMAT binary)', tbl, file);
	EXECUTE format('DELETE FROM pg_temp.%I RETURNING v::text', tbl) INTO r;
	RETURN r;
END $$;
