/**
 * `npm run bench -- revocation` (issue 16 §5): revocation across two nodes under load, on PostgreSQL.
 *
 * Two `tessera serve` processes share one fresh database. First each node's exchange capacity is measured
 * (autocannon at full speed on it alone, tokens drawn at random); then both are loaded at 70 % of their own
 * capacity (autocannon `overallRate`) with exchanges of tokens drawn at random from a pool, while `revocations`
 * tokens of that pool are revoked one by one, spread over the run, alternately through node A and node B. After
 * each revocation the *other* node is asked for an exchange of that token until it refuses; the delay runs from
 * sending the revoking DELETE (so it includes that request's round trip, queued behind the revoking node's load)
 * to the refusal, and, the goal's measure, from the revocation's own timestamp (written by the revoking node in the
 * committing transaction, read back from the `revocations` table afterwards; both nodes and the client share one
 * clock) to the refusal.
 *
 * Safety check: every load request remembers which token it carried and when it was sent. A 200 for a token
 * sent after the first refusal of that token *on the same node* is a revoked token accepted: counted, and the
 * benchmark fails loudly (exit code 1) if there is any.
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { measure } from './harness.js';
import { PASSWORD, startTesseraProcess } from './exchange.js';
import { freshBackend, generateTokens, prepareStore } from './million.js';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

export interface RevocationLoadFigures {
  capacity: [number, number];
  offeredRate: [number, number];
  achievedRate: [number, number];
  revocations: number;
  p50: number;
  p99: number;
  max: number;
  /** From the revocation's commit timestamp to the first refusal on the other node. */
  fromCommit: { p50: number; p99: number; max: number };
  /** 200 answers for a token after that node had refused it: must be 0. */
  acceptedAfterRefusal: number;
  loadRequests: number;
  loadRefusals: number;
}

export async function revocationUnderLoad(opts: {
  durationSeconds: number;
  revocations: number;
  poolSize?: number;
}): Promise<RevocationLoadFigures> {
  const backend = await freshBackend('postgres', 'revocation');
  const nodes: Awaited<ReturnType<typeof startTesseraProcess>>[] = [];
  try {
    await prepareStore(backend);
    const poolSize = Math.max(opts.poolSize ?? 2_000, opts.revocations + 100);
    const usersPerOrg = 20;
    const generated = await generateTokens(backend, { orgs: 1, usersPerOrg, tokensPerUser: Math.ceil(poolSize / usersPerOrg) });
    for (const dir of ['a', 'b']) {
      void dir;
      nodes.push(await startTesseraProcess(backend.dataDir, ['--database-url', backend.databaseUrl!]));
    }
    const urls = nodes.map((n) => n.match[1]!);
    const tokenUrl = (node: number) => `${urls[node]}/oauth/tenant/bench-000/token`;
    const { tokens, ids } = generated;
    const randomBody = () => `grant_type=refresh_token&refresh_token=${tokens[Math.floor(Math.random() * tokens.length)]}`;

    // 1. Capacity of each node alone.
    const capacity: number[] = [];
    for (let n = 0; n < 2; n++) {
      const m = await measure(`exchange capacity, node ${n}`, nodes[n]!.child.pid!, {
        url: tokenUrl(n),
        method: 'POST',
        headers: FORM,
        nextRequest: () => ({ body: randomBody() }),
        durationSeconds: Math.min(5, opts.durationSeconds),
      });
      capacity.push(m.requestsPerSecond);
    }

    // 2. Sessions of the org's administrator on both nodes (who revokes).
    const sessions: string[] = [];
    for (const url of urls) {
      const res = await fetch(`${url}/cloudapi/1.0.0/sessions`, {
        method: 'POST',
        headers: { Authorization: 'Basic ' + Buffer.from(`${generated.orgAdmin}:${PASSWORD}`).toString('base64') },
      });
      if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
      sessions.push(res.headers.get('x-vmware-vcloud-access-token')!);
    }

    // 3. Load both nodes at 70 % while revoking.
    const firstRefusal: Map<string, number>[] = [new Map(), new Map()];
    let acceptedAfterRefusal = 0;
    let loadRefusals = 0;
    const load = (node: number) =>
      autocannon({
        url: tokenUrl(node),
        method: 'POST',
        headers: FORM,
        connections: 16,
        overallRate: Math.max(1, Math.round(capacity[node]! * 0.7)),
        duration: opts.durationSeconds,
        requests: [
          {
            setupRequest: (req, context) => {
              const token = tokens[Math.floor(Math.random() * tokens.length)]!;
              context.token = token;
              context.sentAt = performance.now();
              return { ...req, body: `grant_type=refresh_token&refresh_token=${token}` };
            },
            onResponse: (status, _body, context) => {
              const token = context.token as string;
              const sentAt = context.sentAt as number;
              if (status === 200) {
                const refusedAt = firstRefusal[node]!.get(token);
                if (refusedAt !== undefined && sentAt > refusedAt) acceptedAfterRefusal++;
              } else {
                loadRefusals++;
                if (!firstRefusal[node]!.has(token)) firstRefusal[node]!.set(token, performance.now());
              }
            },
          },
        ],
      });
    const loads = [load(0), load(1)];
    const delays: number[] = [];
    /** token id -> wall-clock time (ms) of the other node's first refusal. */
    const refusedAtWall = new Map<string, number>();
    const spacing = (opts.durationSeconds * 1000 * 0.9) / opts.revocations;
    const runStart = performance.now();
    for (let i = 0; i < opts.revocations; i++) {
      const due = runStart + 500 + i * spacing;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const via = i % 2;
      const other = 1 - via;
      const token = tokens[i]!;
      const start = performance.now();
      const del = await fetch(`${urls[via]}/cloudapi/1.0.0/tokens/urn:vcloud:token:${ids[i]}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${sessions[via]}` },
      });
      if (del.status !== 204) throw new Error(`revoke ${i} failed: ${del.status} ${await del.text()}`);
      // The revoking node must refuse from its own commit on (the DELETE has answered): any later 200 there counts.
      if (!firstRefusal[via]!.has(token)) firstRefusal[via]!.set(token, performance.now());
      for (;;) {
        const res = await fetch(tokenUrl(other), {
          method: 'POST',
          headers: FORM,
          body: `grant_type=refresh_token&refresh_token=${token}`,
        });
        await res.arrayBuffer();
        if (res.status !== 200) {
          const at = performance.now();
          refusedAtWall.set(ids[i]!, Date.now());
          if (!firstRefusal[other]!.has(token) || firstRefusal[other]!.get(token)! > at) firstRefusal[other]!.set(token, at);
          delays.push(at - start);
          break;
        }
        if (performance.now() - start > 5_000) throw new Error(`node ${other} still accepts revoked token ${i} after 5 s`);
      }
    }
    const results = await Promise.all(loads);
    const percentiles = (values: number[]) => {
      const s = [...values].sort((a, b) => a - b);
      const at = (p: number) => s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
      return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
    };
    const fromDelete = percentiles(delays);
    const db = new pg.Client({ connectionString: backend.databaseUrl! });
    await db.connect();
    const committed = await db
      .query<{ subject: string; at: string }>(`select subject, at from revocations where kind = 'api_token' and subject = any($1)`, [
        [...refusedAtWall.keys()],
      ])
      .finally(() => db.end());
    const fromCommit = committed.rows.map((r) => Math.max(0, refusedAtWall.get(r.subject)! - Number(r.at)));
    return {
      capacity: [capacity[0]!, capacity[1]!],
      offeredRate: [Math.round(capacity[0]! * 0.7), Math.round(capacity[1]! * 0.7)],
      achievedRate: [results[0]!.requests.average, results[1]!.requests.average],
      revocations: delays.length,
      ...fromDelete,
      fromCommit: percentiles(fromCommit),
      acceptedAfterRefusal,
      loadRequests: results[0]!.requests.total + results[1]!.requests.total,
      loadRefusals,
    };
  } finally {
    for (const n of nodes) n.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await backend.drop();
  }
}
