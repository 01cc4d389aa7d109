/**
 * A PgBouncer of the test's own in front of the test cluster (TESSERA_TEST_DATABASE_URL), for the suites that check
 * Tessera behind a connection pooler as providers run it (docs/postgresql.md, "Connection poolers"). The binary is
 * looked up in PATH and /usr/sbin; without it, `pgbouncerUnavailable()` says why, and the suites skip loudly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export function pgbouncerBinary(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) if (dir && existsSync(join(dir, 'pgbouncer'))) return join(dir, 'pgbouncer');
  return null;
}

/** Why the pooler suites cannot run here, or null. */
export function pgbouncerUnavailable(): string | null {
  if (!process.env.TESSERA_TEST_DATABASE_URL) return 'TESSERA_TEST_DATABASE_URL is not set';
  if (!pgbouncerBinary()) return 'pgbouncer is not installed (apt-get install pgbouncer)';
  if (new URL(process.env.TESSERA_TEST_DATABASE_URL).password) return 'the test cluster asks for a password; these suites need trust';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Pooler {
  /** `databaseUrl` with its host and port replaced by the pooler's. */
  urlFor(databaseUrl: string): string;
  stop(): Promise<void>;
}

/**
 * Starts PgBouncer in `mode` with its defaults otherwise (as a distribution installs it), plus `extra` lines for the
 * [pgbouncer] section. PgBouncer refuses to run as root: then it is started with `-u postgres` (or `nobody`).
 */
export async function startPgbouncer(mode: 'transaction' | 'session', extra: string[] = []): Promise<Pooler> {
  const cluster = new URL(process.env.TESSERA_TEST_DATABASE_URL!);
  const user = decodeURIComponent(cluster.username) || userInfo().username;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pgbouncer-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`, { mode: 0o644 });
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${cluster.hostname} port=${cluster.port || '5432'}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `pool_mode = ${mode}`,
      'default_pool_size = 4',
      ...extra,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const args = [join(dir, 'pgbouncer.ini')];
  if (process.getuid?.() === 0) args.unshift('-u', existsSync('/var/lib/postgresql') ? 'postgres' : 'nobody');
  const child: ChildProcess = spawn(pgbouncerBinary()!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = (databaseUrl: string) => {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  };
  // Ready when it answers a query (it accepts connections a little after it starts).
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url(cluster.toString()) });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      break;
    } catch (err) {
      await client.end().catch(() => {});
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill();
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`pgbouncer did not start: ${(err as Error).message}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    urlFor: url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
