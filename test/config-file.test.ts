/**
 * The TOML configuration file (--config / TESSERA_CONFIG): keys named like the variables without TESSERA_,
 * precedence flag > environment > file > default, the same validation as flags and variables with the file
 * named in the message, and an unknown key is an error naming the key and the file.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
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
      () => loadConfig({}, {}, loadConfigFile(path)),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.length === 1 && err.problems[0]!.startsWith(`unknown setting "listen_port" in ${path}`),
    );
  });

  test('an unknown key hides nothing: every problem of the file, the environment and the flags in one message', () => {
    const path = file('prot = 8080\nport = "abc"\n');
    assert.throws(
      () => loadConfig({ accessTokenTtlSeconds: '0' }, { TESSERA_LOG_LEVEL: 'loud' }, loadConfigFile(path)),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems, [
          `unknown setting "prot" in ${path}: did you mean "port"?`,
          `port in ${path} must be a whole number from 0 to 65535, got "abc"`,
          `--log-level (TESSERA_LOG_LEVEL) must be one of fatal, error, warn, info, debug, trace, silent, got "loud"`,
          `--access-token-ttl (TESSERA_ACCESS_TOKEN_TTL) must be a whole number from 1 to 86400, got "0"`,
        ]);
        assert.match(err.message, /^Invalid configuration:\n {2}- unknown setting "prot"/);
        return true;
      },
    );
    // A file that cannot be read or parsed does not hide the flags' problems either.
    const missing = join(dir, 'missing.toml');
    assert.throws(
      () => loadConfig({ port: 'abc' }, {}, loadConfigFile(missing)),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 2 &&
        err.problems[0] === `cannot read the configuration file ${missing}: no such file` &&
        err.problems[1] === '--port (TESSERA_PORT) must be a whole number from 0 to 65535, got "abc"',
    );
  });

  test('an unknown key suggests the closest known one, when one is close', () => {
    const problemsOf = (text: string) => {
      const path = file(text);
      try {
        loadConfig({}, {}, loadConfigFile(path));
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems.map((p) => p.replace(path, 'FILE'));
      }
      return assert.fail('the file was accepted');
    };
    assert.deepEqual(problemsOf('prot = 1\n'), ['unknown setting "prot" in FILE: did you mean "port"?']);
    assert.deepEqual(problemsOf('databse_url = "postgres://db/x"\n'), [
      'unknown setting "databse_url" in FILE: did you mean "database_url"?',
    ]);
    // The variable's name, a flag's spelling or the camelCase of the code: the key they mean.
    assert.deepEqual(problemsOf('TESSERA_LOG_LEVEL = "warn"\n'), [
      'unknown setting "TESSERA_LOG_LEVEL" in FILE: did you mean "log_level"?',
    ]);
    assert.deepEqual(problemsOf('data-dir = "/tmp"\n'), ['unknown setting "data-dir" in FILE: did you mean "data_dir"?']);
    assert.deepEqual(problemsOf('accessTokenTtl = 60\n'), ['unknown setting "accessTokenTtl" in FILE: did you mean "access_token_ttl"?']);
    // Nothing close: the known keys are listed.
    const [far] = problemsOf('colour = "blue"\n');
    assert.match(
      far!,
      /^unknown setting "colour" in FILE \(known: host, port, http, data_dir, .*metrics_host, request_head_timeout_seconds, tls_handshake_timeout_seconds, write_stall_timeout_seconds, connections_per_address, max_connections\)$/,
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
          `log_level in ${path} must be one of fatal, error, warn, info, debug, trace, silent, got "loud"`,
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
      () => loadConfig({}, {}, loadConfigFile(bad)),
      // Where the parser stopped, as FILE:LINE:COLUMN (until 2026-12-05 the file alone).
      (e: unknown) => e instanceof ConfigError && e.problems[0]!.startsWith(`${bad}:1:8 is not valid TOML`),
    );
    const table = file('port = [8443]\n');
    assert.throws(
      () => loadConfig({}, {}, loadConfigFile(table)),
      (e: unknown) => e instanceof ConfigError && e.problems[0] === `port in ${table} must be a string, a number or true/false`,
    );
    const missing = join(dir, 'missing.toml');
    assert.throws(
      () => loadConfig({}, {}, loadConfigFile(missing)),
      (e: unknown) => e instanceof ConfigError && e.problems[0] === `cannot read the configuration file ${missing}: no such file`,
    );
  });

  test('tessera serve --config with a bad file exits 2 with the message', () => {
    const path = file('prot = 1\n');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
    const r = spawnSync(process.execPath, ['bin/tessera.js', 'serve', '--config', path], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`unknown setting "prot" in ${path.replace(/[.\\/]/g, '\\$&')}`));
  });

  test('tessera serve lists the unknown key of the file with the bad values of the file, the environment and the flags', () => {
    const path = file('prot = 8080\nport = "abc"\n');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
    const r = spawnSync(process.execPath, ['bin/tessera.js', 'serve', '--config', path, '--request-log', 'loud'], {
      env: { ...env, TESSERA_ACCESS_TOKEN_TTL: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /unknown setting "prot" in .*: did you mean "port"\?/);
    assert.match(r.stderr, /port in .* must be a whole number from 0 to 65535, got "abc"/);
    assert.match(r.stderr, /--access-token-ttl \(TESSERA_ACCESS_TOKEN_TTL\) must be a whole number/);
    assert.match(r.stderr, /--request-log \(TESSERA_REQUEST_LOG\) must be one of off, errors, all, got "loud"/);
    assert.doesNotMatch(r.stderr, /listening/);
  });

  test('the database URL is named by where it came from: the flag, the variable or the file key', () => {
    const path = file('database_url = "postgres://tessera@db.example:5432/tessera"\n');
    const url = 'postgres://tessera@other.example/tessera';
    assert.equal(loadConfig({}, {}, loadConfigFile(path)).databaseUrlSource, `database_url in ${path}`);
    assert.equal(loadConfig({}, { TESSERA_DATABASE_URL: url }, loadConfigFile(path)).databaseUrlSource, 'TESSERA_DATABASE_URL');
    assert.equal(loadConfig({ databaseUrl: url }, { TESSERA_DATABASE_URL: url }, loadConfigFile(path)).databaseUrlSource, '--database-url');
    assert.equal(loadConfig({}, {}, loadConfigFile(file('port = 9000\n'))).databaseUrlSource, null, 'SQLite: no URL, no source');
  });

  // Until 2026-12-07 the start failure said "(--database-url)" for the file's database_url too, sending the operator
  // to look for a flag nobody had passed.
  test("tessera serve --config whose database_url cannot be reached names the file's key, not --database-url", async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const path = file(`database_url = "postgres://tessera@127.0.0.1:${port}/tessera"\n`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
    const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--http', '--port', '0', '--config', path], { env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.notEqual(code, 0, stderr);
    assert.ok(
      stderr.includes(`cannot open the PostgreSQL store at 127.0.0.1:${port}/tessera (database_url in ${path}): `),
      `names the file's key:\n${stderr}`,
    );
    assert.doesNotMatch(stderr, /--database-url/);
  });
});
