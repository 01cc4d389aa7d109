/** --log-format pretty: one readable line per entry, secrets still redacted (the same pino options as JSON). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatPretty } from '../src/logging.js';

test('formatPretty renders level, message, request, status, time and fields on one line', () => {
  const line = JSON.stringify({
    level: 40,
    time: Date.UTC(2026, 11, 1, 12, 34, 56, 789),
    pid: 1,
    hostname: 'h',
    reqId: 'r1',
    req: { method: 'POST', url: '/oauth/tenant/acme/token' },
    res: { statusCode: 400 },
    responseTime: 4.25,
    msg: 'request completed',
  });
  assert.equal(formatPretty(line + '\n'), '12:34:56.789 WARN  request completed POST /oauth/tenant/acme/token -> 400 (4.3 ms) reqId=r1\n');
  assert.equal(formatPretty('not json'), 'not json\n');
});

test('the pretty logger redacts like the JSON one', () => {
  let out = '';
  const logger = createLogger({ logLevel: 'info', logFormat: 'pretty' }, { write: (s: string) => (out += s) });
  logger.info({ req: { method: 'GET', url: '/x?refresh_token=SECRETSECRET&a=1' }, body: { password: 'hunter2hunter2' } }, 'hello');
  assert.match(out, / INFO  hello GET \/x\?refresh_token=\[redacted\]&a=1 /);
  assert.doesNotMatch(out, /SECRETSECRET|hunter2hunter2/);
});
