/**
 * `node --import tsx bench/tls-stream-cost.ts [ROUNDS]`: what reading TLS connections as a stream costs
 * (src/http/tls-request-stream.ts), apart from Tessera: two bare node:https servers answering ~600 bytes of JSON, one
 * with the `data` listener on each TLS socket and one without, loaded in interleaved 2-s rounds (the order swapped
 * every round), a GET and a form POST each, server CPU per request from /proc. docs/performance.md §1 (2026-12-07).
 */
import { createServer } from 'node:https';
import { loadavg } from 'node:os';
import selfsigned from 'selfsigned';
import { measure, startProcess } from './harness.js';

const SELF = new URL(import.meta.url).pathname;

async function serve(stream: boolean) {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 } as never);
  const answer = JSON.stringify({ access_token: 'x'.repeat(560), token_type: 'Bearer' });
  const server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(answer));
  });
  if (stream) server.on('secureConnection', (socket) => socket.on('data', () => {}));
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

async function main() {
  const rounds = Number(process.argv[2] ?? 16);
  const servers: Array<{
    mode: string;
    started: Awaited<ReturnType<typeof startProcess>>;
    url: string;
    get: number[];
    post: number[];
  }> = [];
  for (const mode of ['native', 'stream'] as const) {
    const started = await startProcess(process.execPath, ['--import', 'tsx', SELF, 'serve', mode], {}, /listening (\d+)/);
    servers.push({ mode, started, url: `https://127.0.0.1:${started.match[1]}/`, get: [] as number[], post: [] as number[] });
  }
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}`,
  );
  for (let round = 0; round < rounds; round++) {
    for (const s of round % 2 ? [...servers].reverse() : servers) {
      const pid = s.started.child.pid!;
      s.get.push((await measure('get', pid, { url: s.url, durationSeconds: 2 })).cpuMicrosPerRequest);
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      const body = `grant_type=refresh_token&refresh_token=${'y'.repeat(300)}`;
      s.post.push(
        (await measure('post', pid, { url: s.url, method: 'POST', headers: form, body, durationSeconds: 2 })).cpuMicrosPerRequest,
      );
    }
    console.log(
      `round ${round + 1}: ` +
        servers.map((s) => `${s.mode} GET ${s.get.at(-1)!.toFixed(1)} POST ${s.post.at(-1)!.toFixed(1)} µs`).join('; '),
    );
  }
  for (const s of servers) console.log(`${s.mode}: GET ${median(s.get).toFixed(1)} µs, POST ${median(s.post).toFixed(1)} µs (medians)`);
  for (const kind of ['get', 'post'] as const) {
    const diffs = servers[1]![kind].map((x, i) => x - servers[0]![kind][i]!);
    const dearer = diffs.filter((d) => d > 0).length;
    console.log(
      `${kind.toUpperCase()}: stream minus native, median of rounds ${median(diffs).toFixed(1)} µs; dearer in ${dearer} of ${rounds}`,
    );
  }
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}`,
  );
  for (const s of servers) s.started.child.kill('SIGTERM');
}

if (process.argv[2] === 'serve') await serve(process.argv[3] === 'stream');
else await main();
