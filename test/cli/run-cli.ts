/**
 * Runs the real `tessera` binary (bin/tessera.js) in a child process, as a user or a CI job would, with a
 * clean environment: no TESSERA_* leaks in from the machine, and its own config directory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; cwd?: string } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('TESSERA_')) env[name] = value;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return outcomeOf(spawn(process.execPath, [BIN, ...args], { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] }), options.input);
}

/** A spawned process's exit code and output, once it has closed; `input` goes to its stdin. */
export function outcomeOf(child: ChildProcessWithoutNullStreams, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * Runs the binary on a pseudo-terminal (util-linux `script`), for what only happens on a terminal: prompts
 * without echo, the progress line. `answers` are typed when their prompt appears. Output is stdout and stderr
 * together, as a terminal shows them.
 */
export function runCliOnTerminal(
  args: string[],
  options: { env?: Record<string, string | undefined>; answers?: Array<{ when: RegExp; send: string }> } = {},
): Promise<{ code: number | null; output: string }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('TESSERA_')) env[name] = value;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const pending = [...(options.answers ?? [])];
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const next = pending[0];
      if (next && next.when.test(output)) {
        pending.shift();
        child.stdin.write(next.send);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
