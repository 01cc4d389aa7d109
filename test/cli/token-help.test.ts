/**
 * `token revoke --help` does not offer `--state expired`, which a bulk revoke refuses (exit 2: an expired token
 * already stops working); until 2026-12-07 it listed `expired` among "the live tokens in this state", as
 * `token list --help` rightly does, and then among its choices. And a bulk revoke of one token says "1 live API token matches" and "this live
 * API token", where it said "1 live API token match" and "these 1 live API token".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkMatchWords } from '../../src/cli/token.js';
import { runCli } from './run-cli.js';

function stateHelp(help: string): string {
  const start = help.indexOf('--state <state>');
  const end = help.indexOf('--unused-days');
  assert.ok(start >= 0 && end > start, help);
  return help.slice(start, end).replace(/\s+/g, ' ');
}

test("token revoke's --state says expired is refused; token list's offers it", async () => {
  const revoke = await runCli(['token', 'revoke', '--help']);
  assert.equal(revoke.code, 0, revoke.stderr);
  const revokeState = stateHelp(revoke.stdout);
  assert.match(revokeState, /expiring \(within 7 days\), never-used \(expired is refused: an expired token already stops working\)/);
  assert.doesNotMatch(revokeState, /7 days\), expired,/);
  // Nor among commander's choices (until 2026-12-07 they listed it beside the words refusing it).
  assert.match(revokeState, /\(choices: "active", "expiring", "never-used"\)/);

  const list = await runCli(['token', 'list', '--help']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(stateHelp(list.stdout), /expiring \(within 7 days\), expired, never-used/);
  assert.match(stateHelp(list.stdout), /\(choices: "active", "expiring", "expired", "never-used"\)/);
});

test('token revoke --state expired, typed anyway, is refused with the reason before anything is sent (exit 2)', async () => {
  for (const args of [
    ['--state', 'expired'],
    ['--state=expired', '--yes'],
  ]) {
    const result = await runCli(['token', 'revoke', ...args]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /An expired token already stops working: a bulk revoke takes live tokens only \(token list --state expired lists them\)/,
    );
    assert.doesNotMatch(result.stderr, /Allowed choices/);
  }
  const unknown = await runCli(['token', 'revoke', '--state', 'stale']);
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /Allowed choices are active, expiring, never-used\./);
});

test("a bulk revoke's heading and dry-run line agree with the count", () => {
  assert.deepEqual(bulkMatchWords(1), {
    heading: '1 live API token matches:',
    dryRun: 'Dry run: nothing was revoked. To revoke this live API token, run the same command with --yes.',
  });
  assert.deepEqual(bulkMatchWords(15), {
    heading: '15 live API tokens match:',
    dryRun: 'Dry run: nothing was revoked. To revoke these 15 live API tokens, run the same command with --yes.',
  });
});

test('the help examples give --expires as a duration, which does not go stale as a calendar date does', async () => {
  for (const command of [['token'], ['token', 'create'], ['token', 'regenerate']]) {
    const help = await runCli([...command, '--help']);
    assert.equal(help.code, 0, help.stderr);
    const examples = help.stdout.slice(help.stdout.indexOf('\nExamples:\n'));
    const given = [...examples.matchAll(/--expires (\S+)/g)].map((m) => m[1]!);
    // Until 2026-12-07 `token create --help` gave `--expires 2027-01-31`, a date that would one day lie in the past.
    for (const value of given) assert.match(value, /^\d+[mhdwy]$/, `${command.join(' ')}: --expires ${value}`);
  }
});
