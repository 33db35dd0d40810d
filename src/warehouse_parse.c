/*-------------------------------------------------------------------------
 *
 * warehouse_parse.c
 *	  Parsing of staging text for the retail warehouse loader, and the
 *	  loader's other per-value functions (_trim_or_null, _too_long,
 *	  date_key).
 *
 * Staging tables hold CSV text. The loader must tell, for every value,
 * whether it parses, and reject the row with a reason when it does not;
 * PostgreSQL 15's input functions can only throw, and a subtransaction per
 * value would cost more than the load. These functions return NULL instead
 * of an error for text that does not parse (and for empty text), so the
 * loader decides with plain expressions, one pass over staging.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "analytics.h"

/* Longest number text try_numeric reads (numeric itself allows more) */
#define TRY_NUMERIC_MAX_CHARS	1000

/* The text without surrounding whitespace, as start and length */
static void
TrimmedText(text *t, const char **s, int *len)
{
	const char *p = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);

	while (n > 0 && isspace((unsigned char) *p))
	{
		p++;
		n--;
	}
	while (n > 0 && isspace((unsigned char) p[n - 1]))
		n--;
	*s = p;
	*len = n;
}

/* try_timestamptz(text): ISO 8601, no offset meaning UTC, else NULL */
PG_FUNCTION_INFO_V1(try_timestamptz);
Datum
try_timestamptz(PG_FUNCTION_ARGS)
{
	const char *s;
	int			len;
	TimestampTz result;

	TrimmedText(PG_GETARG_TEXT_PP(0), &s, &len);
	if (len == 0 || !AnalyticsParseIsoTimestamp(s, len, false, &result))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(result);
}

/* try_int(text): a decimal int4, else NULL */
PG_FUNCTION_INFO_V1(try_int);
Datum
try_int(PG_FUNCTION_ARGS)
{
	const char *s;
	int			len;
	int			pos = 0;
	bool		negative = false;
	int64		v = 0;

	TrimmedText(PG_GETARG_TEXT_PP(0), &s, &len);
	if (len > 0 && (s[0] == '+' || s[0] == '-'))
	{
		negative = s[0] == '-';
		pos++;
	}
	if (pos == len)
		PG_RETURN_NULL();
	for (; pos < len; pos++)
	{
		if (s[pos] < '0' || s[pos] > '9')
			PG_RETURN_NULL();
		v = v * 10 + (s[pos] - '0');
		if (v > (int64) PG_INT32_MAX + 1)
			PG_RETURN_NULL();
	}
	if (negative)
		v = -v;
	if (v < PG_INT32_MIN || v > PG_INT32_MAX)
		PG_RETURN_NULL();
	PG_RETURN_INT32((int32) v);
}

/*
 * try_numeric(text, precision, scale): a plain decimal number (sign, digits,
 * at most one point; no exponent, NaN or infinity) that fits numeric(p, s)
 * after rounding to s decimals, as numeric(p, s); else NULL.
 */
PG_FUNCTION_INFO_V1(try_numeric);
Datum
try_numeric(PG_FUNCTION_ARGS)
{
	const char *s;
	int			len;
	int32		precision = PG_GETARG_INT32(1);
	int32		scale = PG_GETARG_INT32(2);
	int			pos = 0;
	int			int_start,
				int_end,
				frac_start = -1,
				frac_end = -1;
	int			int_digits;
	char	   *cstr;

	if (precision < 1 || precision > NUMERIC_MAX_PRECISION || scale < 0 || scale > precision)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("try_numeric needs 1 <= precision <= %d and 0 <= scale <= precision",
						NUMERIC_MAX_PRECISION)));

	TrimmedText(PG_GETARG_TEXT_PP(0), &s, &len);
	if (len == 0 || len > TRY_NUMERIC_MAX_CHARS)
		PG_RETURN_NULL();
	if (s[0] == '+' || s[0] == '-')
		pos++;
	int_start = pos;
	while (pos < len && s[pos] >= '0' && s[pos] <= '9')
		pos++;
	int_end = pos;
	if (pos < len && s[pos] == '.')
	{
		frac_start = ++pos;
		while (pos < len && s[pos] >= '0' && s[pos] <= '9')
			pos++;
		frac_end = pos;
	}
	if (pos != len || (int_end == int_start && frac_end <= frac_start))
		PG_RETURN_NULL();

	/* Range: integer digits (leading zeros aside) must fit p - s */
	while (int_start < int_end && s[int_start] == '0')
		int_start++;
	int_digits = int_end - int_start;
	if (int_digits > precision - scale)
		PG_RETURN_NULL();
	if (int_digits == precision - scale)
	{
		/*
		 * Rounding to "scale" decimals carries into a new digit when every
		 * digit kept is 9 and the first one dropped is 5 or more.
		 */
		bool		all_nines = true;
		int			nfrac = frac_start < 0 ? 0 : frac_end - frac_start;

		for (int i = int_start; i < int_end && all_nines; i++)
			all_nines = s[i] == '9';
		for (int i = 0; i < scale && all_nines; i++)
			all_nines = i < nfrac && s[frac_start + i] == '9';
		if (all_nines && scale < nfrac && s[frac_start + scale] >= '5')
			PG_RETURN_NULL();
	}

	/*
	 * Up to 18 digits, the value scaled to "scale" decimals fits an int64:
	 * build the numeric from that, rounded half away from zero as numeric's
	 * typmod rounding does (same value, same display scale). That skips
	 * numeric_in's general parser and its separate rounding to the typmod,
	 * and the loader calls this twice per sale.
	 */
	if (precision <= 18)
	{
		int64		v = 0;
		int			nfrac = frac_start < 0 ? 0 : frac_end - frac_start;

		for (int i = int_start; i < int_end; i++)
			v = v * 10 + (s[i] - '0');
		for (int i = 0; i < scale; i++)
			v = v * 10 + (i < nfrac ? s[frac_start + i] - '0' : 0);
		if (scale < nfrac && s[frac_start + scale] >= '5')
			v++;
		if (s[0] == '-')
			v = -v;
		PG_RETURN_NUMERIC(int64_div_fast_to_numeric(v, scale));
	}

	cstr = pnstrdup(s, len);
	PG_RETURN_DATUM(DirectFunctionCall3(numeric_in, CStringGetDatum(cstr),
										ObjectIdGetDatum(InvalidOid),
										Int32GetDatum(((precision << 16) | scale) + VARHDRSZ)));
}

/* try_bool(text): what boolean input accepts (true, f, yes, off, 1 ...), else NULL */
PG_FUNCTION_INFO_V1(try_bool);
Datum
try_bool(PG_FUNCTION_ARGS)
{
	const char *s;
	int			len;
	bool		result;

	TrimmedText(PG_GETARG_TEXT_PP(0), &s, &len);
	if (len == 0 || !parse_bool_with_len(s, len, &result))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(result);
}

/*
 * _trim_or_null(text): the text without surrounding whitespace (as the
 * parsers above see it), NULL when nothing is left; the value itself when
 * there is nothing to trim.
 */
PG_FUNCTION_INFO_V1(trim_or_null);
Datum
trim_or_null(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s;
	int			len;

	TrimmedText(t, &s, &len);
	if (len == 0)
		PG_RETURN_NULL();
	if (len == (int) VARSIZE_ANY_EXHDR(t))
		PG_RETURN_TEXT_P(t);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s, len));
}

/*
 * _too_long(field text, value text): NULL when value fits an index entry
 * (ANALYTICS_TEXT_MAX_BYTES, the limit of event identifiers too) or is
 * NULL, else the loader's reason for refusing the row.
 */
PG_FUNCTION_INFO_V1(too_long);
Datum
too_long(PG_FUNCTION_ARGS)
{
	int			bytes;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	bytes = AnalyticsTextBytesOver(PG_GETARG_TEXT_PP(1));
	if (bytes == 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s takes %d bytes: indexed keys and names go up to %d bytes",
											  PG_ARGISNULL(0) ? "value" : text_to_cstring(PG_GETARG_TEXT_PP(0)),
											  bytes, ANALYTICS_TEXT_MAX_BYTES)));
}

/* date_key(timestamptz): the UTC calendar day as YYYYMMDD, dim_date's key */
PG_FUNCTION_INFO_V1(date_key);
Datum
date_key(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date_key needs a finite timestamp")));
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	if (tm.tm_year < 1 || tm.tm_year > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date_key needs a year from 1 to 9999, got %d", tm.tm_year)));
	PG_RETURN_INT32(tm.tm_year * 10000 + tm.tm_mon * 100 + tm.tm_mday);
}
