/**
 * `filter`, `sortAsc`/`sortDesc`, `page` and `pageSize` for cloudapi lists that are built in memory (users,
 * groups, roles, rights, bundles: small per org). Same FIQL and the same answers as the SQL-backed lists
 * (store/fiql-sql.ts): `==` exact, `*` wildcards case-insensitive, an unknown field or sort key is 400.
 * Terraform's `data "vcd_role"` filters `name==...` and expects one row back, so a filter is never ignored.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FiqlComparison, FiqlNode } from '../../domain/fiql.js';
import { parseFiqlOrBadRequest } from '../../store/fiql-sql.js';
import { badRequest } from '../../domain/errors.js';
import { wildcardMatches } from '../../domain/wildcard-match.js';
import { pagedEnvelope, parsePageRequest, setPagingLinks } from './paging.js';
import type { CloudApiPage } from '../../schemas/wire.js';

/** A filterable, sortable field: how to read it from a row, and its kind. */
export interface ListField<T> {
  read: (row: T) => string | number | boolean | null | undefined;
  type?: 'string' | 'boolean' | 'ref';
}
export type ListFields<T> = Readonly<Record<string, ListField<T>>>;

const UUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

function field<T>(fields: ListFields<T>, name: string, what: string): ListField<T> {
  if (!Object.hasOwn(fields, name)) {
    throw badRequest(`${what} "${name.slice(0, 100)}" is not supported here; use one of: ${Object.keys(fields).sort().join(', ')}`);
  }
  return fields[name]!;
}

function comparisonMatcher<T>(node: FiqlComparison, fields: ListFields<T>): (row: T) => boolean {
  const f = field(fields, node.selector, 'Cannot parse the supplied filter: field');
  const negate = node.operator === '!=';
  if (node.operator !== '==' && node.operator !== '!=') {
    if (f.type === 'boolean' || f.type === 'ref')
      throw badRequest(`Cannot parse the supplied filter: ${node.selector} takes == or != only`);
    const sign = { '=lt=': [-1], '=le=': [-1, 0], '=gt=': [1], '=ge=': [1, 0] }[node.operator];
    return (row) => {
      const v = f.read(row);
      if (v === null || v === undefined) return false;
      return sign.includes(Math.sign(String(v).localeCompare(node.value)));
    };
  }
  let test: (v: string) => boolean;
  // Text is compared in NFKC on both sides (a name typed decomposed on a Mac, `Jose` + U+0301, is the `José` stored
  // precomposed; fullwidth letters from an IME are their ASCII letters): two names that differ only so are refused
  // as duplicates (domain/user-name.ts), so a filter never finds two where one was meant. Case stays as it was:
  // `==` exact, wildcards case-insensitive.
  const text = f.type === 'boolean' || f.type === 'ref' ? (v: string) => v : (v: string) => v.normalize('NFKC');
  if (node.wildcard) {
    const pieces = node.wildcard.map((p) => p.normalize('NFKC'));
    test = (v) => wildcardMatches(pieces, text(v));
  } else if (f.type === 'boolean') {
    const want = node.value.toLowerCase();
    if (want !== 'true' && want !== 'false') throw badRequest(`Cannot parse the supplied filter: ${node.selector} expects true or false`);
    test = (v) => v === want;
  } else if (f.type === 'ref') {
    const id = UUID_AT_END.exec(node.value)?.[1]?.toLowerCase();
    if (!id) throw badRequest(`Cannot parse the supplied filter: ${node.selector} expects an href, a URN or an id`);
    test = (v) => UUID_AT_END.exec(v)?.[1]?.toLowerCase() === id;
  } else {
    const want = node.value.normalize('NFKC');
    test = (v) => text(v) === want;
  }
  return (row) => {
    const v = f.read(row);
    const hit = v !== null && v !== undefined && test(String(v));
    return negate ? !hit : hit;
  };
}

function matcher<T>(node: FiqlNode, fields: ListFields<T>): (row: T) => boolean {
  if (node.kind === 'comparison') return comparisonMatcher(node, fields);
  const children = node.children.map((c) => matcher(c, fields));
  return node.kind === 'and' ? (row) => children.every((m) => m(row)) : (row) => children.some((m) => m(row));
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : Array.isArray(v) ? text(v[0]) : undefined);

/**
 * Filters, sorts and pages `rows` as the query asks, sets the paging `Link` headers, and returns the envelope
 * with `render` applied to the rows of the page only.
 */
export async function listPage<T, V>(
  request: FastifyRequest,
  reply: FastifyReply,
  rows: readonly T[],
  fields: ListFields<T>,
  render: (row: T) => V | Promise<V>,
  model: string,
  maxPageSize = 128,
): Promise<CloudApiPage<V>> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const page = parsePageRequest(query, maxPageSize);
  let selected = [...rows];
  const filter = text(query.filter);
  if (filter !== undefined) selected = selected.filter(matcher(parseFiqlOrBadRequest(filter), fields));
  const sortAsc = text(query.sortAsc);
  const sortDesc = text(query.sortDesc);
  if (sortAsc !== undefined && sortDesc !== undefined) throw badRequest('Use either sortAsc or sortDesc, not both');
  const sortKey = sortAsc ?? sortDesc;
  if (sortKey !== undefined) {
    const f = field(fields, sortKey, 'Sorting by');
    const direction = sortDesc !== undefined ? -1 : 1;
    const key = (row: T) => {
      const v = f.read(row);
      return v === null || v === undefined ? '' : String(v);
    };
    selected.sort((a, b) => direction * key(a).localeCompare(key(b)));
  }
  const start = (page.page - 1) * page.pageSize;
  const values = await Promise.all(selected.slice(start, start + page.pageSize).map(render));
  setPagingLinks(request, reply, selected.length, page, model);
  return pagedEnvelope(values, selected.length, page);
}
