/**
 * The soak's HTTP client: node:http over one keep-alive agent (fetch allocates more per request than the load
 * generator can afford while it shares the cores with the server), a latency record per completed request, and a
 * cookie jar for the portal.
 */
import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request left and when its answer was read. */
  sentAt: number;
  latencyMs: number;
}

export class SoakHttp {
  private readonly base: URL;
  private readonly agent: http.Agent;
  /** Latencies (ms) and statuses of completed requests since the last drain. */
  latencies: number[] = [];
  statuses = new Map<number, number>();
  requests = 0;

  constructor(baseUrl: string, maxSockets: number) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
    const sentAt = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const latencyMs = performance.now() - sentAt;
            const status = res.statusCode ?? 0;
            this.latencies.push(latencyMs);
            this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
            this.requests += 1;
            resolve({ status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), sentAt, latencyMs });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request(
      'POST',
      path,
      { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      new URLSearchParams(fields).toString(),
    );
  }

  /** Takes the interval's latencies and statuses, leaving empty ones. */
  drain(): { latencies: number[]; statuses: Map<number, number>; requests: number } {
    const out = { latencies: this.latencies, statuses: this.statuses, requests: this.requests };
    this.latencies = [];
    this.statuses = new Map();
    this.requests = 0;
    return out;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** name=value pairs from Set-Cookie, sent back as one Cookie header (the portal's cookies are path-scoped to the org). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(reply: Reply): void {
    const set = reply.headers['set-cookie'] ?? [];
    for (const line of set) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}
