/**
 * `npm run soak -- --minutes N [--backend sqlite|postgres] [--out DIR]`: endurance. Starts Tessera as a child
 * process (demo data, HTTP on loopback, metrics on a loopback port of their own), measures the capacity of the mix
 * briefly (closed loop), then drives it open-loop at 80 % of that for N minutes, with password sign-ins and token
 * create/revoke cycles at fixed rates beside it. Every interval it records throughput, latency, the server's CPU
 * per request, RSS, heap, event-loop lag and the row count of every table; it checks continuously (a 5xx or a
 * revoked token accepted stops the run) and at the end (growth, stability: bench/soak-checks.ts), and writes
 * soak.csv, soak.json and soak.svg into --out. Exit status 0 when every check passed, 1 otherwise, 2 on bad usage.
 * docs/performance-soak.md explains the mix, the checks and their thresholds.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { serverCpuSeconds } from './harness.js';
import { SoakHttp, CookieJar, type Reply } from './soak-http.js';
import {
  evaluate,
  MIN_STEADY_INTERVALS,
  percentile,
  RevocationWatch,
  steadyIntervalCount,
  warmUpIntervals,
  type IntervalSample,
} from './soak-checks.js';
import { renderSvg, toCsv } from './soak-report.js';
import { tesseraEntry } from './tessera-entry.js';
import { benchPostgresCluster } from './postgres-cluster.js';

const ROOT = new URL('..', import.meta.url).pathname;
const PASSWORD = 'soak-demo-password';
const XML = 'application/*+xml;version=37.0';
const JSON_ACCEPT = 'application/json;version=37.0';

interface Options {
  minutes: number;
  backend: 'sqlite' | 'postgres';
  out: string;
  intervalSeconds: number;
  load: number;
  capacitySeconds: number;
  /** A fixed rate of mix operations per second instead of load x measured capacity (smoke tests). */
  rate: number | null;
  signInsPerSecond: number;
  revocationsPerSecond: number;
  liveTokens: number;
  maxInFlight: number;
  keepGoing: boolean;
  mix: ReadonlyArray<[OpName, number]>;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'sqlite' },
      out: { type: 'string', default: 'soak-out' },
      interval: { type: 'string' },
      load: { type: 'string', default: '0.8' },
      'capacity-seconds': { type: 'string', default: '8' },
      rate: { type: 'string' },
      'sign-ins-per-second': { type: 'string', default: '1' },
      'revocations-per-second': { type: 'string', default: '3' },
      'live-tokens': { type: 'string', default: '24' },
      'max-in-flight': { type: 'string', default: '64' },
      'keep-going': { type: 'boolean', default: false },
      mix: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run soak -- --minutes N [--backend sqlite|postgres] [--out DIR] [--interval S] [--load 0.8] [--rate OPS]\n' +
        '  [--capacity-seconds S] [--sign-ins-per-second N] [--revocations-per-second N] [--live-tokens N] [--keep-going]\n',
    );
    process.exit(0);
  }
  const num = (name: string, text: string | undefined, min: number) => {
    const v = Number(text);
    if (!Number.isFinite(v) || v < min) usage(`--${name} must be a number >= ${min}`);
    return v;
  };
  const minutes = num('minutes', values.minutes, 0.05);
  if (values.backend !== 'sqlite' && values.backend !== 'postgres') usage('--backend must be sqlite or postgres');
  // About 30 intervals per run, between 5 s and 60 s each: enough points for a regression, few enough to read.
  const intervalFor = (m: number) =>
    values.interval ? num('interval', values.interval, 1) : Math.min(60, Math.max(5, Math.round((m * 60) / 30)));
  const intervalSeconds = intervalFor(minutes);
  // A run too short to leave three intervals after warm-up can only fail "enough steady intervals": said before
  // anything starts, with the shortest run that can pass (until 2026-12-06 it ran, then failed).
  if (steadyIntervalCount(minutes, intervalSeconds) < MIN_STEADY_INTERVALS) {
    let shortest = minutes;
    while (steadyIntervalCount(shortest, intervalFor(shortest)) < MIN_STEADY_INTERVALS)
      shortest = Math.round((shortest + 0.05) * 100) / 100;
    usage(
      `--minutes ${minutes} with ${intervalSeconds}-s intervals leaves ${steadyIntervalCount(minutes, intervalSeconds)} interval(s) after ` +
        `warm-up, and the checks need ${MIN_STEADY_INTERVALS}: use --minutes ${shortest} or more${values.interval ? '' : ', or a shorter --interval'}`,
    );
  }
  return {
    minutes,
    backend: values.backend as 'sqlite' | 'postgres',
    out: resolve(values.out!),
    intervalSeconds,
    load: num('load', values.load, 0.01),
    capacitySeconds: num('capacity-seconds', values['capacity-seconds'], 2),
    rate: values.rate ? num('rate', values.rate, 0.1) : null,
    signInsPerSecond: num('sign-ins-per-second', values['sign-ins-per-second'], 0),
    revocationsPerSecond: num('revocations-per-second', values['revocations-per-second'], 0),
    liveTokens: num('live-tokens', values['live-tokens'], 1),
    maxInFlight: num('max-in-flight', values['max-in-flight'], 1),
    keepGoing: values['keep-going']!,
    mix: values.mix ? parseMix(values.mix) : DEFAULT_MIX,
  };
}

/** `--mix exchange=45,queryVms=20`: other weights for the mix (diagnosis: one operation alone). */
function parseMix(text: string): Array<[OpName, number]> {
  const mix = text.split(',').map((part) => {
    const [name, weight] = part.split('=');
    if (!OP_NAMES.includes(name as OpName) || !(Number(weight) > 0))
      usage(`--mix: "${part}" is not one of ${OP_NAMES.join(', ')} = a weight > 0`);
    return [name as OpName, Number(weight)] as [OpName, number];
  });
  return mix;
}

function usage(message: string): never {
  process.stderr.write(`soak: ${message}\n`);
  process.exit(2);
}

// ------------------------------------------------------------------------------------------- the server

interface Server {
  child: ChildProcess;
  url: string;
  metricsUrl: string;
  exited: Promise<number | null>;
}

async function startServer(dataDir: string, databaseUrl: string | null, logFile: string): Promise<Server> {
  const args = [tesseraEntry(), 'serve', '--http', '--port', '0', '--demo', '--data-dir', dataDir];
  args.push('--log-level', 'warn', '--metrics-port', '0');
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      TESSERA_DEMO_PASSWORD: PASSWORD,
      TESSERA_ADMIN_PASSWORD: PASSWORD,
      // The soak is one client address driving many tokens and sign-ins: the per-address brakes would refuse it.
      TESSERA_TOKEN_RATE_LIMIT_PER_IP: '10000000',
      TESSERA_TOKEN_RATE_LIMIT_PER_TOKEN: '10000000',
      TESSERA_SIGN_IN_RATE_LIMIT: '10000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let banner = '';
  const ready = await new Promise<RegExpExecArray>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 60 s:\n${banner}`)), 60_000);
    const onData = (chunk: Buffer) => {
      banner += chunk.toString();
      const m = /listening on (http:\/\/\S+)[\s\S]*Metrics: (http:\/\/\S+)/.exec(banner);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolvePromise(m);
      }
    };
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} while starting:\n${banner}`));
    });
  });
  return { child, url: ready[1]!, metricsUrl: ready[2]!, exited };
}

function rssMb(pid: number): number {
  return memoryFromStatus(pid).VmRSS;
}

/** Sizes in MB of a SQLite database and its WAL (0 when there is none at the moment). */
function storeFiles(file: string): { db: number; wal: number } {
  const size = (f: string) => {
    try {
      return statSync(f).size / 1048576;
    } catch {
      return 0;
    }
  };
  return { db: size(file), wal: size(`${file}-wal`) };
}

/** The kernel's memory figures for a process (/proc/<pid>/status), in MB; NaN for one it does not report. */
function memoryFromStatus(pid: number): { VmRSS: number; RssAnon: number; RssFile: number; RssShmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  };
  return { VmRSS: mb('VmRSS'), RssAnon: mb('RssAnon'), RssFile: mb('RssFile'), RssShmem: mb('RssShmem') };
}

/** The figures the soak reads from the server's Prometheus text (one scrape per interval: the lag histogram resets). */
async function scrape(
  metricsUrl: string,
): Promise<{ heapUsedMb: number; heapTotalMb: number; externalMb: number; lagMeanMs: number; lagP99Ms: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return {
    heapUsedMb: value('nodejs_heap_size_used_bytes') / 1048576,
    heapTotalMb: value('nodejs_heap_size_total_bytes') / 1048576,
    externalMb: value('nodejs_external_memory_bytes') / 1048576,
    lagMeanMs: value('nodejs_eventloop_lag_mean_seconds') * 1000,
    lagP99Ms: value('nodejs_eventloop_lag_p99_seconds') * 1000,
  };
}

/** Row counts of every table, through a connection of the soak's own (read-only on SQLite: WAL lets it read beside the server). */
interface RowCounter {
  count(): Promise<Record<string, number>>;
  /** Audit events of one type (the check that refusals are coalesced). */
  auditEvents(type: string): Promise<number>;
  close(): Promise<void>;
}

function sqliteRowCounter(file: string): RowCounter {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const tables = (
    db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as Array<{ name: string }>
  ).map((r) => r.name);
  return {
    count: async () =>
      Object.fromEntries(tables.map((t) => [t, (db.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n])),
    auditEvents: async (type) => (db.prepare('select count(*) as n from audit_events where event_type = ?').get(type) as { n: number }).n,
    close: async () => {
      db.close();
    },
  };
}

async function pgRowCounter(url: string): Promise<RowCounter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tables = (await client.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`)).rows.map(
    (r) => r.tablename,
  );
  return {
    count: async () => {
      const out: Record<string, number> = {};
      for (const t of tables) out[t] = Number((await client.query<{ n: string }>(`select count(*) as n from "${t}"`)).rows[0]!.n);
      return out;
    },
    auditEvents: async (type) =>
      Number((await client.query<{ n: string }>('select count(*) as n from audit_events where event_type = $1', [type])).rows[0]!.n),
    close: () => client.end(),
  };
}

// ------------------------------------------------------------------------------------------- the mix

interface LiveToken {
  org: string;
  id: string;
  refresh: string;
  access: string;
}

const OP_NAMES = ['exchange', 'queryVms', 'org', 'portal', 'deadRetry'] as const;
type OpName = (typeof OP_NAMES)[number];

/** The weighted mix (per 100 operations); sign-ins and revocation cycles run beside it at fixed rates. */
const DEFAULT_MIX: ReadonlyArray<[OpName, number]> = [
  ['exchange', 45],
  ['queryVms', 20],
  ['org', 15],
  ['portal', 8],
  ['deadRetry', 12],
];

interface Problems {
  errors5xx: number;
  unexpected: number;
  revocations: number;
  examples: string[];
}

class Soak {
  private readonly http: SoakHttp;
  private readonly watch = new RevocationWatch();
  private readonly live: LiveToken[] = [];
  private readonly dead: LiveToken[] = [];
  private readonly jar = new CookieJar();
  /** The portal sign-in in flight, shared by every page load that found the session ended (see renewPortalSession). */
  private portalSignIn: Promise<void> | null = null;
  private signIns = 0;
  exchanges = 0;
  problems: Problems = { errors5xx: 0, unexpected: 0, revocations: 0, examples: [] };
  hardFailure: string | null = null;

  constructor(http: SoakHttp) {
    this.http = http;
  }

  private note(kind: 'errors5xx' | 'unexpected', message: string): void {
    this.problems[kind] += 1;
    if (this.problems.examples.length < 20) this.problems.examples.push(message);
    if (kind === 'errors5xx' && this.hardFailure === null) this.hardFailure = `5xx: ${message}`;
  }

  /** Counts the answer against what this operation may answer. */
  private expect(reply: Reply, allowed: readonly number[], what: string): boolean {
    if (reply.status >= 500) {
      this.note('errors5xx', `${what} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
      return false;
    }
    if (!allowed.includes(reply.status)) {
      this.note('unexpected', `${what} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
      return false;
    }
    return true;
  }

  private async signIn(user: string, org: string): Promise<string> {
    const reply = await this.http.request('POST', '/cloudapi/1.0.0/sessions', {
      Authorization: 'Basic ' + Buffer.from(`${user}@${org}:${PASSWORD}`).toString('base64'),
      Accept: JSON_ACCEPT,
    });
    if (!this.expect(reply, [200], `sign-in ${user}@${org}`)) throw new Error(`sign-in of ${user}@${org} failed: ${reply.status}`);
    return String(reply.headers['x-vmware-vcloud-access-token']);
  }

  /** alice's password session, renewed well before its hour ends. */
  private async admin(): Promise<string> {
    return this.sessionOf('alice', 'acme');
  }

  /** A password session per user, renewed every 10 minutes (sessions last an hour). */
  private readonly sessions = new Map<string, { token: string; at: number }>();
  private async sessionOf(user: string, org: string): Promise<string> {
    const key = `${user}@${org}`;
    const held = this.sessions.get(key);
    if (held && Date.now() - held.at < 10 * 60_000) return held.token;
    const token = await this.signIn(user, org);
    this.sessions.set(key, { token, at: Date.now() });
    return token;
  }

  /**
   * Users that create and revoke the cycle's tokens, alice among them (her Access Tokens page is the portal load,
   * so her revoked tokens pile up as a real user's would). Registrations are limited per user and minute
   * (src/services.ts): enough users keep the cycle's rate under that brake.
   */
  private cycleUsers: string[] = ['alice'];
  private cycles = 0;

  private async addCycleUsers(count: number): Promise<void> {
    const session = await this.admin();
    const roles = await this.http.request('GET', '/cloudapi/1.0.0/roles?pageSize=100', {
      Authorization: `Bearer ${session}`,
      Accept: JSON_ACCEPT,
    });
    this.expect(roles, [200], 'GET /cloudapi/1.0.0/roles');
    const role = (JSON.parse(roles.body) as { values: Array<{ id: string; name: string }> }).values.find((r) => r.name === 'vApp Author');
    if (!role) throw new Error('the demo org has no vApp Author role');
    for (let i = 1; i <= count; i++) {
      const created = await this.http.request(
        'POST',
        '/cloudapi/1.0.0/users',
        { Authorization: `Bearer ${session}`, Accept: JSON_ACCEPT, 'Content-Type': 'application/json' },
        JSON.stringify({ username: `soak-${i}`, password: PASSWORD, roleEntityRefs: [{ id: role.id }] }),
      );
      if (!this.expect(created, [200, 201], 'POST /cloudapi/1.0.0/users')) throw new Error(`could not create soak-${i}: ${created.body}`);
      this.cycleUsers.push(`soak-${i}`);
    }
  }

  /** Registers and mints an API token the way VCD's clients do, then trades it once. */
  private async createToken(session: string, org: string, name: string): Promise<LiveToken> {
    const reg = await this.http.request(
      'POST',
      `/oauth/tenant/${org}/register`,
      { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
      JSON.stringify({ client_name: name }),
    );
    if (!this.expect(reg, [200, 201], 'register')) throw new Error(`register failed: ${reg.status} ${reg.body}`);
    const clientId = (JSON.parse(reg.body) as { client_id: string }).client_id;
    const minted = await this.http.form(`/oauth/tenant/${org}/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: clientId,
      assertion: session,
    });
    if (!this.expect(minted, [200], 'mint')) throw new Error(`mint failed: ${minted.status} ${minted.body}`);
    const refresh = (JSON.parse(minted.body) as { refresh_token: string }).refresh_token;
    const first = await this.http.form(`/oauth/tenant/${org}/token`, { grant_type: 'refresh_token', refresh_token: refresh });
    if (!this.expect(first, [200], 'first exchange')) throw new Error(`first exchange failed: ${first.status}`);
    return { org, id: clientId, refresh, access: (JSON.parse(first.body) as { access_token: string }).access_token };
  }

  /**
   * One sign-in for every page load that found the session `stale` ended. Dozens of loads are in flight when the
   * portal session's hour ends: each signing in on its own raced the others (a sign-in form fetched with a cookie
   * another load had just renewed is a redirect, not a form: the hour-long run's only unexpected statuses).
   */
  private async renewPortalSession(stale: string): Promise<void> {
    if (this.portalSignIn) return this.portalSignIn;
    if (this.jar.header() !== stale) return; // renewed since this load was sent
    this.portalSignIn = this.signInPortal().finally(() => {
      this.portalSignIn = null;
    });
    return this.portalSignIn;
  }

  private async signInPortal(): Promise<void> {
    const form = await this.http.request('GET', '/tenant/acme/login', { Cookie: this.jar.header() });
    this.expect(form, [200], 'portal sign-in form');
    this.jar.take(form);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
    if (!csrf) throw new Error('the portal sign-in form has no _csrf field');
    const posted = await this.http.form(
      '/tenant/acme/login',
      { username: 'alice', password: PASSWORD, _csrf: csrf },
      { Cookie: this.jar.header() },
    );
    if (!this.expect(posted, [303], 'portal sign-in')) throw new Error(`portal sign-in failed: ${posted.status}`);
    this.jar.take(posted);
  }

  async setUp(liveTokens: number, revocationsPerSecond: number): Promise<void> {
    // 30 registrations per user and minute; keep each cycle user at about half of that.
    await this.addCycleUsers(Math.ceil((revocationsPerSecond * 60) / 15));
    const sessions: Record<string, string> = {
      acme: await this.admin(),
      bob: await this.signIn('bob', 'acme'),
      globex: await this.signIn('hank', 'globex'),
    };
    const owners: Array<[string, string]> = [
      ['acme', sessions.acme!],
      ['acme', sessions.bob!],
      ['globex', sessions.globex!],
    ];
    for (let i = 0; i < liveTokens; i++) {
      const [org, session] = owners[i % owners.length]!;
      this.live.push(await this.createToken(session, org, `soak-live-${i}`));
    }
    await this.signInPortal();
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(Math.random() * list.length)]!;
  }

  async run(op: OpName): Promise<void> {
    switch (op) {
      case 'exchange': {
        const token = this.pick(this.live);
        const reply = await this.http.form(`/oauth/tenant/${token.org}/token`, {
          grant_type: 'refresh_token',
          refresh_token: token.refresh,
        });
        this.exchanges += 1;
        if (this.expect(reply, [200], 'exchange')) token.access = (JSON.parse(reply.body) as { access_token: string }).access_token;
        return;
      }
      case 'queryVms': {
        const token = this.pick(this.live);
        const page = 1 + Math.floor(Math.random() * 4);
        const reply = await this.http.request('GET', `/api/query?type=vm&page=${page}&pageSize=25`, {
          Authorization: `Bearer ${token.access}`,
          Accept: XML,
        });
        this.expect(reply, [200], 'GET /api/query?type=vm');
        return;
      }
      case 'org': {
        const token = this.pick(this.live);
        const reply = await this.http.request('GET', '/api/org', { Authorization: `Bearer ${token.access}`, Accept: XML });
        this.expect(reply, [200], 'GET /api/org');
        return;
      }
      case 'portal': {
        const cookie = this.jar.header();
        let reply = await this.http.request('GET', '/tenant/acme/preferences', { Cookie: cookie });
        if (reply.status === 303) {
          // The portal session ended (its hour): sign in again, as the user would.
          await this.renewPortalSession(cookie);
          reply = await this.http.request('GET', '/tenant/acme/preferences', { Cookie: this.jar.header() });
        }
        this.expect(reply, [200], 'portal Access Tokens page');
        return;
      }
      case 'deadRetry': {
        if (this.dead.length === 0) return this.run('exchange');
        // The 20 most recently revoked: a few scripts hammering their dead tokens, which is what coalescing is for.
        const token = this.pick(this.dead.slice(-20));
        // A script that keeps retrying a dead token: its refresh token, or the session it had.
        if (Math.random() < 0.5) {
          const reply = await this.http.form(`/oauth/tenant/${token.org}/token`, {
            grant_type: 'refresh_token',
            refresh_token: token.refresh,
          });
          this.checkRefused(token, reply, 'exchange of a revoked token', 400);
        } else {
          const reply = await this.http.request('GET', '/api/org', { Authorization: `Bearer ${token.access}`, Accept: XML });
          this.checkRefused(token, reply, 'session of a revoked token', 401);
        }
        return;
      }
    }
  }

  /** Refused exchanges seen by the client, per token and minute: the bound on coalesced audit rows. */
  readonly refusedExchanges = new Map<string, Set<number>>();
  refusedExchangeCount = 0;

  private checkRefused(token: LiveToken, reply: Reply, what: string, refusal: number): void {
    if (refusal === 400 && reply.status === 400) {
      this.refusedExchangeCount += 1;
      let minutes = this.refusedExchanges.get(token.id);
      if (!minutes) this.refusedExchanges.set(token.id, (minutes = new Set()));
      minutes.add(Math.floor(Date.now() / 60_000));
    }
    if (this.watch.observe(token.id, reply.sentAt, reply.status, what)) {
      this.hardFailure ??= `revoked token accepted: ${this.watch.examples[0]}`;
      return;
    }
    this.expect(reply, [refusal], what);
  }

  /** Create, use, revoke, and at once try the token and its session again: both must be refused. */
  async revocationCycle(): Promise<void> {
    // The cycle's number is taken once: read again after the awaits (until 2026-12-08), it was whatever the cycles
    // started meanwhile had made it, and two slow cycles of one user both named their token soak-cycle-21 (a 400).
    const cycle = ++this.cycles;
    const user = this.cycleUsers[(cycle - 1) % this.cycleUsers.length]!;
    const session = await this.sessionOf(user, 'acme');
    const token = await this.createToken(session, 'acme', `soak-cycle-${cycle}`);
    const used = await this.http.request('GET', '/api/org', { Authorization: `Bearer ${token.access}`, Accept: XML });
    this.expect(used, [200], 'GET /api/org with a fresh token');
    const revoked = await this.http.request('DELETE', `/cloudapi/1.0.0/tokens/urn:vcloud:token:${token.id}`, {
      Authorization: `Bearer ${session}`,
      Accept: JSON_ACCEPT,
    });
    if (!this.expect(revoked, [204], 'revoke')) return;
    this.watch.committed(token.id, revoked.sentAt + revoked.latencyMs);
    this.problems.revocations += 1;
    const again = await this.http.form('/oauth/tenant/acme/token', { grant_type: 'refresh_token', refresh_token: token.refresh });
    this.checkRefused(token, again, 'exchange right after revocation', 400);
    const sessionAgain = await this.http.request('GET', '/api/org', { Authorization: `Bearer ${token.access}`, Accept: XML });
    this.checkRefused(token, sessionAgain, 'session right after revocation', 401);
    this.dead.push(token);
    if (this.dead.length > 500) this.dead.splice(0, this.dead.length - 500);
  }

  /** A password sign-in, alternating the cloudapi and the legacy /api/sessions (whose session id is then used once). */
  async signInOnce(): Promise<void> {
    const users: Array<[string, string]> = [
      ['alice', 'acme'],
      ['bob', 'acme'],
      ['hank', 'globex'],
    ];
    const [user, org] = users[this.signIns % users.length]!;
    this.signIns += 1;
    if (this.signIns % 2 === 0) {
      await this.signIn(user, org);
      return;
    }
    const reply = await this.http.request('POST', '/api/sessions', {
      Authorization: 'Basic ' + Buffer.from(`${user}@${org}:${PASSWORD}`).toString('base64'),
      Accept: XML,
    });
    if (!this.expect(reply, [200], 'POST /api/sessions')) return;
    const legacy = String(reply.headers['x-vcloud-authorization']);
    const used = await this.http.request('GET', '/api/org', { 'x-vcloud-authorization': legacy, Accept: XML });
    this.expect(used, [200], 'GET /api/org with x-vcloud-authorization');
  }

  get revokedAccepted(): number {
    return this.watch.accepted;
  }
}

function pickOp(mix: ReadonlyArray<[OpName, number]>): OpName {
  let r = Math.random() * mix.reduce((a, [, w]) => a + w, 0);
  for (const [op, weight] of mix) {
    r -= weight;
    if (r < 0) return op;
  }
  return 'exchange';
}

/** Closed loop at `concurrency` for `seconds` (the first second discarded): mix operations per second. */
async function measureCapacity(soak: Soak, mix: Options['mix'], seconds: number, concurrency: number): Promise<number> {
  let counting = false;
  let done = 0;
  const end = Date.now() + seconds * 1000;
  setTimeout(() => (counting = true), 1000);
  const countFrom = Date.now() + 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await soak.run(pickOp(mix)).catch(() => undefined);
        if (counting) done += 1;
      }
    }),
  );
  return done / ((Date.now() - countFrom) / 1000);
}

/** Starts `perSecond` calls of `task` a second (fractional rates accumulate), at most `maxInFlight` at once. */
function openLoop(perSecond: number, maxInFlight: number, task: () => Promise<void>, onError: (e: Error) => void) {
  let inFlight = 0;
  let owed = 0;
  let last = performance.now();
  let behind = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    owed += ((now - last) / 1000) * perSecond;
    last = now;
    while (owed >= 1) {
      owed -= 1;
      if (inFlight >= maxInFlight) {
        behind += 1;
        continue;
      }
      inFlight += 1;
      task()
        .catch(onError)
        .finally(() => (inFlight -= 1));
    }
  }, 5);
  return {
    takeBehind: () => {
      const b = behind;
      behind = 0;
      return b;
    },
    stop: async () => {
      clearInterval(timer);
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    },
  };
}

function gitCommit(): string {
  // A run from an exported copy of a commit (no .git) says which one it measured.
  if (process.env.TESSERA_SOAK_COMMIT) return process.env.TESSERA_SOAK_COMMIT;
  const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  return head ? `${head}${dirty ? '+dirty' : ''}` : 'unknown';
}

async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const clusterUrl = benchPostgresCluster(process.env.TESSERA_SOAK_DATABASE_URL ?? process.env.TESSERA_TEST_DATABASE_URL);
  const name = `tessera_soak_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  mkdirSync(options.out, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-soak-'));
  const database = options.backend === 'postgres' ? await createPgDatabase() : null;
  const commit = gitCommit();
  const say = (line: string) => process.stdout.write(line + '\n');
  say(
    `soak: ${options.minutes} min on ${options.backend}, intervals of ${options.intervalSeconds} s, commit ${commit}, output in ${options.out}`,
  );
  const server = await startServer(dataDir, database?.url ?? null, join(options.out, 'server.log'));
  const pid = server.child.pid!;
  let serverExit: number | null | undefined;
  void server.exited.then((code) => (serverExit = code));
  const http = new SoakHttp(server.url, options.maxInFlight + 8);
  const soak = new Soak(http);
  const samples: IntervalSample[] = [];
  let counter: RowCounter | null = null;
  let capacity = NaN;
  let target = NaN;
  const csvPath = join(options.out, 'soak.csv');
  const writeOutputs = (verdict?: ReturnType<typeof evaluate>) => {
    writeFileSync(csvPath, toCsv(samples));
    const warm = warmUpIntervals(samples.length, options.intervalSeconds);
    writeFileSync(
      join(options.out, 'soak.svg'),
      renderSvg(samples, {
        title: `Tessera soak: ${options.backend}, ${options.minutes} min at ${target.toFixed(0)} ops/s (${(options.load * 100).toFixed(0)} % of ${capacity.toFixed(0)}), commit ${commit}`,
        warmUpIntervals: warm,
      }),
    );
    writeFileSync(
      join(options.out, 'soak.json'),
      JSON.stringify(
        {
          commit,
          node: process.version,
          backend: options.backend,
          options,
          capacityOpsPerSecond: capacity,
          targetOpsPerSecond: target,
          mix: Object.fromEntries(options.mix),
          problems: soak.problems,
          verdict: verdict ? { ok: verdict.ok, checks: verdict.checks, rss: verdict.rss, lag: verdict.lag, cpu: verdict.cpu } : null,
          samples,
        },
        null,
        2,
      ) + '\n',
    );
  };
  try {
    await soak.setUp(options.liveTokens, options.revocationsPerSecond);
    counter = options.backend === 'sqlite' ? sqliteRowCounter(join(dataDir, 'tessera.db')) : await pgRowCounter(database!.url);
    if (options.rate !== null) {
      capacity = NaN;
      target = options.rate;
    } else {
      capacity = await measureCapacity(soak, options.mix, options.capacitySeconds, 32);
      target = capacity * options.load;
      say(`capacity of the mix: ${capacity.toFixed(0)} ops/s; driving ${target.toFixed(0)} ops/s (${(options.load * 100).toFixed(0)} %)`);
    }
    const onError = (e: Error) => {
      soak.problems.unexpected += 1;
      if (soak.problems.examples.length < 20) soak.problems.examples.push(`client error: ${e.message}`);
    };
    http.drain();
    const loops = [
      openLoop(target, options.maxInFlight, () => soak.run(pickOp(options.mix)), onError),
      ...(options.signInsPerSecond > 0 ? [openLoop(options.signInsPerSecond, 4, () => soak.signInOnce(), onError)] : []),
      ...(options.revocationsPerSecond > 0 ? [openLoop(options.revocationsPerSecond, 8, () => soak.revocationCycle(), onError)] : []),
    ];
    const start = performance.now();
    const endAt = start + options.minutes * 60_000;
    let cpuBefore = serverCpuSeconds(pid);
    let exchangesBefore = soak.exchanges;
    let seen = { errors5xx: 0, unexpected: 0, revocations: 0, revokedAccepted: 0 };
    await scrape(server.metricsUrl); // resets the lag histogram: the first interval starts clean
    while (performance.now() < endAt && serverExit === undefined && (options.keepGoing || soak.hardFailure === null)) {
      const intervalStart = performance.now();
      const intervalEnd = Math.min(endAt, intervalStart + options.intervalSeconds * 1000);
      const rss: number[] = [];
      while (performance.now() < intervalEnd && serverExit === undefined && (options.keepGoing || soak.hardFailure === null)) {
        rss.push(rssMb(pid));
        await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, intervalEnd - performance.now()))));
      }
      if (serverExit !== undefined) break;
      const seconds = (performance.now() - intervalStart) / 1000;
      const cpu = serverCpuSeconds(pid);
      const { latencies, statuses, requests } = http.drain();
      latencies.sort((a, b) => a - b);
      const [metrics, rows] = await Promise.all([scrape(server.metricsUrl), counter.count()]);
      const now = { ...soak.problems, revokedAccepted: soak.revokedAccepted };
      const memory = memoryFromStatus(pid);
      const files = options.backend === 'sqlite' ? storeFiles(join(dataDir, 'tessera.db')) : { db: NaN, wal: NaN };
      const sample: IntervalSample = {
        index: samples.length,
        atMinutes: (performance.now() - start) / 60_000,
        seconds,
        requests,
        requestsPerSecond: requests / seconds,
        exchangesPerSecond: (soak.exchanges - exchangesBefore) / seconds,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.length ? latencies[latencies.length - 1]! : 0,
        cpuMicrosPerRequest: requests > 0 ? ((cpu - cpuBefore) * 1e6) / requests : 0,
        rssMb: rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : rssMb(pid),
        rssAnonMb: memory.RssAnon,
        rssFileMb: memory.RssFile + memory.RssShmem,
        heapUsedMb: metrics.heapUsedMb,
        heapTotalMb: metrics.heapTotalMb,
        externalMb: metrics.externalMb,
        dbFileMb: files.db,
        walFileMb: files.wal,
        lagMeanMs: metrics.lagMeanMs,
        lagP99Ms: metrics.lagP99Ms,
        errors5xx: now.errors5xx - seen.errors5xx,
        unexpected: now.unexpected - seen.unexpected,
        revokedAccepted: now.revokedAccepted - seen.revokedAccepted,
        revocations: now.revocations - seen.revocations,
        behind: loops.reduce((a, l) => a + l.takeBehind(), 0),
        rows,
      };
      seen = { errors5xx: now.errors5xx, unexpected: now.unexpected, revocations: now.revocations, revokedAccepted: now.revokedAccepted };
      cpuBefore = cpu;
      exchangesBefore = soak.exchanges;
      samples.push(sample);
      writeFileSync(csvPath, toCsv(samples)); // as it goes: an interrupted run keeps its data
      const statusText = [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}:${n}`)
        .join(' ');
      say(
        `[${sample.atMinutes.toFixed(1)} min] ${sample.requestsPerSecond.toFixed(0)} req/s, ${sample.cpuMicrosPerRequest.toFixed(0)} µs CPU/req, ` +
          `p99 ${sample.p99Ms.toFixed(1)} ms, RSS ${sample.rssMb.toFixed(0)} MB (anon ${sample.rssAnonMb.toFixed(0)}, file ${sample.rssFileMb.toFixed(0)}), heap ${sample.heapUsedMb.toFixed(0)}/${sample.heapTotalMb.toFixed(0)} MB, ext ${sample.externalMb.toFixed(0)} MB${Number.isNaN(sample.walFileMb) ? '' : `, db ${sample.dbFileMb.toFixed(0)} + WAL ${sample.walFileMb.toFixed(0)} MB`}, lag ${sample.lagMeanMs.toFixed(2)} ms` +
          `${sample.behind ? `, ${sample.behind} behind` : ''}  [${statusText}]`,
      );
    }
    await Promise.all(loops.map((l) => l.stop()));
    const verdict = evaluate(samples, options.intervalSeconds);
    // Coalescing (src/auth/audit.ts): per token and reason, at most the first refusal of a window and one count per
    // window; a window is a minute, so it spans at most two of the client's minute buckets.
    const refusedRows = await counter.auditEvents('apiToken.refused');
    let bound = 0;
    for (const minutes of soak.refusedExchanges.values()) bound += 2 * (minutes.size + 1);
    verdict.checks.push({
      name: 'refusals coalesced in the audit trail',
      ok: refusedRows <= bound,
      detail: `${soak.refusedExchangeCount} refused exchanges of ${soak.refusedExchanges.size} revoked tokens wrote ${refusedRows} apiToken.refused events (at most ${bound} allowed)`,
    });
    verdict.ok = verdict.checks.every((c) => c.ok || c.advisory);
    if (serverExit !== undefined) {
      verdict.checks.push({
        name: 'server alive',
        ok: false,
        detail: `the server exited with ${serverExit} during the run (${join(options.out, 'server.log')})`,
      });
      verdict.ok = false;
    }
    if (soak.hardFailure !== null && !options.keepGoing) {
      verdict.checks.push({ name: 'ran to the end', ok: false, detail: `stopped early: ${soak.hardFailure}` });
      verdict.ok = false;
    }
    writeOutputs(verdict);
    say('');
    for (const c of verdict.checks) say(`${c.ok ? 'ok  ' : c.advisory ? 'note' : 'FAIL'} ${c.name}: ${c.detail}`);
    for (const e of soak.problems.examples.slice(0, 10)) say(`  example: ${e}`);
    const steady = verdict.steady;
    if (steady.length > 0) {
      const [a, b] = [steady[0]!, steady[steady.length - 1]!];
      say(
        `first vs last steady interval: ${a.requestsPerSecond.toFixed(0)} -> ${b.requestsPerSecond.toFixed(0)} req/s, ` +
          `${a.cpuMicrosPerRequest.toFixed(0)} -> ${b.cpuMicrosPerRequest.toFixed(0)} µs CPU/req, p99 ${a.p99Ms.toFixed(1)} -> ${b.p99Ms.toFixed(1)} ms, ` +
          `RSS ${a.rssMb.toFixed(0)} -> ${b.rssMb.toFixed(0)} MB, lag ${a.lagMeanMs.toFixed(2)} -> ${b.lagMeanMs.toFixed(2)} ms`,
      );
    }
    say(`soak ${verdict.ok ? 'passed' : 'FAILED'}; ${csvPath}, soak.json and soak.svg in ${options.out}`);
    return verdict.ok ? 0 : 1;
  } catch (err) {
    writeOutputs();
    process.stderr.write(`soak: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  } finally {
    http.close();
    await counter?.close().catch(() => undefined);
    server.child.kill('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 15_000))]);
    await database?.drop().catch((e: Error) => process.stderr.write(`soak: could not drop the database: ${e.message}\n`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
