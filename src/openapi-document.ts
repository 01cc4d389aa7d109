/**
 * The OpenAPI document as committed in docs/openapi.json: built from a throwaway app (an empty SQLite store in a
 * temporary folder, nothing listening), so that `npm run openapi` and the drift test need no running server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from './config.js';
import { openStore } from './store/index.js';
import { createServices } from './services.js';
import { buildApp } from './http/app.js';
import { committedDocument } from './http/openapi.js';

export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-openapi-'));
  const logger = pino({ level: 'silent' });
  try {
    const config = loadConfig({ host: '127.0.0.1', port: 0, http: true, dataDir }, {});
    const store = await openStore({ databaseUrl: null, sqliteFile: join(dataDir, 'tessera.db') }, logger);
    const services = await createServices(config, store, logger);
    const app = await buildApp({ services });
    try {
      await app.ready();
      return committedDocument(app.swagger() as unknown as Record<string, unknown>);
    } finally {
      await app.close();
      await services.stop();
      await store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The committed form: two-space JSON with a final newline (stable, reviewable diffs). */
export function formatOpenApiDocument(document: Record<string, unknown>): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
