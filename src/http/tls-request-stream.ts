/**
 * Requests over TLS are read by Node's HTTP server as a stream, so that a request that arrives while an answer is
 * still being written is held, not refused.
 *
 * Node's HTTP server stops reading a connection while an earlier answer is still queued (more than the socket's
 * high-water mark: 16 KiB on Node 20, 64 KiB on Node 24), so that a client that pipelines without reading cannot make
 * it buffer answers without bound. It does so by pausing its parser, which it feeds straight from the socket's
 * native handle. A TLS handle hands over every record it has already decrypted, paused or not, so a request whose
 * head and body came as two records in one read had its body fed to the paused parser, which fails with
 * `HPE_PAUSED`: the client got "400 The request is not valid HTTP/1.1" and a closed connection. Python's http.client
 * (requests, pyvcloud, vcd-cli, authlib) sends a POST's head and body in two writes, so a token exchange sent on a
 * connection that had just carried a large answer (a page of VMs, the OpenAPI document) failed now and then: about
 * one time in twenty on a 2-core machine, on Node 20.20 and 24.22 alike.
 *
 * A `data` listener on the socket makes Node read it through the stream instead (its HTTP server "unconsumes" a
 * socket that gets one, a documented path of its connection listener), and a paused stream keeps what arrives until
 * it is resumed: the same flow control, nothing lost, nothing refused. Plain HTTP is left on the native path: a TCP
 * handle stops delivering when it is paused. The cost is the stream's per-chunk work on HTTPS connections only:
 * 2-9 µs a request on bare servers (`bench/tls-stream-cost.ts`, docs/performance.md §1; `npm run bench` measures
 * plain HTTP). The listener is added at the handshake, not at the connection's first pause: a switch made mid-life
 * left the stream believing a read was pending, and the connection stopped reading (tried and withdrawn 2026-12-07;
 * the second case of test/http/tls-request-stream.test.ts).
 */
import type { Socket } from 'node:net';

const ignore = (): void => {};

/** For the server's `secureConnection` event; registered after Node's own listener, which sets up the parser. */
export function readRequestsAsStream(socket: Socket): void {
  socket.on('data', ignore);
}
