/*-------------------------------------------------------------------------
 *
 * cron.c
 *	  pg_cron 1.4 schedules: parsing, validation and the next run.
 *
 * pg_cron 1.4 reads a schedule with Paul Vixie's cron parser (its
 * src/entry.c), in UTC (1.4 has no cron.timezone):
 *
 *	- five fields separated by spaces or tabs: minute (0-59), hour (0-23),
 *	  day of month (1-31), month (1-12 or jan-dec), day of week (0-7, 0 and 7
 *	  both Sunday, or sun-sat); names are three letters, in any case, and only
 *	  in those two fields;
 *	- each field a comma-separated list of elements: *, a number, a range
 *	  a-b, optionally followed by a step (*\/5, 1-10/2); a step after a single
 *	  number (5/2) or a step of 0 is an error;
 *	- or one of the macros @yearly, @annually (0 0 1 1 *), @monthly
 *	  (0 0 1 * *), @weekly (0 0 * * 0), @daily, @midnight (0 0 * * *),
 *	  @hourly (0 * * * *), @reboot and @restart (when pg_cron starts: no
 *	  time of day, so no next run), lowercase only;
 *	- when both day of month and day of week are restricted (neither field
 *	  starts with *), a day matches if either matches; otherwise both must
 *	  (so "0 0 1-7 * 1" is the 1st to the 7th and every Monday, while
 *	  "0 0 *\/2 * 1" is the odd days that are Mondays).
 *	- no seconds ("30 seconds" came in pg_cron 1.5), no "$" (last day of
 *	  the month, 1.6), no L, W or #.
 *
 * Stricter than pg_cron 1.4 where it silently ignores text: a field with
 * trailing characters (5; or 1-5-7 or *5, which pg_cron reads as 5, 1-5 and
 * *), a sixth field (which pg_cron ignores), and a reversed range (5-1,
 * which sets no minute or, across bytes of pg_cron's bit strings, an odd set)
 * are errors here.
 *
 * The next run: the first minute strictly after a given time that the
 * schedule matches. Day by day from there: the Gregorian calendar repeats,
 * weekdays included, every 400 years (146097 days, 20871 weeks), so a
 * schedule that matches no day in 400 years never matches (0 0 30 2 *,
 * which cron accepts): then NULL, as for @reboot.
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "analytics.h"

/* Longest schedule read (pg_cron's own buffer is of this order) */
#define CRON_MAX_SCHEDULE_BYTES	1000

/* Days in a full cycle of the Gregorian calendar, weekdays included */
#define CRON_GREGORIAN_CYCLE_DAYS	146097

typedef struct CronSchedule
{
	uint64		minutes;		/* bit m: minute m, 0-59 */
	uint32		hours;			/* bit h: hour h, 0-23 */
	uint32		doms;			/* bit d: day of month d, 1-31 */
	uint32		months;			/* bit m: month m, 1-12 */
	uint32		dows;			/* bit d: weekday d, 0-6 (Sunday 0; 7 folded into 0) */
	bool		dom_star;		/* day-of-month field starts with * */
	bool		dow_star;		/* day-of-week field starts with * */
	bool		reboot;			/* @reboot, @restart: no time of day */
} CronSchedule;

typedef struct CronField
{
	const char *name;			/* for messages */
	const char *units;			/* for the detail: "minutes" */
	int			low;
	int			high;
	const char *const *names;	/* three-letter names of low, low + 1, ... */
} CronField;

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec", NULL
};

static const char *const dow_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

static const CronField cron_fields[5] = {
	{"minute", "Minutes go from 0 to 59.", 0, 59, NULL},
	{"hour", "Hours go from 0 to 23.", 0, 23, NULL},
	{"day-of-month", "Days of the month go from 1 to 31.", 1, 31, NULL},
	{"month", "Months go from 1 to 12, or jan to dec.", 1, 12, month_names},
	{"day-of-week", "Days of the week go from 0 to 7 (0 and 7 are Sunday), or sun to sat.", 0, 7, dow_names}
};

static void
CronFieldError(const char *schedule, const CronField *f, const char *field, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s field \"%s\" in schedule \"%s\"", f->name, field, schedule),
			 errdetail("%s", detail)));
}

/*
 * One value of a field at s[*pos]: digits, or (where the field has names) a
 * three-letter name in any case. pg_cron reads a run of letters and digits.
 */
static int
CronReadValue(const char *schedule, const CronField *f, const char *field, int *pos)
{
	int			start = *pos;
	int			len;
	bool		digits = true;
	int			value = 0;

	while (isalnum((unsigned char) field[*pos]))
	{
		if (!isdigit((unsigned char) field[*pos]))
			digits = false;
		(*pos)++;
	}
	len = *pos - start;
	if (len == 0)
		CronFieldError(schedule, f, field,
					   "Each element of a list is *, a number or a range such as 1-5, optionally with a step such as */10 or 1-30/5.");
	if (!digits)
	{
		if (f->names != NULL && len == 3)
		{
			for (int i = 0; f->names[i] != NULL; i++)
				if (pg_strncasecmp(f->names[i], field + start, 3) == 0)
					return f->low + i;
		}
		CronFieldError(schedule, f, field,
					   f->names != NULL ? f->units :
					   "Only the month and day-of-week fields take names; this one takes numbers.");
	}
	for (int i = start; i < *pos; i++)
	{
		value = value * 10 + (field[i] - '0');
		if (value > 1000)
			break;
	}
	if (value < f->low || value > f->high)
		CronFieldError(schedule, f, field, f->units);
	return value;
}

/* A step after "/": a whole number from 1 up (any size) */
static int
CronReadStep(const char *schedule, const CronField *f, const char *field, int *pos)
{
	int			start = *pos;
	int			step = 0;

	while (isdigit((unsigned char) field[*pos]))
	{
		if (step <= 1000)
			step = step * 10 + (field[*pos] - '0');
		(*pos)++;
	}
	if (*pos == start || step == 0)
		CronFieldError(schedule, f, field, "A step is a whole number from 1 up, as in */5.");
	return step;
}

/*
 * One field into bits (bit v for value v). *star: the field starts with *.
 */
static uint64
CronParseField(const char *schedule, const CronField *f, const char *field, bool *star)
{
	uint64		bits = 0;
	int			pos = 0;

	*star = field[0] == '*';
	for (;;)
	{
		int			first;
		int			last;
		int			step = 1;
		bool		range;

		if (field[pos] == '*')
		{
			first = f->low;
			last = f->high;
			range = true;
			pos++;
		}
		else
		{
			first = last = CronReadValue(schedule, f, field, &pos);
			range = field[pos] == '-';
			if (range)
			{
				pos++;
				last = CronReadValue(schedule, f, field, &pos);
				if (last < first)
					CronFieldError(schedule, f, field,
								   "A range goes from the smaller value to the larger, as in 1-5.");
			}
		}
		if (field[pos] == '/')
		{
			if (!range)
				CronFieldError(schedule, f, field,
							   "A step needs a range or *, as in */5 or 1-10/2 (pg_cron 1.4 rejects 5/2).");
			pos++;
			step = CronReadStep(schedule, f, field, &pos);
		}
		for (int v = first; v <= last; v += step)
			bits |= UINT64CONST(1) << v;
		if (field[pos] == '\0')
			break;
		if (field[pos] != ',' || field[pos + 1] == '\0')
			CronFieldError(schedule, f, field,
						   "Elements of a list are separated by commas, as in 1,15,30; each is *, a number or a range such as 1-5, optionally with a step such as */10 or 1-30/5.");
		pos++;
	}
	return bits;
}

static bool
CronIsBlank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parse a schedule, raising invalid_parameter_value with the bad field named
 * when it is not one pg_cron 1.4 runs.
 */
static void
CronParse(const char *schedule, CronSchedule *cs)
{
	size_t		len = strlen(schedule);
	char	   *copy;
	char	   *fields[6];
	int			nfields = 0;
	char	   *p;

	memset(cs, 0, sizeof(*cs));
	if (len > CRON_MAX_SCHEDULE_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schedule is too long"),
				 errdetail("A schedule takes at most %d bytes; this one takes %zu.",
						   CRON_MAX_SCHEDULE_BYTES, len)));

	copy = pstrdup(schedule);
	p = copy;
	for (;;)
	{
		while (CronIsBlank(*p))
			p++;
		if (*p == '\0')
			break;
		if (nfields < 6)
			fields[nfields] = p;
		nfields++;
		while (*p != '\0' && !CronIsBlank(*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}

	if (nfields == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schedule is empty"),
				 errdetail("A schedule has five fields (minute, hour, day of month, month, day of week), as in \"7 0 * * *\", or is a macro such as @daily.")));

	if (fields[0][0] == '@')
	{
		const char *m = fields[0] + 1;

		if (nfields > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("text after the macro in schedule \"%s\"", schedule),
					 errdetail("A macro such as @daily is the whole schedule.")));
		if (strcmp(m, "yearly") == 0 || strcmp(m, "annually") == 0)
		{
			cs->doms = 1 << 1;
			cs->months = 1 << 1;
		}
		else if (strcmp(m, "monthly") == 0)
		{
			cs->doms = 1 << 1;
			cs->months = 0x1FFE;
		}
		else if (strcmp(m, "weekly") == 0)
		{
			cs->doms = 0xFFFFFFFE;
			cs->months = 0x1FFE;
			cs->dows = 1;
			cs->dom_star = true;
		}
		else if (strcmp(m, "daily") == 0 || strcmp(m, "midnight") == 0 ||
				 strcmp(m, "hourly") == 0)
		{
			cs->doms = 0xFFFFFFFE;
			cs->months = 0x1FFE;
			cs->dows = 0x7F;
			cs->dom_star = true;
			if (m[0] == 'h')
				cs->hours = 0xFFFFFF;
		}
		else if (strcmp(m, "reboot") == 0 || strcmp(m, "restart") == 0)
			cs->reboot = true;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown macro \"%s\" in schedule \"%s\"", fields[0], schedule),
					 errdetail("pg_cron 1.4 knows @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @reboot and @restart, in lowercase.")));
		cs->minutes = 1;
		if (cs->hours == 0)
			cs->hours = 1;
		pfree(copy);
		return;
	}

	if (nfields != 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schedule \"%s\" has %d fields, not 5", schedule, nfields),
				 errdetail("A schedule has five fields: minute, hour, day of month, month and day of week, as in \"7 0 * * *\" (pg_cron 1.4 has no seconds or years).")));

	{
		bool		star;
		uint64		dows;

		cs->minutes = CronParseField(schedule, &cron_fields[0], fields[0], &star);
		cs->hours = (uint32) CronParseField(schedule, &cron_fields[1], fields[1], &star);
		cs->doms = (uint32) CronParseField(schedule, &cron_fields[2], fields[2], &cs->dom_star);
		cs->months = (uint32) CronParseField(schedule, &cron_fields[3], fields[3], &star);
		dows = CronParseField(schedule, &cron_fields[4], fields[4], &cs->dow_star);
		/* Sunday is 0 and 7 */
		if (dows & (UINT64CONST(1) << 7))
			dows |= 1;
		cs->dows = (uint32) (dows & 0x7F);
	}
	pfree(copy);
}

/* Does the schedule run on this day? */
static bool
CronDayMatches(const CronSchedule *cs, int month, int mday, int wday)
{
	bool		dom;
	bool		dow;

	if (!(cs->months & (1U << month)))
		return false;
	dom = (cs->doms & (1U << mday)) != 0;
	dow = (cs->dows & (1U << wday)) != 0;
	if (cs->dom_star || cs->dow_star)
		return dom && dow;
	return dom || dow;
}

/* Smallest set bit >= from in bits below limit, or -1 */
static int
CronNextBit(uint64 bits, int from, int limit)
{
	for (int i = from; i < limit; i++)
		if (bits & (UINT64CONST(1) << i))
			return i;
	return -1;
}

/*
 * The first minute strictly after "after" that the schedule matches, in
 * UTC; false when there is none (in the timestamp range, or ever).
 */
static bool
CronNextRun(const CronSchedule *cs, TimestampTz after, TimestampTz *result)
{
	int64		minute;
	int64		day;
	int			hour0;
	int			min0;

	if (cs->reboot || TIMESTAMP_NOT_FINITE(after))
		return false;

	/* the minute after the one "after" is in (floor division) */
	minute = after / USECS_PER_MINUTE;
	if (after < 0 && after % USECS_PER_MINUTE != 0)
		minute--;
	minute++;
	day = minute / MINS_PER_HOUR / HOURS_PER_DAY;
	if (minute < 0 && minute % (MINS_PER_HOUR * HOURS_PER_DAY) != 0)
		day--;
	min0 = (int) (minute - day * MINS_PER_HOUR * HOURS_PER_DAY);
	hour0 = min0 / MINS_PER_HOUR;
	min0 %= MINS_PER_HOUR;

	for (int i = 0; i <= CRON_GREGORIAN_CYCLE_DAYS; i++)
	{
		int			jd = (int) (day + POSTGRES_EPOCH_JDATE);
		int			year;
		int			month;
		int			mday;

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		j2date(jd, &year, &month, &mday);
		if (CronDayMatches(cs, month, mday, j2day(jd)))
		{
			for (int h = CronNextBit(cs->hours, hour0, HOURS_PER_DAY); h >= 0;
				 h = CronNextBit(cs->hours, h + 1, HOURS_PER_DAY))
			{
				int			m = CronNextBit(cs->minutes, h == hour0 ? min0 : 0, MINS_PER_HOUR);

				if (m >= 0)
				{
					TimestampTz ts = (day * HOURS_PER_DAY + h) * USECS_PER_HOUR + m * USECS_PER_MINUTE;

					if (!IS_VALID_TIMESTAMP(ts))
						return false;
					*result = ts;
					return true;
				}
			}
		}
		day++;
		hour0 = 0;
		min0 = 0;
		if (!IS_VALID_TIMESTAMP(day * USECS_PER_DAY))
			return false;
	}
	return false;
}

/* cron_validate(schedule): true, or an error naming the bad field */
PG_FUNCTION_INFO_V1(cron_validate);
Datum
cron_validate(PG_FUNCTION_ARGS)
{
	CronSchedule cs;

	CronParse(text_to_cstring(PG_GETARG_TEXT_PP(0)), &cs);
	PG_RETURN_BOOL(true);
}

/* cron_next(schedule, after): the first run strictly after "after", or NULL */
PG_FUNCTION_INFO_V1(cron_next);
Datum
cron_next(PG_FUNCTION_ARGS)
{
	CronSchedule cs;
	TimestampTz after = PG_GETARG_TIMESTAMPTZ(1);
	TimestampTz result;

	CronParse(text_to_cstring(PG_GETARG_TEXT_PP(0)), &cs);
	if (TIMESTAMP_NOT_FINITE(after))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cron_next needs a finite time")));
	if (!CronNextRun(&cs, after, &result))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(result);
}
