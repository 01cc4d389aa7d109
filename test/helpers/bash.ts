/**
 * Runs a shell snippet as a user would paste it: `bash -s` with the script on stdin, a minimal environment
 * (PATH, HOME, no proxy for loopback) and a time bound. Async on purpose: the server under test runs in this
 * process, and spawnSync would block it from answering.
 */
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';

export function runBash(script: string, timeoutMs = 60_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-s'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' },
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(script);
  });
}

/** Fails loudly (never skips) when a tool the snippets use is missing: `.ci/run` installs them. */
export function requireTools(...tools: string[]): void {
  for (const tool of tools) {
    assert.equal(spawnSync(tool, ['--version']).status, 0, `${tool} is required by this suite (the snippet uses it)`);
  }
}
