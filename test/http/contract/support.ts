/**
 * Contract-test support:
 * - `assertConforms` checks a real response body against the schema its route declares. Most JSON routes send
 *   pre-serialized bytes (VCD's exact content types), so fastify does not serialize through their response
 *   schemas: these checks are what keeps the declared contract and the real answers from drifting apart.
 * - `startContractApp` builds a real app (empty SQLite store, nothing listening) and keeps every RouteOptions it
 *   registered.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import pino from 'pino';
import type { TSchema } from 'typebox';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { loadConfig } from '../../../src/config.js';
import { openStore } from '../../../src/store/index.js';
import { createServices } from '../../../src/services.js';
import { buildApp } from '../../../src/http/app.js';

const ajv = new Ajv({ strict: false, allErrors: true });

export function assertConforms(schema: TSchema, body: unknown, label: string): void {
  const validate = ajv.compile(schema);
  const ok = validate(body);
  assert.ok(ok, `${label}: the response breaks its declared schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}

export interface ContractApp {
  app: FastifyInstance;
  routes: RouteOptions[];
  stop(): Promise<void>;
}

/** `onRoute` is told of each route after the app has collected it (e.g. to change its schema before it is compiled). */
export async function startContractApp(options: { onRoute?: (route: RouteOptions) => void } = {}): Promise<ContractApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-contract-'));
  const logger = pino({ level: 'silent' });
  const config = loadConfig({ host: '127.0.0.1', port: 0, http: true, dataDir }, {});
  const store = await openStore({ databaseUrl: null, sqliteFile: join(dataDir, 'tessera.db') }, logger);
  const services = await createServices(config, store, logger);
  const routes: RouteOptions[] = [];
  const app = await buildApp({
    services,
    onRoute: (route) => {
      routes.push(route);
      options.onRoute?.(route);
    },
  });
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
