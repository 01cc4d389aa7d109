/**
 * `npm run bench -- portal` (issue 14 §1): the portal's Data Centers and Virtual Machines pages at 100,000 VMs, on
 * SQLite and PostgreSQL, as the System administrator (every org, adminVM), an org administrator and a tenant user
 * (vApp Author). One org of generated VMs (tessera seed's generator) in a real server process; every variant the
 * VM page offers is timed as a browser gets it (server time plus a loopback round trip): first page, a deep page,
 * search by name, filter by status, each sort column both ways, the VDC list and a VM's detail page.
 *
 * The baseline, measured in the same run and the same way, is the cached `/api/query?type=vm` page (the exact
 * page cache answers it: the cheapest authenticated page the server has). Goals: every portal page under 150 ms
 * (median), and its cost as a ratio of the baseline printed, so a slower machine moves both alike.
 */
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../src/store/index.js';
import { seedGeneratedInventory } from '../src/cli/seed-generated.js';
import { PASSWORD, startTesseraProcess } from './exchange.js';
import { freshBackend } from './million.js';

const silent = { info() {}, warn() {}, error() {} };

export interface PortalTiming {
  who: string;
  name: string;
  /** The first request of this view (nothing cached for it yet: what the first viewer after a change waits). */
  first: number;
  median: number;
  p95: number;
  /** Median over the baseline's median. */
  ratio: number;
}

export interface PortalScaleFigures {
  kind: 'sqlite' | 'postgres';
  vms: number;
  seedSeconds: number;
  baseline: { first: number; median: number; p95: number };
  rows: PortalTiming[];
}

/** Sequential GETs (a user clicks; the server's time is what matters): median and p95 after warm-up. */
async function timeGet(url: string, headers: Record<string, string>, samples: number, expect: RegExp) {
  const firstStarted = process.hrtime.bigint();
  const first = await fetch(url, { headers, redirect: 'manual' });
  const body = await first.text();
  const firstMs = Number(process.hrtime.bigint() - firstStarted) / 1e6;
  if (first.status !== 200 || !expect.test(body)) throw new Error(`${url}: ${first.status} ${body.slice(0, 300)}`);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = process.hrtime.bigint();
    const res = await fetch(url, { headers, redirect: 'manual' });
    await res.arrayBuffer();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  }
  times.sort((a, b) => a - b);
  return {
    first: firstMs,
    median: times[Math.floor(times.length / 2)]!,
    p95: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]!,
  };
}

/** Signs in through the portal's own form (CSRF token and sign-in cookie first), as a browser does. */
async function portalCookie(base: string, portal: string, user: string): Promise<string> {
  const form = await fetch(`${base}${portal}/login`, { redirect: 'manual' });
  const signInCookie = (form.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error(`no sign-in form at ${portal}/login`);
  const res = await fetch(`${base}${portal}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: signInCookie },
    body: new URLSearchParams({ _csrf: csrf, username: user, password: PASSWORD }),
  });
  const session = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).find((c) => /session=/.test(c!));
  if (res.status !== 303 || !session) throw new Error(`portal sign-in of ${user} at ${portal}: ${res.status}`);
  return session;
}

export async function portalScaleBench(opts: { kind: 'sqlite' | 'postgres'; vms?: number; samples?: number }): Promise<PortalScaleFigures> {
  const vms = opts.vms ?? 100_000;
  const samples = opts.samples ?? 15;
  const backend = await freshBackend(opts.kind, 'portal');
  let server: Awaited<ReturnType<typeof startTesseraProcess>> | null = null;
  try {
    const store = await openStore({ databaseUrl: backend.databaseUrl, sqliteFile: join(backend.dataDir, 'tessera.db') }, silent);
    let vmId: string;
    let seedSeconds: number;
    try {
      const started = Date.now();
      await seedGeneratedInventory(store, { vms, orgs: 1, orgPrefix: 'scale', userPassword: PASSWORD });
      seedSeconds = (Date.now() - started) / 1000;
      vmId = (
        await store.db
          .selectFrom('vms')
          .select('id')
          .orderBy('name')
          .offset(Math.floor(vms / 2))
          .limit(1)
          .executeTakeFirstOrThrow()
      ).id;
      if (opts.kind === 'postgres') await sql`analyze`.execute(store.db);
    } finally {
      await store.close();
    }
    server = await startTesseraProcess(backend.dataDir, backend.databaseUrl ? ['--database-url', backend.databaseUrl] : []);
    const base = server.match[1]!;

    // Baseline: the cached /api/query page of the same VMs, for the org administrator.
    const login = await fetch(`${base}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: {
        Authorization: 'Basic ' + Buffer.from(`admin@scale-01:${PASSWORD}`).toString('base64'),
        Accept: 'application/json;version=37.0',
      },
    });
    const bearer = login.headers.get('x-vmware-vcloud-access-token');
    if (login.status !== 200 || !bearer) throw new Error(`sign-in as admin@scale-01 failed: ${login.status}`);
    const baseline = await timeGet(
      `${base}/api/query?type=vm&filter=isVAppTemplate==false&page=1`,
      { Authorization: `Bearer ${bearer}`, Accept: 'application/*+xml;version=37.0' },
      samples,
      /<VMRecord /,
    );

    const people = [
      { who: 'System administrator', portal: '/provider', user: 'administrator' },
      { who: 'org administrator', portal: '/tenant/scale-01', user: 'admin' },
      { who: 'tenant user (vApp Author)', portal: '/tenant/scale-01', user: 'operator' },
    ];
    const deepPage = Math.floor((vms * 0.95) / 25 / 2);
    const LIST = /<title>Virtual Machines/;
    const variants: Array<[string, string, RegExp]> = [
      ['VMs, first page', '/vms', /<tbody/],
      [`VMs, deep page (${deepPage})`, `/vms?page=${deepPage}`, /<tbody/],
      ['VMs, last page', '/vms?page=100000', LIST],
      ['VMs, search "db-01"', '/vms?search=db-01', LIST],
      ['VMs, search "zzz" (no match)', '/vms?search=zzz', LIST],
      ['VMs, status POWERED_ON', '/vms?status=POWERED_ON', /<tbody/],
      ['VMs, status POWERED_ON, deep page', `/vms?status=POWERED_ON&page=${Math.floor(deepPage / 2)}`, /<tbody/],
      ['VMs, search + status', '/vms?search=web&status=POWERED_OFF', LIST],
      ...(['name', 'status', 'vapp', 'vdc', 'os', 'cpus', 'memory', 'ip', 'owner'] as const).flatMap(
        (sort) =>
          [
            [`VMs, sort ${sort} asc`, `/vms?sort=${sort}&direction=asc`, /<tbody/],
            [`VMs, sort ${sort} desc`, `/vms?sort=${sort}&direction=desc`, /<tbody/],
          ] as Array<[string, string, RegExp]>,
      ),
      ['VMs, sort memory desc, deep page', `/vms?sort=memory&direction=desc&page=${deepPage}`, /<tbody/],
      ['Data Centers', '/datacenters', /<title>Data Centers/],
      ['VM detail', `/vms/${vmId}`, /Hardware/],
    ];
    const rows: PortalTiming[] = [];
    for (const person of people) {
      const cookie = await portalCookie(base, person.portal, person.user);
      for (const [name, path, expect] of variants) {
        const t = await timeGet(`${base}${person.portal}${path}`, { Cookie: cookie }, samples, expect);
        rows.push({ who: person.who, name, first: t.first, median: t.median, p95: t.p95, ratio: t.median / baseline.median });
      }
    }
    return { kind: opts.kind, vms, seedSeconds, baseline, rows };
  } finally {
    server?.child.kill('SIGTERM');
    await backend.drop();
  }
}
