/**
 * Configuration (src/config.ts): every bad value is reported with the flag and the environment variable that
 * set it, all at once; flag > environment > default; the result is frozen; `tessera serve` exits 2 on a bad
 * value without starting anything.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  DEFAULTS,
  environmentName,
  loadConfig,
  OTHER_ENV_NAMES,
  unknownEnvironmentWarnings,
  type Config,
  type RawConfig,
  type Setting,
} from '../src/config.js';

/** The problems loadConfig reports for these inputs (fails when it does not throw). */
function problemsOf(flags: RawConfig, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(flags, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.match(err.message, /^Invalid configuration:\n {2}- /);
    return err.problems;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(flags)} ${JSON.stringify(env)}`);
}

/** Flags `tessera serve` really has (src/cli/serve.ts), by config key. */
const FLAGS: Partial<Record<Setting, string>> = {
  host: '--host',
  port: '--port',
  http: '--http',
  dataDir: '--data-dir',
  databaseUrl: '--database-url',
  demo: '--demo',
  inventory: '--inventory',
  publicUrl: '--public-url',
  trustProxy: '--trust-proxy',
  revocationFeedMaxLagMs: '--revocation-feed-max-lag',
  accessTokenTtlSeconds: '--access-token-ttl',
  logLevel: '--log-level',
};

const BAD_VALUES: Array<[Setting, string, RegExp]> = [
  ['port', 'abc', /whole number from 0 to 65535, got "abc"/],
  ['port', '65536', /whole number from 0 to 65535/],
  ['port', '-1', /whole number/],
  ['port', '80.5', /whole number/],
  ['http', 'maybe', /must be true or false, got "maybe"/],
  ['demo', 'sure', /must be true or false/],
  ['host', 'bad host!', /is not a host name or address/],
  ['databaseUrl', 'mysql://db/tessera', /must be a postgres:\/\/user@host:port\/database URL/],
  ['databaseUrl', 'postgres://', /postgres:\/\//],
  ['databaseUrl', 'not a url', /postgres:\/\//],
  ['publicUrl', 'ftp://vcd.example.com', /absolute http\(s\) URL/],
  ['publicUrl', 'vcd.example.com', /absolute http\(s\) URL/],
  // A path prefix cannot work (the portal's paths are absolute, govcd builds /cloudapi from the host): until
  // 2026-12-06 it was dropped in silence and the hrefs named URLs the proxy did not route to Tessera.
  ['publicUrl', 'https://vcd.example.com/vcd', /must be the origin alone .* such as https:\/\/vcd\.example\.com: .*path prefix/],
  ['publicUrl', 'https://vcd.example.com/api', /must be the origin alone/],
  ['publicUrl', 'https://vcd.example.com/?x=1', /must be the origin alone/],
  ['publicUrl', 'https://user:secret@vcd.example.com', /must be the origin alone/],
  ['logLevel', 'loud', /must be one of fatal, error, warn, info, debug, trace, silent/],
  ['adminPassword', 'short', /at least 8 characters/],
  ['demoPassword', 'short', /at least 8 characters/],
  ['accessTokenTtlSeconds', '0', /whole number from 1 to 86400/],
  ['accessTokenTtlSeconds', 'an hour', /whole number/],
  ['sessionIdleTimeoutMinutes', '0', /whole number from 1 to 1440/],
  ['totpMaxAttempts', '1000', /whole number from 1 to 100/],
  ['totpLockoutSeconds', 'x', /whole number/],
  ['tokenRateLimitPerIp', '0', /whole number/],
  ['tokenRateLimitPerToken', '1e3', /whole number/],
  ['signInRateLimit', '-5', /whole number/],
  ['trustProxy', '10.0.0.300', /comma-separated list of proxy addresses or CIDRs .*got "10.0.0.300"/],
  ['trustProxy', '10.0.0.1, proxy.example.com', /got "proxy.example.com"/],
  ['trustProxy', '10.0.0.0/33', /got "10.0.0.0\/33"/],
  ['trustProxy', '*', /trusting every address would let any client choose its own address/],
  ['trustProxy', '0.0.0.0/0', /trusting every address/],
  ['revocationFeedMaxLagMs', '50', /whole number from 200 to 60000/],
  ['databasePreparedStatements', 'sometimes', /TESSERA_DATABASE_PREPARED_STATEMENTS must be true or false, got "sometimes"/],
  ['sqliteCacheMb', '1', /whole number from 2 to 65536/],
  ['sqliteCacheMb', '64MB', /whole number/],
  ['inventory', '-', /cannot be "-" \(standard input\): name a file/],
  ['requestHeadTimeoutSeconds', '0', /whole number from 1 to 120/],
  ['requestHeadTimeoutSeconds', '300', /whole number from 1 to 120/],
  ['tlsHandshakeTimeoutSeconds', '10s', /whole number from 1 to 120/],
  ['connectionsPerAddress', '0', /whole number from 1 to 1000000/],
  ['maxConnections', '-1', /whole number from 1 to 1000000/],
];

describe('bad values', () => {
  for (const [key, value, expected] of BAD_VALUES) {
    const env = environmentName(key);
    const flag = FLAGS[key];
    test(`${key}=${JSON.stringify(value)} names ${flag ?? 'no flag'} and ${env}, from a flag and from the environment`, () => {
      for (const problems of [problemsOf({ [key]: value }), problemsOf({}, { [env]: value })]) {
        assert.equal(problems.length, 1, problems.join('; '));
        const [problem] = problems as [string];
        assert.match(problem, expected);
        assert.ok(problem.includes(env), `names ${env}: ${problem}`);
        if (flag) assert.ok(problem.startsWith(`${flag} (${env})`), `names the real flag ${flag}: ${problem}`);
        else assert.ok(!problem.includes('--'), `names no flag that tessera serve does not have: ${problem}`);
      }
    });
  }

  test('every problem is reported at once', () => {
    const problems = problemsOf({ port: 'abc', logLevel: 'loud' }, { TESSERA_HTTP: 'maybe', TESSERA_DATABASE_URL: 'mysql://x/y' });
    assert.equal(problems.length, 4, problems.join('\n'));
    for (const name of ['TESSERA_PORT', 'TESSERA_LOG_LEVEL', 'TESSERA_HTTP', 'TESSERA_DATABASE_URL']) {
      assert.ok(
        problems.some((p) => p.includes(name)),
        name,
      );
    }
  });

  test('a database URL with a password is not echoed in the message', () => {
    const problems = problemsOf({ databaseUrl: 'mysql://user:s3cret-pw@db/x' });
    assert.ok(!problems.join('\n').includes('s3cret-pw'));
  });
});

describe('values and precedence', () => {
  test('defaults', () => {
    const c = loadConfig({}, {});
    assert.equal(c.host, DEFAULTS.host);
    assert.equal(c.port, 8443);
    assert.equal(c.http, false);
    assert.equal(c.dataDir, resolve('.tessera'));
    assert.equal(c.databaseUrl, null);
    assert.equal(c.demo, false);
    assert.equal(c.inventory, null);
    assert.equal(c.publicUrl, null);
    assert.equal(c.accessTokenTtlSeconds, 3600);
    assert.equal(c.sessionIdleTimeoutMinutes, 30);
    assert.equal(c.totpMaxAttempts, 5);
    assert.equal(c.totpLockoutSeconds, 300);
    assert.equal(c.tokenRateLimitPerIp, 600);
    assert.equal(c.tokenRateLimitPerToken, 120);
    assert.equal(c.signInRateLimit, 20);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.adminPassword, null);
    assert.equal(c.demoPassword, null);
    assert.deepEqual(c.trustProxy, [], 'no proxy is trusted unless configured');
    assert.equal(c.revocationFeedMaxLagMs, 2000);
    assert.equal(c.databasePreparedStatements, true, 'PostgreSQL prepares the hot reads unless told not to');
    assert.equal(loadConfig({}, { TESSERA_DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements, false);
    assert.equal(c.databaseListenUrl, null, 'the revocation feed listens through the store URL unless told otherwise');
    const pooled = { TESSERA_DATABASE_URL: 'postgres://t@pgbouncer:6432/t', TESSERA_DATABASE_LISTEN_URL: 'postgres://t@db:5432/t' };
    assert.equal(loadConfig({}, pooled).databaseListenUrl, 'postgres://t@db:5432/t');
    assert.match(
      problemsOf({}, { TESSERA_DATABASE_LISTEN_URL: 'postgres://t@db/t' }).join('\n'),
      /TESSERA_DATABASE_LISTEN_URL is for PostgreSQL/,
    );
    assert.match(
      problemsOf({}, { ...pooled, TESSERA_DATABASE_LISTEN_URL: 'mysql://db/t' }).join('\n'),
      /TESSERA_DATABASE_LISTEN_URL must be a postgres:\/\//,
    );
    assert.equal(c.sqliteCacheMb, null, "SQLite's page cache is sized from the file unless set");
    assert.equal(loadConfig({}, { TESSERA_SQLITE_CACHE_MB: '512' }).sqliteCacheMb, 512);
    // Connection limits (src/http/connection-limits.ts): generous enough for a CI job's parallel clients.
    assert.equal(c.requestHeadTimeoutSeconds, 20);
    assert.equal(c.tlsHandshakeTimeoutSeconds, 10);
    assert.equal(c.connectionsPerAddress, 256);
    assert.equal(c.maxConnections, 10_000);
    assert.equal(loadConfig({}, { TESSERA_CONNECTIONS_PER_ADDRESS: '1024', TESSERA_MAX_CONNECTIONS: '50000' }).maxConnections, 50_000);
    // The installation's ceiling on API-token lifetimes (auth/api-token-policy.ts): none unless set.
    assert.equal(c.maxTokenLifetimeDays, null);
    assert.equal(loadConfig({}, { TESSERA_MAX_TOKEN_LIFETIME_DAYS: '90' }).maxTokenLifetimeDays, 90);
    for (const bad of ['0', '3651', '30d', '1.5']) {
      assert.match(problemsOf({}, { TESSERA_MAX_TOKEN_LIFETIME_DAYS: bad }).join('\n'), /TESSERA_MAX_TOKEN_LIFETIME_DAYS/, bad);
    }
    assert.equal(loadConfig({ http: true }, {}).port, 8080, '--http changes the default port');
    assert.equal(loadConfig({}, { TESSERA_HTTP: 'true' }).port, 8080);
  });

  test('flag > environment > default', () => {
    const env = { TESSERA_PORT: '9001', TESSERA_LOG_LEVEL: 'warn', TESSERA_DEMO: 'true', TESSERA_DATA_DIR: '/tmp/from-env' };
    const both = loadConfig({ port: '9000', logLevel: 'error', demo: false, dataDir: '/tmp/from-flag' }, env);
    assert.equal(both.port, 9000);
    assert.equal(both.logLevel, 'error');
    assert.equal(both.demo, false, 'an explicit false flag beats a true environment value');
    assert.equal(both.dataDir, '/tmp/from-flag');
    const envOnly = loadConfig({}, env);
    assert.equal(envOnly.port, 9001);
    assert.equal(envOnly.logLevel, 'warn');
    assert.equal(envOnly.demo, true);
    assert.equal(envOnly.dataDir, '/tmp/from-env');
    // An empty environment value counts as unset; an undefined flag falls through to the environment.
    assert.equal(loadConfig({ port: undefined }, { TESSERA_PORT: '' }).port, 8443);
    assert.equal(loadConfig({ port: undefined }, { TESSERA_PORT: '7000' }).port, 7000);
    // A good flag hides a bad environment value: only the value in force is validated.
    assert.equal(loadConfig({ port: '9000' }, { TESSERA_PORT: 'abc' }).port, 9000);
  });

  test('accepted spellings', () => {
    for (const yes of ['1', 'true', 'TRUE', 'yes', 'on']) assert.equal(loadConfig({}, { TESSERA_HTTP: yes }).http, true, yes);
    for (const no of ['0', 'false', 'No', 'off']) assert.equal(loadConfig({}, { TESSERA_HTTP: no }).http, false, no);
    assert.equal(loadConfig({ port: '0' }, {}).port, 0, 'port 0 picks a free port');
    assert.equal(loadConfig({ port: ' 8081 ' }, {}).port, 8081);
    assert.equal(loadConfig({ publicUrl: 'https://vcd.example.com/' }, {}).publicUrl, 'https://vcd.example.com');
    assert.equal(loadConfig({ publicUrl: 'https://VCD.example.com:443' }, {}).publicUrl, 'https://vcd.example.com');
    assert.equal(loadConfig({ publicUrl: 'https://vcd.example.com:9443' }, {}).publicUrl, 'https://vcd.example.com:9443');
    assert.equal(loadConfig({ databaseUrl: 'postgresql://u@db:5432/t' }, {}).databaseUrl, 'postgresql://u@db:5432/t');
    assert.equal(loadConfig({ host: '::1' }, {}).host, '::1');
    assert.equal(loadConfig({ dataDir: 'relative/dir' }, {}).dataDir, resolve('relative/dir'));
    assert.deepEqual(loadConfig({}, { TESSERA_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1,fd00::/8,loopback' }).trustProxy, [
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    assert.equal(loadConfig({ revocationFeedMaxLagMs: '500' }, {}).revocationFeedMaxLagMs, 500);
  });

  test('the config is frozen', () => {
    const c = loadConfig({}, {});
    assert.ok(Object.isFrozen(c));
    assert.throws(() => {
      (c as { port: number }).port = 1;
    }, TypeError);
    assert.equal(c.port, 8443);
  });
});

describe('tessera serve', () => {
  const run = (args: string[], env: Record<string, string> = {}) => {
    // A clean environment: no TESSERA_* from the caller's shell.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
    return spawnSync(process.execPath, ['bin/tessera.js', 'serve', ...args], {
      env: { ...base, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  };

  test('--port abc exits 2 with the message, naming the flag and the variable', () => {
    const r = run(['--port', 'abc', '--http']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--port \(TESSERA_PORT\) must be a whole number from 0 to 65535, got "abc"/);
    assert.doesNotMatch(r.stderr, /listening/);
  });

  test('a TESSERA_ variable that nothing reads is warned about, with the setting it resembles', () => {
    // Until 2026-12-05 TESSERA_PROT=9443 left the default port in force without a word.
    const r = run(['--port', 'abc', '--http'], { TESSERA_PROT: '9443' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^tessera: warning: TESSERA_PROT is not a setting of Tessera and is ignored: did you mean TESSERA_PORT\?\n/);
  });

  test('a bad environment value exits 2 too, and several are listed together', () => {
    const r = run([], { TESSERA_PORT: 'abc', TESSERA_LOG_LEVEL: 'loud', TESSERA_ACCESS_TOKEN_TTL: '0' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /TESSERA_PORT/);
    assert.match(r.stderr, /--log-level \(TESSERA_LOG_LEVEL\)/);
    assert.match(r.stderr, /--access-token-ttl \(TESSERA_ACCESS_TOKEN_TTL\)/);
  });
});

/** A variable's name in a file; not one quoted in the warning's own text (the docs show it with a misspelling). */
const NAME_IN_TEXT = /\bTESSERA_[A-Z0-9_]*[A-Z0-9]\b(?! is not a setting of Tessera)/g;

describe('unknown TESSERA_ variables', () => {
  test('each is named once, with the nearest known name when one is near; known names and other variables are not', () => {
    const warnings = unknownEnvironmentWarnings({
      TESSERA_PROT: '1',
      TESSERA_LOGLEVEL: 'debug',
      TESSERA_SOMETHING_ELSE_ENTIRELY: 'x',
      TESSERA_PORT: '1',
      TESSERA_API_TOKEN: 'x',
      PATH: '/bin',
      tessera_port: '1',
    });
    assert.deepEqual(warnings, [
      'TESSERA_LOGLEVEL is not a setting of Tessera and is ignored: did you mean TESSERA_LOG_LEVEL?',
      'TESSERA_PROT is not a setting of Tessera and is ignored: did you mean TESSERA_PORT?',
      'TESSERA_SOMETHING_ELSE_ENTIRELY is not a setting of Tessera and is ignored',
    ]);
  });

  test('every TESSERA_ name the repository reads or documents is known, so none is warned about wrongly', () => {
    const root = resolve(import.meta.dirname, '..');
    const skip = new Set(['node_modules', 'dist', '.git', '.venv', 'bin', 'openapi.json']);
    const names = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        if (skip.has(entry) || entry.startsWith('.tessera')) continue;
        const path = join(dir, entry);
        if (path === import.meta.filename) continue; // this file's misspellings are on purpose
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|mjs|js|sh|md|toml|yml|py|go|json)$|^run$/.test(entry)) {
          for (const m of readFileSync(path, 'utf8').matchAll(NAME_IN_TEXT)) names.add(m[0]);
        }
      }
    };
    for (const dir of ['src', 'scripts', 'bench', 'examples', 'test', 'docs', '.ci']) walk(join(root, dir));
    for (const file of ['README.md', 'package.json']) {
      for (const m of readFileSync(join(root, file), 'utf8').matchAll(NAME_IN_TEXT)) names.add(m[0]);
    }
    const unknown = unknownEnvironmentWarnings(Object.fromEntries([...names].map((n) => [n, 'x'])));
    assert.deepEqual(unknown, [], 'add each to OTHER_ENV_NAMES (src/config.ts) or to the settings');
    assert.ok(names.size > OTHER_ENV_NAMES.length, `found ${names.size} names`);
  });
});
