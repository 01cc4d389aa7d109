/**
 * A PostgreSQL password in a command-line argument is on show to every local account (`ps`, /proc/PID/cmdline) while
 * the process runs. `--database-url` (serve and the store commands) and compare-restore's `--before` take URLs that
 * may carry one: the commands warn, and say where a password is not on show. Until 2026-12-07 nothing said so.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { passwordInArgumentWarning } from '../../src/config.js';
import { runCli } from './run-cli.js';

describe('a password in a command-line URL', () => {
  test('is warned about, and a URL without one, or no URL, is not', () => {
    assert.match(
      passwordInArgumentWarning('--database-url', 'postgres://tessera:s3cret@db:5432/tessera') ?? '',
      /--database-url holds a password, .* process list \(ps\).*TESSERA_DATABASE_URL.*PGPASSWORD or ~\/\.pgpass/,
    );
    assert.doesNotMatch(passwordInArgumentWarning('--before', 'postgres://u:p@db/x') ?? '', /TESSERA_DATABASE_URL/);
    assert.equal(passwordInArgumentWarning('--database-url', 'postgres://tessera@db:5432/tessera'), null);
    assert.equal(passwordInArgumentWarning('--database-url', undefined), null);
    assert.equal(passwordInArgumentWarning('--database-url', 'not a url'), null);
  });

  test('tessera serve and tessera admin warn on stderr, without repeating the password', async () => {
    const url = 'postgres://tessera:Sup3rSecretPw@127.0.0.1:1/tessera_x';
    const backup = await runCli(['admin', 'backup', '/nonexistent/x.db', '--database-url', url]);
    assert.equal(backup.code, 2, backup.stderr);
    assert.match(backup.stderr, /warning: --database-url holds a password/);
    const serve = await runCli(['serve', '--port', '0', '--database-url', url]);
    assert.notEqual(serve.code, 0);
    assert.match(serve.stderr, /warning: --database-url holds a password/);
    const fromEnv = await runCli(['serve', '--port', '0'], { env: { TESSERA_DATABASE_URL: url } });
    assert.doesNotMatch(fromEnv.stderr, /holds a password/, 'the variable is not on show');
    for (const r of [backup, serve, fromEnv]) assert.doesNotMatch(r.stdout + r.stderr, /Sup3rSecretPw/);
  });
});
