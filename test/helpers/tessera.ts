/**
 * Starts a real Tessera in-process on a random loopback port for a test, on SQLite (a temp dir) or on
 * PostgreSQL (a fresh database per server on the cluster named by TESSERA_TEST_DATABASE_URL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config, type RawConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Store } from '../../src/store/store.js';

export type Backend = 'sqlite' | 'postgres';

export interface TesseraHandle {
  baseUrl: string;
  adminPassword: string;
  demoPassword: string;
  store: Store;
  server: RunningServer;
  config: Config;
  stop(): Promise<void>;
}

export interface StartOptions {
  backend?: Backend;
  https?: boolean;
  demo?: boolean;
  /** Extra config (flag names of src/config.ts), e.g. { accessTokenTtlSeconds: 2 }. */
  config?: RawConfig;
  /** Reuse an existing data dir or database (restart tests). */
  dataDir?: string;
  databaseUrl?: string;
  /** Captures the server's log lines (give config.logLevel too: tests default to silent). */
  logDestination?: { write(line: string): void };
}

export const ADMIN_PASSWORD = 'admin-Password-1';
export const DEMO_PASSWORD = 'demo-Password-1';

/** The backend the suite runs on: TESSERA_TEST_BACKEND=postgres|sqlite (default sqlite). */
export function defaultBackend(): Backend {
  return process.env.TESSERA_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
}

/**
 * A fresh, empty database on the test cluster; fails loudly when no cluster is configured. `options` is appended to
 * CREATE DATABASE as written (a test's own constant, e.g. a locale provider).
 */
export async function createTestDatabase(options = ''): Promise<{ url: string; drop(): Promise<void> }> {
  const clusterUrl = process.env.TESSERA_TEST_DATABASE_URL;
  if (!clusterUrl) {
    throw new Error('TESSERA_TEST_DATABASE_URL is not set: start PostgreSQL with scripts/start-postgres.sh and export its URL');
  }
  const name = `tessera_t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} ${options}`);
  await admin.end();
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: clusterUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function startTessera(options: StartOptions = {}): Promise<TesseraHandle> {
  const backend = options.backend ?? defaultBackend();
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-test-'));
  let database: { url: string; drop(): Promise<void> } | null = null;
  let databaseUrl: string | null = options.databaseUrl ?? null;
  if (backend === 'postgres' && databaseUrl === null) {
    database = await createTestDatabase();
    databaseUrl = database.url;
  }
  const config = loadConfig(
    {
      host: '127.0.0.1',
      port: 0,
      http: !(options.https ?? false),
      dataDir,
      databaseUrl,
      demo: options.demo ?? true,
      logLevel: 'silent',
      adminPassword: ADMIN_PASSWORD,
      demoPassword: DEMO_PASSWORD,
      ...options.config,
    },
    {},
  );
  const server = await startServer(config, options.logDestination ? { logDestination: options.logDestination } : {});
  return {
    baseUrl: server.url,
    adminPassword: ADMIN_PASSWORD,
    demoPassword: DEMO_PASSWORD,
    store: server.store,
    server,
    config,
    async stop() {
      await server.stop();
      if (database) await database.drop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
