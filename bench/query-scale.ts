/**
 * `npm run bench -- query` (issue 16 §4): uncached VM queries at 100,000 VMs through the SQL path, on SQLite and
 * PostgreSQL. One org of 100,000 generated VMs (tessera seed's generator); each case is measured twice in the
 * same run, interleaved: as a cached page (the exact page cache answers repeats) and with `Cache-Control:
 * no-cache`, which runs the page's SQL on every request (the count and keyset anchors stay cached). Goal: each
 * uncached page costs under 3x its cached page (req/s ratio); where not, docs/performance.md gives the plans.
 */
import type { Measured } from './harness.js';
import { measure } from './harness.js';
import { openStore } from '../src/store/index.js';
import { seedGeneratedInventory } from '../src/cli/seed-generated.js';
import { join } from 'node:path';
import { sql } from 'kysely';
import { PASSWORD, startTesseraProcess } from './exchange.js';
import { freshBackend } from './million.js';

const ACCEPT = 'application/*+xml;version=37.0';
const silent = { info() {}, warn() {}, error() {} };

export interface QueryScaleRow {
  name: string;
  cached: Measured;
  uncached: Measured;
  /** Cached req/s over uncached req/s: how many times an uncached page costs (goal < 3). */
  costRatio: number;
}

export async function queryScaleBench(opts: {
  kind: 'sqlite' | 'postgres';
  durationSeconds: number;
  vms?: number;
}): Promise<QueryScaleRow[]> {
  const vms = opts.vms ?? 100_000;
  const backend = await freshBackend(opts.kind, 'query');
  let server: Awaited<ReturnType<typeof startTesseraProcess>> | null = null;
  try {
    const store = await openStore({ databaseUrl: backend.databaseUrl, sqliteFile: join(backend.dataDir, 'tessera.db') }, silent);
    let vdcId: string;
    try {
      await seedGeneratedInventory(store, { vms, orgs: 1, orgPrefix: 'scale', userPassword: PASSWORD });
      const org = await store.db.selectFrom('orgs').select('id').where('name', '=', 'scale-01').executeTakeFirstOrThrow();
      vdcId = (await store.db.selectFrom('vdcs').select('id').where('org_id', '=', org.id).orderBy('name').executeTakeFirstOrThrow()).id;
      if (opts.kind === 'postgres') await sql`analyze`.execute(store.db);
    } finally {
      await store.close();
    }
    server = await startTesseraProcess(backend.dataDir, backend.databaseUrl ? ['--database-url', backend.databaseUrl] : []);
    const base = server.match[1]!;
    const login = await fetch(`${base}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: {
        Authorization: 'Basic ' + Buffer.from(`admin@scale-01:${PASSWORD}`).toString('base64'),
        Accept: 'application/json;version=37.0',
      },
    });
    if (login.status !== 200) throw new Error(`sign-in as admin@scale-01 failed: ${login.status}`);
    const token = login.headers.get('x-vmware-vcloud-access-token')!;
    // Deep pages are placed from the list's own total, not from a guess at how many VMs the seeder made of a kind:
    // a guess overshot the POWERED_ON list at 2,000 VMs (page 52 of 51) and timed an empty page.
    const pages = async (filter: string) => {
      const res = await fetch(`${base}/api/query?type=vm&${filter}&page=1`, {
        headers: { Authorization: `Bearer ${token}`, Accept: ACCEPT },
      });
      const total = Number(/ total="(\d+)"/.exec(await res.text())?.[1]);
      if (res.status !== 200 || !(total > 0)) throw new Error(`${filter}: ${res.status}, total ${total}`);
      return Math.ceil(total / 25);
    };
    const lastPage = await pages('filter=isVAppTemplate==false');
    const poweredOnPages = await pages('filter=status==POWERED_ON');
    const cases: [string, string][] = [
      ['all VMs, page 1', 'filter=isVAppTemplate==false&page=1'],
      ['status==POWERED_ON, page 1', 'filter=status==POWERED_ON&page=1'],
      ['name prefix db-0*, page 1', `filter=${encodeURIComponent('name==db-0*')}&page=1`],
      ['vdc==<one of 4>, page 1', `filter=${encodeURIComponent(`vdc==${vdcId}`)}&page=1`],
      ['sortDesc=name, page 1', 'filter=isVAppTemplate==false&sortDesc=name&page=1'],
      ['deep page (middle), by name', `filter=isVAppTemplate==false&page=${Math.max(1, Math.floor(lastPage / 2))}`],
      // Near the end, as before: a hundredth of the pages before it (VMs are POWERED_ON with probability 0.7).
      ['status==POWERED_ON, deep page', `filter=status==POWERED_ON&page=${Math.max(1, poweredOnPages - Math.ceil(poweredOnPages / 100))}`],
    ];
    const rows: QueryScaleRow[] = [];
    for (const [name, query] of cases) {
      const url = `${base}/api/query?type=vm&${query}`;
      const headers = { Authorization: `Bearer ${token}`, Accept: ACCEPT };
      const check = await fetch(url, { headers });
      const body = await check.text();
      if (check.status !== 200 || !body.includes('<VMRecord ')) throw new Error(`${name}: ${check.status} ${body.slice(0, 300)}`);
      const cached = await measure(`${name} (cached, ${opts.kind})`, server.child.pid!, {
        url,
        headers,
        durationSeconds: opts.durationSeconds,
      });
      const uncached = await measure(`${name} (no-cache, ${opts.kind})`, server.child.pid!, {
        url,
        headers: { ...headers, 'Cache-Control': 'no-cache' },
        durationSeconds: opts.durationSeconds,
      });
      rows.push({ name, cached, uncached, costRatio: cached.requestsPerSecond / uncached.requestsPerSecond });
    }
    return rows;
  } finally {
    server?.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await backend.drop();
  }
}
