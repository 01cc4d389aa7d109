/**
 * Shared plumbing of the real-client conformance suite (docs/conformance.md): building the clients,
 * spawning them with bounded time, and reading their summaries. A missing toolchain or registry fails the
 * suite with the reason; nothing here ever skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CONFORMANCE_DIR = join(ROOT, 'test', 'conformance');
export const GOVCD_BIN = join(CONFORMANCE_DIR, 'govcd', 'bin');
export const CAPVCD_BIN = join(CONFORMANCE_DIR, 'capvcd', 'bin', 'capvcd-conformance');
export const VENV_PYTHON = join(CONFORMANCE_DIR, '.venv', 'bin', 'python');

/** Cold builds download modules and compile govcd twice: allow for a slow machine, never forever. */
export const SETUP_TIMEOUT_MS = 20 * 60_000;
/** One client run against a local server: seconds normally; the cap only bounds a hang. */
export const CLIENT_TIMEOUT_MS = 4 * 60_000;

/** Loopback only: a proxy from the environment must never see these requests. */
export const LOOPBACK_ENV = { NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };

/**
 * Runs scripts/setup-conformance.sh for `target`. Quick when already built (stamps); throws with the
 * script's own reason ("SETUP FAILED: ...") when a toolchain or registry is missing.
 */
export function setupConformance(target: 'govcd' | 'capvcd' | 'pyvcloud' | 'terraform' | 'oauthlibs' | 'all'): string {
  const script = join(ROOT, 'scripts', 'setup-conformance.sh');
  const result = spawnSync('bash', [script, target], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: SETUP_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: { ...process.env },
  });
  if (result.error) {
    throw new Error(`scripts/setup-conformance.sh ${target} could not run: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const reason =
      result.signal !== null ? `killed by ${result.signal} (timeout ${SETUP_TIMEOUT_MS / 1000}s?)` : `exit code ${result.status}`;
    throw new Error(
      `scripts/setup-conformance.sh ${target} failed (${reason}); the conformance suite cannot run without ` +
        `its real clients:\n${tail(result.stderr, 60)}\n${tail(result.stdout, 20)}`,
    );
  }
  return result.stderr;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** spawn with a hard timeout (SIGKILL of the process group) and captured output. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<ProcessResult> {
  const timeoutMs = options.timeoutMs ?? CLIENT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...LOOPBACK_ENV, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr });
    });
  });
}

/** Reads the `<MARKER> {json}` line a client prints last on success. */
export function readSummary<T>(result: ProcessResult, marker: string): T {
  const line = result.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(`${marker} `));
  if (line === undefined) throw new Error(`no ${marker} line in the client's output:\n${tail(result.stdout, 30)}`);
  return JSON.parse(line.slice(marker.length + 1)) as T;
}

/** The message of a failed client run: its own FAIL line first, then its step log and HTTP dump. */
export function describeFailure(label: string, result: ProcessResult, timeoutMs = CLIENT_TIMEOUT_MS): string {
  const how = result.timedOut
    ? `killed after the ${timeoutMs / 1000}s timeout`
    : result.signal !== null
      ? `killed by ${result.signal}`
      : `exit code ${result.code}`;
  const failLines = result.stderr.split('\n').filter((l) => l.startsWith('FAIL'));
  return (
    `${label} failed (${how}).\n${failLines.join('\n')}\n` +
    `--- stderr ---\n${tail(result.stderr, 150)}\n--- stdout (tail) ---\n${tail(result.stdout, 40)}`
  );
}

/**
 * TESSERA_CONFORMANCE_VERBOSE=1 prints each client's whole output as test diagnostics, also on success
 * (with GOVCD_SHOW_REQ=1 GOVCD_SHOW_RESP=1, govcd's own request/response trace is in stdout).
 */
export function verboseOutput(result: ProcessResult): string | null {
  if (!process.env.TESSERA_CONFORMANCE_VERBOSE) return null;
  return `--- stderr ---\n${result.stderr}\n--- stdout ---\n${result.stdout}`;
}

export function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? [`… (${all.length - lines} lines before)`, ...all.slice(-lines)] : all).join('\n');
}

/** A private temp dir for scenario files (they carry demo passwords); removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; write(name: string, data: unknown): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, data) {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(data, null, 2), { mode: 0o600 });
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
