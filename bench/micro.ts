/**
 * In-process micro-benchmarks of the two hot paths, measured as CPU time per call:
 * - the cached bearer check (Authenticator.fromAccessToken on an already verified token: cache hit,
 *   revocation view, identity cache);
 * - the first verification of a token (HS256 signature + claims).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createServices } from '../src/services.js';
import { bootstrap } from '../src/auth/bootstrap.js';

const silent = { info() {}, warn() {}, error() {} };

export async function microBenchmarks(): Promise<{ cachedBearerMicros: number; firstVerifyMicros: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const config = loadConfig(
    { dataDir: dir, demo: true, adminPassword: 'bench-admin-pw', demoPassword: 'bench-demo-pw', logLevel: 'silent' },
    {},
  );
  const store = await openSqliteStore(join(dir, 'tessera.db'));
  const services = await createServices(config, store, silent);
  await bootstrap(store, config, services.users);
  try {
    const { accessToken } = await services.sessions.signIn({
      userName: 'alice',
      orgName: 'acme',
      password: 'bench-demo-pw',
      totpCode: null,
      endpoint: 'tenant',
      ip: '127.0.0.1',
    });
    const n = 200_000;
    for (let i = 0; i < 10_000; i++) await services.authenticator.fromAccessToken(accessToken);
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await services.authenticator.fromAccessToken(accessToken);
    const used = process.cpuUsage(start);
    const cachedBearerMicros = (used.user + used.system) / n;

    const tokens: string[] = [];
    for (let i = 0; i < 2_000; i++)
      tokens.push((await services.accessTokens.mint({ userId: 'u', orgId: 'o', kind: 'password', apiTokenId: null })).token);
    // A fresh service instance has an empty cache: every verify is a real signature check.
    const { AccessTokenService } = await import('../src/auth/access-tokens.js');
    const cold = new AccessTokenService(await store.currentSigningKey(), config.accessTokenTtlSeconds);
    const start2 = process.cpuUsage();
    for (const t of tokens) await cold.verify(t);
    const used2 = process.cpuUsage(start2);
    return { cachedBearerMicros, firstVerifyMicros: (used2.user + used2.system) / tokens.length };
  } finally {
    await services.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
