/**
 * The examples of `tessera token --help` run as written, in order, by a newcomer on a fresh machine: signed in,
 * in an empty directory, with an empty home. Until 2026-12-07 the first wrote to ~/.config/vcd/token.json (exit 2:
 * the directory does not exist), the regenerate wrote the same file again without --force (exit 2), and its
 * --grace 1d left the old token live under the same name, so the `token revoke ci-pipeline` after it was refused as
 * ambiguous (exit 2).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { BIN, outcomeOf, runCli, type CliResult } from './run-cli.js';

let tessera: TesseraHandle;
let root: string;
let env: Record<string, string>;

before(async () => {
  tessera = await startTessera({ demo: true });
  root = await mkdtemp(join(tmpdir(), 'tessera-cli-examples-'));
  await mkdir(join(root, 'home'));
  await mkdir(join(root, 'work'));
  env = { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'home', '.config') };
  const login = await runCli(['login', '--endpoint', tessera.baseUrl, '--org', 'acme', '--user', 'alice'], {
    env: { ...env, TESSERA_PASSWORD: tessera.demoPassword },
  });
  assert.equal(login.code, 0, login.stderr);
});
after(async () => {
  await tessera?.stop();
  await rm(root, { recursive: true, force: true });
});

/** One example line through bash, as typed: `~` and quotes are the shell's, `tessera` is this checkout's. */
function inShell(line: string): Promise<CliResult> {
  const script = `tessera() { "${process.execPath}" "${BIN}" "$@"; }\n${line}`;
  return outcomeOf(spawn('bash', ['-c', script], { cwd: join(root, 'work'), env: { PATH: process.env.PATH ?? '', ...env } }));
}

test("tessera token --help's examples run one after the other, each exit 0", async () => {
  const help = await runCli(['token', '--help'], { env });
  assert.equal(help.code, 0, help.stderr);
  const examples = help.stdout
    .slice(help.stdout.indexOf('\nExamples:\n'))
    .split('\n')
    .filter((line) => line.startsWith('  $ tessera token '))
    .map((line) => line.slice('  $ '.length));
  assert.ok(examples.length >= 5, help.stdout);
  assert.ok(
    examples.some((line) => line.includes(' create ') && line.includes('--out')),
    'an example writes a token file',
  );
  for (const line of examples) {
    const result = await inShell(line);
    assert.equal(result.code, 0, `${line}\n${result.stderr}`);
  }
  const left = await runCli(['token', 'list', '--output', 'json'], { env });
  assert.equal(left.code, 0, left.stderr);
  assert.deepEqual(JSON.parse(left.stdout), [], 'the examples revoke what they create');
});
