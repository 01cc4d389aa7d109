/**
 * Benchmark plumbing: start a server process, load it with autocannon on loopback (bounded by duration),
 * and read the server's own CPU time from /proc/<pid>/stat so the figures do not depend on the client, which
 * shares the 2 cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface Measured {
  name: string;
  requestsPerSecond: number;
  /** Server CPU (user + system) per request, microseconds. */
  cpuMicrosPerRequest: number;
  requests: number;
  non2xx: number;
  p99Ms: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

export function serverCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Counting from the state field as fields[0]: fields[11] = utime, fields[12] = stime.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export async function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  durationSeconds?: number;
  /** A fresh path and body per request (e.g. a token drawn at random, at its org's endpoint); overrides `body`. */
  nextRequest?: () => { path?: string; body: string };
}

export async function measure(name: string, pid: number, options: LoadOptions): Promise<Measured> {
  const nextRequest = options.nextRequest;
  const base = {
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    ...(nextRequest ? { requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, ...nextRequest() }) }] } : {}),
  };
  await autocannon({ ...base, connections: 10, duration: 1 }); // warm-up: JIT, caches
  const cpuBefore = serverCpuSeconds(pid);
  const result = await autocannon({ ...base, connections: options.connections ?? 32, duration: options.durationSeconds ?? 5 });
  const cpu = serverCpuSeconds(pid) - cpuBefore;
  const requests = result.requests.total;
  return {
    name,
    requestsPerSecond: result.requests.average,
    cpuMicrosPerRequest: requests > 0 ? (cpu * 1e6) / requests : NaN,
    requests,
    non2xx: result.non2xx,
    p99Ms: result.latency.p99,
  };
}

export function formatRow(m: Measured, baseline: Measured): string {
  const ratio = m.requestsPerSecond / baseline.requestsPerSecond;
  const cpuRatio = baseline.cpuMicrosPerRequest / m.cpuMicrosPerRequest;
  return (
    `${m.name.padEnd(52)} ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s ` +
    `${m.cpuMicrosPerRequest.toFixed(1).padStart(7)} µs CPU/req  p99 ${String(m.p99Ms).padStart(4)} ms  ` +
    `${ratio.toFixed(2)}x baseline (CPU ${cpuRatio.toFixed(2)}x)${m.non2xx ? `  NON-2XX ${m.non2xx}` : ''}`
  );
}
