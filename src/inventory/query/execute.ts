/**
 * Runs a typed query as indexed SQL: an exact COUNT(*) and one page (ORDER BY <sort>, id LIMIT n), nothing
 * loaded beyond the page. Tenant isolation is the `org_id = ?` condition in every statement (scope.ts), and
 * everything the caller sent is validated before any SQL runs.
 *
 * What keeps a 100,000-row org as fast as a 1,000-row one (the issue's goal), all exact:
 * - the count is cached per data version (cache.ts), so the full COUNT runs once per change, not per request;
 * - deep pages seek: the sort key of every ANCHOR_EVERY-th row is cached per version, and page N starts with
 *   `(sort, id) > (anchor)` and an OFFSET below ANCHOR_EVERY, instead of OFFSET (N-1)*pageSize. Anchors are
 *   built only as far as a request needs, in index-only scans that continue from the last anchor, so after a
 *   write the first deep page costs what a plain OFFSET would, and the next ones are seeks again;
 * - skipped rows are skipped in the index only, and joins run for the page's rows only (a "deferred join": ids
 *   first, then the page's rows and joins), on every page including the first;
 * - count, anchors and page are read in one snapshot (a read transaction; REPEATABLE READ on PostgreSQL),
 *   together with the version they are cached under.
 */
import { sql, type Expression, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Executor, Store } from '../../store/store.js';
import { compileFiqlFilter, parseFiqlOrBadRequest, type FiqlField, type FiqlFieldMap, type FiqlWhere } from '../../store/fiql-sql.js';
import { fiqlSelectors, formatFiql, type FiqlNode } from '../../domain/fiql.js';
import { badRequest, TesseraError } from '../../domain/errors.js';
import { FairSlots } from '../../domain/fair-slots.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { InventoryScope } from '../scope.js';
import { readInventoryVersion } from '../version.js';
import type { QueryField, QueryTypeDefinition, Row, ValuesCell, ValuesRows } from './catalogue.js';
import type { QuerySort } from './params.js';
import { pageOffset } from './paging.js';
import { queryCaches, type Anchor } from './cache.js';
import { caseInsensitivePrefixRanges, requiredPrefix } from './prefix-seek.js';
import { displayedSelector, planMetadataFilters } from './metadata-filter.js';

/** Distance between cached keyset anchors: a deep page skips fewer than this many index entries. */
export const ANCHOR_EVERY = 256;
/** Anchors are added at least this many at a time, so paging forward one page at a time rarely scans. */
const ANCHOR_BATCH = 8;

export interface QueryRequest {
  readonly type: QueryTypeDefinition;
  readonly scope: InventoryScope;
  /** Extra fixed restrictions, e.g. the org of `/api/org/{id}/vdcs/query`: column = value. */
  readonly restrictions?: ReadonlyArray<{ readonly column: string; readonly value: string }>;
  readonly filter: string | null;
  readonly sort: QuerySort | null;
  readonly page: number;
  readonly pageSize: number;
}

/** For each field with a derivedRef that the filter names: what an id stands for in its column (loadDerivedRefs). */
export type DerivedRefKeys = ReadonlyMap<string, (id: string) => string | undefined>;

/**
 * A key no row holds: what a filter's id that names nothing in the caller's scope compares against, so `==` matches
 * no row and `!=` every row, as for any unknown id.
 */
const NO_SUCH_KEY = '';

/** Loads the derivedRef lookups of the fields a filter names (none when it names none). */
export async function loadDerivedRefs(store: Store, request: QueryRequest): Promise<DerivedRefKeys> {
  const keys = new Map<string, (id: string) => string | undefined>();
  const fields = request.type.table.fields;
  if (request.filter === null || !Object.values(fields).some((f) => f.derivedRef)) return keys;
  for (const name of new Set(fiqlSelectors(parseFiqlOrBadRequest(request.filter)))) {
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (field?.derivedRef) keys.set(name, await field.derivedRef(store, request.scope));
  }
  return keys;
}

export interface QueryResult {
  /** Exact number of matching rows over all pages. */
  readonly total: number;
  /** The requested page (empty beyond the last page), each row keyed by field name plus `id`. */
  readonly rows: Row[];
  /** The inventory version the result is exact for. */
  readonly version: number;
}

const DEFAULT_SORT_FIELD = 'name';

type AnyDb = Kysely<any>;
type AnySelect = SelectQueryBuilder<any, any, any>;

/** A validated query: its cache keys and the statements that run it. Building one throws 400 for bad input. */
export interface QueryPlan {
  /** Identifies the matching rows (scope, type, restrictions, filter): the count's cache key. */
  readonly rowsKey: string;
  /** rowsKey plus the sort: the anchors' cache key. */
  readonly orderKey: string;
  /** Whether keyset anchors apply (the sort column has no NULLs to break row-value comparisons). */
  readonly seekable: boolean;
  count(ex: Executor): Promise<number>;
  /** The counting statement (exposed for plan tests, like `pageIds`). */
  countQuery(ex: Executor): SelectQueryBuilder<any, any, { n: number }>;
  /** The next `count` anchors after `from` (or from the first row): fewer when the rows run out. */
  anchors(ex: Executor, from: Anchor | null, count: number): Promise<Anchor[]>;
  /**
   * The statement that picks a page's ids (what `page` joins): exposed so that tests can check its plan walks an
   * index in page order (test/inventory/query/sort-plans.test.ts).
   */
  pageIds(ex: Executor, start: Anchor | null, skip: number): SelectQueryBuilder<any, any, { id: unknown }>;
  /** `pageSize` rows after `start` (or from the beginning), skipping `skip` of them first. */
  page(ex: Executor, start: Anchor | null, skip: number): Promise<Row[]>;
}

/**
 * `valueRows`: the rows of the type's VALUES table (QueryTable.values), read by the caller; required for such a type,
 * which executeQuery plans once without them (`[]`) to validate before any SQL, then again in its snapshot.
 */
export function planQuery(store: Store, request: QueryRequest, derivedRefs: DerivedRefKeys = new Map(), valueRows?: ValuesRows): QueryPlan {
  const table = request.type.table;

  const parsed = request.filter === null ? null : parseFiqlOrBadRequest(request.filter);
  // Metadata comparisons become fields of their own (metadata-filter.ts); `parsed` stays the cache keys' filter.
  const metadata = parsed ? planMetadataFilters(parsed, request.type, request.scope, store.dialect) : null;
  const ast = metadata?.ast ?? null;
  const fields = metadata && Object.keys(metadata.fields).length > 0 ? { ...table.fields, ...metadata.fields } : table.fields;
  if (ast) boundFilterCost(ast, fields);
  const where: FiqlWhere | null = ast
    ? compileFiqlFilter(ast, filterFields(fields, ast, derivedRefs), { likeOperator: store.likeOperator })
    : null;

  const sortName = request.sort?.field ?? DEFAULT_SORT_FIELD;
  const sortField = Object.hasOwn(table.fields, sortName) ? table.fields[sortName] : undefined;
  if (!sortField) {
    const which = request.sort?.direction === 'desc' ? 'sortDesc' : 'sortAsc';
    throw badRequest(
      `${which}: "${sortName}" is not a field of type ${request.type.name}; sortable fields are: ${Object.keys(table.fields).sort().join(', ')}`,
    );
  }
  const direction = request.sort?.direction ?? 'asc';
  const idColumn = sql.ref(table.idColumn);
  const sortColumn = sortField.sameOnEveryRow ? idColumn : columnOf(sortField);

  // The type's table: the store's, or the rows the type declares, as a VALUES table of that name (QueryTable.values).
  if (table.values && valueRows === undefined) throw new Error(`planQuery: type ${request.type.name} needs its VALUES rows`);
  const valuesTable = table.values && valuesSql(valueRows!, table.values.emptyRow);
  const fromTable = (ex: Executor): AnySelect =>
    valuesTable
      ? (ex as AnyDb).with(`${table.table}(${table.values!.columns.join(', ')})`, () => valuesTable as never).selectFrom(table.table)
      : (ex as AnyDb).selectFrom(table.table);

  // Statements that only decide which rows match take just the joins the filter and sort need.
  const matchJoins = joinsOf([...(ast ? fiqlSelectors(ast).map((s) => fields[s]!) : []), sortField]);
  const allJoins = new Set(Object.keys(table.joins));

  const matching = (ex: Executor, joins: ReadonlySet<string>) => {
    let qb = fromTable(ex);
    for (const join of joins) qb = table.joins[join]!(qb);
    if (request.scope.kind === 'org' && table.orgColumn !== null) qb = qb.where(sql.ref(table.orgColumn), '=', request.scope.orgId);
    for (const r of request.restrictions ?? []) qb = qb.where(sql.ref(r.column), '=', r.value);
    if (table.baseWhere) qb = qb.where(table.baseWhere as Expression<SqlBool>);
    if (where) qb = qb.where(where);
    return qb;
  };
  // Empty values of a nullable sort field sort after every value ascending and before them descending on both
  // backends: PostgreSQL's own order (the database VCD runs on), which SQLite sorts the other way unless told. Both
  // still walk the sort index (SQLite reads its NULLs as a second range of it).
  const sortKey = sortField.nullable ? sql`${sortColumn} ${sql.raw(direction === 'asc' ? 'asc nulls last' : 'desc nulls first')}` : null;
  const ordered = <T extends { orderBy: (...args: any[]) => T }>(qb: T): T =>
    (sortKey ? qb.orderBy(sortKey) : qb.orderBy(sortColumn, direction)).orderBy(idColumn, direction);
  const after = (start: Anchor) =>
    sql<SqlBool>`(${sortColumn}, ${idColumn}) ${sql.raw(direction === 'asc' ? '>' : '<')} (${start.key}, ${start.id})`;

  // A case-insensitive prefix on the sort column (`name==db-0*`, sorted by name) is sought as a few ranges of the
  // sort index, merged in page order (prefix-seek.ts); otherwise the page walked the scope's index from its start.
  const prefix = store.bytewiseTextOrder && sortField.prefixSeek ? requiredPrefix(ast, sortName) : null;
  const seekRanges = prefix === null ? [] : caseInsensitivePrefixRanges(prefix, { unicodeLowercase: store.dialect === 'postgres' });
  /** One statement per range, UNION ALL: `arm` adds the columns and conditions each needs. */
  const perRange = (ex: Executor, joins: ReadonlySet<string>, arm: (qb: AnySelect, index: number) => AnySelect) => {
    const arms = seekRanges.map(({ lo, hi }, index) =>
      arm(
        matching(ex, joins)
          .where(sortColumn as Expression<any>, '>=', lo)
          .where(sortColumn as Expression<any>, '<', hi),
        index,
      ),
    );
    return arms.slice(1).reduce((merged, next) => merged.unionAll(next), arms[0]!);
  };
  /** The matching rows' sort keys (`k`) and ids after `start`, in page order, at most `limit` after skipping `skip`. */
  const keysInOrder = (ex: Executor, start: Anchor | null, limit: number, skip: number): AnySelect => {
    const keysOf = (qb: AnySelect) => {
      const keys = qb.select([sortColumn.as('k'), idColumn.as('id')]);
      return start ? keys.where(after(start)) : keys;
    };
    const limited =
      seekRanges.length > 0
        ? // Each range in page order and cut at what the page can need, then merged: PostgreSQL 15 neither pushes
          // the outer ORDER BY ... LIMIT into a UNION ALL's arms nor merges them (it read and sorted all 25,000
          // `db-0` rows: 287x a cached page); limited arms are index walks of a few rows on both databases.
          perRange(ex, matchJoins, (qb, index) =>
            (ex as AnyDb)
              .selectFrom(
                ordered(keysOf(qb))
                  .limit(limit + skip)
                  .as(`range_${index}`),
              )
              .selectAll(),
          )
            .orderBy('k', direction)
            .orderBy('id', direction)
            .limit(limit)
        : ordered(keysOf(matching(ex, matchJoins))).limit(limit);
    return skip > 0 ? limited.offset(skip) : limited;
  };

  const filterJoins = joinsOf(ast ? fiqlSelectors(ast).map((s) => fields[s]!) : []);
  const countQuery = (ex: Executor) => {
    if (seekRanges.length === 0) return matching(ex, filterJoins).select(sql<number>`count(*)`.as('n'));
    // The ranges are disjoint: the count is the sum of theirs.
    const counts = perRange(ex, filterJoins, (qb) => qb.select(sql<number>`count(*)`.as('n')));
    return (ex as AnyDb).selectFrom(counts.as('per_range')).select(sql<number>`sum(per_range.n)`.as('n'));
  };
  const pageIds = (ex: Executor, start: Anchor | null, skip: number) => {
    if (seekRanges.length > 0) {
      return (ex as AnyDb).selectFrom(keysInOrder(ex, start, request.pageSize, skip).as('seek')).select('seek.id as id');
    }
    let ids = matching(ex, matchJoins).select(idColumn.as('id'));
    if (start) ids = ids.where(after(start));
    ids = ordered(ids).limit(request.pageSize);
    return skip > 0 ? ids.offset(skip) : ids;
  };

  const scopeKey = request.scope.kind === 'all' ? '*' : request.scope.orgId;
  // The type, not just its table: several types are rows of one table told apart by `baseWhere` (vApps, templates
  // and catalogs are all rows of `vapps`), and their counts and anchors must not be taken for one another.
  const rowsKey = JSON.stringify([scopeKey, request.type.name, request.restrictions ?? [], parsed ? formatFiql(parsed) : null]);

  return {
    rowsKey,
    orderKey: JSON.stringify([rowsKey, sortName, direction]),
    seekable: sortField.nullable !== true,

    countQuery,

    async count(ex) {
      const row = await countQuery(ex).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async anchors(ex, from, count) {
      // The next count * ANCHOR_EVERY keys from the index (LIMIT first, so the scan stops there), numbered,
      // keeping every ANCHOR_EVERY-th.
      const limited = keysInOrder(ex, from, count * ANCHOR_EVERY, 0);
      const dir = sql.raw(direction);
      const numbered = (ex as AnyDb)
        .selectFrom(limited.as('limited'))
        .select(['limited.k', 'limited.id', sql<number>`row_number() over (order by limited.k ${dir}, limited.id ${dir})`.as('rn')]);
      const rows = await (ex as AnyDb)
        .selectFrom(numbered.as('numbered'))
        .select(['numbered.k', 'numbered.id'])
        .where(sql<SqlBool>`numbered.rn % ${ANCHOR_EVERY} = 0`)
        .orderBy('numbered.rn')
        .execute();
      return rows.map((r) => ({ key: r.k as string | number, id: r.id as string }));
    },

    pageIds,

    async page(ex, start, skip) {
      const columns = Object.entries(table.fields)
        .filter(([, f]) => f.constant === undefined && !f.filterOnly)
        .map(([name, f]) => columnOf(f).as(name));
      // Every page, the first included, is a "deferred join": the page's ids first, with only the joins the filter
      // and sort need (an index-only walk when an index is in page order, else one sort of bare rows), then just
      // those rows are read and joined. Joining first would run every join for every matching row before the
      // sort whenever no index serves it (a first page sorted by description joined all 100,000 VMs).
      const ids = pageIds(ex, start, skip);
      let rows = ordered(fromTable(ex));
      for (const join of allJoins) rows = table.joins[join]!(rows);
      rows = rows.where(idColumn, 'in', ids);
      return (await rows.select([...columns, idColumn.as('id')]).execute()) as Row[];
    },
  };
}

/**
 * Count and page, consistent with each other and with the returned version; cached counts and anchors reused.
 * `enrich` runs in the same snapshot after the page is read (e.g. to fetch the page's metadata).
 */
export async function executeQuery(
  store: Store,
  request: QueryRequest,
  enrich?: (ex: Executor, rows: readonly Row[]) => Promise<void>,
): Promise<QueryResult> {
  const derivedRefs = await loadDerivedRefs(store, request);
  const values = request.type.table.values;
  // Planned (and so validated: a bad filter or sort is its 400) before any SQL; a type with a VALUES table is planned
  // again in the snapshot, with the rows read there, so they are exactly those of the version read with them.
  let plan = planQuery(store, request, derivedRefs, values ? [] : undefined);
  const caches = queryCaches(store);
  const tenant = request.scope.kind === 'all' ? '*' : request.scope.orgId;
  return querySlots(store).run(
    tenant,
    // A turn of the event loop first: better-sqlite3's statements are synchronous, so awaiting them yields to
    // microtasks only, and a slot handed over (a promise resolved) started the next query with no I/O between them.
    async () => {
      await nextTurn();
      return readSnapshot(store, async (ex) => {
        if (values) plan = planQuery(store, request, derivedRefs, await values.rows(request.scope, ex));
        const version = await readInventoryVersion(ex);
        let total = caches.counts.get(plan.rowsKey, version);
        if (total === undefined) {
          total = await plan.count(ex);
          caches.counts.set(plan.rowsKey, version, total);
        }
        const offset = pageOffset(request.page, request.pageSize);
        if (offset >= total) return { total, rows: [], version };

        let start: Anchor | null = null;
        let skip = offset;
        const needed = Math.floor(offset / ANCHOR_EVERY);
        if (needed > 0 && plan.seekable) {
          let anchors = caches.anchors.get(plan.orderKey, version) ?? [];
          if (anchors.length < needed) {
            const more = await plan.anchors(ex, anchors.at(-1) ?? null, Math.max(needed - anchors.length, ANCHOR_BATCH));
            anchors = [...anchors, ...more];
            caches.anchors.set(plan.orderKey, version, anchors);
          }
          const block = Math.min(needed, anchors.length);
          if (block > 0) {
            start = anchors[block - 1]!;
            skip = offset - block * ANCHOR_EVERY;
          }
        }
        const rows = await plan.page(ex, start, skip);
        if (enrich && rows.length > 0) await enrich(ex, rows);
        return { total, rows, version };
      });
    },
    busy,
  );
}

/** How many of one organization's queries may wait for a slot (Terraform's default parallelism is 10). */
export const QUERY_WAITING_PER_ORG = 64;
/** How many organizations may have a query waiting at once. */
const QUERY_ORGS_WAITING = 1024;

const SLOTS = new WeakMap<Store, FairSlots>();

/**
 * The queries that run at once against a store, shared fairly between organizations (domain/fair-slots.ts): while
 * the slots are taken each organization waits in a line of its own, and a freed slot goes to the next organization
 * in turn. Until 2026-12-06 every uncached query started at once: on SQLite its statements run on the event loop
 * (better-sqlite3), so one vApp Author sending 8 filtered queries at a time (about 50 ms of CPU each at 20,000 VMs)
 * held every other tenant's requests, a GET /api/session included, for 0.7-1.2 s each, and the other tenants'
 * queries queued behind all of theirs. Now another tenant's query waits for at most one query per organization
 * ahead of it in turn, and a cheap request for at most one statement. SQLite runs one query at a time (its
 * statements are synchronous: more at once only interleave); PostgreSQL half its pool, so the exchange and the
 * bearer checks keep connections of their own.
 */
export function querySlots(store: Store): FairSlots {
  let slots = SLOTS.get(store);
  if (slots === undefined) {
    const pool = store.poolStats?.().max ?? 1;
    slots = new FairSlots({
      slots: store.dialect === 'postgres' ? Math.max(2, Math.floor(pool / 2)) : 1,
      perClientWaiting: QUERY_WAITING_PER_ORG,
      maxClientsWaiting: QUERY_ORGS_WAITING,
    });
    SLOTS.set(store, slots);
  }
  return slots;
}

const busy = () =>
  new TesseraError(
    'SERVICE_UNAVAILABLE',
    `Too many queries of this organization are in progress (at most ${QUERY_WAITING_PER_ORG} wait); retry shortly`,
    { headers: { 'Retry-After': '1' } },
  );

/**
 * Runs reads in one snapshot: a read-only transaction, REPEATABLE READ on PostgreSQL, and on SQLite a deferred
 * read transaction on the reader connection (WAL), so a page is not held up by a write in progress.
 */
function readSnapshot<T>(store: Store, fn: (ex: Executor) => Promise<T>): Promise<T> {
  const transaction = store.db.transaction().setAccessMode('read only');
  return (store.dialect === 'postgres' ? transaction.setIsolationLevel('repeatable read') : transaction).execute(fn);
}

/**
 * `(values (...), (...))` for QueryTable.values. Literals for the data of the code and the ids and numbers Tessera
 * derives (never a client's input), rather than parameters: a VALUES table of a few hundred rows would otherwise need
 * as many bound parameters in every statement. Text from the store (`{ bound }`) is a parameter. No rows: the
 * type's empty row under `where 1 = 0`, which both databases type like the rows it stands for.
 */
function valuesSql(rows: ValuesRows, emptyRow: ReadonlyArray<ValuesCell>) {
  const cell = (v: ValuesCell) => (typeof v === 'object' ? sql`${v.bound}` : sql.lit(v));
  const row = (cells: ReadonlyArray<ValuesCell>) => sql.join(cells.map(cell));
  if (rows.length === 0) return sql`(select ${row(emptyRow)} where 1 = 0)`;
  return sql`(values ${sql.join(rows.map((r) => sql`(${row(r)})`))})`;
}

/** The fields as the filter compiles them: each derivedRef field the filter names compares by its lookup's key. */
function filterFields(fields: QueryTypeDefinition['table']['fields'], ast: FiqlNode, derivedRefs: DerivedRefKeys): FiqlFieldMap {
  let compiled: Record<string, FiqlField> | null = null;
  for (const name of fiqlSelectors(ast)) {
    const field = Object.hasOwn(fields, name) ? fields[name]! : undefined;
    if (!field?.derivedRef) continue;
    const lookup = derivedRefs.get(name);
    // A programming error, not a client's: the caller planned without loadDerivedRefs.
    if (!lookup) throw new Error(`planQuery: the filter names "${name}", whose lookup was not loaded`);
    compiled ??= { ...fields };
    compiled[name] = { ...field, refKey: (id) => lookup(id) ?? NO_SUCH_KEY };
  }
  return compiled ?? fields;
}

/** Comparisons one filter may hold (VCD's clients send one to four; a `,` list of names a few dozen). */
export const MAX_FILTER_COMPARISONS = 32;
/** Comparisons on fields computed per row by a subquery or an expression (a vApp's CPUs, a VDC's VM count). */
export const MAX_COMPUTED_COMPARISONS = 4;

/**
 * On SQLite a query's statements run synchronously (better-sqlite3), and no statement can be cut short there: a
 * filter that cost seconds (98 comparisons of a vApp's summed memory, each a subquery per vApp and per
 * statement: 8-12 s at 100,000 VMs) held every other request of the server for as long. So a filter's size is
 * bounded by what it costs, with a 400 that says so: every comparison is an index probe or a scan step per row, and a
 * computed field a subquery per row. The bounds keep the worst filter within a few hundred milliseconds at 100,000
 * VMs (docs/performance.md, §4) and leave every filter a real client sends (Terraform, govcd, pyvcloud) untouched.
 */
function boundFilterCost(ast: FiqlNode, fields: QueryTypeDefinition['table']['fields']): void {
  const selectors = fiqlSelectors(ast);
  if (selectors.length > MAX_FILTER_COMPARISONS) {
    throw badRequest(`The filter has ${selectors.length} comparisons; at most ${MAX_FILTER_COMPARISONS} are accepted`);
  }
  const computed = selectors.filter(
    (name) => Object.hasOwn(fields, name) && typeof fields[name]!.column !== 'string' && fields[name]!.constant === undefined,
  );
  if (computed.length > MAX_COMPUTED_COMPARISONS) {
    throw badRequest(
      `The filter compares computed fields (${[...new Set(computed.map(displayedSelector))].join(', ')}) ${computed.length} times; at most ${MAX_COMPUTED_COMPARISONS} are accepted`,
    );
  }
}

function columnOf(field: QueryField) {
  return typeof field.column === 'string' ? sql.ref(field.column) : field.column;
}

function joinsOf(fields: readonly QueryField[]): Set<string> {
  return new Set(fields.flatMap((f) => f.joins ?? []));
}
