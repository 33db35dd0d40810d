/*-------------------------------------------------------------------------
 *
 * matagg.c
 *	  Materialized aggregates: the check of the expressions a user gives
 *	  analytics.create_materialized_aggregate (dimensions, measures, filter).
 *
 * The definition of a materialized aggregate is SQL text that the extension
 * pastes into the query it builds the table with, so each piece must be
 * exactly one expression: nothing that closes a parenthesis and goes on
 * (another clause, another statement), no subquery (which could read other
 * tables), no window function (a bucket's value must not depend on the
 * other buckets computed with it). The piece is parsed as the target list of
 * "SELECT <piece>" by PostgreSQL's own parser, and the raw parse tree is
 * checked; names are not resolved here (the query that builds the table
 * does, with errors that name the missing column).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "analytics.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/guc.h"

typedef struct ExpressionCheck
{
	const char *kind;			/* "dimension", "measure" or "filter" */
	const char *expr;			/* the piece as given */
} ExpressionCheck;

/* error context: which piece of the definition failed */
static void
expression_check_context(void *arg)
{
	ExpressionCheck *check = (ExpressionCheck *) arg;

	errcontext("%s \"%s\"", check->kind, check->expr);
}

/* raw_expression_tree_walker callback: reject subqueries and windows */
static bool
expression_forbidden_walker(Node *node, void *context)
{
	ExpressionCheck *check = (ExpressionCheck *) context;

	if (node == NULL)
		return false;
	if (IsA(node, SubLink) || IsA(node, RangeSubselect))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s cannot contain a subquery", check->kind),
				 errdetail("A materialized aggregate is computed from the rows of its source only.")));
	if (IsA(node, FuncCall) && ((FuncCall *) node)->over != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s cannot contain a window function", check->kind),
				 errdetail("Each bucket is computed on its own, so a value may not depend on other rows than its group's.")));
	return raw_expression_tree_walker(node, expression_forbidden_walker, context);
}

/*
 * SQL: analytics_internal._matagg_expression(expr text, kind text) -> text
 *
 * Checks that expr is one expression, optionally followed by AS name (not
 * for a filter), and returns the column name it gives: the AS name, else
 * the column's name for a bare column reference, else NULL.
 */
PG_FUNCTION_INFO_V1(matagg_expression);
Datum
matagg_expression(PG_FUNCTION_ARGS)
{
	text	   *expr_text = PG_GETARG_TEXT_PP(0);
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(1));
	ExpressionCheck check;
	ErrorContextCallback callback;
	List	   *volatile stmts = NIL;
	RawStmt    *raw;
	SelectStmt *select;
	ResTarget  *target;
	char	   *name = NULL;
	MemoryContext oldcontext = CurrentMemoryContext;

	if (strcmp(kind, "dimension") != 0 && strcmp(kind, "measure") != 0 &&
		strcmp(kind, "filter") != 0)
		elog(ERROR, "unknown expression kind \"%s\"", kind);

	check.kind = kind;
	check.expr = text_to_cstring(expr_text);

	callback.callback = expression_check_context;
	callback.arg = &check;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	if (strspn(check.expr, " \t\n\r\f") == strlen(check.expr))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s cannot be empty", kind)));

	/* a syntax error is reported as this piece's, without a cursor position */
	PG_TRY();
	{
		stmts = raw_parser(psprintf("SELECT %s", check.expr), RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s must be one expression", kind),
				 errdetail("PostgreSQL's parser says: %s.", edata->message)));
	}
	PG_END_TRY();
	if (list_length(stmts) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s must be one expression", kind),
				 errdetail("It reads as %d statements.", list_length(stmts))));
	raw = linitial_node(RawStmt, stmts);
	select = (SelectStmt *) raw->stmt;
	if (!IsA(select, SelectStmt) || select->op != SETOP_NONE ||
		select->fromClause != NIL || select->whereClause != NULL ||
		select->groupClause != NIL || select->havingClause != NULL ||
		select->windowClause != NIL || select->sortClause != NIL ||
		select->limitCount != NULL || select->limitOffset != NULL ||
		select->lockingClause != NIL || select->withClause != NULL ||
		select->intoClause != NULL || select->distinctClause != NIL ||
		select->valuesLists != NIL || list_length(select->targetList) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s must be one expression", kind),
				 errdetail("Clauses, lists and further statements are not accepted.")));

	target = linitial_node(ResTarget, select->targetList);
	if (IsA(target->val, ColumnRef) &&
		IsA(llast(((ColumnRef *) target->val)->fields), A_Star))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s must be one expression, not *", kind)));
	(void) expression_forbidden_walker(target->val, &check);

	if (target->name != NULL)
	{
		if (strcmp(kind, "filter") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a filter cannot have a name (AS %s)", target->name)));
		name = target->name;
	}
	else if (IsA(target->val, ColumnRef))
	{
		Node	   *last = llast(((ColumnRef *) target->val)->fields);

		if (IsA(last, String))
			name = strVal(last);
	}

	error_context_stack = callback.previous;

	if (name == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

/*
 * SQL: analytics_internal._matagg_run_as(role oid, sql text) -> bigint
 *
 * Runs one SQL statement as the given role, the way REFRESH MATERIALIZED
 * VIEW runs a view's query as its owner: user id switched, restricted
 * operation (no SET ROLE, no temporary objects), search_path pinned to
 * pg_catalog, pg_temp; the settings the statement changes end with it.
 * Returns the rows it processed. Only the extension's owner may call it:
 * the refresh runs the expressions of a materialized aggregate as the role
 * that defined it, never as the owner.
 */
PG_FUNCTION_INFO_V1(matagg_run_as);
Datum
matagg_run_as(PG_FUNCTION_ARGS)
{
	Oid			role = PG_GETARG_OID(0);
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	AnalyticsAsRole as;
	int			ret;
	uint64		processed;

	if (!OidIsValid(role))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a materialized aggregate needs the role that defined it")));

	AnalyticsBecomeRole(role, &as);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute(sql, false, 0);
	if (ret < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	processed = SPI_processed;
	SPI_finish();
	AnalyticsRestoreRole(&as);

	PG_RETURN_INT64((int64) processed);
}

/*
 * SQL: analytics_internal._matagg_caller() -> oid
 *
 * The role the caller acts as (current_user outside every SECURITY DEFINER
 * function, SET ROLE included): inside a SECURITY DEFINER function,
 * current_user is the function's owner and session_user ignores SET ROLE.
 * A materialized aggregate is defined as this role.
 */
PG_FUNCTION_INFO_V1(matagg_caller);
Datum
matagg_caller(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(GetOuterUserId());
}
