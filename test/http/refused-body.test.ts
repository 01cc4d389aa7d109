/**
 * A body over the limit is read and discarded before its 413 goes out (src/http/refused-body.ts). Until 2026-12-06
 * the connection was closed while the body was still arriving: the sender's next write met a reset, and nginx and
 * HAProxy in front answered 502 or reset their client instead of passing the 413 on. The bodies here (4 MiB) are
 * larger than the loopback socket buffers, so the old server's reset reached the writer every time.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { DISCARD_MAX_BYTES } from '../../src/http/refused-body.js';

let tessera: TesseraHandle;
after(() => tessera?.stop());

async function server(): Promise<TesseraHandle> {
  tessera ??= await startTessera({ demo: false });
  return tessera;
}

const BODY = Buffer.alloc(4 * 1024 * 1024, 'a');

interface Connection {
  socket: net.Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with the n-th complete answer (head and Content-Length body), counting from 1. */
  answer(n: number): Promise<string>;
  /** Resolves with how the connection ended: 'end' (the server closed cleanly) or the error's code. */
  ended: Promise<string>;
}

async function connect(): Promise<Connection> {
  const { port } = new URL((await server()).baseUrl);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let data = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (d: Buffer) => {
    data += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  const ended = new Promise<string>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  const answers = () => {
    const found: string[] = [];
    let rest = data;
    for (;;) {
      const headEnd = rest.indexOf('\r\n\r\n');
      if (headEnd < 0) return found;
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(rest.slice(0, headEnd))?.[1] ?? 0);
      if (rest.length < headEnd + 4 + length) return found;
      found.push(rest.slice(0, headEnd + 4 + length));
      rest = rest.slice(headEnd + 4 + length);
    }
  };
  const answer = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (answers().length < n) {
      if (Date.now() > deadline) throw new Error(`no answer ${n} within 10 s; received: ${data.slice(0, 500)}`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), ended, new Promise((r) => setTimeout(r, 200).unref())]);
    }
    return answers()[n - 1]!;
  };
  return { socket, received: () => data, answer, ended };
}

/** Writes all of it; resolves with the write's error code, or 'written'. */
function write(socket: net.Socket, data: string | Buffer): Promise<string> {
  return new Promise((resolve) =>
    socket.write(data, (error) => resolve(error ? ((error as NodeJS.ErrnoException).code ?? error.message) : 'written')),
  );
}

const tokenHead = (headers: string) =>
  `POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n${headers}\r\n`;

test('a declared body over the limit is read to its end, answered 413 in the API format, and the connection serves the next request', async () => {
  const c = await connect();
  assert.equal(await write(c.socket, tokenHead(`Content-Length: ${BODY.length}\r\n`)), 'written');
  assert.equal(await write(c.socket, BODY), 'written', 'the whole body could be sent: the server did not close under it');
  const refused = await c.answer(1);
  assert.match(refused, /^HTTP\/1\.1 413 /);
  assert.match(refused, /"error":"invalid_request"/);
  assert.doesNotMatch(refused, /\r\nconnection: close\r\n/i);
  await write(c.socket, 'GET /api/versions HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(await c.answer(2), /^HTTP\/1\.1 200 /);
  c.socket.destroy();
});

test('a client that asked to close (as nginx does upstream) gets its 413 after the body, then a clean close, not a reset', async () => {
  const c = await connect();
  assert.equal(await write(c.socket, tokenHead(`Content-Length: ${BODY.length}\r\nConnection: close\r\n`)), 'written');
  assert.equal(await write(c.socket, BODY), 'written');
  assert.match(await c.answer(1), /^HTTP\/1\.1 413 [\s\S]*\r\nconnection: close\r\n/i);
  assert.equal(await c.ended, 'end');
});

// Until 2026-12-07 the parser's 400 "ended before its body did" went out in place of the 413 the declared length had
// already decided: the same request got another answer depending on how much of its body arrived before the close.
test('a body declared over the limit, cut short by a close, gets its 413 in its API format and a closed connection', async () => {
  for (const [head, format] of [
    [
      'POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n',
      /"error":"invalid_request"/,
    ],
    [
      'POST /api/sessions HTTP/1.1\r\nHost: x\r\nAccept: application/*+json;version=36.1\r\nContent-Type: application/json\r\n',
      /\r\ncontent-type: application\/vnd\.vmware\.vcloud\.error\+json;version=36\.1\r\n/i,
    ],
  ] as const) {
    const c = await connect();
    assert.equal(await write(c.socket, `${head}Content-Length: ${BODY.length}\r\n\r\ngrant_type=`), 'written');
    c.socket.end();
    const answer = await c.answer(1);
    assert.match(answer, /^HTTP\/1\.1 413 [\s\S]*\r\nconnection: close\r\n/i);
    assert.match(answer, format);
    assert.equal(await c.ended, 'end');
    assert.equal(c.received(), answer, 'one answer, nothing after it');
  }
});

test('an answer decided before the body (415) goes out too when the body is cut short; a body being read still gets the 400', async () => {
  const c = await connect();
  await write(c.socket, `POST /api/admin/orgs HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${BODY.length}\r\n\r\nabc`);
  c.socket.end();
  assert.match(await c.answer(1), /^HTTP\/1\.1 415 [\s\S]*\r\nconnection: close\r\n/i);
  assert.equal(await c.ended, 'end');
  // Within the limit: the body is the route's to read, and its end before the declared length is the client's error.
  const read = await connect();
  await write(read.socket, `${tokenHead('Content-Length: 80\r\n')}grant_type=refresh_token`);
  read.socket.end();
  assert.match(await read.answer(1), /^HTTP\/1\.1 400 [\s\S]*The request ended before its body did/);
});

test('a chunked body over the limit is discarded too, and the connection serves the next request', async () => {
  const c = await connect();
  await write(c.socket, tokenHead('Transfer-Encoding: chunked\r\n'));
  const chunk = BODY.subarray(0, 64 * 1024);
  for (let i = 0; i < 16; i++)
    assert.equal(
      await write(c.socket, Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])),
      'written',
    );
  await write(c.socket, '0\r\n\r\n');
  assert.match(await c.answer(1), /^HTTP\/1\.1 413 /);
  await write(c.socket, 'GET /api/versions HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(await c.answer(2), /^HTTP\/1\.1 200 /);
  c.socket.destroy();
});

test(`a declared length over ${DISCARD_MAX_BYTES / 1024 / 1024} MiB is answered at once and its connection closed: nothing more is read`, async () => {
  const c = await connect();
  await write(c.socket, tokenHead(`Content-Length: ${DISCARD_MAX_BYTES + 1}\r\n`));
  assert.match(await c.answer(1), /^HTTP\/1\.1 413 [\s\S]*\r\nconnection: close\r\n/i);
  assert.equal(await c.ended, 'end');
});

test(`a chunked body going on past ${DISCARD_MAX_BYTES / 1024 / 1024} MiB has its connection closed`, async () => {
  const c = await connect();
  await write(c.socket, tokenHead('Transfer-Encoding: chunked\r\n'));
  const chunk = Buffer.concat([Buffer.from(`${BODY.length.toString(16)}\r\n`), BODY, Buffer.from('\r\n')]);
  let outcome = 'written';
  for (let sent = 0; sent <= DISCARD_MAX_BYTES + BODY.length && outcome === 'written'; sent += BODY.length)
    outcome = await write(c.socket, chunk);
  const ended = await Promise.race([c.ended, new Promise<string>((r) => setTimeout(() => r('still open after 10 s'), 10_000).unref())]);
  assert.notEqual(ended, 'still open after 10 s', `the server closed the connection (the last write: ${outcome})`);
  assert.doesNotMatch(c.received(), /^HTTP\/1\.1 413 /, 'no answer: the server stopped reading');
  c.socket.destroy();
});

// Answers given in onRequest hooks, before the body is read: until 2026-12-06 only the 413 waited for the body, and a
// request that said `Connection: close` (nginx's, upstream) had its connection closed under the body: nginx's 502.
for (const [name, head, status] of [
  ['a coded body (415)', 'POST /api/admin/orgs HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Encoding: gzip\r\n', 415],
  ['an unsupported version (406)', 'POST /api/sessions HTTP/1.1\r\nHost: x\r\nAccept: application/*+xml;version=1.0\r\n', 406],
  [
    'an inventory sync without the right (401)',
    'PUT /cloudapi/x-tessera/inventory/sources/agent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n',
    401,
  ],
] as const) {
  test(`${name} answered before the body is read: the body is read first, then the answer and a clean close, not a reset`, async () => {
    const c = await connect();
    assert.equal(await write(c.socket, `${head}Content-Length: ${BODY.length}\r\nConnection: close\r\n\r\n`), 'written');
    assert.equal(await write(c.socket, BODY), 'written', 'the whole body could be sent: the server did not close under it');
    assert.match(await c.answer(1), new RegExp(`^HTTP/1\\.1 ${status} [\\s\\S]*\\r\\nconnection: close\\r\\n`, 'i'));
    assert.equal(await c.ended, 'end');
  });
}

test('an answer given before the body is read keeps a kept-alive connection, which serves the next request', async () => {
  const c = await connect();
  await write(c.socket, `POST /api/admin/orgs HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${BODY.length}\r\n\r\n`);
  assert.equal(await write(c.socket, BODY), 'written');
  assert.match(await c.answer(1), /^HTTP\/1\.1 415 /);
  await write(c.socket, 'GET /api/versions HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(await c.answer(2), /^HTTP\/1\.1 200 /);
  c.socket.destroy();
});

// `Expect: 100-continue` (curl's for bodies over 1 MiB): until 2026-12-06 Node sent `100 Continue` before routing, so the
// client uploaded the whole body and got its refusal after it.
test('a client that expects 100-continue gets a refusal decided before the body at once, without 100 Continue, and sends no body', async () => {
  for (const head of [
    tokenHead(`Content-Length: ${BODY.length}\r\nExpect: 100-continue\r\n`),
    `POST /api/admin/orgs HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n`,
  ]) {
    const c = await connect();
    await write(c.socket, head);
    const refused = await c.answer(1);
    assert.match(refused, /^HTTP\/1\.1 (413|415) [\s\S]*\r\nconnection: close\r\n/i, 'the refusal first, no 100 Continue');
    assert.equal(await c.ended, 'end');
  }
});

test('a client that expects 100-continue gets it when its body is to be read, and its answer after the body', async () => {
  const c = await connect();
  const body = 'grant_type=refresh_token&refresh_token=abc';
  await write(c.socket, tokenHead(`Content-Length: ${body.length}\r\nExpect: 100-continue\r\n`));
  const deadline = Date.now() + 10_000;
  while (!c.received().includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.match(c.received(), /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
  await write(c.socket, body);
  // The 100's own head is answer 1 (no Content-Length): the final answer is the second.
  assert.match(await c.answer(2), /^HTTP\/1\.1 400 /);
  await write(c.socket, 'GET /api/versions HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(await c.answer(3), /^HTTP\/1\.1 200 /);
  c.socket.destroy();
});

test('a body already read to its end is not waited for: an injected request (no `complete` flag) is answered', async () => {
  const t = await server();
  const answer = await Promise.race([
    t.server.app.inject({
      method: 'POST',
      url: '/oauth/tenant/acme/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=refresh_token&refresh_token=nope',
    }),
    new Promise<null>((r) => setTimeout(() => r(null), 5000).unref()),
  ]);
  assert.ok(answer !== null, 'answered within 5 s (it waited for an end that had already come)');
  assert.equal(answer.statusCode, 400);
});

test('a client that expects 100-continue but sends its body at once gets its refusal and a clean close, not a reset', async () => {
  const t = await startTessera({ demo: false });
  try {
    const { port } = new URL(t.baseUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let raw = '';
    let error: string | undefined;
    socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code));
    const closed = new Promise((r) => socket.once('close', r));
    const size = 4 * 1024 * 1024;
    socket.write(
      `POST /api/sessions HTTP/1.1\r\nHost: x\r\nAccept: application/*+xml;version=99.0\r\nExpect: 100-continue\r\nContent-Length: ${size}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(size, 'a'));
    await closed;
    assert.match(raw, /^HTTP\/1\.1 406 /);
    // Until 2026-12-07 the connection was closed with the body unread: a reset (EPIPE here, a 502 through a proxy).
    assert.equal(error, undefined);
  } finally {
    await t.stop();
  }
});

// An `Expect` other than 100-continue: until 2026-12-07 Node answered it itself, a 417 with an empty body, no
// Content-Type and no request id, whatever the area.
test('an Expect other than 100-continue is a 417 in its API format, its body discarded, and the connection serves the next request', async () => {
  const body = 'grant_type=refresh_token&refresh_token=abc';
  for (const [head, format] of [
    [
      tokenHead(`Content-Length: ${body.length}\r\nExpect: foo\r\n`),
      /\r\ncontent-type: application\/json\r\n[\s\S]*"error":"invalid_request"/i,
    ],
    [
      `POST /api/sessions HTTP/1.1\r\nHost: x\r\nAccept: application/*+xml;version=37.0\r\nContent-Length: ${body.length}\r\nExpect: 200-ok\r\n\r\n`,
      /\r\ncontent-type: application\/vnd\.vmware\.vcloud\.error\+xml;version=37\.0\r\n[\s\S]*majorErrorCode="417"/i,
    ],
    [
      `POST /cloudapi/1.0.0/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: foo\r\n\r\n`,
      /\r\ncontent-type: application\/json[\s\S]*"minorErrorCode":"BAD_REQUEST"/i,
    ],
  ] as const) {
    const c = await connect();
    await write(c.socket, head + body);
    const answer = await c.answer(1);
    assert.match(answer, /^HTTP\/1\.1 417 Expectation Failed\r\n/);
    assert.match(answer, /\r\nx-vmware-vcloud-request-id: [\w-]+\r\n/i);
    assert.match(answer, format);
    await write(c.socket, 'GET /api/versions HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await c.answer(2), /^HTTP\/1\.1 200 /);
    c.socket.destroy();
  }
});
