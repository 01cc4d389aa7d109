/**
 * A bound on the requests one connection has in flight (handed to the application, answer not yet written out), so
 * that a client pipelining requests without reading its answers costs the server a bounded amount of memory and CPU.
 *
 * Why Node's own flow control is not enough: its HTTP server parses everything one socket read brought before it
 * looks at anything else (a 64 KiB read on loopback holds hundreds of small requests; over TLS a decrypted record of
 * up to 16 KiB), and hands each request to the application as its head is parsed. It stops reading only once the
 * answers queued on the connection pass the socket's high-water mark, and by then every request already parsed is
 * being handled. Measured on 2026-12-07 (`bench/pipeline-flood.ts`, 50 connections pipelining `GET /api/versions`
 * for 25 s without reading, Node 20): the server went from 160 MiB to about 410 MiB RSS and another client waited up
 * to 20 s for an answer. With the bound: 349 MiB at most (the held request objects below), 0.26 s at the 90th
 * percentile (docs/security.md has the HTTPS figures).
 *
 * Here each connection has at most `PIPELINE_DEPTH` requests in flight. A request parsed past that is held, in order,
 * not handed on, and the connection stops reading (nothing more is parsed) until the held requests have been handed
 * on, each as an earlier answer is written out (its `close`). An answer the peer does not read stays unwritten once the
 * kernel's buffers are full, so a client that never reads holds at most `PIPELINE_DEPTH` requests in the handlers, plus
 * what one socket read had already parsed (request and response objects only, no work done for them: about 1.4 KiB
 * a request, 5.1 MiB for a 64 KiB read of 3,640 minimal ones). Answers go out in order, as before. A client that sends
 * one request at a time, or pipelines fewer than `PIPELINE_DEPTH`, never meets the bound; its cost is a counter and
 * one `close` listener per request.
 *
 * Held requests are bounded too (`HELD_LIMIT`): past it the connection is closed (RFC 9112 §9.3.2: a server may close
 * a connection at any time, and a pipelining client must be ready to retry what was not answered). Until 2026-12-07 the
 * held requests of a client that neither read nor closed stayed for ever: one address with its 256 connections
 * (TESSERA_CONNECTIONS_PER_ADDRESS) could pin about 1.3 GiB. The held requests are dropped unhandled (nothing was done
 * for them); the requests in flight are answered, then the connection is ended (the client reads those answers and an
 * end of stream) and destroyed `OVERFLOW_LINGER_MS` after its last byte went to the kernel, or `OVERFLOW_GRACE_MS`
 * after the overflow whatever the client did. Destroying frees what Node made for the rest of the read (it parses the
 * whole read before anything can stop it: the bound cannot prevent those objects, only end their life). The closure
 * is logged and counted as a `pipeline_overflow` cut (connection-cuts.ts).
 *
 * Held requests are handed on from `setImmediate`, not from the answer's `close` itself: an answer the kernel takes at
 * once is written, finished and closed within the same run of callbacks, and handing on from there chained the
 * connection's whole backlog (hundreds of requests) without letting the event loop read any other socket; other
 * clients then waited seconds. The next turn of the loop comes after the reads already waiting.
 *
 * Reading stops only when a request is held, that is when a later request's head has been parsed, so every request in
 * flight then has its whole body: none can be waiting for bytes that the pause keeps unread. Reading resumes when the
 * last held request is handed on (its body may still be arriving).
 *
 * How reading is stopped, on both of Node's paths (plain HTTP: the parser fed from the socket's native handle, which
 * `pause()` stops; HTTPS: the socket read as a stream, tls-request-stream.ts, which `pause()` holds): `socket.pause()`,
 * and the socket's `resume` made a no-op meanwhile. Node resumes a socket of its own accord (when its queued answers
 * fall under the high-water mark, or when a request's body is read), which would undo the pause at once. On release
 * the socket is resumed only if Node has not paused it itself (`_paused`, its flag for that, which its own resumes
 * check too: on the stream path a `data` event while it is set fails an assertion); Node then resumes it when its
 * answers drain. Checked on Node 20 and Node 24 (test/http/pipelining.test.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CutReporter } from './connection-cuts.js';

/**
 * Requests one connection may have in flight. Browsers and the VCD clients (govcd, pyvcloud, the Java SDK) send one
 * request at a time per connection; a client that pipelines a handful is below it.
 */
export const PIPELINE_DEPTH = 16;

/**
 * Requests one connection may have held (parsed past `PIPELINE_DEPTH`) before it is closed. A client that pipelines
 * and reads its answers has at most its pipeline depth outstanding, in flight and held together (autocannon's `-p 100`
 * keeps 100: 16 in flight, 84 held), so 256 leaves room for a depth of 272; only a client that sends far more than it
 * has read reaches it.
 */
export const HELD_LIMIT = 256;

/** After an overflow: how long the ended connection stays once its answers are in the kernel, for them to leave. */
export const OVERFLOW_LINGER_MS = 1_000;

/** After an overflow: the most the connection lives on, answers written or not. */
export const OVERFLOW_GRACE_MS = 10_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Pipeline {
  inFlight: number;
  /** Held requests and their responses, alternating, in arrival order; `next` is the first not yet handed on. */
  held: Array<IncomingMessage | ServerResponse>;
  next: number;
  /** A hand-on of held requests is scheduled (setImmediate). */
  scheduled: boolean;
  /** Past HELD_LIMIT: nothing more is handed on; the connection ends once the requests in flight are answered. */
  closing: boolean;
}

const PIPELINE = Symbol('tessera.pipeline');
type PipelinedSocket = Socket & { [PIPELINE]?: Pipeline; _paused?: boolean };

function heldResume(this: Socket): Socket {
  return this;
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

/** The answers in flight are written: end the connection, and destroy it once they have left or the grace is over. */
function endAfterAnswers(socket: PipelinedSocket): void {
  if (socket.destroyed || socket[PIPELINE]!.inFlight > 0) return;
  socket.end();
  const linger = () => setTimeout(destroySocket, OVERFLOW_LINGER_MS, socket).unref();
  if (socket.writableFinished) linger();
  else socket.once('finish', linger);
}

export interface PipeliningOptions {
  depth?: number;
  heldLimit?: number;
  /** Told of each connection closed for pipelining past `heldLimit`. */
  report?: CutReporter;
}

/**
 * Puts the bound between `server` and its `request` listeners (fastify's, added when it made the server): call it
 * before any other `request` listener is added.
 */
export function limitPipelining(server: Server, options: PipeliningOptions = {}): void {
  const depth = options.depth ?? PIPELINE_DEPTH;
  const heldLimit = options.heldLimit ?? HELD_LIMIT;
  const handlers = server.listeners('request') as Handler[];
  // Were fastify ever to add its listener later, every request would otherwise be dropped without a word.
  if (handlers.length === 0) throw new Error('limitPipelining: the server has no request listener to put the bound before');
  server.removeAllListeners('request');
  const handOn = (pipeline: Pipeline, req: IncomingMessage, res: ServerResponse) => {
    pipeline.inFlight++;
    // One listener shared by every response (no closure per request); a response closes once.
    res.on('close', answered);
    for (const handler of handlers) handler.call(server, req, res);
  };
  function answered(this: ServerResponse) {
    const socket = this.req.socket as PipelinedSocket;
    const pipeline = socket[PIPELINE]!;
    pipeline.inFlight--;
    if (pipeline.closing) {
      if (pipeline.inFlight === 0) endAfterAnswers(socket);
      return;
    }
    if (pipeline.next === pipeline.held.length || pipeline.scheduled) return;
    pipeline.scheduled = true;
    setImmediate(handOnHeld, socket, pipeline);
  }
  const handOnHeld = (socket: PipelinedSocket, pipeline: Pipeline) => {
    pipeline.scheduled = false;
    if (pipeline.closing) return;
    if (socket.destroyed) {
      // Node has aborted the held requests; nobody is left to answer.
      pipeline.held = [];
      pipeline.next = 0;
      return;
    }
    while (pipeline.inFlight < depth && pipeline.next < pipeline.held.length) {
      const req = pipeline.held[pipeline.next] as IncomingMessage;
      const res = pipeline.held[pipeline.next + 1] as ServerResponse;
      pipeline.next += 2;
      handOn(pipeline, req, res);
    }
    if (pipeline.next === pipeline.held.length) {
      pipeline.held = [];
      pipeline.next = 0;
      // Held no longer: Node's own resume again, and reading again unless Node has paused the socket itself.
      delete (socket as { resume?: unknown }).resume;
      if (!socket._paused) socket.resume();
    }
  };
  const overflow = (socket: PipelinedSocket, pipeline: Pipeline) => {
    pipeline.closing = true;
    pipeline.held = [];
    pipeline.next = 0;
    options.report?.(socket.remoteAddress, 'pipeline_overflow');
    const grace = setTimeout(destroySocket, OVERFLOW_GRACE_MS, socket).unref();
    socket.once('close', () => clearTimeout(grace));
    // Not from inside Node's parse of the read: the next turn, once it is done.
    if (pipeline.inFlight === 0) setImmediate(endAfterAnswers, socket);
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as PipelinedSocket;
    let pipeline = socket[PIPELINE];
    if (pipeline === undefined) socket[PIPELINE] = pipeline = { inFlight: 0, held: [], next: 0, scheduled: false, closing: false };
    // Dropped: the rest of a read parsed after the overflow. Node lets go of it when the connection closes.
    if (pipeline.closing) return;
    if (pipeline.inFlight < depth && pipeline.next === pipeline.held.length) {
      handOn(pipeline, req, res);
      return;
    }
    if (pipeline.next === pipeline.held.length) {
      socket.pause();
      socket.resume = heldResume;
    }
    pipeline.held.push(req, res);
    if ((pipeline.held.length - pipeline.next) / 2 > heldLimit) overflow(socket, pipeline);
  });
}
