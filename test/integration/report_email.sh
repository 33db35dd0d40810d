#!/usr/bin/env bash
# Reports by email through a real SMTP server (aiosmtpd, test/integration/
# smtp_sink.py, on 127.0.0.1), started and stopped by the test:
#
#   1. A monthly PDF report scheduled to two recipients (schedule_report),
#      run by its job at a fixed time (analytics.mock_now: 2026-03-01 06:00),
#      and an HTML report queued by email_report to a third: three deliveries.
#   2. The server is down: the report_delivery job tries each once; each is
#      queued again for a minute later with the connection error recorded,
#      and nothing is sent.
#   3. The server is up, a minute later: the job sends all three; each
#      message arrives once, to its recipient, from the sender, with the
#      subject and text asked for, and its attachment (named after the
#      report, under its media type) byte-identical to report_file(id); the
#      HTML report is also the message's HTML body. Message-IDs name the
#      deliveries.
#   4. Another run sends nothing again (each delivery once).
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -At"
PY=/usr/bin/python3
db=analytics_mail
mail="$WORK/report_email"
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sink_pid=

cleanup() {
	if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null || true; fi
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$mail" && mkdir -p "$mail"

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
$PSQL -d "$db" >/dev/null <<SQL
CREATE EXTENSION analytics;
-- the mail server of this database (as an administrator would set it)
ALTER DATABASE $db SET analytics.smtp_server = 'smtp://127.0.0.1:$port';
ALTER DATABASE $db SET analytics.smtp_sender = 'Analytics <reports@example.com>';
ALTER DATABASE $db SET analytics.mock_now = '2026-03-01 06:00:00+00';
CREATE TABLE public.sales (day date, channel text, amount numeric);
INSERT INTO public.sales VALUES ('2026-02-03', 'web', 12.5), ('2026-02-17', 'app', 30), ('2026-03-02', 'web', 99);
SELECT analytics.create_report_template('sales', 'Sales', \$j\$[
	{"kind": "text", "text": "Sales of {from} to {to}."},
	{"kind": "table", "name": "by_day", "title": "By day", "main": true,
	 "query": "SELECT s.day, s.channel, s.amount FROM public.sales s WHERE s.day BETWEEN \$1 AND \$2 ORDER BY s.day",
	 "columns": {"amount": {"label": "Amount", "format": "#,##0.00"}}},
	{"kind": "chart", "title": "Amount", "chart": "bar", "source": "public.sales", "x": "day", "y": ["amount"]}
	]\$j\$);
SELECT analytics.schedule_report('sales_monthly', 'sales', 'pdf', '0 6 1 * *',
	ARRAY['ann@example.com', 'bob@example.com'], subject => 'Sales of February, €', message => 'Here it is.');
SQL
$PSQL -d "$db" -c "SELECT analytics.run_job('sales_monthly')" >/dev/null
$PSQL -d "$db" -c "SELECT analytics.email_report(analytics.generate_report('sales', 'monthly', 'html', name => 'Sales (HTML)'),
	ARRAY['cat@example.com'], message => 'The HTML one.')" >/dev/null
[ "$($PSQL -d "$db" -c "SELECT count(*) FROM analytics.report_deliveries WHERE status = 'queued'")" = 3 ] ||
	{ echo "expected 3 queued deliveries"; $PSQL -d "$db" -c "TABLE analytics.report_deliveries"; exit 1; }

# 2. the server is down
$PSQL -d "$db" -c "SELECT analytics.run_job('report_delivery')" >/dev/null 2>"$mail/down.err"
state=$($PSQL -d "$db" -c "SELECT string_agg(recipient || ' ' || status || ' ' || attempts || ' ' || next_attempt_at
	|| ' ' || (last_error ~ 'connect'), ', ' ORDER BY recipient) FROM analytics.report_deliveries")
expected="ann@example.com queued 1 2026-03-01 06:01:00+00 true, bob@example.com queued 1 2026-03-01 06:01:00+00 true, cat@example.com queued 1 2026-03-01 06:01:00+00 true"
[ "$state" = "$expected" ] || { echo "server down: got '$state'"; echo "expected '$expected'"; cat "$mail/down.err"; exit 1; }
[ -z "$(ls "$mail")" ] || [ "$(ls "$mail")" = down.err ] || { echo "something arrived while the server was down"; exit 1; }

# 3. the server is up, a minute later
$PY "$ROOT/test/integration/smtp_sink.py" "$mail" "$port" &
sink_pid=$!
for i in $(seq 1 100); do [ -e "$mail/ready" ] && break; sleep 0.1; done
[ -e "$mail/ready" ] || { echo "the SMTP server did not start"; exit 1; }
$PSQL -d "$db" -c "ALTER DATABASE $db SET analytics.mock_now = '2026-03-01 06:01:00+00'"
$PSQL -d "$db" -c "SELECT analytics.run_job('report_delivery')" >/dev/null
state=$($PSQL -d "$db" -c "SELECT string_agg(recipient || ' ' || status || ' ' || attempts || ' ' || sent_at
	|| ' ' || (last_error IS NULL), ', ' ORDER BY recipient) FROM analytics.report_deliveries")
expected="ann@example.com sent 2 2026-03-01 06:01:00+00 true, bob@example.com sent 2 2026-03-01 06:01:00+00 true, cat@example.com sent 2 2026-03-01 06:01:00+00 true"
[ "$state" = "$expected" ] || { echo "server up: got '$state'"; echo "expected '$expected'"; exit 1; }

# the files as the database has them, and what each message must be
$PSQL -d "$db" -F '|' -c "SELECT d.id, d.recipient, r.id, r.media_type, r.format
	FROM analytics.report_deliveries d JOIN analytics.reports r ON r.id = d.report ORDER BY d.recipient" >"$mail/expected"
while IFS='|' read -r _ _ report _; do
	$PSQL -d "$db" -c "SELECT encode(analytics.report_file('$report'), 'base64')" | base64 -d >"$mail/$report.file"
done <"$mail/expected"

# 4. another run sends nothing again
$PSQL -d "$db" -c "ALTER DATABASE $db SET analytics.mock_now = '2026-03-01 07:00:00+00'"
[ "$($PSQL -d "$db" -c "SELECT analytics.deliver_reports()")" = 0 ] || { echo "a second run sent again"; exit 1; }
sleep 0.5

$PY - "$mail" <<'PY'
import email
import email.policy
import glob
import os
import sys

mail = sys.argv[1]
expected = {}
for line in open(os.path.join(mail, 'expected')):
    delivery, recipient, report, media_type, fmt = line.rstrip('\n').split('|')
    expected[recipient] = (delivery, report, media_type, fmt)
messages = sorted(glob.glob(os.path.join(mail, '*.eml')))
assert len(messages) == 3, 'expected 3 messages, got %d' % len(messages)
seen = set()
for path in messages:
    envelope = open(path[:-4] + '.envelope').read().split()
    raw = open(path, 'rb').read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert envelope[0] == 'reports@example.com', envelope
    assert len(envelope) == 2, envelope
    recipient = envelope[1]
    assert recipient not in seen, 'sent twice to ' + recipient
    seen.add(recipient)
    delivery, report, media_type, fmt = expected[recipient]
    assert msg['To'] == recipient, msg['To']
    assert msg['From'] == 'Analytics <reports@example.com>', msg['From']
    assert msg['Message-ID'] == '<report-delivery-%s.%s@analytics>' % (delivery, report), msg['Message-ID']
    assert msg['MIME-Version'] == '1.0'
    assert msg['Date'] is not None
    attachments = [p for p in msg.iter_attachments()]
    assert len(attachments) == 1, 'attachments: %d' % len(attachments)
    a = attachments[0]
    want = open(os.path.join(mail, report + '.file'), 'rb').read()
    assert a.get_content_type() == media_type.split(';')[0], a.get_content_type()
    got = a.get_payload(decode=True)
    assert got == want, '%s: attachment of %d bytes differs from report_file (%d bytes)' % (recipient, len(got), len(want))
    if fmt == 'pdf':
        assert got.startswith(b'%PDF-'), 'not a PDF'
        assert a.get_filename() == 'sales_2026-02-01_to_2026-02-28.pdf', a.get_filename()
        assert msg['Subject'] == 'Sales of February, €', msg['Subject']
        assert msg.get_body(('plain',)).get_content().strip() == 'Here it is.'
        assert msg.get_body(('html',)) is None or msg.get_body(('html',)).get_content_type() != 'text/html'
    else:
        assert a.get_filename() == 'sales_html.html', a.get_filename()
        assert msg['Subject'] == 'Sales (HTML)', msg['Subject']
        assert msg.get_body(('plain',)).get_content().strip() == 'The HTML one.'
        html = msg.get_body(('html',)).get_content()
        assert html == want.decode('utf-8'), 'the HTML body differs from the report'
assert seen == set(expected), seen
print('3 messages, each once, attachments byte-identical to report_file')
PY
