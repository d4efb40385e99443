'use strict';
// One System32 tool of a simulated host (quser.exe, tsdiscon.exe, logoff.exe, msg.exe), run as a
// real process by the document's script under pwsh. The file name it was started as is the tool;
// the host bridge answers what that host's Windows prints and exits with, and applies what the
// tool does (local/fleet/windows.ts). Bounded in time: a bridge that does not answer fails it.
const http = require('node:http');
const path = require('node:path');

const tool = path.basename(process.argv[1] ?? '');
const body = JSON.stringify({
  invocation: process.env.SESSION_JANITOR_INVOCATION,
  call: 'tool',
  args: { name: tool, argv: process.argv.slice(2) },
});

function fail(message) {
  process.stderr.write(`${tool}: ${message}\n`);
  process.exitCode = 255;
}

const request = http.request(
  process.env.SESSION_JANITOR_BRIDGE ?? '',
  { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 30_000 },
  (response) => {
    const chunks = [];
    response.on('data', (chunk) => chunks.push(chunk));
    response.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (response.statusCode !== 200)
        return fail(`host bridge answered ${response.statusCode}: ${text}`);
      const { result } = JSON.parse(text);
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      process.exitCode = result.exitCode;
    });
  }
);
request.on('timeout', () => request.destroy(new Error('no answer in 30 s')));
request.on('error', (error) => fail(`host bridge unreachable: ${error.message}`));
request.end(body);
