/**
 * `tessera inventory apply FILE [--dry-run] [--prune] [--source NAME]`: puts the provider's VDCs, vApps and
 * VMs into the store from a declarative file (YAML or JSON, docs/inventory.md). Works on the store directly,
 * like `tessera admin reset-password`: on SQLite the server must be stopped (one process per file); on
 * PostgreSQL it runs beside the nodes, and they see the change on their next request (the inventory version).
 *
 * Output: the plan's counts on stdout ("3 created, 1 updated, 0 deleted, 120 unchanged"), with the names of
 * what changes (all of them with --dry-run, the first 20 otherwise); problems on stderr as FILE:LINE:COL;
 * progress on stderr when it is a terminal. Exit 0 applied (or planned), 2 the document is invalid.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { noDatabaseMessage, storeConfig, storeLocationOptions } from './store-config.js';
import { action } from './io.js';
import { CliError, EXIT, usageError } from './exit-codes.js';
import { readAllStdin } from './prompt.js';
import { progressOnStderr } from './progress.js';

interface ApplyFlags {
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
  dryRun?: boolean;
  prune?: boolean;
  source: string;
}

/** Source names: what `--source` and the sync API's path accept. */
export const SOURCE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** A plan lists at most this many names per kind unless --dry-run asks for the whole plan. */
const LISTED_WHEN_APPLYING = 20;

export function registerInventoryCommands(program: Command): void {
  const inventory = program.command('inventory').description("The provider's VDCs, vApps and VMs (docs/inventory.md)");
  storeLocationOptions(
    inventory
      .command('apply')
      .argument('<file>', 'inventory file, YAML or JSON (docs/inventory.schema.json); - reads standard input')
      .description('Create, update (and with --prune delete) VDCs, vApps and VMs so the store matches FILE; orgs are created when missing')
      .option('--dry-run', 'print the plan (counts and names) and change nothing')
      .option('--prune', 'delete objects of this source that FILE no longer lists (never the demo seed or generated rows)')
      .option('--source <name>', 'the owner of the objects FILE lists: applies of other sources never touch them', 'file'),
  )
    .addHelpText(
      'after',
      `
Works on the store, not through a server. SQLite: stop the server first; PostgreSQL: runs beside the nodes.
A second apply of the same file changes nothing and says so. An invalid file changes nothing; each problem is
printed as FILE:LINE:COLUMN: JSON-POINTER: message (text that is not YAML or JSON: its first syntax error, as
FILE:LINE:COLUMN: message).

Examples:
  $ tessera inventory apply inventory.yaml --dry-run --data-dir /var/lib/tessera
  $ tessera inventory apply inventory.yaml --prune     # PostgreSQL: TESSERA_DATABASE_URL set
  $ export-from-vcenter | tessera inventory apply - --source vcenter-1`,
    )
    .action(action((file: string, flags: ApplyFlags) => runApply(file, flags)));
}

function configFrom(flags: ApplyFlags): Config {
  try {
    return storeConfig(flags);
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.message);
    throw error;
  }
}

async function readInput(file: string, readInventoryText: (file: string) => string): Promise<string> {
  if (file === '-') {
    if (process.stdin.isTTY) throw usageError('reading the inventory from standard input, but it is a terminal: pipe the file in');
    return readAllStdin();
  }
  return readInventoryText(file);
}

async function runApply(file: string, flags: ApplyFlags): Promise<void> {
  if (!SOURCE_NAME.test(flags.source))
    throw usageError(`--source must be lowercase letters, digits, ".", "_" or "-" (got "${flags.source}")`);
  const config = configFrom(flags);
  const sqliteFile = join(config.dataDir, 'tessera.db');
  if (!config.databaseUrl && !existsSync(sqliteFile)) {
    throw usageError(`${noDatabaseMessage(sqliteFile)} (start the server once to create it)`);
  }
  const displayName = file === '-' ? '<stdin>' : file;
  const [{ readInventoryText, parseInventoryFile, applyInventoryFile, InventoryFileError }, { summaryLine }] = await Promise.all([
    import('../inventory/declarative/file.js'),
    import('../inventory/declarative/plan.js'),
  ]);
  // A file that cannot be read or is not valid: its problem lines on stderr, then exit 2 with the summary.
  const usage = (error: unknown): unknown => {
    if (!(error instanceof InventoryFileError)) return error;
    for (const line of error.problemLines) process.stderr.write(`${line}\n`);
    return new CliError(error.message, EXIT.USAGE);
  };
  let parsed;
  let started;
  try {
    const text = await readInput(file, readInventoryText);
    started = Date.now();
    parsed = parseInventoryFile(displayName, text);
  } catch (error) {
    throw usage(error);
  }

  const [{ openStore }, { createOrgWithRoles }] = await Promise.all([import('../store/index.js'), import('../auth/bootstrap.js')]);
  const log = { info: () => undefined, warn: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`) };
  let store;
  try {
    store = await openStore(
      {
        databaseUrl: config.databaseUrl,
        databaseUrlSource: config.databaseUrlSource,
        listenUrl: config.databaseListenUrl,
        listenUrlSource: config.databaseListenUrlSource,
        preparedStatements: config.databasePreparedStatements,
        sqliteFile,
        revocationFeedMaxLagMs: config.revocationFeedMaxLagMs,
      },
      log,
    );
  } catch (error) {
    const { DataDirLockedError } = await import('../store/sqlite-lock.js');
    if (error instanceof DataDirLockedError) {
      throw new CliError(
        `A Tessera server is running on this data directory: stop it first (on SQLite one process opens the store), or push the inventory through the sync API (docs/inventory.md).`,
      );
    }
    throw error;
  }
  const progress = progressOnStderr();
  try {
    const result = await applyInventoryFile(store, parsed, {
      source: flags.source,
      prune: flags.prune === true,
      dryRun: flags.dryRun === true,
      createOrg: (org, ex) =>
        createOrgWithRoles(store, { id: org.id, name: org.name, fullName: org.fullName, description: org.description }, ex),
      onProgress: (done, total) => progress.update(`Applying ${displayName}: ${done}/${total} objects written`),
    }).catch((error: unknown) => {
      throw usage(error);
    });
    progress.done();
    const { plan, summary } = result;
    const limit = flags.dryRun ? Infinity : LISTED_WHEN_APPLYING;
    const out: string[] = [];
    const list = (verb: string, kind: string, labels: string[]) => {
      for (const label of labels.slice(0, limit)) out.push(`  ${verb} ${kind} ${label}`);
      if (labels.length > limit) out.push(`  ... and ${labels.length - limit} more ${kind}s to ${verb}`);
    };
    list(
      'create',
      'org',
      plan.orgs.create.map((o) => o.name),
    );
    list(
      'update',
      'org',
      plan.orgs.update.map((o) => o.name),
    );
    for (const [kind, k] of [
      ['VDC', plan.vdcs],
      ['vApp', plan.vapps],
      ['VM', plan.vms],
    ] as const) {
      list(
        'create',
        kind,
        k.create.map((c) => c.label),
      );
      list(
        'update',
        kind,
        k.update.map((c) => c.label),
      );
      list(
        'delete',
        kind,
        k.delete.map((d) => `${d.label} (${d.externalId})`),
      );
    }
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const nothing = summary.created + summary.updated + summary.deleted === 0;
    process.stdout.write(
      flags.dryRun
        ? `Plan (dry run, nothing written): ${summaryLine(summary)}\n`
        : `${summaryLine(summary)}${nothing ? ' (nothing to change)' : ''} in ${seconds} s\n`,
    );
  } finally {
    progress.done();
    await store.close();
  }
}
