/**
 * Which store backends a suite runs on, with the project's "fail loudly, never skip silently" rule
 * (docs/CONVENTIONS.md): PostgreSQL needs TESSERA_TEST_DATABASE_URL (CI always sets it; locally
 * `export TESSERA_TEST_DATABASE_URL=$(scripts/start-postgres.sh)`). Without it the PostgreSQL half FAILS,
 * unless TESSERA_SKIP_POSTGRES=1 says to skip it, in which case the skip is printed loudly.
 */
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type Backend } from '../helpers/tessera.js';
import type { Store } from '../../src/store/store.js';
import type { StoreOptions } from '../../src/store/options.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';

export interface BackendPlan {
  backend: Backend;
  /** Set when the suite must not run on this backend; `fail` decides between a failing test and a skip. */
  unavailable: { reason: string; fail: boolean } | null;
}

const MISSING_URL =
  'TESSERA_TEST_DATABASE_URL is not set, so the PostgreSQL half cannot run. Start a cluster with ' +
  '`export TESSERA_TEST_DATABASE_URL=$(scripts/start-postgres.sh)`, or set TESSERA_SKIP_POSTGRES=1 to skip it knowingly.';

export function postgresPlan(): BackendPlan {
  if (process.env.TESSERA_TEST_DATABASE_URL) return { backend: 'postgres', unavailable: null };
  const skip = process.env.TESSERA_SKIP_POSTGRES === '1';
  return { backend: 'postgres', unavailable: { reason: MISSING_URL, fail: !skip } };
}

/** Both backends (the store contract and durability suites always cover both). */
export function bothBackends(): BackendPlan[] {
  return [{ backend: 'sqlite', unavailable: null }, postgresPlan()];
}

/**
 * Backends for the server-level suites: the one CI names in TESSERA_TEST_BACKEND (it runs the whole suite once
 * per backend), or both when it is unset.
 */
export function selectedBackends(): BackendPlan[] {
  const named = process.env.TESSERA_TEST_BACKEND;
  if (named === 'sqlite') return [{ backend: 'sqlite', unavailable: null }];
  if (named === 'postgres') return [postgresPlan()];
  return bothBackends();
}

/**
 * Registers a visible failure or a loud skip for an unavailable backend. Returns true when the caller should
 * not register the real tests.
 */
export function reportUnavailable(plan: BackendPlan, suite: string): boolean {
  if (!plan.unavailable) return false;
  if (plan.unavailable.fail) {
    test(`${suite} on ${plan.backend}: backend unavailable`, () => {
      throw new Error(plan.unavailable!.reason);
    });
  } else {
    const banner = '!'.repeat(100);
    process.stderr.write(
      `\n${banner}\n!! SKIPPED: ${suite} on ${plan.backend}: TESSERA_SKIP_POSTGRES=1. ${plan.unavailable.reason}\n${banner}\n\n`,
    );
    test(`${suite} on ${plan.backend}`, { skip: `SKIPPED because TESSERA_SKIP_POSTGRES=1 (${plan.unavailable.reason})` }, () => {});
  }
  return true;
}

/** Where a suite's stores live: a temp SQLite file or a fresh PostgreSQL database, opened as often as needed. */
export interface StoreLocation {
  open(options?: StoreOptions): Promise<Store>;
  cleanup(): Promise<void>;
}

const silentLog = { warn() {}, info() {} };

export async function storeLocation(plan: BackendPlan, prefix = 'tessera-store-'): Promise<StoreLocation> {
  if (plan.backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const file = join(dir, 'tessera.db');
    return { open: (options) => openSqliteStore(file, options), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const database = await createTestDatabase();
  return { open: (options) => openPostgresStore(database.url, silentLog, options), cleanup: () => database.drop() };
}
