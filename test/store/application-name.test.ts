/**
 * A node's PostgreSQL connections name it in pg_stat_activity: `tessera HOST:PID` for the pool, `... listen` for the
 * revocation feed's LISTEN connection, so that an operator can tell nodes and connections apart (until 2026-12-05
 * every one had a blank application_name). A URL that names one keeps it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import pg from 'pg';
import { createTestDatabase } from '../helpers/tessera.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { postgresPlan, reportUnavailable } from './backends.js';

const silentLog = { warn() {}, info() {} };

/** The application_name of every other connection to the database of `url`, sorted. */
async function namesOn(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ application_name: string }>(
      'select application_name from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.application_name).sort();
  } finally {
    await client.end();
  }
}

const plan = postgresPlan();
if (!reportUnavailable(plan, 'application_name in pg_stat_activity')) {
  test('the pool and the LISTEN connection are named after the node; a URL that names one keeps it', async () => {
    const database = await createTestDatabase();
    try {
      const node = `tessera ${hostname()}:${process.pid}`;
      const store = await openPostgresStore(database.url, silentLog);
      try {
        await store.ping(); // a pooled connection, open and idle
        const names = await namesOn(database.url);
        assert.ok(names.includes(node), JSON.stringify(names));
        assert.ok(names.includes(`${node} listen`), JSON.stringify(names));
        assert.deepEqual(
          names.filter((n) => !n.startsWith('tessera ')),
          [],
        );
      } finally {
        await store.close();
      }

      const named = `${database.url}?application_name=ops-node-7`;
      const other = await openPostgresStore(named, silentLog);
      try {
        await other.ping();
        const names = await namesOn(database.url);
        assert.ok(names.length >= 2, JSON.stringify(names));
        assert.deepEqual([...new Set(names)], ['ops-node-7']);
      } finally {
        await other.close();
      }
    } finally {
      await database.drop();
    }
  });
}
