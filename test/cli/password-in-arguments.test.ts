/**
 * A PostgreSQL password in a command-line argument is on show to every local account (`ps`, /proc/PID/cmdline) while
 * the process runs. `--database-url` (serve and the store commands) and compare-restore's `--before` take URLs that
 * may carry one: the commands warn, and say where a password is not on show. Until 2026-12-07 nothing said so.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, passwordInArgumentWarning, secretsInReadableFileWarning } from '../../src/config.js';
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

describe('a secret in a configuration file other accounts may read', () => {
  test('is warned about by serve and the store commands; a private file, or one without a secret, is not', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-config-secret-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'tessera.toml');
    writeFileSync(file, 'admin_password = "Adm1n-Secret-Passw0rd"\ndatabase_url = "postgres://tessera:Sup3rSecretPw@127.0.0.1:1/x"\n');
    chmodSync(file, 0o644);
    assert.match(
      secretsInReadableFileWarning(loadConfigFile(file)) ?? '',
      /tessera\.toml holds admin_password, the password in database_url and other accounts .* \(mode 0644\): chmod 600/,
    );
    const backup = await runCli(['admin', 'backup', join(dir, 'b.db'), '--config', file]);
    assert.match(backup.stderr, /warning: .*tessera\.toml holds admin_password/);
    const serve = await runCli(['serve', '--port', '0', '--config', file]);
    assert.match(serve.stderr, /warning: .*tessera\.toml holds admin_password/);
    for (const r of [backup, serve]) assert.doesNotMatch(r.stdout + r.stderr, /Sup3rSecretPw|Adm1n-Secret/);
    chmodSync(file, 0o600);
    assert.equal(secretsInReadableFileWarning(loadConfigFile(file)), null);
    writeFileSync(file, 'port = 8443\ndatabase_url = "postgres://tessera@db/x"\n');
    chmodSync(file, 0o644);
    assert.equal(secretsInReadableFileWarning(loadConfigFile(file)), null);
  });
});
