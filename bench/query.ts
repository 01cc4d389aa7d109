/**
 * Query-service benchmark cases for `npm run bench` (bench/run.ts loads this file and prints the rows next to
 * the hello-world baseline of the same run).
 *
 * Contract:
 *   export async function queryBenchCases(ctx: QueryBenchContext): Promise<Measured[]>
 *   - ctx.measure / ctx.startProcess: the harness functions (bench/harness.ts);
 *   - ctx.root: the repository root; ctx.durationSeconds: seconds per case.
 *   It seeds its own SQLite data dir (tessera seed's generator: one org of 1,000 VMs, one of 100,000), starts its
 *   own `tessera serve --http` on it, signs in as each org's `admin`, measures, stops the server and deletes
 *   the data dir. It returns one Measured row per case, in the order printed below, and throws if seeding or
 *   sign-in fails (the runner reports that and exits non-zero).
 *
 * Cases: authenticated `GET /api/query?type=vm&filter=isVAppTemplate==false&page=N` (XML, default page size
 * 25) on page 1, a middle page and the last page of each org. Repeated identical requests are answered from
 * the exact page cache (inventory/query/cache.ts); the `no-cache` rows send `Cache-Control: no-cache`, which
 * makes every request run its SQL (with the cached count and keyset anchors), to show that path too.
 *
 * Goals (issue 4): >= 0.4x baseline at 1,000 VMs; the 100,000-VM rows no worse than 2x the 1,000-VM rows
 * (req/s ratio), deep pages included; `total` exact (checked once per case before measuring).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { LoadOptions, Measured } from './harness.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { seedGeneratedInventory } from '../src/cli/seed-generated.js';
import { GENERATED_TEMPLATE_EVERY, GENERATED_VMS_PER_VAPP } from '../src/inventory/generate.js';
import { tesseraEntry } from './tessera-entry.js';

export interface QueryBenchContext {
  measure(name: string, pid: number, options: LoadOptions): Promise<Measured>;
  startProcess(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    ready: RegExp,
  ): Promise<{ child: ChildProcess; match: RegExpMatchArray }>;
  root: string;
  durationSeconds: number;
}

const PASSWORD = 'bench-Password-1';
const FILTER = 'isVAppTemplate==false';
const PAGE_SIZE = 25;
const ACCEPT = 'application/*+xml;version=37.0';

/** VMs outside templates, as the generator lays them out (every 20th vApp of 10 VMs is a template). */
export function nonTemplateVms(vms: number): number {
  let count = 0;
  for (let a = 0; a * GENERATED_VMS_PER_VAPP < vms; a++) {
    if ((a + 1) % GENERATED_TEMPLATE_EVERY !== 0) count += Math.min(GENERATED_VMS_PER_VAPP, vms - a * GENERATED_VMS_PER_VAPP);
  }
  return count;
}

async function signIn(base: string, org: string): Promise<string> {
  const res = await fetch(`${base}/cloudapi/1.0.0/sessions`, {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`admin@${org}:${PASSWORD}`).toString('base64'),
      Accept: 'application/json;version=37.0',
    },
  });
  const token = res.headers.get('x-vmware-vcloud-access-token');
  if (res.status !== 200 || !token) throw new Error(`sign-in as admin@${org} failed: ${res.status} ${await res.text()}`);
  return token;
}

/** Fetches the page once and checks total, page and the record count before it is measured. */
async function checkPage(url: string, headers: Record<string, string>, total: number, page: number): Promise<void> {
  const res = await fetch(url, { headers });
  const body = await res.text();
  const attr = (name: string) => new RegExp(`<QueryResultRecords[^>]* ${name}="(\\d+)"`).exec(body)?.[1];
  const records = body.split('<VMRecord ').length - 1;
  const expected = Math.max(0, Math.min(PAGE_SIZE, total - (page - 1) * PAGE_SIZE));
  if (res.status !== 200 || Number(attr('total')) !== total || Number(attr('page')) !== page || records !== expected) {
    throw new Error(
      `unexpected answer from ${url}: ${res.status} total=${attr('total')} (want ${total}) records=${records} (want ${expected})`,
    );
  }
}

export async function queryBenchCases(ctx: QueryBenchContext): Promise<Measured[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-query-'));
  let server: { child: ChildProcess; match: RegExpMatchArray } | null = null;
  try {
    const orgs = [
      { prefix: 'bench1k', vms: 1_000 },
      { prefix: 'bench100k', vms: 100_000 },
    ];
    const store = await openSqliteStore(join(dataDir, 'tessera.db'));
    try {
      for (const o of orgs) await seedGeneratedInventory(store, { vms: o.vms, orgs: 1, orgPrefix: o.prefix, userPassword: PASSWORD });
    } finally {
      await store.close();
    }

    server = await ctx.startProcess(
      process.execPath,
      [tesseraEntry(), 'serve', '--http', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent'],
      { NODE_ENV: 'production', TESSERA_ADMIN_PASSWORD: PASSWORD },
      /listening on (http:\/\/[^\s]+)/,
    );
    const base = server.match[1]!;
    const pid = server.child.pid!;

    const results: Measured[] = [];
    // Warm the server (JIT, statement plans, the SQLite page cache) on a page of each org before measuring.
    for (const o of orgs) {
      const token = await signIn(base, `${o.prefix}-01`);
      for (let i = 0; i < 200; i++) {
        await fetch(`${base}/api/query?type=vm&page=${1 + (i % 40)}`, {
          headers: { Authorization: `Bearer ${token}`, Accept: ACCEPT },
        }).then((r) => r.text());
      }
    }
    for (const o of orgs) {
      const token = await signIn(base, `${o.prefix}-01`);
      const total = nonTemplateVms(o.vms);
      const lastPage = Math.ceil(total / PAGE_SIZE);
      const pages = [1, Math.ceil(lastPage / 2), lastPage];
      const label = o.vms >= 100_000 ? '100k' : '1k';
      for (const [page, noCache] of [...pages.map((p) => [p, false] as const), [lastPage, true] as const]) {
        const url = `${base}/api/query?type=vm&filter=${encodeURIComponent(FILTER)}&page=${page}`;
        const headers: Record<string, string> = {
          Authorization: `Bearer ${token}`,
          Accept: ACCEPT,
          ...(noCache ? { 'Cache-Control': 'no-cache' } : {}),
        };
        await checkPage(url, headers, total, page);
        const name = `GET /api/query?type=vm ${label} VMs page ${page}/${lastPage}${noCache ? ' no-cache' : ''}`;
        results.push(await ctx.measure(name, pid, { url, headers, durationSeconds: ctx.durationSeconds }));
      }
    }
    return results;
  } finally {
    if (server) {
      const child = server.child;
      const exited = new Promise((resolve) => {
        if (child.exitCode !== null) resolve(null);
        child.once('exit', resolve);
        setTimeout(resolve, 3000).unref();
      });
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
