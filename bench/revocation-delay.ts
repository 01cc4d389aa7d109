/**
 * Cross-node revocation delay on PostgreSQL: two nodes share one database; an access token is verified and
 * cached on node B; the API token is revoked through node A; we poll node B until it answers 401.
 * Reported as p50 / max over `rounds` revocations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { benchPostgresCluster } from './postgres-cluster.js';

const PASSWORD = 'bench-demo-password';

export async function crossNodeRevocationDelay(rounds = 20): Promise<{ p50: number; max: number; samples: number[] } | null> {
  let clusterUrl: string;
  try {
    clusterUrl = benchPostgresCluster();
  } catch {
    return null; // reported by the caller as "not measured"
  }
  const name = `tessera_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  const dirs = [mkdtempSync(join(tmpdir(), 'tb-a-')), mkdtempSync(join(tmpdir(), 'tb-b-'))];
  const nodes = [];
  for (const dir of dirs) {
    const config = loadConfig(
      {
        http: true,
        port: 0,
        dataDir: dir,
        databaseUrl: url.toString(),
        demo: true,
        logLevel: 'silent',
        adminPassword: PASSWORD,
        demoPassword: PASSWORD,
      },
      {},
    );
    nodes.push(await startServer(config));
  }
  const [a, b] = nodes as [Awaited<ReturnType<typeof startServer>>, Awaited<ReturnType<typeof startServer>>];
  try {
    const login = await fetch(`${a.url}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: { Authorization: 'Basic ' + Buffer.from(`alice@acme:${PASSWORD}`).toString('base64') },
    });
    const session = login.headers.get('x-vmware-vcloud-access-token')!;
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const reg = (await (
        await fetch(`${a.url}/oauth/tenant/acme/register`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ client_name: `delay-${i}` }),
        })
      ).json()) as { client_id: string };
      const minted = (await (
        await fetch(`${a.url}/oauth/tenant/acme/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_id=${reg.client_id}&assertion=${session}`,
        })
      ).json()) as { refresh_token: string };
      const exchanged = (await (
        await fetch(`${b.url}/oauth/tenant/acme/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `grant_type=refresh_token&refresh_token=${minted.refresh_token}`,
        })
      ).json()) as { access_token: string };
      const onB = () =>
        fetch(`${b.url}/cloudapi/1.0.0/sessions/current`, { headers: { Authorization: `Bearer ${exchanged.access_token}` } });
      if ((await onB()).status !== 200) throw new Error('token not usable on node B');
      const start = performance.now();
      const del = await fetch(`${a.url}/cloudapi/1.0.0/tokens/urn:vcloud:token:${reg.client_id}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${session}` },
      });
      if (del.status !== 204) throw new Error(`revoke failed: ${del.status}`);
      while ((await onB()).status !== 401) {
        if (performance.now() - start > 5_000) throw new Error('node B still accepts the token after 5 s');
      }
      samples.push(performance.now() - start);
    }
    const sorted = [...samples].sort((x, y) => x - y);
    return { p50: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]!, samples };
  } finally {
    await a.stop();
    await b.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
