/**
 * Inventory apply at scale (issue 12 §2): a 100,000-VM file (100 VDCs x 50 vApps x 20 VMs, with metadata and
 * ExtraConfig on every VM) applied to a fresh store, then applied again (which must change nothing and say so),
 * on SQLite and on PostgreSQL (bench/postgres-cluster.ts: TESSERA_TEST_DATABASE_URL, else a local throw-away
 * cluster; skipped, saying why, when neither is available). Reports seconds and
 * the process's peak RSS. Exported for `npm run bench`'s sections (bench/sections.ts on main), or run alone:
 *   node --import tsx bench/inventory-apply.ts [VMS]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openSqliteStore } from '../src/store/sqlite.js';
import { benchPostgresCluster } from './postgres-cluster.js';
import { openPostgresStore } from '../src/store/postgres.js';
import type { Store } from '../src/store/store.js';
import { createOrgWithRoles } from '../src/auth/bootstrap.js';
import { readInventoryFile } from '../src/inventory/declarative/validate.js';
import { desiredFromFile } from '../src/inventory/declarative/model.js';
import { applyInventory } from '../src/inventory/declarative/apply.js';
import { summaryLine } from '../src/inventory/declarative/plan.js';

export interface ApplyBenchRow {
  backend: 'sqlite' | 'postgres';
  vms: number;
  firstSeconds: number;
  firstSummary: string;
  secondSeconds: number;
  secondSummary: string;
  peakRssMb: number;
}

/** The file's text, as JSON (what an export tool would write). */
export function inventoryFileText(vms: number): string {
  const vdcs = 100;
  const vappsPerVdc = 50;
  const perVApp = Math.max(1, Math.ceil(vms / (vdcs * vappsPerVdc)));
  let left = vms;
  const doc = {
    version: 1,
    orgs: [
      {
        name: 'bench-inventory',
        fullName: 'Inventory benchmark',
        vdcs: Array.from({ length: vdcs }, (_, d) => ({
          name: `vdc-${d}`,
          id: `cluster-${d}`,
          cpu: { allocated: 100_000, limit: 200_000, used: 40_000 },
          storageProfiles: [{ name: 'gold', limitMb: 10_000_000, default: true }],
          vapps: Array.from({ length: vappsPerVdc }, (_, a) => ({
            name: `app-${a}`,
            id: `folder-${d}-${a}`,
            status: 'POWERED_ON',
            vms: Array.from({ length: Math.max(0, Math.min(perVApp, (left -= 0) && left)) }, (_, m) => {
              left--;
              const n = (d * vappsPerVdc + a) * perVApp + m;
              return {
                name: `vm-${n}`,
                id: `vm-${n}`,
                status: n % 5 === 0 ? 'POWERED_OFF' : 'POWERED_ON',
                guestOs: 'Ubuntu Linux (64-bit)',
                cpus: 2,
                memoryMb: 4096,
                nics: [{ network: 'net', ipAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` }],
                metadata: [{ key: 'owner-team', value: `team-${n % 40}` }],
                extraConfig: { 'guestinfo.id': String(n) },
              };
            }),
          })),
        })),
      },
    ],
  };
  return JSON.stringify(doc);
}

async function timedApply(store: Store, text: string) {
  const started = performance.now();
  const { doc } = readInventoryFile(text);
  const result = await applyInventory(store, desiredFromFile(doc), {
    source: 'bench',
    prune: true,
    createOrgs: true,
    createOrg: (org, ex) => createOrgWithRoles(store, org, ex),
  });
  return { seconds: (performance.now() - started) / 1000, summary: summaryLine(result.summary) };
}

async function benchOn(backend: 'sqlite' | 'postgres', store: Store, vms: number, text: string): Promise<ApplyBenchRow> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const first = await timedApply(store, text);
    const second = await timedApply(store, text);
    return {
      backend,
      vms,
      firstSeconds: first.seconds,
      firstSummary: first.summary,
      secondSeconds: second.seconds,
      secondSummary: second.summary,
      peakRssMb: Math.round(peak / 1024 / 1024),
    };
  } finally {
    clearInterval(sampler);
  }
}

export async function inventoryApplyBenchmark(vms = 100_000): Promise<ApplyBenchRow[]> {
  const text = inventoryFileText(vms);
  const rows: ApplyBenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-apply-'));
  try {
    const store = await openSqliteStore(join(dir, 'tessera.db'));
    try {
      rows.push(await benchOn('sqlite', store, vms, text));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cluster = postgresOrSkip();
  if (cluster) {
    const name = `tessera_bench_apply_${Date.now()}`;
    const admin = new pg.Client({ connectionString: cluster });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(cluster);
    url.pathname = `/${name}`;
    try {
      const store = await openPostgresStore(url.toString(), { warn() {}, info() {} });
      try {
        rows.push(await benchOn('postgres', store, vms, text));
      } finally {
        await store.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
  return rows;
}

/** The cluster, or null with the reason printed: this bench's PostgreSQL row is optional, its SQLite row is not. */
function postgresOrSkip(): string | null {
  try {
    return benchPostgresCluster();
  } catch (err) {
    console.log(`inventory apply (postgres): skipped, ${(err as Error).message}`);
    return null;
  }
}

export function formatApplyRow(r: ApplyBenchRow): string {
  return (
    `inventory apply ${r.vms.toLocaleString('en')} VMs (${r.backend}): first ${r.firstSeconds.toFixed(1)} s (${r.firstSummary}); ` +
    `again ${r.secondSeconds.toFixed(1)} s (${r.secondSummary}); peak RSS ${r.peakRssMb} MB`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const vms = Number(process.argv[2] ?? 100_000);
  for (const row of await inventoryApplyBenchmark(vms)) console.log(formatApplyRow(row));
}
