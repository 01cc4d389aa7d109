/**
 * A store query that cannot get a PostgreSQL connection counts as a failed query in the metrics hook (until
 * 2026-12-05 kysely's log hook, which sees only queries that ran, counted none of an outage's refusals).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { countingFailedConnects } from '../../src/store/options.js';

test('a failed connect is one failed query, with the time it waited; a good one is not counted here', async () => {
  const seen: Array<[number, boolean]> = [];
  let up = false;
  const client = { query: async () => ({ rows: [] }), release: () => {} } as unknown as PostgresPoolClient;
  const pool: PostgresPool = {
    connect: async () => {
      await new Promise((r) => setTimeout(r, 20));
      if (!up) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return client;
    },
    end: async () => {},
  };
  const counted = countingFailedConnects(pool, (ms, failed) => void seen.push([ms, failed]));
  await assert.rejects(counted.connect(), /ECONNREFUSED/);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]![1], true);
  assert.ok(seen[0]![0] >= 15, `waited ${seen[0]![0]} ms`);
  up = true;
  assert.equal(await counted.connect(), client);
  assert.equal(seen.length, 1, 'a query that ran is counted by kysely’s log hook, not twice');
  // Without a hook the pool is used as it is.
  assert.equal(countingFailedConnects(pool, undefined), pool);
});
