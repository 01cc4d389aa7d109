/**
 * FIQL AST (src/domain/fiql.ts) → kysely where-expression, for any list endpoint that takes `filter=`.
 *
 * The caller describes which filter fields exist and what SQL each compares against; anything else is a
 * 400 BAD_REQUEST. Values are converted and checked here, before any SQL runs, so a bad value is a clear
 * error and never a database error:
 *
 *   const where = compileFiqlFilter(request.query.filter, {
 *     name: { column: 'api_tokens.name', type: 'string' },
 *     expiresAt: { column: 'api_tokens.expires_at', type: 'date', nullable: true },
 *     'owner.name': { column: 'users.name', type: 'string' },
 *   }, { likeOperator: store.likeOperator });
 *   db.selectFrom('api_tokens').innerJoin(...).where(where) ...
 *
 * Semantics (VCD's, vcd-wire §7 and §9.1):
 * - `==` is case-sensitive (but for a field with `equalityKeys`: a user name, matched as sign-in matches it); with a
 *   `*` wildcard it becomes a case-insensitive LIKE on both backends
 *   (`store.likeOperator`: ILIKE on PostgreSQL), with `%`, `_` and `\` in the literal parts escaped.
 * - `!=` on a nullable field also matches NULL (an absent IP address is "not 10.0.0.1").
 * - `=lt=` `=le=` `=gt=` `=ge=` compare numbers, dates and strings; booleans, enums and references only take `==`/`!=`.
 *   A NULL is no value: `lastUsedTimeUtc=lt=X` leaves out a token never used (it was not "used before X").
 * - `==null` / `!=null` (any case) on a nullable field that is not text (a date, a number, a reference...) is
 *   "has no value" / "has one": `expirationTimeUtc==null` lists the tokens that never expire, `lastUsedTimeUtc==null`
 *   those never used. On such a field `null` was no valid value before (a 400), so no filter changed meaning. A
 *   nullable text field keeps comparing with the text `null` (a VM may be named so); an ordering operator with
 *   `null` is a 400.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { parseFiql, FiqlSyntaxError, type FiqlComparison, type FiqlNode, type FiqlOperator } from '../domain/fiql.js';
import { badRequest, TesseraError } from '../domain/errors.js';
import { parseIsoDateTime } from '../domain/instant.js';

export type FiqlFieldType =
  /** Text, compared as is. */
  | 'string'
  /** A finite number. */
  | 'number'
  /** `true` / `false` (any case), stored as 1 / 0. */
  | 'boolean'
  /** An ISO 8601 date-time (or a bare date, midnight UTC), stored as epoch milliseconds. */
  | 'date'
  /** One of `values`, compared case-sensitively as stored (unless `looseValues`). */
  | 'enum'
  /** An entity reference given as an href, a URN or a bare UUID; compared by the UUID it ends with. */
  | 'ref';

export interface FiqlField {
  /** The SQL the field compares against: a column reference such as `'vms.name'`, or any expression. */
  readonly column: string | Expression<unknown>;
  readonly type: FiqlFieldType;
  /** For `enum`: the accepted values. */
  readonly values?: readonly string[];
  /**
   * For `enum`: a value also matches ignoring case and underscores, and compares as its canonical spelling. Task
   * statuses: VCD takes its wire spelling (`preRunning`, what pyvcloud's Task.list_tasks sends) and its enum
   * constant's (`PRE_RUNNING`, what `vcd task list PRE_RUNNING RUNNING` sends).
   */
  readonly looseValues?: boolean;
  /** The column may be NULL: `!=` then matches NULL rows too. */
  readonly nullable?: boolean;
  /**
   * For `ref`: what the column holds for the entity with this (lowercase) id, when the column holds something other
   * than the id itself (a key an id is derived from). Compared as given otherwise.
   */
  readonly refKey?: (id: string) => string;
  /**
   * For `string`: `==` and `!=` without a wildcard compare `column` (a folded copy of the field) with these keys of
   * the value instead of the field with the value: a user name, matched as the store looks one up (Store.getUserByName:
   * any case, any Unicode form), so that `owner.name==Bob` finds bob's tokens as the portal's Owner field and the
   * sign-in do. Ordering operators and wildcards compare the field itself.
   */
  readonly equalityKeys?: { readonly column: string; readonly keys: (value: string) => readonly string[] };
}

export type FiqlFieldMap = Readonly<Record<string, FiqlField>>;

export interface FiqlCompileOptions {
  /** `store.likeOperator`: `ilike` on PostgreSQL, `like` on SQLite (already case-insensitive for ASCII). */
  readonly likeOperator: 'like' | 'ilike';
}

/** A where-callback for any kysely query: `.where(compiled)`. */
export type FiqlWhere = (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>;

/**
 * Parses (when given text) and compiles a filter. Throws a BAD_REQUEST TesseraError for a syntax error
 * (message `Cannot parse the supplied filter: ...`), an unknown field, or a value of the wrong type.
 */
export function compileFiqlFilter(filter: string | FiqlNode, fields: FiqlFieldMap, options: FiqlCompileOptions): FiqlWhere {
  const ast = typeof filter === 'string' ? parseFiqlOrBadRequest(filter) : filter;
  const plan = planNode(ast, fields);
  return (eb) => buildNode(eb, plan, options);
}

/** parseFiql with its syntax error turned into the API's 400 BAD_REQUEST. */
export function parseFiqlOrBadRequest(filter: string): FiqlNode {
  try {
    return parseFiql(filter);
  } catch (err) {
    if (err instanceof FiqlSyntaxError) throw badRequest(err.message);
    throw err;
  }
}

// ------------------------------------------------------------------ planning: validate and convert values

type SqlValue = string | number;

/** The largest epoch-milliseconds value a JavaScript Date holds. */
const MAX_DATE_MS = 8.64e15;

type Plan =
  | { kind: 'and' | 'or'; children: Plan[] }
  | {
      kind: 'compare';
      column: FiqlField['column'];
      operator: '=' | '<>' | '<' | '<=' | '>' | '>=';
      value: SqlValue;
      nullable: boolean;
      /** A `number` field: compared as NUMERIC (see buildNode). */
      numeric: boolean;
    }
  | { kind: 'like'; column: FiqlField['column']; negated: boolean; pattern: string; nullable: boolean }
  | { kind: 'in'; column: string; negated: boolean; values: readonly string[]; nullable: boolean }
  | { kind: 'null'; column: FiqlField['column']; negated: boolean };

const SQL_OPERATOR: Record<FiqlOperator, '=' | '<>' | '<' | '<=' | '>' | '>='> = {
  '==': '=',
  '!=': '<>',
  '=lt=': '<',
  '=le=': '<=',
  '=gt=': '>',
  '=ge=': '>=',
};

const UUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

function planNode(node: FiqlNode, fields: FiqlFieldMap): Plan {
  if (node.kind !== 'comparison') return { kind: node.kind, children: node.children.map((c) => planNode(c, fields)) };
  const field = Object.hasOwn(fields, node.selector) ? fields[node.selector] : undefined;
  if (!field) {
    const known = Object.keys(fields).sort().join(', ');
    throw badRequest(`Cannot parse the supplied filter: unknown field "${node.selector}"; filterable fields are: ${known}`);
  }
  return planComparison(node, field);
}

function invalid(node: FiqlComparison, why: string): TesseraError {
  return badRequest(`Cannot parse the supplied filter: ${node.selector}${node.operator}${node.value}: ${why}`);
}

function planComparison(node: FiqlComparison, field: FiqlField): Plan {
  // PostgreSQL text cannot hold U+0000: the driver's error was a 500. Refused on both backends alike.
  if (node.value.includes('\u0000')) throw invalid(node, 'the value contains a NUL character');
  const nullable = field.nullable === true;
  const equality = node.operator === '==' || node.operator === '!=';
  if (node.wildcard) {
    if (field.type !== 'string') throw invalid(node, `wildcards apply to text fields only`);
    if (!equality) throw invalid(node, `wildcards work with == and != only`);
    return { kind: 'like', column: field.column, negated: node.operator === '!=', pattern: likePattern(node.wildcard), nullable };
  }
  // `==null` / `!=null`: absent or present, on a nullable field whose values can never be the text "null".
  if (nullable && field.type !== 'string' && node.value.toLowerCase() === 'null') {
    if (!equality) throw invalid(node, 'null takes == or != only');
    return { kind: 'null', column: field.column, negated: node.operator === '!=' };
  }
  if (equality && field.type === 'string' && field.equalityKeys) {
    const values = [...new Set(field.equalityKeys.keys(node.value))];
    return { kind: 'in', column: field.equalityKeys.column, negated: node.operator === '!=', values, nullable };
  }
  if (!equality && (field.type === 'boolean' || field.type === 'enum' || field.type === 'ref')) {
    throw invalid(node, `a ${field.type === 'ref' ? 'reference' : field.type} field takes == or != only`);
  }
  return {
    kind: 'compare',
    column: field.column,
    operator: SQL_OPERATOR[node.operator],
    value: convertValue(node, field),
    nullable,
    numeric: field.type === 'number',
  };
}

function convertValue(node: FiqlComparison, field: FiqlField): SqlValue {
  const raw = node.value;
  switch (field.type) {
    case 'string':
      return raw;
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n)) throw invalid(node, 'not a number');
      return n;
    }
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalid(node, 'expected true or false');
      return lower === 'true' ? 1 : 0;
    }
    case 'date': {
      // ISO 8601 (a bare date is midnight UTC, a date-time without a zone local time, as Date.parse read them), but
      // only a moment that exists: Date.parse rolled 2027-02-30 over to March 2 and accepted T24:00. ISO 8601 only,
      // on every list (cloudapi and /api/query alike): until 2026-12-07 a string of digits was read as epoch
      // milliseconds, so `createdTimeUtc=gt=1` was a filter where the same API insists on ISO 8601 everywhere else
      // (expirationTimeUtc in a body, the answers' dates); no client we know (govcd, pyvcloud, vcd-cli, Terraform,
      // the CLI's own shorthands) sends anything but ISO 8601.
      const ms = parseIsoDateTime(raw, { bareDate: true, zoneRequired: false }) ?? NaN;
      // Within JavaScript's date range (±8.64e15 ms): beyond it the value overflowed PostgreSQL's bigint (a 500).
      if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) throw invalid(node, 'not an ISO 8601 date-time');
      return ms;
    }
    case 'enum': {
      const value = field.values?.includes(raw)
        ? raw
        : field.looseValues
          ? field.values?.find((v) => looseEnum(v) === looseEnum(raw))
          : undefined;
      if (value === undefined) throw invalid(node, `expected one of ${(field.values ?? []).join(', ')}`);
      return value;
    }
    case 'ref': {
      const match = UUID_AT_END.exec(raw);
      if (!match) throw invalid(node, 'expected an href, a URN or an id');
      const id = match[1]!.toLowerCase();
      return field.refKey ? field.refKey(id) : id;
    }
  }
}

const looseEnum = (value: string) => value.replace(/_/g, '').toLowerCase();

/** Literal pieces joined by `%`, with LIKE's own metacharacters escaped by `\` (see the ESCAPE clause). */
export function likePattern(pieces: readonly string[]): string {
  return pieces.map((p) => p.replace(/[\\%_]/g, '\\$&')).join('%');
}

// ------------------------------------------------------------------ building the kysely expression

/** A character beyond ASCII: SQLite's LIKE leaves its case alone (`Ä`, `Σ`, `ǅ`). */
const BEYOND_ASCII = /[^\u0000-\u007f]/u;

function columnExpression(column: FiqlField['column']): Expression<unknown> {
  return typeof column === 'string' ? sql.ref(column) : column;
}

function buildNode(eb: ExpressionBuilder<any, any>, plan: Plan, options: FiqlCompileOptions): Expression<SqlBool> {
  switch (plan.kind) {
    case 'and':
      return eb.and(plan.children.map((c) => buildNode(eb, c, options)));
    case 'or':
      return eb.or(plan.children.map((c) => buildNode(eb, c, options)));
    case 'compare': {
      const column = columnExpression(plan.column);
      // A number is compared as NUMERIC: PostgreSQL types the parameter after the column, so `1.5` or `1e300`
      // against an integer column was a database error (a 500) instead of a comparison.
      const value = typeof plan.value === 'number' && plan.numeric ? sql`cast(${plan.value} as numeric)` : plan.value;
      const comparison = eb(column as Expression<any>, plan.operator, value);
      // SQL's `x <> v` is unknown for NULL x; FIQL's != means "anything but v", which includes "absent".
      return plan.operator === '<>' && plan.nullable ? eb.or([comparison, eb(column as Expression<any>, 'is', null)]) : comparison;
    }
    case 'null':
      return eb(columnExpression(plan.column) as Expression<any>, plan.negated ? 'is not' : 'is', null);
    case 'in': {
      const column = sql.ref(plan.column) as Expression<any>;
      const comparison = eb(column, plan.negated ? 'not in' : 'in', plan.values);
      return plan.negated && plan.nullable ? eb.or([comparison, eb(column, 'is', null)]) : comparison;
    }
    case 'like': {
      let column = columnExpression(plan.column);
      let pattern = plan.pattern;
      // SQLite's LIKE folds A-Z only: `name==äpfel*` missed `Äpfel-CI` there and found it on PostgreSQL (ILIKE folds
      // every letter), until 2026-12-06. A pattern with a letter beyond ASCII compares both sides in lower case as
      // JavaScript makes it (tessera_lower, store/sqlite.ts); an ASCII pattern keeps the plain LIKE.
      if (options.likeOperator === 'like' && BEYOND_ASCII.test(pattern)) {
        column = sql`tessera_lower(${column})`;
        pattern = pattern.toLowerCase();
      }
      const operator = sql.raw(`${plan.negated ? 'not ' : ''}${options.likeOperator}`);
      const like = sql<SqlBool>`${column} ${operator} ${pattern} escape '\\'`;
      return plan.negated && plan.nullable ? eb.or([like, eb(column as Expression<any>, 'is', null)]) : like;
    }
  }
}
