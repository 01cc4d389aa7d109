/**
 * The store serve names in the lines it prints for an operator to paste (admin reset-password in the banner's
 * warnings): as the store was named to serve, never with a URL's password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { storeLocationHint } from '../../src/cli/store-config.js';
import { loadConfig, loadConfigFile } from '../../src/config.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { powershellQuote, shellQuote, shellWord } from '../../src/domain/shell-quote.js';

const URL_WITH_PASSWORD = 'postgres://tessera:s3cret@db.example:5432/tessera';

test('SQLite: the data directory, quoted when the shell would split or expand it', () => {
  assert.equal(storeLocationHint(loadConfig({ dataDir: '/srv/tessera' }, {}), null), '--data-dir /srv/tessera');
  assert.equal(storeLocationHint(loadConfig({ dataDir: "/srv/my data/it's" }, {}), null), `--data-dir '/srv/my data/it'\\''s'`);
});

test('PostgreSQL from the flag: a placeholder, never the URL (it holds a password)', () => {
  const hint = storeLocationHint(loadConfig({ databaseUrl: URL_WITH_PASSWORD }, {}), null);
  assert.equal(hint, '--database-url URL');
});

test('PostgreSQL from TESSERA_DATABASE_URL: the variable, quoted, so an unset one fails rather than open ./.tessera', () => {
  const hint = storeLocationHint(loadConfig({}, { TESSERA_DATABASE_URL: URL_WITH_PASSWORD }), null);
  assert.equal(hint, '--database-url "$TESSERA_DATABASE_URL"');
  assert.doesNotMatch(hint, /s3cret/);
});

test('PostgreSQL from the configuration file: --config FILE, as serve was given it (until 2026-12-08: --database-url URL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-hint-'));
  try {
    const path = join(dir, 'my tessera.toml');
    writeFileSync(path, `database_url = "${URL_WITH_PASSWORD}"\n`, { mode: 0o600 });
    const config = loadConfig({}, {}, loadConfigFile(path));
    assert.equal(storeLocationHint(config, path), `--config '${path}'`);
    // The flag given beside the file wins, as for serve: the hint follows the URL in force.
    assert.equal(storeLocationHint(loadConfig({ databaseUrl: URL_WITH_PASSWORD }, {}, loadConfigFile(path)), path), '--database-url URL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('shellWord leaves a plain word alone and quotes anything the shell would read otherwise', () => {
  for (const plain of ['/srv/tessera', 'administrator@System', 'a=b,c:d%e+f']) assert.equal(shellWord(plain), plain);
  for (const text of ['two words', '$HOME', 'a;b', "it's", '*', '~/x', '']) {
    assert.equal(execFileSync('sh', ['-c', `printf '%s' ${shellWord(text)}`], { encoding: 'utf8' }), text);
    assert.equal(shellWord(text), shellQuote(text));
  }
});

test('powershellQuote doubles the typographic single quotes PowerShell also reads as quotes', () => {
  assert.equal(powershellQuote('a\u2019b'), "'a\u2019\u2019b'");
  assert.equal(powershellQuote("a'b"), "'a''b'");
});
