/**
 * `token revoke --help` does not offer `--state expired`, which a bulk revoke refuses (exit 2: an expired token
 * already stops working); until 2026-12-07 it listed `expired` among "the live tokens in this state", as
 * `token list --help` rightly does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
