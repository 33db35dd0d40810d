/*-------------------------------------------------------------------------
 *
 * report_mail.c
 *	  Sending a report by email: the MIME message (the text, the report's
 *	  HTML as an alternative body when it is an HTML report, the file
 *	  attached under its media type) and its delivery to the mail server
 *	  over SMTP with libcurl.
 *
 * analytics.deliver_reports (src/reports.sql) calls _report_mail_send once
 * per queued delivery, after its claim is committed (src/jobs.c), and
 * records what the server answered. The server, the sender and the
 * credentials come from settings (analytics.smtp_*); the credentials are
 * visible to superusers only. Only smtp:// and smtps:// URLs are followed.
 *
 * The transfer checks for a cancel or termination while it waits for the
 * server: libcurl's progress callback stops it, and the interrupt is then
 * served once libcurl has let go of its handle. libcurl never installs
 * signal handlers here (CURLOPT_NOSIGNAL).
 *
 * Copyright (C) 2026, the analytics authors. GPL-3.0-or-later.
 *
 *-------------------------------------------------------------------------
 */
#include "analytics.h"

#include <time.h>

#include <curl/curl.h>

#include "common/base64.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/* The bytes of the message, read by libcurl as it uploads them */
typedef struct MailUpload
{
	const char *data;
	size_t		len;
	size_t		pos;
} MailUpload;

static size_t
mail_read(char *buffer, size_t size, size_t nitems, void *arg)
{
	MailUpload *up = (MailUpload *) arg;
	size_t		n = Min(size * nitems, up->len - up->pos);

	memcpy(buffer, up->data + up->pos, n);
	up->pos += n;
	return n;
}

/* libcurl's progress callback: stop the transfer on a cancel or terminate */
static int
mail_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void) arg;
	(void) dltotal;
	(void) dlnow;
	(void) ultotal;
	(void) ulnow;
	return InterruptPending ? 1 : 0;
}

/* Append len bytes as base64, in lines of 76 characters (RFC 2045) */
static void
append_base64(StringInfo buf, const char *data, int len)
{
	int			enc_len = pg_b64_enc_len(len);
	char	   *enc = palloc(enc_len + 1);
	int			n = pg_b64_encode(data, len, enc, enc_len);
	int			i;

	if (n < 0)
		elog(ERROR, "could not encode a mail part in base64");
	for (i = 0; i < n; i += 76)
	{
		appendBinaryStringInfo(buf, enc + i, Min(76, n - i));
		appendStringInfoString(buf, "\r\n");
	}
	pfree(enc);
}

/*
 * A header value that may hold any UTF-8 text: as it is when it is
 * printable ASCII, else as RFC 2047 encoded words of whole characters,
 * folded onto continuation lines.
 */
static void
append_header_text(StringInfo buf, const char *s)
{
	const char *p;
	bool		ascii = true;
	int			len = strlen(s);
	int			start = 0;

	for (p = s; *p; p++)
		if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
			ascii = false;
	if (ascii && len <= 900)
	{
		appendStringInfoString(buf, s);
		return;
	}
	while (start < len)
	{
		int			end = start;

		/* at most 45 bytes (60 base64 characters) per word */
		while (end < len && end - start + pg_mblen(s + end) <= 45)
			end += pg_mblen(s + end);
		if (end == start)
			end = Min(len, start + pg_mblen(s + start));
		if (start > 0)
			appendStringInfoString(buf, "\r\n ");
		appendStringInfoString(buf, "=?UTF-8?B?");
		{
			int			enc_len = pg_b64_enc_len(end - start);
			char	   *enc = palloc(enc_len + 1);
			int			n = pg_b64_encode(s + start, end - start, enc, enc_len);

			if (n < 0)
				elog(ERROR, "could not encode a mail header in base64");
			appendBinaryStringInfo(buf, enc, n);
			pfree(enc);
		}
		appendStringInfoString(buf, "?=");
		start = end;
	}
}

/* A text part: UTF-8, in base64 (so that no line is too long) */
static void
append_text_part(StringInfo buf, const char *boundary, const char *subtype, const char *text)
{
	appendStringInfo(buf, "--%s\r\nContent-Type: text/%s; charset=utf-8\r\n"
					 "Content-Transfer-Encoding: base64\r\n\r\n", boundary, subtype);
	append_base64(buf, text, strlen(text));
}

/* Whether a header field's value would end the header or start another */
static bool
has_line_break(const char *s)
{
	return strchr(s, '\r') != NULL || strchr(s, '\n') != NULL;
}

/* The address in "Name <address>", or the whole text */
static char *
mail_address(const char *s)
{
	const char *lt = strrchr(s, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;

	if (lt && gt)
		return pnstrdup(lt + 1, gt - lt - 1);
	return pstrdup(s);
}

/*
 * The message, RFC 5322 and MIME: multipart/mixed of the text (with the
 * HTML as an alternative when there is one) and the attached file.
 */
static char *
build_message(const char *sender, const char *recipient, const char *subject, const char *body,
			  const char *html, const char *filename, const char *media_type,
			  const char *file, int file_len, const char *message_id)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	StringInfoData buf;
	char		boundary[64];
	char		alternative[72];
	uint8		random[8];
	time_t		now = time(NULL);
	struct tm	tm;

	if (!pg_strong_random(random, sizeof(random)))
		memset(random, 0, sizeof(random));
	snprintf(boundary, sizeof(boundary), "=_analytics_%02x%02x%02x%02x%02x%02x%02x%02x",
			 random[0], random[1], random[2], random[3], random[4], random[5], random[6], random[7]);
	snprintf(alternative, sizeof(alternative), "%s_alt", boundary);
	gmtime_r(&now, &tm);

	initStringInfo(&buf);
	appendStringInfo(&buf, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
					 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
					 tm.tm_hour, tm.tm_min, tm.tm_sec);
	appendStringInfo(&buf, "From: %s\r\nTo: %s\r\nSubject: ", sender, recipient);
	append_header_text(&buf, subject);
	appendStringInfo(&buf, "\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
					 "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
					 "This is a message in MIME format.\r\n", message_id, boundary);
	if (html != NULL)
	{
		appendStringInfo(&buf, "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
						 boundary, alternative);
		append_text_part(&buf, alternative, "plain", body);
		append_text_part(&buf, alternative, "html", html);
		appendStringInfo(&buf, "--%s--\r\n", alternative);
	}
	else
		append_text_part(&buf, boundary, "plain", body);
	appendStringInfo(&buf, "--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
					 "Content-Transfer-Encoding: base64\r\n"
					 "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
					 boundary, media_type, filename, filename);
	append_base64(&buf, file, file_len);
	appendStringInfo(&buf, "--%s--\r\n", boundary);
	return buf.data;
}

/*
 * _report_mail_send(recipient, subject, body, html, filename, media_type,
 * file, message_id): sends one message to one recipient through the mail
 * server of analytics.smtp_server; NULL when the server accepted it, else
 * why not (the server's answer, or why it could not be reached). Errors
 * only on a cancel (served after the transfer stopped) and on arguments
 * that would break the message's header.
 */
PG_FUNCTION_INFO_V1(report_mail_send);
Datum
report_mail_send(PG_FUNCTION_ARGS)
{
	char	   *recipient;
	char	   *subject;
	char	   *body;
	char	   *html;
	char	   *filename;
	char	   *media_type;
	bytea	   *file;
	char	   *message_id;
	char	   *message;
	char	   *from;
	char	   *rcpt;
	MailUpload	up;
	CURL	   *curl;
	CURLcode	res;
	struct curl_slist *rcpts = NULL;
	char		errbuf[CURL_ERROR_SIZE];
	long		response = 0;
	char	   *error = NULL;
	int			i;

	for (i = 0; i < 8; i++)
		if (i != 3 && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a report's message needs its recipient, subject, text, file name, media type, file and id")));
	recipient = text_to_cstring(PG_GETARG_TEXT_PP(0));
	subject = text_to_cstring(PG_GETARG_TEXT_PP(1));
	body = text_to_cstring(PG_GETARG_TEXT_PP(2));
	html = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	filename = text_to_cstring(PG_GETARG_TEXT_PP(4));
	media_type = text_to_cstring(PG_GETARG_TEXT_PP(5));
	file = PG_GETARG_BYTEA_PP(6);
	message_id = text_to_cstring(PG_GETARG_TEXT_PP(7));

	if (has_line_break(recipient) || has_line_break(subject) || has_line_break(filename) ||
		has_line_break(media_type) || has_line_break(message_id) || strchr(filename, '"') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a mail header must not contain a line break"),
				 errdetail("The recipient, subject, file name, media type and message id are written into the message's header.")));

	if (analytics_smtp_server == NULL || analytics_smtp_server[0] == '\0')
		PG_RETURN_TEXT_P(cstring_to_text("no mail server is set (analytics.smtp_server)"));
	if (analytics_smtp_sender == NULL || analytics_smtp_sender[0] == '\0' ||
		has_line_break(analytics_smtp_sender))
		PG_RETURN_TEXT_P(cstring_to_text("no sender is set (analytics.smtp_sender)"));

	message = build_message(analytics_smtp_sender, recipient, subject, body, html, filename, media_type,
							VARDATA_ANY(file), VARSIZE_ANY_EXHDR(file), message_id);
	from = psprintf("<%s>", mail_address(analytics_smtp_sender));
	rcpt = psprintf("<%s>", mail_address(recipient));
	up.data = message;
	up.len = strlen(message);
	up.pos = 0;
	errbuf[0] = '\0';

	/* nothing below allocates or raises until libcurl is done */
	curl = curl_easy_init();
	if (curl == NULL)
		PG_RETURN_TEXT_P(cstring_to_text("could not start libcurl"));
	rcpts = curl_slist_append(NULL, rcpt);
	if (rcpts == NULL)
	{
		curl_easy_cleanup(curl);
		PG_RETURN_TEXT_P(cstring_to_text("out of memory in libcurl"));
	}
	curl_easy_setopt(curl, CURLOPT_URL, analytics_smtp_server);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	if (analytics_smtp_user != NULL && analytics_smtp_user[0] != '\0')
	{
		curl_easy_setopt(curl, CURLOPT_USERNAME, analytics_smtp_user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, analytics_smtp_password ? analytics_smtp_password : "");
	}
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
					 analytics_smtp_tls == ANALYTICS_SMTP_TLS_REQUIRE ? (long) CURLUSESSL_ALL :
					 analytics_smtp_tls == ANALYTICS_SMTP_TLS_TRY ? (long) CURLUSESSL_TRY : (long) CURLUSESSL_NONE);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long) analytics_smtp_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long) analytics_smtp_timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, mail_progress);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	res = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(curl);

	if (res == CURLE_ABORTED_BY_CALLBACK)
		CHECK_FOR_INTERRUPTS();
	if (res != CURLE_OK)
	{
		error = psprintf("%s%s%s", curl_easy_strerror(res), errbuf[0] ? ": " : "", errbuf);
		if (response > 0)
			error = psprintf("%s (the server answered %ld)", error, response);
		PG_RETURN_TEXT_P(cstring_to_text(error));
	}
	PG_RETURN_NULL();
}
