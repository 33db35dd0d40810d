/*-------------------------------------------------------------------------
 *
 * events.c
 *	  Event collection: validation of tracked events and parsing of JSON
 *	  event objects for analytics.track_batch and analytics.retry_rejected.
 *
 * One validator (EventProblem) serves both paths: analytics.track raises the
 * problem as an error with a specific SQLSTATE, the batch path stores it as
 * the reason of a rejected event. Parsing never throws on bad input: a
 * malformed event must not fail the rest of its batch.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <errno.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "analytics.h"

#define EVENT_NAME_MAX_CHARS	200
#define EVENT_PROPS_MAX_BYTES	65536

/* One event's fields; NULL pointers and *_null flags mean SQL NULL */
typedef struct EventFields
{
	pg_uuid_t	event_id;
	bool		event_id_null;
	TimestampTz occurred_at;
	bool		occurred_at_null;
	text	   *event_name;
	text	   *session_id;
	text	   *device_id;
	text	   *user_id;
	text	   *screen;
	int64		duration_ms;
	bool		duration_ms_null;
	Jsonb	   *props;
} EventFields;

/* What is wrong with an event: SQLSTATE, message, optional detail */
typedef struct EventProblemInfo
{
	int			code;
	char	   *message;
	char	   *detail;
} EventProblemInfo;

static bool
SetProblem(EventProblemInfo *p, int code, char *message, char *detail)
{
	p->code = code;
	p->message = message;
	p->detail = detail;
	return true;
}

/* Length of a text value in characters, counting only as far as needed */
static bool
TextLongerThan(text *t, int max_chars)
{
	int			bytes = VARSIZE_ANY_EXHDR(t);

	if (bytes <= max_chars)
		return false;
	return pg_mbstrlen_with_len(VARDATA_ANY(t), bytes) > max_chars;
}

static bool
TextIsBlank(text *t)
{
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);

	for (int i = 0; i < len; i++)
		if (!isspace((unsigned char) s[i]))
			return false;
	return true;
}

/*
 * The event contract: check an event against the collection rules. Returns
 * true and fills *p when the event must be refused.
 *
 * Every stored event keeps the rules that partitioning, the aggregates and
 * the indexes need, which hold whenever they are checked: a name; finite
 * times; a duration the aggregates take (0 to ANALYTICS_DURATION_MS_MAX
 * ms); identifiers that fit an index entry (ANALYTICS_TEXT_MAX_BYTES).
 * With at_ingestion, so do the rules relative to now (AnalyticsNow()):
 * occurred_at at most analytics.max_event_age before now and at most
 * analytics.max_clock_skew after received_at (or now, when received_at is
 * later), and props an object of at most 64 kB. The time rules are
 * ingestion's only: an event stored years ago stays valid, and a restore
 * years later must take it (the CHECK constraint of analytics.events uses
 * the rules without them); the views read any props, so rows written by
 * hand may carry other JSON there.
 */
static bool
EventProblem(const EventFields *f, TimestampTz received_at, bool at_ingestion,
			 EventProblemInfo *p)
{
	struct
	{
		const char *name;
		text	   *value;
	}			texts[] = {
		{"session_id", f->session_id},
		{"device_id", f->device_id},
		{"user_id", f->user_id},
		{"screen", f->screen},
	};

	if (f->event_name == NULL)
		return SetProblem(p, ERRCODE_NULL_VALUE_NOT_ALLOWED,
						  pstrdup("event_name is missing"),
						  pstrdup("Every event needs a name such as \"open_screen\"."));
	if (TextIsBlank(f->event_name))
		return SetProblem(p, ERRCODE_INVALID_PARAMETER_VALUE,
						  pstrdup("event_name is empty"), NULL);
	/* 200 characters take at most 800 bytes: an index entry holds them */
	if (TextLongerThan(f->event_name, EVENT_NAME_MAX_CHARS))
		return SetProblem(p, ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
						  psprintf("event_name is longer than %d characters",
								   EVENT_NAME_MAX_CHARS), NULL);

	if (f->occurred_at_null)
		return SetProblem(p, ERRCODE_NULL_VALUE_NOT_ALLOWED,
						  pstrdup("occurred_at is missing"), NULL);
	if (TIMESTAMP_NOT_FINITE(f->occurred_at))
		return SetProblem(p, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
						  pstrdup("occurred_at is not finite"),
						  psprintf("occurred_at is %s; an event happens at a date and time.",
								   TIMESTAMP_IS_NOBEGIN(f->occurred_at) ? "-infinity" : "infinity"));
	if (at_ingestion)
	{
		TimestampTz now = AnalyticsNow();
		TimestampTz base = received_at;

		if (now - f->occurred_at > (int64) analytics_max_event_age * USECS_PER_SEC)
			return SetProblem(p, ERRCODE_INVALID_PARAMETER_VALUE,
							  pstrdup("occurred_at is too far in the past"),
							  psprintf("It is " INT64_FORMAT " seconds before now; "
									   "analytics.max_event_age allows %d seconds.",
									   (now - f->occurred_at) / USECS_PER_SEC,
									   analytics_max_event_age));
		/* a receipt time after now (or not finite) cannot widen the limit */
		if (TIMESTAMP_NOT_FINITE(base) || base > now)
			base = now;
		if (f->occurred_at > base &&
			f->occurred_at - base > (int64) analytics_max_clock_skew * USECS_PER_SEC)
			return SetProblem(p, ERRCODE_INVALID_PARAMETER_VALUE,
							  pstrdup("occurred_at is too far in the future"),
							  psprintf("It is " INT64_FORMAT " seconds after the event was received; "
									   "analytics.max_clock_skew allows %d seconds.",
									   (f->occurred_at - base) / USECS_PER_SEC,
									   analytics_max_clock_skew));
	}

	if (!f->duration_ms_null && f->duration_ms < 0)
		return SetProblem(p, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
						  pstrdup("duration_ms is negative"),
						  psprintf("duration_ms is " INT64_FORMAT "; durations are 0 or more milliseconds.",
								   f->duration_ms));
	if (!f->duration_ms_null && f->duration_ms > ANALYTICS_DURATION_MS_MAX)
		return SetProblem(p, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
						  pstrdup("duration_ms is out of range"),
						  psprintf("duration_ms is " INT64_FORMAT "; durations go up to %d milliseconds (about 24.8 days).",
								   f->duration_ms, ANALYTICS_DURATION_MS_MAX));

	for (int i = 0; i < (int) lengthof(texts); i++)
	{
		int			bytes = AnalyticsTextBytesOver(texts[i].value);

		if (bytes > 0)
			return SetProblem(p, ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
							  psprintf("%s is longer than %d bytes",
									   texts[i].name, ANALYTICS_TEXT_MAX_BYTES),
							  psprintf("%s takes %d bytes; identifiers are indexed, and an index entry holds at most %d bytes of each.",
									   texts[i].name, bytes, ANALYTICS_TEXT_MAX_BYTES));
	}

	if (at_ingestion && f->props != NULL)
	{
		if (!JB_ROOT_IS_OBJECT(f->props) || JB_ROOT_IS_SCALAR(f->props))
			return SetProblem(p, ERRCODE_INVALID_PARAMETER_VALUE,
							  pstrdup("props is not a JSON object"),
							  pstrdup("props holds the event's properties as an object such as {\"screen\": \"home\"}."));
		if (VARSIZE(f->props) > EVENT_PROPS_MAX_BYTES)
			return SetProblem(p, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
							  pstrdup("props is larger than 64 kB"),
							  psprintf("props takes %u bytes; the limit is %d.",
									   (unsigned) VARSIZE(f->props), EVENT_PROPS_MAX_BYTES));
	}
	return false;
}

/* A problem as one readable sentence, for analytics.rejected_events.reason */
static text *
ProblemReason(const EventProblemInfo *p)
{
	if (p->detail)
		return cstring_to_text(psprintf("%s. %s", p->message, p->detail));
	return cstring_to_text(p->message);
}

/*
 * analytics.event_check(event_name, props, occurred_at, session_id,
 *						 device_id, user_id, screen, duration_ms)
 *
 * Raises the first problem of an event as an error; returns nothing.
 */
PG_FUNCTION_INFO_V1(event_check);
Datum
event_check(PG_FUNCTION_ARGS)
{
	EventFields f;
	EventProblemInfo p;

	memset(&f, 0, sizeof(f));
	f.event_id_null = true;
	f.event_name = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	f.props = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	f.occurred_at_null = PG_ARGISNULL(2);
	f.occurred_at = f.occurred_at_null ? 0 : PG_GETARG_TIMESTAMPTZ(2);
	f.session_id = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	f.device_id = PG_ARGISNULL(4) ? NULL : PG_GETARG_TEXT_PP(4);
	f.user_id = PG_ARGISNULL(5) ? NULL : PG_GETARG_TEXT_PP(5);
	f.screen = PG_ARGISNULL(6) ? NULL : PG_GETARG_TEXT_PP(6);
	f.duration_ms_null = PG_ARGISNULL(7);
	f.duration_ms = f.duration_ms_null ? 0 : PG_GETARG_INT64(7);

	if (EventProblem(&f, AnalyticsNow(), true, &p))
		ereport(ERROR,
				(errcode(p.code),
				 errmsg("%s", p.message),
				 p.detail ? errdetail("%s", p.detail) : 0));
	PG_RETURN_VOID();
}

/*
 * A stored row's problem against the rules that hold whenever they are
 * checked (none depends on now, so a restore years later takes every row
 * it once took); false when there is none. Arguments: occurred_at,
 * received_at, event_name, session_id, device_id, user_id, screen,
 * duration_ms.
 */
static bool
StoredEventProblem(FunctionCallInfo fcinfo, EventProblemInfo *p)
{
	EventFields f;

	memset(&f, 0, sizeof(f));
	f.event_id_null = true;
	f.occurred_at_null = PG_ARGISNULL(0);
	f.occurred_at = f.occurred_at_null ? 0 : PG_GETARG_TIMESTAMPTZ(0);
	f.event_name = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	f.session_id = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	f.device_id = PG_ARGISNULL(4) ? NULL : PG_GETARG_TEXT_PP(4);
	f.user_id = PG_ARGISNULL(5) ? NULL : PG_GETARG_TEXT_PP(5);
	f.screen = PG_ARGISNULL(6) ? NULL : PG_GETARG_TEXT_PP(6);
	f.duration_ms_null = PG_ARGISNULL(7);
	f.duration_ms = f.duration_ms_null ? 0 : PG_GETARG_INT64(7);

	if (EventProblem(&f, 0, false, p))
		return true;
	if (!PG_ARGISNULL(1) && TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(1)))
		return SetProblem(p, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
						  pstrdup("received_at is not finite"),
						  pstrdup("received_at is when the event arrived, a date and time."));
	return false;
}

/*
 * analytics_internal._event_contract(occurred_at, received_at, event_name,
 *		session_id, device_id, user_id, screen, duration_ms)
 *
 * The CHECK constraint of analytics.events: raises a row's problem (see
 * StoredEventProblem), else returns true.
 */
PG_FUNCTION_INFO_V1(event_contract);
Datum
event_contract(PG_FUNCTION_ARGS)
{
	EventProblemInfo p;

	if (StoredEventProblem(fcinfo, &p))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s", p.message),
				 p.detail ? errdetail("%s", p.detail) : 0,
				 errhint("Every row of analytics.events keeps the event contract; "
						 "analytics.track_batch keeps the events it refuses in analytics.rejected_events instead.")));
	PG_RETURN_BOOL(true);
}

/*
 * analytics_internal._event_problem(the same arguments): a row's problem as one
 * sentence, NULL when it has none.
 */
PG_FUNCTION_INFO_V1(event_problem);
Datum
event_problem(PG_FUNCTION_ARGS)
{
	EventProblemInfo p;

	if (StoredEventProblem(fcinfo, &p))
		PG_RETURN_TEXT_P(ProblemReason(&p));
	PG_RETURN_NULL();
}

/* ---------- non-throwing parsers for JSON input ---------- */

static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Canonical 8-4-4-4-12 hexadecimal form */
static bool
ParseUuid(const char *s, int len, pg_uuid_t *out)
{
	int			n = 0;

	if (len != 36)
		return false;
	for (int i = 0; i < 36; i += 2)
	{
		int			hi,
					lo;

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
			i++;
		}
		hi = HexValue(s[i]);
		lo = HexValue(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out->data[n++] = (unsigned char) (hi << 4 | lo);
	}
	return n == UUID_LEN;
}

/* Text of a JSON string, or of a JSON number (apps send numeric ids) */
static text *
JsonScalarText(JsonbValue *v, bool allow_number)
{
	if (v->type == jbvString)
		return cstring_to_text_with_len(v->val.string.val, v->val.string.len);
	if (allow_number && v->type == jbvNumeric)
		return cstring_to_text(DatumGetCString(DirectFunctionCall1(numeric_out,
																   NumericGetDatum(v->val.numeric))));
	return NULL;
}

/* A JSON number that is a whole number within bigint */
static bool
JsonInt64(JsonbValue *v, int64 *out)
{
	char	   *s,
			   *end;
	long long	value;

	if (v->type != jbvNumeric)
		return false;
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	value = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return false;
	if (*end == '.')
	{
		for (end++; *end == '0'; end++)
			;
	}
	if (*end != '\0')
		return false;
	*out = (int64) value;
	return true;
}

static char *
JsonKey(JsonbValue *k)
{
	return pnstrdup(k->val.string.val, k->val.string.len);
}

/*
 * Fill *f from a JSON event object. Returns false with *p set when a field
 * has the wrong JSON type or format, or the object has an unknown field.
 */
static bool
EventFromJson(Jsonb *payload, TimestampTz received_at, EventFields *f,
			  EventProblemInfo *p)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;

	memset(f, 0, sizeof(*f));
	f->event_id_null = true;
	f->occurred_at_null = true;
	f->duration_ms_null = true;

	if (payload == NULL || !JB_ROOT_IS_OBJECT(payload) || JB_ROOT_IS_SCALAR(payload))
	{
		SetProblem(p, ERRCODE_INVALID_PARAMETER_VALUE,
				   pstrdup("event is not a JSON object"), NULL);
		return false;
	}

	it = JsonbIteratorInit(&payload->root);
	tok = JsonbIteratorNext(&it, &k, true);
	Assert(tok == WJB_BEGIN_OBJECT);
	while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
	{
		char	   *key = JsonKey(&k);
		bool		is_null;

		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		is_null = (v.type == jbvNull);

		if (strcmp(key, "event_id") == 0)
		{
			if (!is_null)
			{
				if (v.type != jbvString ||
					!ParseUuid(v.val.string.val, v.val.string.len, &f->event_id))
				{
					SetProblem(p, ERRCODE_INVALID_TEXT_REPRESENTATION,
							   pstrdup("event_id is not a UUID"),
							   pstrdup("event_id must be a string such as \"0b7e3a52-6c1f-4f8e-9d2a-3f5c7e1d9a40\"."));
					return false;
				}
				f->event_id_null = false;
			}
		}
		else if (strcmp(key, "occurred_at") == 0)
		{
			if (!is_null)
			{
				if (v.type != jbvString ||
					!AnalyticsParseIsoTimestamp(v.val.string.val, v.val.string.len, true,
												&f->occurred_at))
				{
					SetProblem(p, ERRCODE_INVALID_DATETIME_FORMAT,
							   pstrdup("occurred_at is not a valid timestamp with a time zone"),
							   pstrdup("occurred_at must be an ISO 8601 string with an offset, such as \"2026-11-22T09:30:00.250Z\"."));
					return false;
				}
				f->occurred_at_null = false;
			}
		}
		else if (strcmp(key, "duration_ms") == 0)
		{
			if (!is_null)
			{
				if (!JsonInt64(&v, &f->duration_ms))
				{
					SetProblem(p, ERRCODE_INVALID_TEXT_REPRESENTATION,
							   pstrdup("duration_ms is not a whole number"),
							   pstrdup("duration_ms must be a JSON number of milliseconds without a fraction."));
					return false;
				}
				f->duration_ms_null = false;
			}
		}
		else if (strcmp(key, "props") == 0)
		{
			if (!is_null)
			{
				if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
				{
					SetProblem(p, ERRCODE_INVALID_PARAMETER_VALUE,
							   pstrdup("props is not a JSON object"),
							   pstrdup("props holds the event's properties as an object such as {\"screen\": \"home\"}."));
					return false;
				}
				f->props = JsonbValueToJsonb(&v);
			}
		}
		else
		{
			static const char *const text_fields[] = {
				"event_name", "screen", "session_id", "device_id", "user_id"
			};
			text	  **slots[] = {
				&f->event_name, &f->screen, &f->session_id, &f->device_id, &f->user_id
			};
			int			i;

			for (i = 0; i < (int) lengthof(text_fields); i++)
				if (strcmp(key, text_fields[i]) == 0)
					break;
			if (i == (int) lengthof(text_fields))
			{
				SetProblem(p, ERRCODE_INVALID_PARAMETER_VALUE,
						   psprintf("unknown field \"%s\"", key),
						   pstrdup("Event fields are event_id, occurred_at, event_name, session_id, device_id, user_id, screen, duration_ms and props; put other data in props."));
				return false;
			}
			if (!is_null)
			{
				/* identifiers may be numbers; names must be strings */
				*slots[i] = JsonScalarText(&v, i >= 2);
				if (*slots[i] == NULL)
				{
					SetProblem(p, ERRCODE_INVALID_PARAMETER_VALUE,
							   psprintf("%s is not a %s", key, i >= 2 ? "string or number" : "string"),
							   NULL);
					return false;
				}
			}
		}
		pfree(key);
	}

	if (f->occurred_at_null)
	{
		f->occurred_at = received_at;
		f->occurred_at_null = false;
	}
	if (f->event_id_null)
	{
		if (!pg_strong_random(f->event_id.data, UUID_LEN))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate a random event_id")));
		f->event_id.data[6] = (f->event_id.data[6] & 0x0f) | 0x40;	/* version 4 */
		f->event_id.data[8] = (f->event_id.data[8] & 0x3f) | 0x80;	/* RFC 4122 */
		f->event_id_null = false;
	}
	return true;
}

/*
 * analytics.event_parse(payload jsonb, received_at timestamptz)
 *		returns analytics.parsed_event
 *
 * The event's columns, ready to insert, and problem: NULL when the event is
 * valid, else why it is refused. A missing event_id gets a random one; a
 * missing occurred_at is received_at; missing props are {}.
 */
PG_FUNCTION_INFO_V1(event_parse);
Datum
event_parse(PG_FUNCTION_ARGS)
{
	Jsonb	   *payload = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	TimestampTz received_at;
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10];
	EventFields f;
	EventProblemInfo p;
	bool		bad;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("received_at must not be null")));
	received_at = PG_GETARG_TIMESTAMPTZ(1);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	Assert(tupdesc->natts == lengthof(values));

	bad = !EventFromJson(payload, received_at, &f, &p) ||
		EventProblem(&f, received_at, true, &p);

	memset(nulls, true, sizeof(nulls));
	if (!bad)
	{
		pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

		memcpy(id, &f.event_id, sizeof(pg_uuid_t));
		values[0] = UUIDPGetDatum(id);
		values[1] = TimestampTzGetDatum(f.occurred_at);
		values[2] = PointerGetDatum(f.event_name);
		values[3] = PointerGetDatum(f.session_id);
		values[4] = PointerGetDatum(f.device_id);
		values[5] = PointerGetDatum(f.user_id);
		values[6] = PointerGetDatum(f.screen);
		values[7] = Int64GetDatum(f.duration_ms);
		values[8] = f.props ? JsonbPGetDatum(f.props)
			: DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
		nulls[0] = nulls[1] = nulls[8] = false;
		nulls[2] = false;
		nulls[3] = f.session_id == NULL;
		nulls[4] = f.device_id == NULL;
		nulls[5] = f.user_id == NULL;
		nulls[6] = f.screen == NULL;
		nulls[7] = f.duration_ms_null;
	}
	else
	{
		values[9] = PointerGetDatum(ProblemReason(&p));
		nulls[9] = false;
	}

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
