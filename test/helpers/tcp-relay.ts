/**
 * A TCP relay for fault injection: forwards every connection to a target (PostgreSQL) and can be paused, in
 * which case it stops forwarding in both directions without closing anything, like a silent network partition
 * or a hung proxy (no FIN, no RST: the peers just stop hearing each other). Resuming delivers what was held.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpRelay {
  port: number;
  /** Rewrites a postgres:// URL to go through the relay. */
  via(url: string): string;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(targetHost: string, targetPort: number): Promise<TcpRelay> {
  let paused = false;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  // Forward a → b, holding chunks while paused (in order: one queue for both directions keeps it simple).
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (paused) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('end', () => (paused ? held.push(() => to.end()) : to.end()));
    from.on('error', () => to.destroy());
    from.on('close', () => sockets.delete(from));
  };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    via(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const send of held.splice(0)) send();
    },
    async close() {
      paused = false;
      held.length = 0;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
