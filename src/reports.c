/*-------------------------------------------------------------------------
 *
 * reports.c
 *	  Reports (src/reports.sql): running a template's queries as the role
 *	  that owns the template, and returning their rows as typed JSON.
 *
 * A report is built as a JSON document (README, Reports, documents it):
 * report metadata, then its sections, each table as columns with their
 * types and rows of typed values. The JSON format is that document; CSV,
 * HTML, PDF and Excel are rendered from it, so every format shows the same
 * numbers.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "analytics.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"

/* How a column's values are written in JSON, and the type named for it */
typedef enum ReportKind
{
	REPORT_INTEGER,
	REPORT_NUMBER,
	REPORT_BOOLEAN,
	REPORT_DATE,
	REPORT_TIMESTAMP,
	REPORT_JSON,
	REPORT_TEXT
} ReportKind;

static const char *const report_kind_names[] = {
	"integer", "number", "boolean", "date", "timestamp", "json", "text"
};

static ReportKind
report_kind_of(Oid type)
{
	switch (getBaseType(type))
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return REPORT_INTEGER;
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			return REPORT_NUMBER;
		case BOOLOID:
			return REPORT_BOOLEAN;
		case DATEOID:
			return REPORT_DATE;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return REPORT_TIMESTAMP;
		case JSONOID:
		case JSONBOID:
			return REPORT_JSON;
		default:
			return REPORT_TEXT;
	}
}

/*
 * SQL: analytics_internal._report_rows(role oid, sql text, from_date date,
 *		to_date date, max_rows int) -> jsonb
 *
 * Runs the query with $1 = from_date and $2 = to_date as the given role
 * (user id switched, restricted operation, search_path pinned, read-only,
 * DateStyle ISO, TimeZone UTC) and returns
 *	 {"columns": [{"name": ..., "type": ...}, ...], "rows": [[...], ...],
 *	  "truncated": bool}
 * with types integer, number, boolean, date, timestamp (UTC), json and
 * text; numbers are JSON numbers (NaN and infinities null), dates
 * "YYYY-MM-DD", timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]". At most max_rows
 * rows (truncated says whether there were more).
 */
PG_FUNCTION_INFO_V1(report_rows);
Datum
report_rows(PG_FUNCTION_ARGS)
{
	Oid			role;
	char	   *sql;
	int			max_rows;
	Oid			argtypes[2] = {DATEOID, DATEOID};
	Datum		args[2];
	char		argnulls[2] = {' ', ' '};
	AnalyticsAsRole as;
	SPIPlanPtr	plan;
	List	   *sources;
	int			ret;
	TupleDesc	tupdesc;
	int			natts;
	ReportKind *kinds;
	FmgrInfo   *out;
	StringInfoData buf;
	uint64		nrows;
	bool		truncated;
	Datum		result;

	for (int i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a report query needs a role, a query, a day range and a row limit")));
	role = PG_GETARG_OID(0);
	sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	args[0] = PG_GETARG_DATUM(2);
	args[1] = PG_GETARG_DATUM(3);
	max_rows = PG_GETARG_INT32(4);
	if (max_rows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a report table's row limit must be positive, not %d", max_rows)));

	AnalyticsBecomeRole(role, &as);
	(void) set_config_option("DateStyle", "ISO, YMD", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("TimeZone", "UTC", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("extra_float_digits", "1", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
							 false);

	/* the text outlives SPI's memory (repalloc keeps a chunk's context) */
	initStringInfo(&buf);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(sql, 2, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	sources = SPI_plan_get_plan_sources(plan);
	if (list_length(sources) != 1 || ((CachedPlanSource *) linitial(sources))->commandTag != CMDTAG_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a report section's query must be one SELECT"),
				 errdetail("It may read the days $1 to $2 (dates) of the report's period.")));
	/* one row more than kept, to tell whether there were more */
	ret = SPI_execute_plan(plan, args, argnulls, true, (long) max_rows + 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));

	tupdesc = SPI_tuptable->tupdesc;
	natts = tupdesc->natts;
	kinds = palloc(natts * sizeof(ReportKind));
	out = palloc(natts * sizeof(FmgrInfo));
	appendStringInfoString(&buf, "{\"columns\": [");
	for (int c = 0; c < natts; c++)
	{
		Oid			type = SPI_gettypeid(tupdesc, c + 1);
		Oid			outfn;
		bool		varlena;

		kinds[c] = report_kind_of(type);
		getTypeOutputInfo(type, &outfn, &varlena);
		fmgr_info(outfn, &out[c]);
		if (c > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, "{\"name\": ");
		escape_json(&buf, SPI_fname(tupdesc, c + 1));
		appendStringInfo(&buf, ", \"type\": \"%s\"}", report_kind_names[kinds[c]]);
	}
	appendStringInfoString(&buf, "], \"rows\": [");
	nrows = Min(SPI_processed, (uint64) max_rows);
	truncated = SPI_processed > (uint64) max_rows;
	for (uint64 r = 0; r < nrows; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];

		CHECK_FOR_INTERRUPTS_EVERY(r, INTERRUPT_CADENCE_COSTLY);
		appendStringInfoString(&buf, r > 0 ? ", [" : "[");
		for (int c = 0; c < natts; c++)
		{
			bool		isnull;
			Datum		v = SPI_getbinval(tuple, tupdesc, c + 1, &isnull);
			char	   *text;

			if (c > 0)
				appendStringInfoString(&buf, ", ");
			if (isnull)
			{
				appendStringInfoString(&buf, "null");
				continue;
			}
			text = OutputFunctionCall(&out[c], v);
			switch (kinds[c])
			{
				case REPORT_INTEGER:
					appendStringInfoString(&buf, text);
					break;
				case REPORT_NUMBER:
					if (strcmp(text, "NaN") == 0 || strcmp(text, "Infinity") == 0 ||
						strcmp(text, "-Infinity") == 0)
						appendStringInfoString(&buf, "null");
					else
						appendStringInfoString(&buf, text);
					break;
				case REPORT_BOOLEAN:
					appendStringInfoString(&buf, DatumGetBool(v) ? "true" : "false");
					break;
				case REPORT_JSON:
					appendStringInfoString(&buf, text);
					break;
				case REPORT_TIMESTAMP:
					/* ISO with TimeZone UTC: cut the "+00" of a timestamptz */
					if (getBaseType(SPI_gettypeid(tupdesc, c + 1)) == TIMESTAMPTZOID)
					{
						size_t		len = strlen(text);

						if (len > 3 && strcmp(text + len - 3, "+00") == 0)
							text[len - 3] = '\0';
					}
					escape_json(&buf, text);
					break;
				default:
					escape_json(&buf, text);
					break;
			}
			pfree(text);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfo(&buf, "], \"truncated\": %s}", truncated ? "true" : "false");
	SPI_finish();
	AnalyticsRestoreRole(&as);

	result = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
	PG_RETURN_DATUM(result);
}

/*
 * SQL: analytics_internal._report_retention() -> int: the setting
 * analytics.report_retention in seconds (0: keep every report), read here so
 * that it is defined in any session.
 */
PG_FUNCTION_INFO_V1(report_retention);
Datum
report_retention(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(analytics_report_retention);
}
