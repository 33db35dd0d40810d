/*-------------------------------------------------------------------------
 *
 * screen_time_io.c
 *	  The analytics.screen_time type's values: their checks and
 *	  construction, the text input and output (a JSON object) and the
 *	  binary send and receive (see analytics.h). The aggregates that make
 *	  and merge values, and the accessors, are in screen_time.c.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "common/jsonapi.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "analytics.h"

/* ---------- values: checks and construction ---------- */

static void
BadScreenTime(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid analytics.screen_time value"),
			 errdetail("%s", detail)));
}

/* Check a detoasted value's every length, offset, count and order */
static void
ScreenTimeCheck(const ScreenTime *st)
{
	Size		size = VARSIZE(st);
	Size		names_size;
	const char *names;
	int64		off = 0;

	if (size < SCREEN_TIME_HEADER)
		BadScreenTime("The value is truncated.");
	if (st->version != SCREEN_TIME_VERSION)
		BadScreenTime(psprintf("Version %u is not supported.", st->version));
	if (st->flags != 0)
		BadScreenTime("Unknown flags are set.");
	if (st->nscreens < 0 ||
		(Size) st->nscreens > (size - SCREEN_TIME_HEADER) / sizeof(ScreenTimeEntry))
		BadScreenTime("The screen count does not match the size.");
	names_size = size - SCREEN_TIME_HEADER - st->nscreens * sizeof(ScreenTimeEntry);
	names = ScreenTimeNames(st);
	for (int32 i = 0; i < st->nscreens; i++)
	{
		const ScreenTimeEntry *e = &st->entries[i];

		if (e->name_off != off || e->name_len < 0 ||
			(Size) (off + e->name_len) > names_size)
			BadScreenTime("A screen name lies outside the value.");
		if (memchr(names + off, '\0', e->name_len) != NULL)
			BadScreenTime("A screen name holds a zero byte.");
		if (e->usecs < 0 || e->views < 0)
			BadScreenTime("A time or view count is out of range.");
		if (i > 0 &&
			NameCompare(names + st->entries[i - 1].name_off, st->entries[i - 1].name_len,
						names + off, e->name_len) >= 0)
			BadScreenTime("The screens are not in order.");
		off += e->name_len;
	}
	if ((Size) off != names_size)
		BadScreenTime("The value has trailing bytes.");
}

ScreenTime *
ScreenTimeArg(FunctionCallInfo fcinfo, int n)
{
	ScreenTime *st = (ScreenTime *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n));

	ScreenTimeCheck(st);
	return st;
}

/* Build a value from totals already sorted by name, without duplicates */
ScreenTime *
ScreenTimeBuild(const ScreenTotal *t, int32 n)
{
	Size		size = SCREEN_TIME_HEADER;
	ScreenTime *st;
	char	   *names;
	int32		off = 0;

	for (int32 i = 0; i < n; i++)
	{
		size += sizeof(ScreenTimeEntry) + t[i].len;
		if (size > MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("screen_time value is too large")));
	}
	st = palloc0(size);
	SET_VARSIZE(st, size);
	st->version = SCREEN_TIME_VERSION;
	st->nscreens = n;
	names = ScreenTimeNames(st);
	for (int32 i = 0; i < n; i++)
	{
		st->entries[i].usecs = t[i].usecs;
		st->entries[i].views = t[i].views;
		st->entries[i].name_off = off;
		st->entries[i].name_len = t[i].len;
		memcpy(names + off, t[i].name, t[i].len);
		off += t[i].len;
	}
	return st;
}

/* ---------- text input and output ---------- */

/* Microseconds as exact decimal seconds: 42.5, 10, 0.000001 */
void
ScreenTimeAppendSeconds(StringInfo buf, int64 usecs)
{
	int64		frac = usecs % USECS_PER_SEC;
	char		digits[8];
	int			n;

	appendStringInfo(buf, INT64_FORMAT, usecs / USECS_PER_SEC);
	if (frac == 0)
		return;
	snprintf(digits, sizeof(digits), "%06d", (int) frac);
	for (n = 6; digits[n - 1] == '0'; n--)
		;
	digits[n] = '\0';
	appendStringInfo(buf, ".%s", digits);
}

/*
 * Seconds from a JSON number (grammar already checked by the lexer) as
 * microseconds, rounding half up below the microsecond, as timestamptz input
 * rounds. Exact: no float8 on the way. Returns false when negative or too
 * large.
 */
static bool
ParseSeconds(const char *token, int64 *usecs)
{
	char		digits[32];
	int			ndigits = 0;		/* significant digits kept */
	int64		scale = 6;			/* usecs = digits * 10^scale */
	bool		seen_point = false;
	const char *c = token;
	int64		result = 0;

	if (*c == '-')
	{
		/* -0, -0.0, -0e5 are zero; anything else is negative */
		for (c++; *c && *c != 'e' && *c != 'E'; c++)
			if (*c >= '1' && *c <= '9')
				return false;
		*usecs = 0;
		return true;
	}
	for (; *c && *c != 'e' && *c != 'E'; c++)
	{
		if (*c == '.')
		{
			seen_point = true;
			continue;
		}
		if (ndigits == 0 && *c == '0')
		{
			if (seen_point)
				scale--;
			continue;
		}
		if (ndigits < (int) sizeof(digits))
		{
			digits[ndigits++] = *c;
			if (seen_point)
				scale--;
		}
		else if (!seen_point)
			scale++;			/* beyond 32 digits: only the magnitude matters */
	}
	if (*c == 'e' || *c == 'E')
	{
		bool		neg = false;
		int64		exp = 0;

		c++;
		if (*c == '+' || *c == '-')
			neg = (*c++ == '-');
		for (; *c; c++)
			if (exp < 100000)
				exp = exp * 10 + (*c - '0');
		scale += neg ? -exp : exp;
	}
	if (ndigits == 0)
	{
		*usecs = 0;
		return true;
	}
	if (ndigits + scale > 19)
		return false;
	for (int i = 0; i < ndigits + scale && i < ndigits; i++)
		if (pg_mul_s64_overflow(result, 10, &result) ||
			pg_add_s64_overflow(result, digits[i] - '0', &result))
			return false;
	for (int64 i = 0; i < scale; i++)
		if (pg_mul_s64_overflow(result, 10, &result))
			return false;
	if (scale < 0 && ndigits + scale >= 0 && digits[ndigits + scale] >= '5' &&
		pg_add_s64_overflow(result, 1, &result))
		return false;
	*usecs = result;
	return true;
}

/*
 * Text form: {"home": {"seconds": 42.5, "views": 3}, "search": {...}}, keys
 * in byte order, seconds as the exact decimal of the whole microseconds kept.
 */
PG_FUNCTION_INFO_V1(screen_time_out);
Datum
screen_time_out(PG_FUNCTION_ARGS)
{
	ScreenTime *st = ScreenTimeArg(fcinfo, 0);
	const char *names = ScreenTimeNames(st);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int32 i = 0; i < st->nscreens; i++)
	{
		const ScreenTimeEntry *e = &st->entries[i];
		char	   *name = pnstrdup(names + e->name_off, e->name_len);

		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, name);
		appendStringInfoString(&buf, ": {\"seconds\": ");
		ScreenTimeAppendSeconds(&buf, e->usecs);
		appendStringInfo(&buf, ", \"views\": " INT64_FORMAT "}", e->views);
		pfree(name);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* Parser state for screen_time_in */
typedef struct ScreenTimeParse
{
	const char *input;
	int			depth;			/* 1 in the outer object, 2 in a screen's */
	char	   *screen;			/* the screen being read */
	int			field;			/* 0 seconds, 1 views, -1 none */
	bool		have[2];
	int64		usecs;
	int64		views;
	ScreenTotal *items;
	int32		nitems;
	int32		maxitems;
} ScreenTimeParse;

pg_attribute_noreturn()
static void
BadInput(const ScreenTimeParse *p, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type screen_time: \"%s\"", p->input),
			 errdetail("%s", detail)));
}

static void
ParseObjectStart(void *state)
{
	ScreenTimeParse *p = state;

	p->depth++;
	if (p->depth == 1)
		return;
	if (p->depth > 2)
		BadInput(p, "Each screen holds only \"seconds\" and \"views\" numbers.");
	p->have[0] = p->have[1] = false;
	p->field = -1;
}

static void
ParseObjectEnd(void *state)
{
	ScreenTimeParse *p = state;

	if (p->depth == 2)
	{
		ScreenTotal *t;

		if (!p->have[0] || !p->have[1])
			BadInput(p, psprintf("Screen \"%s\" lacks \"%s\".", p->screen,
								 p->have[0] ? "views" : "seconds"));
		if (p->nitems == p->maxitems)
		{
			p->maxitems *= 2;
			p->items = repalloc(p->items, p->maxitems * sizeof(ScreenTotal));
		}
		t = &p->items[p->nitems++];
		t->name = p->screen;
		t->len = strlen(p->screen);
		t->usecs = p->usecs;
		t->views = p->views;
	}
	p->depth--;
}

static void
ParseArrayStart(void *state)
{
	BadInput(state, "Arrays are not allowed.");
}

static void
ParseFieldStart(void *state, char *fname, bool isnull)
{
	ScreenTimeParse *p = state;

	(void) isnull;
	if (p->depth == 1)
	{
		p->screen = fname;
		return;
	}
	if (strcmp(fname, "seconds") == 0)
		p->field = 0;
	else if (strcmp(fname, "views") == 0)
		p->field = 1;
	else
		BadInput(p, psprintf("Key \"%s\" is not \"seconds\" or \"views\".", fname));
	if (p->have[p->field])
		BadInput(p, psprintf("Screen \"%s\" gives \"%s\" twice.", p->screen, fname));
	p->have[p->field] = true;
}

static void
ParseScalar(void *state, char *token, JsonTokenType tokentype)
{
	ScreenTimeParse *p = state;

	if (p->depth == 0)
		BadInput(p, "A screen_time value is a JSON object.");
	if (p->depth == 1)
		BadInput(p, psprintf("The value of screen \"%s\" is not an object.", p->screen));
	if (tokentype != JSON_TOKEN_NUMBER)
		BadInput(p, psprintf("\"%s\" of screen \"%s\" is not a number.",
							 p->field == 0 ? "seconds" : "views", p->screen));
	if (p->field == 0)
	{
		if (!ParseSeconds(token, &p->usecs))
			BadInput(p, psprintf("\"seconds\" of screen \"%s\" is negative or out of range.",
								 p->screen));
	}
	else
	{
		int64		views = 0;

		if (token[0] == '-')
			BadInput(p, psprintf("\"views\" of screen \"%s\" is negative.", p->screen));
		for (const char *c = token; *c; c++)
		{
			if (*c < '0' || *c > '9')
				BadInput(p, psprintf("\"views\" of screen \"%s\" is not a whole number.", p->screen));
			if (pg_mul_s64_overflow(views, 10, &views) ||
				pg_add_s64_overflow(views, *c - '0', &views))
				BadInput(p, psprintf("\"views\" of screen \"%s\" is out of range.", p->screen));
		}
		p->views = views;
	}
}

static int
ScreenTotalCompare(const void *pa, const void *pb)
{
	const ScreenTotal *a = pa;
	const ScreenTotal *b = pb;

	return NameCompare(a->name, a->len, b->name, b->len);
}

PG_FUNCTION_INFO_V1(screen_time_in);
Datum
screen_time_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	ScreenTimeParse p;
	JsonSemAction sem;
	JsonLexContext *lex;
	JsonParseErrorType res;

	memset(&p, 0, sizeof(p));
	p.input = input;
	p.maxitems = 8;
	p.items = palloc(p.maxitems * sizeof(ScreenTotal));

	memset(&sem, 0, sizeof(sem));
	sem.semstate = &p;
	sem.object_start = ParseObjectStart;
	sem.object_end = ParseObjectEnd;
	sem.array_start = ParseArrayStart;
	sem.object_field_start = ParseFieldStart;
	sem.scalar = ParseScalar;

	lex = makeJsonLexContextCstringLen(input, strlen(input), GetDatabaseEncoding(), true);
	res = pg_parse_json(lex, &sem);
	if (res != JSON_SUCCESS)
		BadInput(&p, json_errdetail(res, lex));

	qsort(p.items, p.nitems, sizeof(ScreenTotal), ScreenTotalCompare);
	for (int32 i = 1; i < p.nitems; i++)
		if (ScreenTotalCompare(&p.items[i - 1], &p.items[i]) == 0)
			BadInput(&p, psprintf("Screen \"%s\" appears more than once.", p.items[i].name));
	PG_RETURN_POINTER(ScreenTimeBuild(p.items, p.nitems));
}

/* ---------- binary send and receive ---------- */

/*
 * Binary form (network byte order), for binary COPY, clients that ask for
 * binary results (Npgsql does for every column) and binary logical
 * replication:
 *	 uint32 version, uint32 flags (none defined: 0), int32 nscreens,
 *	 nscreens x (int32 name length in bytes, the name in the client
 *	 encoding, int64 microseconds, int64 views).
 * The sender lists screens in byte order of their names; the receiver sorts
 * them again (after the encoding conversion), as the text input does.
 */
#define SCREEN_TIME_WIRE_VERSION	1
#define SCREEN_TIME_WIRE_ENTRY_MIN	20	/* length word, no name, two int64 */

pg_attribute_noreturn()
static void
BadBinary(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary data for type screen_time"),
			 errdetail("%s", detail)));
}

static void
NeedWireBytes(StringInfo buf, int64 n)
{
	if (n < 0 || n > buf->len - buf->cursor)
		BadBinary("The value is truncated.");
}

PG_FUNCTION_INFO_V1(screen_time_send);
Datum
screen_time_send(PG_FUNCTION_ARGS)
{
	ScreenTime *st = ScreenTimeArg(fcinfo, 0);
	const char *names = ScreenTimeNames(st);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, SCREEN_TIME_WIRE_VERSION);
	pq_sendint32(&buf, 0);
	pq_sendint32(&buf, st->nscreens);
	for (int32 i = 0; i < st->nscreens; i++)
	{
		const ScreenTimeEntry *e = &st->entries[i];

		pq_sendcountedtext(&buf, names + e->name_off, e->name_len, false);
		pq_sendint64(&buf, e->usecs);
		pq_sendint64(&buf, e->views);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Every length, count and value is checked before it is used; the result is
 * the value the text input builds from the same screens.
 */
PG_FUNCTION_INFO_V1(screen_time_recv);
Datum
screen_time_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	uint32		version,
				flags;
	int32		nscreens;
	ScreenTotal *items;

	NeedWireBytes(buf, 12);
	version = pq_getmsgint(buf, 4);
	flags = pq_getmsgint(buf, 4);
	nscreens = (int32) pq_getmsgint(buf, 4);
	if (version != SCREEN_TIME_WIRE_VERSION)
		BadBinary(psprintf("Version %u is not supported.", version));
	if (flags != 0)
		BadBinary("Unknown flags are set.");
	if (nscreens < 0)
		BadBinary(psprintf("The screen count %d is negative.", nscreens));
	/* every screen takes at least 20 bytes: the count cannot exceed that */
	NeedWireBytes(buf, (int64) nscreens * SCREEN_TIME_WIRE_ENTRY_MIN);

	items = palloc(Max(nscreens, 1) * sizeof(ScreenTotal));
	for (int32 i = 0; i < nscreens; i++)
	{
		ScreenTotal *t = &items[i];
		int32		len;

		CHECK_FOR_INTERRUPTS_EVERY(i, INTERRUPT_CADENCE_COSTLY);
		NeedWireBytes(buf, 4);
		len = (int32) pq_getmsgint(buf, 4);
		if (len < 0)
			BadBinary(psprintf("Screen %d has a name of negative length.", i + 1));
		NeedWireBytes(buf, (int64) len + 16);
		/* converted from the client encoding and verified (no zero byte) */
		t->name = pq_getmsgtext(buf, len, &t->len);
		t->usecs = pq_getmsgint64(buf);
		t->views = pq_getmsgint64(buf);
		if (t->usecs < 0)
			BadBinary(psprintf("Screen \"%s\" has negative time.", t->name));
		if (t->views < 0)
			BadBinary(psprintf("Screen \"%s\" has a negative view count.", t->name));
	}
	if (buf->cursor != buf->len)
		BadBinary("The value has trailing bytes.");

	qsort(items, nscreens, sizeof(ScreenTotal), ScreenTotalCompare);
	for (int32 i = 1; i < nscreens; i++)
		if (ScreenTotalCompare(&items[i - 1], &items[i]) == 0)
			BadBinary(psprintf("Screen \"%s\" appears more than once.", items[i].name));
	PG_RETURN_POINTER(ScreenTimeBuild(items, nscreens));
}
