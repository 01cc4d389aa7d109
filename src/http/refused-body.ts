/**
 * A request answered before its body has been read (a 413 for its size; a 415 Content-Encoding, a 406 version, a 400
 * Host, the inventory sync's 401/403, the portal's redirects and refusals, all decided in onRequest hooks) has the rest
 * of its body read and discarded before the answer goes out, instead of the connection being closed while the body is
 * still arriving.
 *
 * fastify answers a body over the limit at once, with `Connection: close`, and Node then closes the socket while the
 * client (or the proxy in front) is still sending. Closing a TCP socket with unread bytes sends a reset, and a reset
 * can reach the sender before it has read the 413: nginx then answered 502 Bad Gateway ("writev() failed (32: Broken
 * pipe) while sending request to upstream") and HAProxy reset its client, in about 2 % of oversized requests through
 * the documented configurations (until 2026-12-06). RFC 9112 §9.6 describes this failure and asks servers to keep
 * reading before they close. nginx talks HTTP/1.1 to its upstream with `Connection: close` by default, so keeping
 * the connection alive is not enough: the answer waits until the rest of the body has been read. A client that
 * keeps its connection alive can then send its next request on it. Every other answer given before the body was read
 * met the same reset when the request said `Connection: close` (as nginx's do): a 415 or a 406 with a 200 KiB body
 * came back from nginx as 502 in about 4 % of requests (until 2026-12-06, when only the 413 waited).
 *
 * Bounded: a body is discarded up to DISCARD_MAX_BYTES (twice the largest body any route accepts, the inventory
 * sync's 8 MiB), within the request timeout every body already has (REQUEST_RECEIVE_TIMEOUT_MS, then Node's 408).
 * A larger declared length is answered and closed at once, as before; a chunked body that goes on past the bound
 * has its connection closed without an answer: a client sending that much more than it may gets no more bytes read.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DISCARD_MAX_BYTES = 16 * 1024 * 1024;

/** Set on a request whose client waits for `100 Continue` before it sends its body, until that is sent. */
const continuePending = new WeakSet<IncomingMessage>();

/**
 * Requests with an `Expect` other than `100-continue` (RFC 9110 §10.1.1), which Node hands to `checkExpectation`.
 * Without a listener Node answered them itself: a 417 with an empty body, no Content-Type and no request id, in
 * every area (until 2026-12-07). Now they are routed and refused in the onRequest hook (app.ts), in their API's
 * format, and their body is discarded as for any refusal given before it is read.
 */
const expectationUnmet = new WeakSet<IncomingMessage>();

/** Whether the request's `Expect` names something other than `100-continue`, which Tessera cannot meet. */
export function hasUnmetExpectation(raw: IncomingMessage): boolean {
  return expectationUnmet.has(raw);
}

export function discardUnreadBodies(app: FastifyInstance, readiness: { readonly draining: boolean }): void {
  // `Expect: 100-continue` (curl's for any body over 1 MiB, HAProxy passes it on): Node answered `100 Continue` before
  // routing, so the client sent its whole body even when the answer was a refusal that never reads it (a 413 for its
  // size, a 415, a 401 of the inventory sync), and the refusal came after the upload (until 2026-12-06). Now the
  // `100 Continue` goes out when the body is first read; an answer given before that goes out at once, without it.
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continuePending.add(req);
    const read = req._read;
    req._read = function (this: IncomingMessage, size: number) {
      req._read = read;
      // Node's own read after the answer (to discard a body on a kept-alive connection) must not send it.
      if (continuePending.delete(req) && !res.headersSent) res.writeContinue();
      return read.call(this, size);
    };
    app.server.emit('request', req, res);
  });
  app.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    expectationUnmet.add(req);
    app.server.emit('request', req, res);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    // `readableEnded` as well as `complete`: a body read to its end has emitted 'end', which will not come again, and
    // an injected request (light-my-request, the tests' and the portal client's) never sets `complete`.
    if (raw.complete || raw.readableEnded || raw.destroyed || !discardable(raw.headers)) return done(null, payload);
    // Refused before the client was told to send its body: it sends none (RFC 9110 §10.1.1), so there is nothing to
    // wait for; the connection is closed after the answer, since whether a body follows is the client's choice.
    if (continuePending.delete(raw)) {
      reply.header('Connection', 'close');
      lingerAfterAnswer(raw);
      return done(null, payload);
    }
    // fastify's own `Connection: close` (on a 413): once the body is read the connection is usable again, unless the
    // client asked to close it, the server is draining (which says so itself) or the refusal closes it whatever the
    // body (`shouldKeepAlive` false: a refused Transfer-Encoding, app.ts), which Node then says in `Connection: close`.
    if (!readiness.draining && !asksToClose(raw.headers.connection) && reply.raw.shouldKeepAlive) reply.removeHeader('connection');
    discardRest(raw, (cutShort) => {
      // The client closed its side before the body it announced was whole: the answer was decided without it, so it
      // goes out as decided (a 413 for the declared length), and the connection is closed after it.
      if (cutShort) reply.header('Connection', 'close');
      done(null, payload);
    });
  });
}

/** The discards in progress: each request's way to end its wait when its body is cut short (answerCutShortRefusal). */
const discarding = new WeakMap<IncomingMessage, () => void>();

/**
 * A request whose client closed its side before its body was whole (Node's parser: HPE_INVALID_EOF_STATE). When its
 * answer was decided before the body was read and is waiting for the rest of it (above), that answer goes out now,
 * with `Connection: close`, and this returns true; client-errors.ts then answers nothing itself. Until 2026-12-07 the
 * parser's 400 "ended before its body did" went out in its place: a body declared over the limit, followed by a few
 * bytes and a close, got a 400 where the whole body got its 413, though the declared length alone had decided it.
 */
export function answerCutShortRefusal(raw: IncomingMessage): boolean {
  const finish = discarding.get(raw);
  if (!finish) return false;
  finish();
  return true;
}

function asksToClose(connection: string | undefined): boolean {
  return connection !== undefined && connection.split(',').some((option) => option.trim().toLowerCase() === 'close');
}

/** A declared length within the bound, or a chunked body (counted as it is read). */
function discardable(headers: IncomingMessage['headers']): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const declared = headers['content-length'];
  return typeof declared === 'string' && /^\d{1,10}$/.test(declared) && Number(declared) <= DISCARD_MAX_BYTES;
}

function discardRest(raw: IncomingMessage, then: (cutShort: boolean) => void): void {
  let read = 0;
  let finished = false;
  const finishWith = (cutShort: boolean) => {
    if (finished) return;
    finished = true;
    discarding.delete(raw);
    raw.off('data', count);
    raw.off('end', finish);
    raw.off('close', finish);
    raw.off('error', finish);
    then(cutShort);
  };
  const finish = () => finishWith(false);
  discarding.set(raw, () => finishWith(true));
  const count = (chunk: Buffer) => {
    read += chunk.length;
    if (read > DISCARD_MAX_BYTES) raw.socket.destroy();
  };
  raw.on('data', count);
  raw.once('end', finish);
  raw.once('close', finish);
  raw.once('error', finish);
  raw.resume();
}

/** How long a connection closed after a refusal without `100 Continue` still reads what its client sends. */
export const LINGER_MS = 2000;

/**
 * Some clients send `Expect: 100-continue` and their body at once (.NET's and PowerShell's with no wait, raw clients):
 * Node closed the connection as soon as the refusal was written, with the body unread, which is a reset, and a reset
 * can reach the client (or the proxy in front) before the answer (until 2026-12-07). Now the write side is closed
 * after the answer and what arrives is read and discarded until the body ends, the client closes, or LINGER_MS pass.
 */
function lingerAfterAnswer(raw: IncomingMessage): void {
  const socket = raw.socket as IncomingMessage['socket'] & { destroySoon?: () => void };
  socket.destroySoon = function (this: typeof socket) {
    if (this.writable) this.end();
    // LINGER_MS bounds it all, also an answer a client never reads; otherwise the close waits for the answer to be
    // written whole (under TLS or back-pressure it may still be queued when the body ends), as Node's own does.
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    const closeOnceWritten = () => (this.writableFinished ? this.destroy() : this.once('finish', () => this.destroy()));
    raw.once('end', closeOnceWritten);
    this.once('end', closeOnceWritten);
    this.once('close', () => clearTimeout(timer));
  };
}
