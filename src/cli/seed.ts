/**
 * `tessera seed --vms 100000 --orgs 20`: generated orgs full of VMs, for benchmarks and load tests.
 *
 * Each generated org (`gen-01` ... by default) gets the predefined roles, two users that own its vApps
 * (`admin`, Organization Administrator, and `operator`, vApp Author, sharing one password that is printed
 * once), and its share of the VMs (inventory/generate.ts). Writes are batched in one transaction per org:
 * 100,000 VMs take seconds on SQLite.
 *
 *   import { seedGeneratedInventory } from '../src/cli/seed.js';
 *   const { orgs, userPassword } = await seedGeneratedInventory(store, { vms: 1000, orgs: 1, orgPrefix: 'bench' });
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConfigError } from '../config.js';
import { storeConfig, storeLocationOptions } from './store-config.js';
import { openStore } from '../store/index.js';
import { DataDirLockedError } from '../store/sqlite-lock.js';
import type { Store } from '../store/store.js';
import { createOrgWithRoles } from '../auth/bootstrap.js';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import { generateOrgInventory } from '../inventory/generate.js';
import type { PredefinedRoleName } from '../domain/rights.js';

export interface SeedProgress {
  /** The org being filled, 1-based among `orgCount`. */
  readonly org: string;
  readonly orgIndex: number;
  readonly orgCount: number;
  /** VMs written so far over all orgs, and the total asked for. */
  readonly vmsDone: number;
  readonly vmsTotal: number;
}

export interface SeedOptions {
  readonly vms: number;
  readonly orgs: number;
  /** Generated org names are `<prefix>-01`, `<prefix>-02` ...; default `gen`. */
  readonly orgPrefix?: string;
  /** Password of the generated users; generated when absent (and returned). */
  readonly userPassword?: string;
  readonly onProgress?: (progress: SeedProgress) => void;
}

export interface SeededOrg {
  readonly id: string;
  readonly name: string;
  readonly vms: number;
  /** User names, all with `userPassword`: `admin` (Organization Administrator) and `operator` (vApp Author). */
  readonly users: readonly string[];
}

export interface SeedResult {
  readonly orgs: readonly SeededOrg[];
  readonly userPassword: string;
  readonly elapsedMs: number;
}

export const MAX_SEED_VMS = 10_000_000;
export const MAX_SEED_ORGS = 1000;

const SEED_USERS: ReadonlyArray<readonly [string, PredefinedRoleName, string]> = [
  ['admin', 'Organization Administrator', 'Generated Org Admin'],
  ['operator', 'vApp Author', 'Generated Operator'],
];

/** VMs are spread evenly: the first `vms % orgs` orgs get one more. */
export function vmsPerOrg(vms: number, orgs: number): number[] {
  return Array.from({ length: orgs }, (_, i) => Math.floor(vms / orgs) + (i < vms % orgs ? 1 : 0));
}

export async function seedGeneratedInventory(store: Store, options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  if (!Number.isInteger(options.vms) || options.vms < 0 || options.vms > MAX_SEED_VMS) {
    throw new RangeError(`vms must be a whole number from 0 to ${MAX_SEED_VMS}`);
  }
  if (!Number.isInteger(options.orgs) || options.orgs < 1 || options.orgs > MAX_SEED_ORGS) {
    throw new RangeError(`orgs must be a whole number from 1 to ${MAX_SEED_ORGS}`);
  }
  const prefix = options.orgPrefix ?? 'gen';
  const names = Array.from({ length: options.orgs }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
  for (const name of names) {
    if (await store.getOrgByName(name)) throw new Error(`org "${name}" already exists; choose another --org-prefix`);
  }

  const userPassword = options.userPassword ?? generatePassword();
  const passwordHash = await hashPassword(userPassword); // once: every generated user shares it
  const shares = vmsPerOrg(options.vms, options.orgs);
  const seeded: SeededOrg[] = [];
  let vmsBefore = 0;
  for (const [index, name] of names.entries()) {
    const org = await createOrgWithRoles(store, {
      name,
      fullName: `Generated organization ${name}`,
      description: 'Created by tessera seed',
    });
    const ownerIds: string[] = [];
    for (const [userName, roleName, fullName] of SEED_USERS) {
      const role = await store.getRoleByName(org.id, roleName);
      const user = await store.createUser({
        id: randomUUID(),
        org_id: org.id,
        name: userName,
        full_name: fullName,
        password_hash: passwordHash,
        role_id: role!.id,
      });
      ownerIds.push(user.id);
    }
    const share = shares[index]!;
    const report = (done: number) =>
      options.onProgress?.({ org: name, orgIndex: index + 1, orgCount: names.length, vmsDone: vmsBefore + done, vmsTotal: options.vms });
    report(0);
    await generateOrgInventory(store, org.id, share, { ownerIds, onProgress: (p) => report(p.done) });
    vmsBefore += share;
    seeded.push({ id: org.id, name, vms: share, users: SEED_USERS.map(([u]) => u) });
  }
  return { orgs: seeded, userPassword, elapsedMs: Date.now() - started };
}

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
