/**
 * Each request's logger made only when the request writes a line (src/http/lazy-request-logger.ts): nothing is made
 * for a request that writes nothing at the server's level, a written line is byte for byte the line of the pino
 * child fastify made before (bindings, redactions, serializers), and in a running server every request line still
 * carries the request id the answer names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from 'pino';
import { createLogger } from '../../src/logging.js';
import { lazyChildLogger } from '../../src/http/lazy-request-logger.js';
import { startTessera } from '../helpers/tessera.js';
import { createApiToken, signIn } from '../helpers/api.js';
import { generateApiToken } from '../../src/domain/api-token-format.js';

/** A server-configured pino logger writing into `lines`, with its `child` calls counted. */
function capturedLogger(level: string) {
  const lines: string[] = [];
  const logger = createLogger({ logLevel: level, logFormat: 'json' }, { write: (line: string) => void lines.push(line) }) as Logger;
  const counted = { children: 0 };
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<Logger['child']>) => (counted.children++, child(...args))) as Logger['child'];
  return { logger, lines, counted };
}

const withoutTime = (line: string) => {
  const { time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return rest;
};

test("a request that writes nothing at the level makes no child; its level and checks are the server's", () => {
  const { logger, counted } = capturedLogger('info');
  const log = lazyChildLogger(logger, { reqId: 'r-1' }, {}) as unknown as Logger;
  log.debug({ a: 1 }, 'not written at info');
  log.trace('nor this');
  assert.equal(log.isLevelEnabled('debug'), false);
  assert.equal(log.isLevelEnabled('warn'), true);
  assert.equal(log.level, 'info');
  assert.equal(counted.children, 0);
});

test('written lines are those of the child fastify made before: bindings, serializers, redactions', () => {
  const failure = new Error('failed for Authorization: Bearer abc.def.ghi'); // one stack for both loggers
  const write = (log: Logger) => {
    log.info(
      { req: { method: 'POST', url: '/oauth/tenant/acme/token?refresh_token=SECRET', headers: {} }, res: { statusCode: 200 } },
      'request completed',
    );
    log.warn({ err: failure }, 'warned');
    log.debug('not written');
    log.error({ n: 2 }, 'error %s', 'formatted');
    log.child({ inner: true }).info('from a grandchild');
  };
  const eager = capturedLogger('info');
  write(eager.logger.child({ reqId: 'r-2' }, {}));
  const lazy = capturedLogger('info');
  write(lazyChildLogger(lazy.logger, { reqId: 'r-2' }, {}) as unknown as Logger);
  assert.equal(lazy.lines.length, 4);
  assert.deepEqual(lazy.lines.map(withoutTime), eager.lines.map(withoutTime));
  assert.doesNotMatch(lazy.lines.join(''), /SECRET/);
  // As many children as before: the request's (made at its first written line) and the grandchild.
  assert.equal(lazy.counted.children, eager.counted.children);
  assert.equal(lazy.counted.children, 2);
});

test('a route with its own log level or serializers gets its child at once, as fastify made it', () => {
  const { logger, counted } = capturedLogger('info');
  const log = lazyChildLogger(logger, { reqId: 'r-3' }, { level: 'debug' }) as unknown as Logger;
  assert.equal(counted.children, 1);
  assert.equal(log.isLevelEnabled('debug'), true);
});

test('in a running server every request line carries the request id of its answer', async (t) => {
  const lines: string[] = [];
  const handle = await startTessera({
    backend: 'sqlite',
    config: { logLevel: 'info', requestLog: 'all' },
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  t.after(() => handle.stop());
  const session = await signIn(handle.baseUrl, 'alice', 'acme', handle.demoPassword);
  const { apiToken: token } = await createApiToken(handle.baseUrl, session, 'acme', 'lazy-logger');
  const answers: string[] = [];
  for (const [path, init] of [
    [
      '/oauth/tenant/acme/token',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${token}`,
      },
    ],
    ['/api/no-such-thing', {}],
  ] as const) {
    const res = await fetch(`${handle.baseUrl}${path}`, init);
    await res.arrayBuffer();
    answers.push(res.headers.get('x-vmware-vcloud-request-id')!);
  }
  const completed = lines
    .map((l) => JSON.parse(l) as { msg?: string; reqId?: string; req?: { url?: string } })
    .filter((l) => l.msg === 'request completed');
  for (const id of answers) {
    const line = completed.find((l) => l.reqId === id);
    assert.ok(line, `a request line with reqId ${id}; got ${JSON.stringify(completed.map((l) => l.reqId))}`);
  }
  assert.doesNotMatch(lines.join(''), new RegExp(token));
});

test('the default request log (errors, at info) writes a 5xx line with its request id and time, and nothing else', async (t) => {
  const lines: Array<{ msg?: string; level?: number; reqId?: string; responseTime?: number; res?: { statusCode: number } }> = [];
  const handle = await startTessera({
    backend: 'sqlite',
    config: { logLevel: 'info', requestLog: 'errors' },
    logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  t.after(() => handle.stop());
  for (const path of ['/api/versions', '/api/no-such-thing', '/cloudapi/1.0.0/sessions/current'])
    await (await fetch(`${handle.baseUrl}${path}`)).arrayBuffer();
  handle.server.services.revocations.healthy = () => false;
  const probe = await fetch(`${handle.baseUrl}/health/ready`);
  await probe.arrayBuffer();
  assert.equal(probe.status, 503);
  const completed = lines.filter((l) => l.msg === 'request completed');
  assert.equal(completed.length, 1, JSON.stringify(completed));
  assert.equal(completed[0]!.res?.statusCode, 503);
  assert.equal(completed[0]!.reqId, probe.headers.get('x-vmware-vcloud-request-id'));
  assert.equal(typeof completed[0]!.responseTime, 'number');
  assert.ok(completed[0]!.responseTime! >= 0 && completed[0]!.responseTime! < 10_000, String(completed[0]!.responseTime));
});

test('at debug the default request log writes every request, with fastify timing each answer', async (t) => {
  const lines: Array<{ msg?: string; level?: number; responseTime?: number; res?: { statusCode: number } }> = [];
  const handle = await startTessera({
    backend: 'sqlite',
    config: { logLevel: 'debug', requestLog: 'errors' },
    logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  t.after(() => handle.stop());
  for (const path of ['/api/versions', '/api/no-such-thing']) await (await fetch(`${handle.baseUrl}${path}`)).arrayBuffer();
  const completed = lines.filter((l) => l.msg === 'request completed');
  assert.deepEqual(
    completed.map((l) => [l.res?.statusCode, l.level]),
    [
      [200, 20],
      [404, 20],
    ],
  );
  assert.ok(completed.every((l) => typeof l.responseTime === 'number' && l.responseTime > 0));
});

test('a 500 is still logged at error: its failure with the error, and its request line, both under its request id', async (t) => {
  const lines: Array<{ msg?: string; level?: number; reqId?: string; err?: { message?: string }; res?: { statusCode: number } }> = [];
  const handle = await startTessera({
    backend: 'sqlite',
    config: { logLevel: 'info', requestLog: 'errors' },
    logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  t.after(() => handle.stop());
  handle.server.services.apiTokens.exchange = () => Promise.reject(new Error('the store broke'));
  const res = await fetch(`${handle.baseUrl}/oauth/tenant/acme/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=refresh_token&refresh_token=x',
  });
  await res.arrayBuffer();
  assert.equal(res.status, 500);
  const id = res.headers.get('x-vmware-vcloud-request-id');
  const failed = lines.find((l) => l.msg === 'request failed');
  const completed = lines.find((l) => l.msg === 'request completed');
  assert.equal(failed?.level, 50);
  assert.equal(failed?.reqId, id);
  assert.equal(failed?.err?.message, 'the store broke');
  assert.equal(completed?.level, 50);
  assert.equal(completed?.reqId, id);
  assert.equal(completed?.res?.statusCode, 500);
});

test('an answer given before routing (a malformed URL) has its request line too, with its request id, status and time', async (t) => {
  const lines: Array<{
    msg?: string;
    level?: number;
    reqId?: string;
    responseTime?: number;
    res?: { statusCode: number };
    req?: { url?: string };
  }> = [];
  const raw: string[] = [];
  const handle = await startTessera({
    backend: 'sqlite',
    config: { logLevel: 'info', requestLog: 'all' },
    logDestination: {
      write: (line: string) => {
        raw.push(line);
        lines.push(JSON.parse(line));
      },
    },
  });
  t.after(() => handle.stop());
  const secret = generateApiToken();
  // fastify's frameworkErrors answer these, in a context without the request log's hooks.
  const res = await fetch(`${handle.baseUrl}/api/org/%E0%A4%A?refresh_token=${secret}`);
  await res.arrayBuffer();
  assert.equal(res.status, 400);
  const id = res.headers.get('x-vmware-vcloud-request-id');
  await new Promise((resolve) => setImmediate(resolve));
  const line = lines.find((l) => l.msg === 'request completed' && l.reqId === id);
  assert.ok(line, JSON.stringify(lines));
  assert.equal(line.level, 40);
  assert.equal(line.res?.statusCode, 400);
  assert.equal(line.req?.url, '/api/org/%E0%A4%A?refresh_token=[redacted]');
  assert.ok(typeof line.responseTime === 'number' && line.responseTime >= 0, String(line.responseTime));
  assert.ok(!raw.join('').includes(secret));
});
