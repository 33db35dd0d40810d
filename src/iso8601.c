/*-------------------------------------------------------------------------
 *
 * iso8601.c
 *	  ISO 8601 / RFC 3339 timestamps, parsed without the session's DateStyle
 *	  and TimeZone (see analytics.h).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "analytics.h"

/* Read exactly "digits" decimal digits at *pos */
static bool
ReadDigits(const char *s, int len, int *pos, int digits, int *value)
{
	int			v = 0;

	if (*pos + digits > len)
		return false;
	for (int i = 0; i < digits; i++)
	{
		char		c = s[*pos + i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*pos += digits;
	*value = v;
	return true;
}

bool
AnalyticsParseIsoTimestamp(const char *s, int len, bool need_offset, TimestampTz *out)
{
	struct pg_tm tm;
	int			pos = 0;
	int			offset = 0;
	int64		usec = 0;
	Timestamp	result;
	int			tz;

	memset(&tm, 0, sizeof(tm));
	if (!ReadDigits(s, len, &pos, 4, &tm.tm_year) || pos >= len || s[pos++] != '-' ||
		!ReadDigits(s, len, &pos, 2, &tm.tm_mon) || pos >= len || s[pos++] != '-' ||
		!ReadDigits(s, len, &pos, 2, &tm.tm_mday))
		return false;
	if (pos == len && !need_offset)
		goto decoded;			/* a date alone: its midnight, UTC */
	if (pos >= len || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' '))
		return false;
	pos++;
	if (!ReadDigits(s, len, &pos, 2, &tm.tm_hour) || pos >= len || s[pos++] != ':' ||
		!ReadDigits(s, len, &pos, 2, &tm.tm_min))
		return false;
	if (pos < len && s[pos] == ':')
	{
		pos++;
		if (!ReadDigits(s, len, &pos, 2, &tm.tm_sec))
			return false;
		if (pos < len && (s[pos] == '.' || s[pos] == ','))
		{
			int64		scale = 100000;
			int			ndigits = 0;

			pos++;
			while (pos < len && s[pos] >= '0' && s[pos] <= '9')
			{
				if (ndigits < 6)
					usec += (s[pos] - '0') * scale;
				else if (ndigits == 6 && s[pos] >= '5')
					usec += 1;
				scale /= 10;
				ndigits++;
				pos++;
			}
			if (ndigits == 0)
				return false;
		}
	}
	if (pos >= len)
	{
		if (need_offset)
			return false;		/* no offset: the instant would be ambiguous */
	}
	else if (s[pos] == 'Z' || s[pos] == 'z')
		pos++;
	else if (s[pos] == '+' || s[pos] == '-')
	{
		int			sign = s[pos] == '-' ? -1 : 1;
		int			oh,
					om = 0;

		pos++;
		if (!ReadDigits(s, len, &pos, 2, &oh))
			return false;
		if (pos < len && s[pos] == ':')
		{
			pos++;
			if (!ReadDigits(s, len, &pos, 2, &om))
				return false;	/* a colon needs its minutes */
		}
		else if (pos < len && !ReadDigits(s, len, &pos, 2, &om))
			return false;
		if (oh > MAX_TZDISP_HOUR || om > 59)
			return false;
		offset = sign * (oh * SECS_PER_HOUR + om * SECS_PER_MINUTE);
	}
	else
		return false;
	if (pos != len)
		return false;

decoded:
	if (tm.tm_year < 1 || tm.tm_mon < 1 || tm.tm_mon > MONTHS_PER_YEAR ||
		tm.tm_mday < 1 ||
		tm.tm_mday > day_tab[isleap(tm.tm_year)][tm.tm_mon - 1] ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return false;

	tz = -offset;				/* PostgreSQL counts zones west of UTC */
	if (tm2timestamp(&tm, 0, &tz, &result) != 0)
		return false;
	result += usec;
	/* years 1 to 9999 in UTC: the offset may have moved the instant out */
	if (result < (date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY ||
		result >= (date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY)
		return false;
	*out = result;
	return true;
}
