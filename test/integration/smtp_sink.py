# A mail server for report_email.sh: aiosmtpd on 127.0.0.1:PORT that writes
# each message it accepts to DIR/NNN.eml (the bytes as received) and its
# envelope to DIR/NNN.envelope (sender, then recipients), until SIGTERM.
# Usage: python3 smtp_sink.py DIR PORT
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, '%03d' % self.count)
        with open(base + '.envelope.tmp', 'w') as f:
            f.write('\n'.join([envelope.mail_from] + list(envelope.rcpt_tos)) + '\n')
        with open(base + '.eml.tmp', 'wb') as f:
            f.write(envelope.original_content)
        os.rename(base + '.envelope.tmp', base + '.envelope')
        os.rename(base + '.eml.tmp', base + '.eml')
        return '250 Message accepted for delivery'


directory, port = sys.argv[1], int(sys.argv[2])
controller = Controller(Sink(directory), hostname='127.0.0.1', port=port)
controller.start()
open(os.path.join(directory, 'ready'), 'w').close()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
