/**
 * A bound in time on a connection whose answers the client does not read: one with answers queued (bytes Node could
 * not hand to the kernel, whose buffers are full) that makes no write progress for `timeoutMs` is destroyed. Without
 * it, a client that sent requests and never read kept its connection, and the memory of its queued answers, for ever:
 * fastify's `connectionTimeout` is 0, and the keep-alive timeout only covers the wait between requests.
 *
 * Why not Node's own socket inactivity timeout (`server.timeout`, fastify's `connectionTimeout`): it is restarted by
 * a write *completing*, and also fires on a connection that has nothing queued, so it would cut a handler working
 * longer than the bound with no bytes moving (none is expected to, but nothing keeps it so), and a server `timeout`
 * listener to tell the cases apart would also stop Node from closing idle kept-alive connections. Here only queued
 * answers count.
 *
 * What counts as progress: Node tells JavaScript nothing about a write in progress (measured on Node 20: one 5 MB
 * answer read slowly keeps `writableLength` and the handle's `writeQueueSize` unchanged until the whole write is in the
 * kernel), so progress is a write completing: `bytesWritten - writableLength`, the bytes taken, growing. An answer is
 * written whole (fastify ends it with one write), so the largest one must pass within the bound, less what the
 * kernel's send buffer takes at once: the 0.8 MB OpenAPI document in 120 s (the default) needs about 7 KB/s, 55 kbit/s.
 * A client reading any slower than that over its whole answer is not told apart from one that never reads.
 *
 * One timer for the server, every quarter of the bound (100 ms to 5 s), looks at each open connection; a connection
 * with nothing queued costs a read of `writableLength`.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { CutReporter } from './connection-cuts.js';

interface Progress {
  /** Bytes taken by the kernel when last seen to change. */
  taken: number;
  /** When the connection was first seen with answers queued and `taken` unchanged. */
  since: number;
}

const PROGRESS = Symbol('tessera.writeProgress');
type WatchedSocket = Socket & { [PROGRESS]?: Progress | undefined };

export function sweepIntervalMs(timeoutMs: number): number {
  return Math.min(5_000, Math.max(100, Math.floor(timeoutMs / 4)));
}

/**
 * Watches the connections of `server` (its HTTP sockets: `secureConnection`'s on HTTPS, `connection`'s otherwise) and
 * destroys those stalled past `timeoutMs`, telling `report`.
 */
export function limitWriteStalls(
  server: Server,
  options: { timeoutMs: number; https: boolean; report: CutReporter; now?: () => number },
): void {
  const now = options.now ?? Date.now;
  const sockets = new Set<WatchedSocket>();
  server.on(options.https ? 'secureConnection' : 'connection', (socket: WatchedSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const sweep = () => {
    const t = now();
    for (const socket of sockets) {
      const queued = socket.writableLength;
      if (queued === 0 || socket.destroyed) {
        socket[PROGRESS] = undefined;
        continue;
      }
      const taken = socket.bytesWritten - queued;
      const progress = socket[PROGRESS];
      if (progress === undefined || progress.taken !== taken) {
        socket[PROGRESS] = { taken, since: t };
        continue;
      }
      if (t - progress.since >= options.timeoutMs) {
        const address = socket.remoteAddress;
        socket.destroy();
        sockets.delete(socket);
        options.report(address, 'write_stall');
      }
    }
  };
  const timer = setInterval(sweep, sweepIntervalMs(options.timeoutMs));
  timer.unref();
  server.once('close', () => clearInterval(timer));
}
