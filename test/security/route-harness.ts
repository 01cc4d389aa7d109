/**
 * An in-process Tessera for the route-table suites (authorization matrix, route fuzzing): the real app with
 * the demo data, built like src/server.ts does, but (a) with an `onRoute` collector, so the suites enumerate
 * the routes that are actually registered instead of a hand-kept list, and (b) with a pino logger at level
 * `error` writing into memory, so a suite can assert that nothing was logged at error level. Requests go
 * through `app.inject()`: no sockets, which keeps thousands of requests cheap on a small machine.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/store.js';
import { createServices, type RunningServices } from '../../src/services.js';
import { bootstrap } from '../../src/auth/bootstrap.js';
import { buildApp, LOG_REDACTIONS, LOG_SERIALIZERS } from '../../src/http/app.js';
import { ADMIN_PASSWORD, DEMO_PASSWORD, createTestDatabase, type Backend } from '../helpers/tessera.js';

export interface RegisteredRoute {
  method: string;
  /** The route's URL pattern as registered, e.g. `/cloudapi/1.0.0/users/:id`. */
  url: string;
  /** The portal's CSRF binding of a state-changing route (`config.csrf`), if any. */
  csrf: string | null;
}

export interface Harness {
  app: FastifyInstance;
  store: Store;
  services: RunningServices;
  /** Every (method, url) the app registered, HEAD included, in registration order, without duplicates. */
  routes: RegisteredRoute[];
  /** Log lines at level error or above since the start (or the last `clearErrors`). */
  errors: string[];
  clearErrors(): void;
  stop(): Promise<void>;
}

export async function startHarness(backend: Backend): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-routes-'));
  const database = backend === 'postgres' ? await createTestDatabase() : null;
  // A GitHub secret scanning key, so that its endpoint (registered only with one) is in the matrix.
  const githubSecretScanningKeys = join(dataDir, 'github-keys.json');
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(githubSecretScanningKeys, JSON.stringify({ public_keys: [{ key_identifier: '00', key, is_current: true }] }));
  const config = loadConfig(
    {
      host: '127.0.0.1',
      port: 0,
      http: true,
      dataDir,
      githubSecretScanningKeys,
      databaseUrl: database?.url ?? null,
      demo: true,
      logLevel: 'error',
      adminPassword: ADMIN_PASSWORD,
      demoPassword: DEMO_PASSWORD,
      // The suites send thousands of requests from one address: rate limits would turn answers into 429s.
      signInRateLimit: 1_000_000,
      tokenRateLimitPerIp: 1_000_000,
      tokenRateLimitPerToken: 1_000_000,
    },
    {},
  );
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') errors.push(line);
      done();
    },
  });
  const logger = pino({ level: 'error', redact: { paths: LOG_REDACTIONS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS }, sink);
  const store = await openStore({ databaseUrl: config.databaseUrl, sqliteFile: join(dataDir, 'tessera.db') }, logger);
  const services = await createServices(config, store, logger);
  await bootstrap(store, config, services.users);
  const routes: RegisteredRoute[] = [];
  const seen = new Set<string>();
  const app = await buildApp({
    services,
    logger,
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        const key = `${method} ${route.url}`;
        if (seen.has(key)) continue;
        seen.add(key);
        routes.push({ method, url: route.url, csrf: (route.config as { csrf?: string } | undefined)?.csrf ?? null });
      }
    },
  });
  await app.ready();
  return {
    app,
    store,
    services,
    routes,
    errors,
    clearErrors: () => void errors.splice(0),
    async stop() {
      await app.close();
      await services.stop();
      await store.close();
      if (database) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
