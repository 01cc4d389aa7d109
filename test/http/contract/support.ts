/** A real app (empty SQLite store, nothing listening) with every RouteOptions it registered, for contract tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { loadConfig } from '../../../src/config.js';
import { openStore } from '../../../src/store/index.js';
import { createServices } from '../../../src/services.js';
import { buildApp } from '../../../src/http/app.js';

export interface ContractApp {
  app: FastifyInstance;
  routes: RouteOptions[];
  stop(): Promise<void>;
}

export async function startContractApp(): Promise<ContractApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-contract-'));
  const logger = pino({ level: 'silent' });
  const config = loadConfig({ host: '127.0.0.1', port: 0, http: true, dataDir }, {});
  const store = await openStore({ databaseUrl: null, sqliteFile: join(dataDir, 'tessera.db') }, logger);
  const services = await createServices(config, store, logger);
  const routes: RouteOptions[] = [];
  const app = await buildApp({ services, onRoute: (route) => void routes.push(route) });
  await app.ready();
  return {
    app,
    routes,
    async stop() {
      await app.close();
      await services.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
