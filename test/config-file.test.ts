/**
 * The TOML configuration file (--config / TESSERA_CONFIG): keys named like the variables without TESSERA_,
 * precedence flag > environment > file > default, the same validation as flags and variables with the file
 * named in the message, and an unknown key is an error naming the key and the file.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadConfigFile } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const path = join(dir, `tessera-${n++}.toml`);
  writeFileSync(path, text);
  return path;
};

describe('configuration file', () => {
  test('values from the file apply; environment beats the file; a flag beats both', () => {
    const path = file(
      'port = 9000\nhttp = true\nlog_level = "warn"\naccess_token_ttl = 600\ndatabase_pool_size = 25\nrequest_log = "all"\n',
    );
    const fromFile = loadConfig({}, {}, loadConfigFile(path));
    assert.equal(fromFile.port, 9000);
    assert.equal(fromFile.http, true);
    assert.equal(fromFile.logLevel, 'warn');
    assert.equal(fromFile.accessTokenTtlSeconds, 600);
    assert.equal(fromFile.databasePoolSize, 25);
    assert.equal(fromFile.requestLog, 'all');
    const envWins = loadConfig({}, { TESSERA_PORT: '9100', TESSERA_LOG_LEVEL: 'error' }, loadConfigFile(path));
    assert.equal(envWins.port, 9100);
    assert.equal(envWins.logLevel, 'error');
    assert.equal(envWins.accessTokenTtlSeconds, 600);
    const flagWins = loadConfig({ port: '9200' }, { TESSERA_PORT: '9100' }, loadConfigFile(path));
    assert.equal(flagWins.port, 9200);
    // Not in the file: the default.
    assert.equal(loadConfig({}, {}, loadConfigFile(file('http = true\n'))).shutdownGraceSeconds, 10);
  });

  test('an unknown key is an error naming the key and the file', () => {
    const path = file('port = 9000\nlisten_port = 1\n');
    assert.throws(
      () => loadConfigFile(path),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.length === 1 && err.problems[0]!.startsWith(`unknown setting "listen_port" in ${path}`),
    );
  });

  test('bad values get the usual message, naming the key in the file', () => {
    const path = file('port = "abc"\nlog_level = "loud"\ndemo = "maybe"\nmetrics_port = 70000\n');
    assert.throws(
      () => loadConfig({}, {}, loadConfigFile(path)),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems, [
          `port in ${path} must be a whole number from 0 to 65535, got "abc"`,
          `log_level in ${path} must be one of fatal, error, warn, info, debug, trace, silent`,
          `metrics_port in ${path} must be a whole number from 0 to 65535, got "70000"`,
          `demo in ${path} must be true or false, got "maybe"`,
        ]);
        return true;
      },
    );
  });

  test('bad TOML, a list value and a missing file are errors naming the file', () => {
    const bad = file('port = = 1\n');
    assert.throws(
      () => loadConfigFile(bad),
      (e: unknown) => e instanceof ConfigError && e.problems[0]!.startsWith(`${bad} is not valid TOML`),
    );
    const table = file('port = [8443]\n');
    assert.throws(
      () => loadConfigFile(table),
      (e: unknown) => e instanceof ConfigError && e.problems[0] === `port in ${table} must be a string, a number or true/false`,
    );
    const missing = join(dir, 'missing.toml');
    assert.throws(
      () => loadConfigFile(missing),
      (e: unknown) => e instanceof ConfigError && e.problems[0] === `cannot read the configuration file ${missing}: ENOENT`,
    );
  });

  test('tessera serve --config with a bad file exits 2 with the message', () => {
    const path = file('prot = 1\n');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
    const r = spawnSync(process.execPath, ['bin/tessera.js', 'serve', '--config', path], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`unknown setting "prot" in ${path.replace(/[.\\/]/g, '\\$&')}`));
  });
});
