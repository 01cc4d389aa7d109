/**
 * `node --import tsx bench/pipeline-flood.ts [--https] [--connections N] [--seconds S] [--path P] [--port PORT]`:
 * what clients that pipeline small requests without reading their answers cost a server (src/http/pipelining.ts).
 *
 * Starts `dist/cli/main.js serve --demo` (`npm run build` first; plain HTTP unless --https) on PORT (default 19800)
 * with a fresh data directory, then opens N connections (default 50) that each write `GET P` (default /api/versions)
 * requests for S seconds (default 25) and never read: each writes while its socket takes the bytes and waits for
 * `drain` when it does not, so the count is bounded by what the kernel and the server take. Meanwhile another client
 * asks for P on a connection of its own every 500 ms, and reads its answer. Prints the server's RSS before, at its
 * highest during and 5 s after the flood's connections close, the other client's answer times, the server's CPU time
 * during and after, and how many requests the flood wrote. FLOOD_DEBUG=1 prints the server's output at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { serverCpuSeconds, startProcess } from './harness.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const https = args.includes('--https');
const connections = Number(option('connections', '50'));
const seconds = Number(option('seconds', '25'));
const path = option('path', '/api/versions');
const port = Number(option('port', '19800'));
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = https
      ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(socket))
      : tcpConnect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject); // kept: a reset after the connect is ignored
  });
}

/** One request on a connection of its own, read to the end of its answer; milliseconds. */
async function probe(): Promise<number> {
  const started = performance.now();
  const socket = await open();
  await new Promise<void>((resolve, reject) => {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text);
      if (head >= 0 && length && text.length >= head + 4 + Number(length[1])) resolve();
    });
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
  socket.destroy();
  return performance.now() - started;
}

async function flood(socket: Socket, until: number, counter: { written: number }) {
  socket.pause(); // never read: the answers stay in the kernel's buffers, then in the server's
  socket.on('error', () => {});
  const batch = Buffer.concat(Array.from({ length: 64 }, () => request));
  while (Date.now() < until && !socket.destroyed) {
    counter.written += 64;
    if (!socket.write(batch)) {
      await Promise.race([new Promise((r) => socket.once('drain', r)), sleep(until - Date.now())]);
    }
  }
}

const serverOutput: string[] = [];
async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-flood-'));
  const server = await startProcess(
    process.execPath,
    ['dist/cli/main.js', 'serve', '--demo', ...(https ? [] : ['--http']), '--port', String(port), '--data-dir', dataDir],
    { TESSERA_CONNECTIONS_PER_ADDRESS: String(connections + 10) },
    /API: https?:\/\/\S+\/api\/versions/,
  );
  const pid = server.child.pid!;
  server.child.stdout!.on('data', (d) => serverOutput.push(String(d)));
  server.child.stderr!.on('data', (d) => serverOutput.push(String(d)));
  try {
    for (let i = 0; i < 20; i++) await probe(); // warm up

    await sleep(1000);
    const before = rssMiB(pid);
    const quiet = await probe();
    const cpuBefore = serverCpuSeconds(pid);
    const sockets = await Promise.all(Array.from({ length: connections }, open));
    const counter = { written: 0 };
    const until = Date.now() + seconds * 1000;
    const floods = Promise.all(sockets.map((s) => flood(s, until, counter)));
    let peak = before;
    const probes: number[] = [];
    while (Date.now() < until) {
      peak = Math.max(peak, rssMiB(pid));
      probes.push(await probe());
      peak = Math.max(peak, rssMiB(pid));
      await sleep(500);
    }
    await floods;
    const cpuDuring = serverCpuSeconds(pid) - cpuBefore;
    for (const s of sockets) s.destroy();
    await sleep(5000);
    const after = rssMiB(pid);
    probes.sort((a, b) => a - b);
    const at = (q: number) => probes[Math.min(probes.length - 1, Math.floor(q * probes.length))]!.toFixed(0);
    console.log(
      `${https ? 'HTTPS' : 'HTTP'} ${connections} connections x ${seconds} s, GET ${path}: ` +
        `${counter.written} requests written (most held in the kernel's buffers); RSS ${before.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB at most during, ` +
        `${after.toFixed(0)} MiB 5 s after; other client ${quiet.toFixed(0)} ms before, during (${probes.length}) ` +
        `median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms; server CPU ${cpuDuring.toFixed(1)} s during, ` +
        `${(serverCpuSeconds(pid) - cpuBefore - cpuDuring).toFixed(1)} s after`,
    );
  } finally {
    server.child.kill();
    if (process.env.FLOOD_DEBUG) console.log(serverOutput.join(''));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
