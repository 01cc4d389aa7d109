/**
 * Where the commands that open the store themselves (admin reset-password, backup, restore, inventory apply, seed)
 * find it: `--data-dir` / `--database-url`, the environment, and the same configuration file as `tessera serve`
 * (`--config` or TESSERA_CONFIG), read by the same rules (flag > environment > file > default). Until 2026-12-05
 * these commands ignored the file: an operator who kept `database_url` there, as docs/configuration.md suggests,
 * had them open `./.tessera` instead.
 */
import type { Command } from 'commander';
import {
  ConfigError,
  DEFAULTS,
  loadConfig,
  loadConfigFile,
  passwordInArgumentWarning,
  secretsInReadableFileWarning,
  type Config,
} from '../config.js';
import { shellWord } from '../domain/shell-quote.js';

export interface StoreLocationFlags {
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
}

/** The three options, worded alike on every command. */
export function storeLocationOptions(
  command: Command,
  databaseUrl = 'postgres://... when the store is PostgreSQL (TESSERA_DATABASE_URL)',
): Command {
  return command
    .option('--data-dir <dir>', `directory of the SQLite file, as for serve (TESSERA_DATA_DIR, default ${DEFAULTS.dataDir})`)
    .option('--database-url <url>', databaseUrl)
    .option('--config <file>', "serve's TOML file, for data_dir and database_url (TESSERA_CONFIG)");
}

/** The configuration these commands use; a ConfigError (a bad file or value) is thrown as it is. */
export function storeConfig(flags: StoreLocationFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const shown = passwordInArgumentWarning('--database-url', flags.databaseUrl);
  if (shown !== null) process.stderr.write(`tessera: warning: ${shown}\n`);
  const path = flags.config ?? (env.TESSERA_CONFIG || null);
  const file = path ? loadConfigFile(path) : null;
  const readable = file ? secretsInReadableFileWarning(file) : null;
  if (readable !== null) process.stderr.write(`tessera: warning: ${readable}\n`);
  return loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl }, env, file);
}

/**
 * How another command names the store this configuration names, in the lines serve prints for an operator to paste
 * (admin reset-password): the configuration file when the URL came from it, the environment variable when it came
 * from there (quoted, so that an unset one fails loudly rather than fall back to the default data directory), a
 * placeholder for a URL given as a flag (it may hold a password: never printed), the data directory on SQLite.
 * Until 2026-12-08 every PostgreSQL store was hinted as `--database-url URL`, even one named only in the file.
 */
export function storeLocationHint(
  config: Pick<Config, 'databaseUrl' | 'databaseUrlSource' | 'dataDir'>,
  configPath: string | null,
): string {
  if (config.databaseUrl === null) return `--data-dir ${shellWord(config.dataDir)}`;
  if (configPath !== null && config.databaseUrlSource?.startsWith('database_url in ')) return `--config ${shellWord(configPath)}`;
  if (config.databaseUrlSource === 'TESSERA_DATABASE_URL') return '--database-url "$TESSERA_DATABASE_URL"';
  return '--database-url URL';
}

/** What to say when there is no SQLite file where the configuration points. */
export function noDatabaseMessage(sqliteFile: string): string {
  return `No Tessera database at ${sqliteFile}: name the data directory with --data-dir, or the store with --database-url or --config, as for serve`;
}
