/**
 * The PostgreSQL side of `refuseForeignSchema` (store-admin.ts): a store restored with `pg_restore` is compared with
 * Tessera's schema at its migration level, before a Tessera command or node writes to it. A dump is the whole
 * database: one someone else could change brings its own trigger (re-setting an administrator's password hash after
 * each change), trigger function, rule, policy, DEFAULT or a dropped unique index (two API tokens sharing a secret),
 * and every write the server makes runs or obeys it. Until 2026-12-07 nothing looked at a restored PostgreSQL schema:
 * `compare-restore` compared rows only.
 *
 * The reference is a scratch schema in the same database, migrated to the store's level by this version's migrations
 * (the same DDL a node runs), then dropped whatever happens. Both are read from pg_catalog with the search path set to
 * the schema read, so that the definitions PostgreSQL prints (pg_get_indexdef, pg_get_triggerdef, defaults) name
 * neither schema.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { CliError, EXIT } from './exit-codes.js';

/** One object of a schema: a kind and a name ("column users.password_hash"), and its definition in named parts. */
interface SchemaEntry {
  key: string;
  parts: Record<string, string | null>;
}

/**
 * Not an extension's own object (pgcrypto, pg_trgm or citext installed into the schema by its owner): an extension's
 * objects come from files on the database server, not from a dump, and a trigger, rule or policy calling them is
 * still Tessera's or not.
 */
const notOfExtension = (catalog: string, oid: string) =>
  `not exists (select 1 from pg_depend extension_member where extension_member.classid = '${catalog}'::regclass and extension_member.objid = ${oid} and extension_member.deptype = 'e')`;

/**
 * What a schema holds, by the catalog queries below. Each returns (key, part name, value) rows, so that a difference
 * is named by the part that differs ("column users.totp_enabled differs (default)").
 */
const CATALOG_QUERIES: readonly string[] = [
  // Tables, views, sequences and the like, with their row-level security flags and the view's query.
  `select case c.relkind when 'r' then 'table' when 'p' then 'table' when 'v' then 'view' when 'm' then 'materialized view'
            when 'S' then 'sequence' when 'f' then 'foreign table' when 'c' then 'type' else 'relation' end || ' ' || c.relname as key,
          jsonb_build_object('kind', c.relkind::text, 'persistence', c.relpersistence::text,
            'row level security', c.relrowsecurity::text, 'forced row level security', c.relforcerowsecurity::text,
            'options', c.reloptions::text,
            'query', case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end) as parts
   from pg_class c where c.relnamespace = $1::regnamespace and c.relkind not in ('i', 'I', 't')
     and ${notOfExtension('pg_class', 'c.oid')}`,
  // Columns: type, nullability, default, generated, identity, collation.
  `select 'column ' || c.relname || '.' || a.attname as key,
          jsonb_build_object('type', format_type(a.atttypid, a.atttypmod), 'not null', a.attnotnull::text,
            'default', pg_get_expr(d.adbin, d.adrelid), 'generated', nullif(a.attgenerated::text, ''),
            'identity', nullif(a.attidentity::text, ''), 'collation', co.collname::text) as parts
   from pg_attribute a join pg_class c on c.oid = a.attrelid
   left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
   left join pg_collation co on co.oid = a.attcollation and a.attcollation <> 0 and co.collname <> 'default'
   where c.relnamespace = $1::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f', 'c') and a.attnum > 0 and not a.attisdropped
     and ${notOfExtension('pg_class', 'c.oid')}`,
  // Constraints (CHECK, UNIQUE, primary and foreign keys, exclusion; a domain's too).
  `select 'constraint ' || coalesce(c.relname, t.typname) || '.' || k.conname as key,
          jsonb_build_object('definition', pg_get_constraintdef(k.oid), 'deferrable', k.condeferrable::text,
            'validated', k.convalidated::text) as parts
   from pg_constraint k left join pg_class c on c.oid = k.conrelid left join pg_type t on t.oid = k.contypid
   where k.connamespace = $1::regnamespace
     and (c.oid is null or ${notOfExtension('pg_class', 'c.oid')}) and (t.oid is null or ${notOfExtension('pg_type', 't.oid')})`,
  `select 'index ' || i.relname as key, jsonb_build_object('definition', pg_get_indexdef(i.oid)) as parts
   from pg_index x join pg_class i on i.oid = x.indexrelid
   where i.relnamespace = $1::regnamespace and ${notOfExtension('pg_class', 'x.indrelid')}`,
  // Triggers a user made (a foreign key's own are internal), enabled or not.
  `select 'trigger ' || c.relname || '.' || g.tgname as key,
          jsonb_build_object('definition', pg_get_triggerdef(g.oid), 'enabled', g.tgenabled::text) as parts
   from pg_trigger g join pg_class c on c.oid = g.tgrelid where c.relnamespace = $1::regnamespace and not g.tgisinternal`,
  // Functions and procedures: what runs, in which language, with whose rights.
  `select 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as key,
          jsonb_build_object('kind', p.prokind::text, 'language', l.lanname::text, 'returns', pg_get_function_result(p.oid),
            'body', p.prosrc, 'security definer', p.prosecdef::text, 'settings', p.proconfig::text,
            'volatility', p.provolatile::text) as parts
   from pg_proc p join pg_language l on l.oid = p.prolang
   where p.pronamespace = $1::regnamespace and ${notOfExtension('pg_proc', 'p.oid')}`,
  // Rules (a view's own _RETURN rule is its query, read above).
  `select 'rule ' || c.relname || '.' || r.rulename as key,
          jsonb_build_object('definition', pg_get_ruledef(r.oid), 'enabled', r.ev_enabled::text) as parts
   from pg_rewrite r join pg_class c on c.oid = r.ev_class where c.relnamespace = $1::regnamespace and r.rulename <> '_RETURN'`,
  `select 'policy ' || c.relname || '.' || p.polname as key,
          jsonb_build_object('command', p.polcmd::text, 'permissive', p.polpermissive::text, 'roles', p.polroles::text,
            'using', pg_get_expr(p.polqual, p.polrelid), 'with check', pg_get_expr(p.polwithcheck, p.polrelid)) as parts
   from pg_policy p join pg_class c on c.oid = p.polrelid where c.relnamespace = $1::regnamespace`,
  // Types of its own (an enum, a domain); a table's row type is the table's.
  `select 'type ' || t.typname as key,
          jsonb_build_object('kind', t.typtype::text, 'base', format_type(t.typbasetype, t.typtypmod),
            'not null', t.typnotnull::text, 'default', t.typdefault) as parts
   from pg_type t where t.typnamespace = $1::regnamespace and t.typrelid = 0 and t.typelem = 0
     and not exists (select 1 from pg_type e where e.typarray = t.oid) and ${notOfExtension('pg_type', 't.oid')}`,
];

const escapedForRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every object of `schema`, read with the search path set to it alone, and its definitions with the schema's name
 * taken out where they qualify a name by it (pg_get_indexdef and pg_get_triggerdef always do).
 */
async function schemaOf(client: Client, schema: string): Promise<Map<string, SchemaEntry>> {
  await client.query("select set_config('search_path', quote_ident($1), false)", [schema]);
  const quoted = `"${schema.replace(/"/g, '""')}"`;
  const qualifier = new RegExp(`(^|[^A-Za-z0-9_$"])(?:${escapedForRegExp(quoted)}|${escapedForRegExp(schema)})\\.`, 'g');
  const unqualified = (value: string | null) => (value === null ? null : value.replace(qualifier, '$1'));
  const out = new Map<string, SchemaEntry>();
  for (const query of CATALOG_QUERIES) {
    const { rows } = await client.query<{ key: string; parts: Record<string, string | null> }>(query, [schema]);
    for (const row of rows) {
      const parts = Object.fromEntries(Object.entries(row.parts).map(([part, value]) => [part, unqualified(value)]));
      out.set(row.key, { key: row.key, parts });
    }
  }
  return out;
}

/** A name read from the database, as the message shows it: its control characters escaped (no terminal sequences). */
const shown = (name: string) => name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const listed = (names: string[]) => `${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;

/** The differences between the store's schema and the reference, worded for the message (the first few of each kind). */
export function schemaDifferences(store: Map<string, SchemaEntry>, reference: Map<string, SchemaEntry>, level: string): string[] {
  const extra: string[] = [];
  const changed: string[] = [];
  for (const [key, entry] of store) {
    const own = reference.get(key);
    if (own === undefined) {
      extra.push(shown(key));
      continue;
    }
    const parts = [...new Set([...Object.keys(entry.parts), ...Object.keys(own.parts)])].filter(
      (part) => (entry.parts[part] ?? null) !== (own.parts[part] ?? null),
    );
    if (parts.length > 0) changed.push(`${shown(key)} is not defined as Tessera's (its ${parts.join(', ')})`);
  }
  const missing = [...reference.keys()].filter((key) => !store.has(key));
  return [
    ...(extra.length > 0 ? [`it holds ${listed(extra)}, which Tessera's schema at ${level} does not have`] : []),
    ...changed.slice(0, 3),
    ...(changed.length > 3 ? [`${changed.length - 3} more object(s) are not defined as Tessera's`] : []),
    ...(missing.length > 0 ? [`it lacks ${listed(missing)}, which Tessera's schema at ${level} has`] : []),
  ];
}

/** The store's migration level: its migrations are a prefix of ours (an older store is migrated when a node starts). */
async function migrationLevel(client: Client, ours: readonly string[]): Promise<string> {
  const present = await client.query("select to_regclass('kysely_migration') is not null and to_regclass('meta') is not null as ok");
  if (!present.rows[0]?.ok) throw new CliError('That database is not a Tessera store (no tables meta and kysely_migration)', EXIT.USAGE);
  const applied = (await client.query<{ name: string }>('select name from kysely_migration order by name')).rows.map((r) => r.name);
  const unknown = applied.filter((name) => !ours.includes(name));
  if (unknown.length > 0) {
    throw new CliError(
      `The store was written by a newer Tessera (migration ${shown(unknown.at(-1)!)} is unknown to this one): check it with that version or later`,
      EXIT.USAGE,
    );
  }
  if (applied.length === 0 || applied.some((name, i) => ours[i] !== name)) {
    throw new CliError(
      `That database is not a Tessera store this version can run (migrations: ${shown(applied.join(', ') || 'none')})`,
      EXIT.USAGE,
    );
  }
  return applied.at(-1)!;
}

/** Migrates a new schema `scratch` of the database at `url` to `level`, on a connection of its own. */
async function migrateScratch(url: string, scratch: string, level: string): Promise<void> {
  const [{ Kysely, PostgresDialect, CompiledQuery }, { default: pg }, { migrateTo }] = await Promise.all([
    import('kysely'),
    import('pg'),
    import('../store/migrate.js'),
  ]);
  const db = new Kysely<any>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: url, max: 1, application_name: 'tessera-admin check-schema', connectionTimeoutMillis: 10_000 }),
      // The migrations name no schema: they create in the first one of the search path.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`set search_path to "${scratch}"`));
      },
    }),
  });
  try {
    await migrateTo(db, 'postgres', level, scratch);
  } finally {
    await db.destroy();
  }
}

/**
 * Refuses (exit 2) a PostgreSQL store whose schema (the one its connection uses) is not Tessera's at its migration
 * level, naming the first differences; returns that level otherwise. Reads only: nothing in the store is written.
 */
export async function refuseForeignPostgresSchema(client: Client, url: string): Promise<string> {
  const { MIGRATION_NAMES } = await import('../store/migrate.js');
  const level = await migrationLevel(client, MIGRATION_NAMES);
  const schema = (await client.query<{ schema: string | null }>('select current_schema() as schema')).rows[0]?.schema;
  if (!schema) throw new CliError('That database has no schema on its search path to check', EXIT.USAGE);
  // Random: never one of the store's, nor another check's running beside it.
  const scratch = `tessera_schema_check_${randomBytes(6).toString('hex')}`;
  let differences: string[];
  try {
    try {
      await client.query(`create schema "${scratch}"`);
    } catch (error) {
      throw new CliError(
        `Cannot create the scratch schema the check compares the store with (${(error as Error).message}): ` +
          "connect as a role with CREATE on the database (the database's owner has it)",
        EXIT.FAILED,
      );
    }
    await migrateScratch(url, scratch, level);
    const reference = await schemaOf(client, scratch);
    const store = await schemaOf(client, schema);
    differences = schemaDifferences(store, reference, level);
  } finally {
    await dropScratch(client, url, scratch);
    await client.query('reset search_path').catch(() => undefined);
  }
  if (differences.length > 0) {
    throw new CliError(
      `The PostgreSQL store (schema ${shown(schema)}) is not Tessera's schema at ${level}: ${differences.join('; ')}. ` +
        'A dump is the whole store, with its users, hashes, and a schema whose triggers, rules and policies run and whose ' +
        'defaults and indexes apply on every write: restore only dumps you made and kept where no one else could change ' +
        'them, and start no node on this one',
      EXIT.USAGE,
    );
  }
  return level;
}

/** Drops the scratch schema, on a new connection if the check's own was lost; says so if it cannot. */
async function dropScratch(client: Client, url: string, scratch: string): Promise<void> {
  const drop = `drop schema if exists "${scratch}" cascade`;
  try {
    await client.query(drop);
    return;
  } catch {
    // The connection may be gone (the error that ended the check): one more try on a new one.
  }
  const { default: pg } = await import('pg');
  const again = new pg.Client({ connectionString: url, application_name: 'tessera-admin check-schema', connectionTimeoutMillis: 10_000 });
  try {
    await again.connect();
    await again.query(drop);
  } catch (error) {
    process.stderr.write(`warning: could not drop the scratch schema ${scratch} (${(error as Error).message}): drop it by hand\n`);
  } finally {
    await again.end().catch(() => undefined);
  }
}
