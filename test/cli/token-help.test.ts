/**
 * `token revoke --help` does not offer `--state expired`, which a bulk revoke refuses (exit 2: an expired token
 * already stops working); until 2026-12-07 it listed `expired` among "the live tokens in this state", as
 * `token list --help` rightly does. And a bulk revoke of one token says "1 live API token matches" and "this live
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

  const list = await runCli(['token', 'list', '--help']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(stateHelp(list.stdout), /expiring \(within 7 days\), expired, never-used/);
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
