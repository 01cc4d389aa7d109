/**
 * commander's own usage errors read `tessera: ...` like every other error of the command (docs/cli.md, "Errors
 * read like `tessera: <what failed>`"), on the program and on every subcommand, and keep exit 2, the "Did you
 * mean" suggestion and the --help hint. Until 2026-12-07 they read commander's `error: unknown option ...`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './run-cli.js';

test('a mistyped option of a subcommand: tessera: prefix, suggestion, --help hint, exit 2', async () => {
  const result = await runCli(['serve', '--prot', '1']);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, "tessera: unknown option '--prot'\n(Did you mean --port?)\n(add --help for the options)\n");
});

test('an unknown command, and a missing argument two levels down, read the same way', async () => {
  const unknown = await runCli(['nosuchcommand']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, "tessera: unknown command 'nosuchcommand'\n(add --help for the options)\n");

  const missing = await runCli(['service-account', 'grant']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^tessera: missing required argument 'user-code'\n/);
  assert.doesNotMatch(missing.stderr, /error:/);
});

test('--help still prints the help on stdout and exits 0', async () => {
  const help = await runCli(['serve', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.equal(help.stderr, '');
  assert.match(help.stdout, /^Usage: tessera serve \[options\]/);
});
