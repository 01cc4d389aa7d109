/**
 * `tessera seed --vms 100000 --orgs 20`: the command, its arguments and its progress display. The work is in
 * seed-generated.ts, loaded with the store only once the command runs: every other command of the CLI starts
 * without loading the store's drivers, argon2 and the generator (about 0.4 s of each start, 2026-12-08).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { storeConfig, storeLocationOptions } from './store-config.js';
import type { Store } from '../store/store.js';
import type { SeedProgress } from './seed-generated.js';

// ------------------------------------------------------------------ progress display

/** A bar redrawn in place on a terminal; a plain line per org and per 10% elsewhere (CI logs, pipes). */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): { update(p: SeedProgress): void; done(): void } {
  const tty = stream.isTTY === true;
  let lastTenth = -1;
  let lastOrg = '';
  return {
    update(p) {
      const fraction = p.vmsTotal === 0 ? 1 : p.vmsDone / p.vmsTotal;
      const counts = `${p.vmsDone.toLocaleString('en-US')}/${p.vmsTotal.toLocaleString('en-US')} VMs, org ${p.org} (${p.orgIndex}/${p.orgCount})`;
      if (tty) {
        const width = 30;
        const filled = Math.round(fraction * width);
        stream.write(
          `\r\u001b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${counts}`,
        );
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth !== lastTenth || p.org !== lastOrg) stream.write(`seed: ${(fraction * 100).toFixed(0)}% ${counts}\n`);
      lastTenth = tenth;
      lastOrg = p.org;
    },
    done() {
      if (tty) stream.write('\r\u001b[2K');
    },
  };
}

// ------------------------------------------------------------------ the command

/** A count within its bounds, checked before the store is opened: a bad one is a usage error (exit 2) that creates
 * no store (until 2026-12-07 `--vms 20000000` made a new data directory, then failed with exit 1). */
function wholeNumber(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new Error(`--${name} must be from ${min} to ${max.toLocaleString('en-US')}, got ${text}`);
  return n;
}

export function registerSeedCommand(program: Command): void {
  storeLocationOptions(
    program
      .command('seed')
      .description('Add generated orgs full of VMs to the store, for benchmarks and load tests')
      .option('--vms <count>', 'VMs to create, spread evenly over the orgs', '1000')
      .option('--orgs <count>', 'orgs to create', '1')
      .option('--org-prefix <prefix>', 'generated org names are <prefix>-01, <prefix>-02 ...', 'gen'),
    'postgres://... to seed PostgreSQL instead (TESSERA_DATABASE_URL)',
  )
    .addHelpText(
      'after',
      `
Each org gets users "admin" (Organization Administrator) and "operator" (vApp Author) that own its VMs; their
password is TESSERA_SEED_PASSWORD, or one is generated and printed once.

Examples:
  $ tessera seed --vms 100000 --orgs 20
  $ tessera seed --vms 100000 --org-prefix big --database-url postgres://tessera@db:5432/tessera`,
    )
    .action(async (opts: { vms: string; orgs: string; orgPrefix: string; dataDir?: string; databaseUrl?: string; config?: string }) => {
      const [{ seedGeneratedInventory, MAX_SEED_VMS, MAX_SEED_ORGS }, { openStore }, { DataDirLockedError }] = await Promise.all([
        import('./seed-generated.js'),
        import('../store/index.js'),
        import('../store/sqlite-lock.js'),
      ]);
      let config;
      let vms: number;
      let orgs: number;
      try {
        vms = wholeNumber('vms', opts.vms, 0, MAX_SEED_VMS);
        orgs = wholeNumber('orgs', opts.orgs, 1, MAX_SEED_ORGS);
        config = storeConfig(opts);
      } catch (err) {
        process.stderr.write(`tessera: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
        process.exit(2);
      }
      const log = { warn: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`), info: () => undefined };
      let store: Store;
      try {
        const sqliteFile = join(config.dataDir, 'tessera.db');
        // Seeding is also how a store is made before its first start, so a missing one is created: said so, since
        // run from the wrong directory it is not the store a server uses (admin and inventory refuse instead).
        if (!config.databaseUrl && !existsSync(sqliteFile)) {
          process.stderr.write(`tessera: no store at ${sqliteFile}: creating a new one (a server's store is named with --data-dir)\n`);
        }
        store = await openStore(
          {
            databaseUrl: config.databaseUrl,
            databaseUrlSource: config.databaseUrlSource,
            listenUrl: config.databaseListenUrl,
            listenUrlSource: config.databaseListenUrlSource,
            preparedStatements: config.databasePreparedStatements,
            sqliteFile,
          },
          log,
        );
      } catch (err) {
        // A running server owns the SQLite file (src/store/sqlite-lock.ts): seed before starting it, or stop it.
        if (err instanceof DataDirLockedError) {
          process.stderr.write(`tessera: ${err.message}\n`);
          process.exit(1);
        }
        throw err;
      }
      const progress = progressPrinter();
      try {
        const password = process.env.TESSERA_SEED_PASSWORD;
        const result = await seedGeneratedInventory(store, {
          vms,
          orgs,
          orgPrefix: opts.orgPrefix,
          ...(password ? { userPassword: password } : {}),
          onProgress: (p) => progress.update(p),
        });
        progress.done();
        process.stderr.write(
          `Seeded ${vms.toLocaleString('en-US')} VMs in ${result.orgs.length} org(s) (${result.orgs.map((o) => o.name).join(', ')}) in ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
        );
        if (!password) process.stderr.write(`Users admin and operator in each org; password (shown once): ${result.userPassword}\n`);
      } catch (err) {
        progress.done();
        process.stderr.write(`tessera: ${(err as Error).message}\n`);
        process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
