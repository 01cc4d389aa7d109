/**
 * Two Tessera nodes on one new PostgreSQL database (the scale-out shape): A migrates it, B loads the demo data; both
 * stop and the database is dropped after the test.
 */
import assert from 'node:assert/strict';
import { createTestDatabase, startTessera, type TesseraHandle } from '../helpers/tessera.js';

export async function twoNodes(t: { after(fn: () => Promise<void>): void }): Promise<{ nodeA: TesseraHandle; nodeB: TesseraHandle }> {
  if (!process.env.TESSERA_TEST_DATABASE_URL) {
    assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh (npm test does it for you)');
  }
  const database = await createTestDatabase();
  const nodeA = await startTessera({ backend: 'postgres', databaseUrl: database.url });
  const nodeB = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: true });
  t.after(async () => {
    await nodeA.stop();
    await nodeB.stop();
    await database.drop();
  });
  return { nodeA, nodeB };
}
