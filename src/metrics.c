/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  The metric catalog: running a metric's daily query as the role that
 *	  defined it, and checking the shape of what it returns.
 *
 * A metric is defined by a query (or a measure of a materialized aggregate,
 * which src/metrics.sql turns into one) returning, for the days $1 to $2,
 * rows (day date, value float8 [, dimension text]), or (day date, numerator
 * float8, denominator float8 [, dimension text]) for ratios and averages.
 * analytics.metric_values runs it read-only, as the metric's owner, the way
 * a view's query runs as the view's owner: so that a reader sees what the
 * owner chose to show, and a superuser (a pg_cron job) never runs an admin's
 * SQL as the superuser.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "analytics.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

/* the columns of analytics_internal._metric_rows' result */
#define METRIC_ROW_COLUMNS 4

/* Raises unless column attno (1-based) of the result has type want. */
static void
check_metric_column(TupleDesc tupdesc, int attno, Oid want, const char *what)
{
	Oid			got = SPI_gettypeid(tupdesc, attno);

	if (got != want)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column %d (\"%s\") of the metric's query is of type %s, not %s",
						attno, SPI_fname(tupdesc, attno), format_type_be(got), format_type_be(want)),
				 errdetail("The query returns %s.", what),
				 errhint("Cast it, as in %s::%s.", SPI_fname(tupdesc, attno), format_type_be(want))));
}

/*
 * SQL: analytics_internal._metric_rows(role oid, sql text, from_date date,
 *		to_date date, value_columns int, with_dimension boolean)
 *	 -> TABLE (day date, a float8, b float8, dimension text)
 *
 * Runs the query with $1 = from_date and $2 = to_date as the given role
 * (user id switched, restricted operation, search_path pinned, read-only)
 * and returns its rows: a the value (or numerator), b the denominator
 * (value_columns = 2) or NULL, dimension the last text column, which the
 * query has when with_dimension is true.
 * The query's columns are checked first: a wrong count or type is an error
 * naming the column.
 */
PG_FUNCTION_INFO_V1(metric_rows);
Datum
metric_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			role;
	char	   *sql;
	int			value_columns;
	Oid			argtypes[2] = {DATEOID, DATEOID};
	Datum		args[2];
	char		argnulls[2] = {' ', ' '};
	AnalyticsAsRole as;
	int			ret;
	TupleDesc	tupdesc;
	TupleDesc	outdesc;
	Tuplestorestate *store;
	MemoryContext oldcontext;
	int			natts;
	bool		has_dimension;
	const char *shape;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4) ||
		PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a metric's rows need a role, a query, a day range and a column count")));
	role = PG_GETARG_OID(0);
	sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	args[0] = PG_GETARG_DATUM(2);
	args[1] = PG_GETARG_DATUM(3);
	value_columns = PG_GETARG_INT32(4);
	has_dimension = PG_GETARG_BOOL(5);
	if (value_columns != 1 && value_columns != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a metric's query returns 1 or 2 value columns, not %d", value_columns)));
	if (value_columns == 1)
		shape = has_dimension ? "(day date, value float8, dimension text)" : "(day date, value float8)";
	else
		shape = has_dimension ? "(day date, numerator float8, denominator float8, dimension text)"
			: "(day date, numerator float8, denominator float8)";

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || (rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &outdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	outdesc = CreateTupleDescCopy(outdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcontext);

	AnalyticsBecomeRole(role, &as);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(sql, 2, argtypes, args, argnulls, true, 0);
	if (ret != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a metric's query must be one SELECT"),
				 errdetail("It returns %s for the days $1 to $2.", shape)));

	tupdesc = SPI_tuptable->tupdesc;
	natts = tupdesc->natts;
	if (natts != 1 + value_columns + (has_dimension ? 1 : 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the metric's query returns %d columns, not %d",
						natts, 1 + value_columns + (has_dimension ? 1 : 0)),
				 errdetail("It returns %s.", shape)));
	check_metric_column(tupdesc, 1, DATEOID, shape);
	for (int c = 2; c <= 1 + value_columns; c++)
		check_metric_column(tupdesc, c, FLOAT8OID, shape);
	if (has_dimension)
		check_metric_column(tupdesc, natts, TEXTOID, shape);

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		Datum		values[METRIC_ROW_COLUMNS];
		bool		nulls[METRIC_ROW_COLUMNS];
		bool		isnull;

		CHECK_FOR_INTERRUPTS_EVERY(r, INTERRUPT_CADENCE);
		values[0] = SPI_getbinval(tuple, tupdesc, 1, &nulls[0]);
		values[1] = SPI_getbinval(tuple, tupdesc, 2, &nulls[1]);
		if (value_columns == 2)
			values[2] = SPI_getbinval(tuple, tupdesc, 3, &nulls[2]);
		else
		{
			values[2] = (Datum) 0;
			nulls[2] = true;
		}
		if (has_dimension)
		{
			/* tuplestore_putvalues copies it out of SPI's memory */
			values[3] = SPI_getbinval(tuple, tupdesc, natts, &isnull);
			nulls[3] = isnull;
		}
		else
		{
			values[3] = (Datum) 0;
			nulls[3] = true;
		}
		oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
		tuplestore_putvalues(store, outdesc, values, nulls);
		MemoryContextSwitchTo(oldcontext);
	}
	SPI_finish();

	AnalyticsRestoreRole(&as);

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = outdesc;
	return (Datum) 0;
}
