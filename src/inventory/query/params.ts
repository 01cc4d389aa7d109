/**
 * The query service's URL parameters (vcd-wire §9.1), read from the raw query string so that what govcd
 * sends parses as VCD parses it: `type` twice, a leading `&` (`/api/query?&type=orgVdc&...`), empty values
 * (`sortAsc=&sortDesc=`), and an unencoded FIQL filter full of `=`, `;` and `/`.
 */
import { compareApiVersions } from '../../domain/api-versions.js';
import { badRequest } from '../../domain/errors.js';
import { FIQL_ERROR_PREFIX, formatFiql, type FiqlComparison, type FiqlNode } from '../../domain/fiql.js';
import { parseFiqlOrBadRequest } from '../../store/fiql-sql.js';

export const DEFAULT_PAGE_SIZE = 25;
/** VCD's maxPageSize: larger requests are clamped, not refused (1.5 guide, vcd-wire §9.4). */
export const MAX_PAGE_SIZE = 128;

export const QUERY_FORMATS = ['records', 'references', 'idrecords'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

export interface QuerySort {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
}

export interface QueryParameters {
  /** The `type` value, or null when absent (then `/api/query` answers the QueryList). */
  readonly type: string | null;
  readonly page: number;
  readonly pageSize: number;
  readonly format: QueryFormat;
  /** The filter text as sent (decoded once), or null. */
  readonly filter: string | null;
  readonly sort: QuerySort | null;
  /** `fields=a,b,metadata:c`: the attributes to render, or null for all. */
  readonly fields: readonly string[] | null;
  /**
   * `filterEncoded=true`: the filter's values are URL-encoded once more. Honoured only below API 35.0
   * (filterValuesDecoded); from 35.0 on VCD ignores it (vcd-wire §9.1).
   */
  readonly filterEncoded: boolean;
}

/**
 * Splits a raw query string into name → values, decoding each once (`+` is a space, as in forms). Empty
 * segments are skipped, so a leading `&` or `&&` is harmless.
 */
export function parseQueryString(search: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  const text = search.startsWith('?') ? search.slice(1) : search;
  for (const segment of text.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const name = decodeComponent(eq === -1 ? segment : segment.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(segment.slice(eq + 1));
    const list = params.get(name);
    if (list) list.push(value);
    else params.set(name, [value]);
  }
  return params;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw badRequest(`The query string is not valid URL encoding near "${text.slice(0, 40)}"`);
  }
}

/** The one value of a parameter. A repeated parameter must repeat the same value (govcd sends `type` twice). */
function single(params: Map<string, string[]>, name: string): string | null {
  const values = (params.get(name) ?? []).filter((v) => v !== '');
  if (values.length === 0) return null;
  const first = values[0]!;
  if (values.some((v) => v !== first)) throw badRequest(`The parameter "${name}" is given more than once with different values`);
  return first;
}

/** The largest page number or size read (nine digits; a page size is then clamped to MAX_PAGE_SIZE). */
const MAX_PAGE_NUMBER = 999_999_999;

function positiveInteger(params: Map<string, string[]>, name: string): number | null {
  const text = single(params, name);
  if (text === null) return null;
  // Leading zeros are the number's (`007`, `0000000005`); more than nine digits after them is past any page.
  const digits = text.trim().replace(/^0+(?=\d)/, '');
  if (!/^\d{1,9}$/.test(digits) || Number(digits) < 1) {
    throw badRequest(`The parameter "${name}" must be a whole number from 1 to ${MAX_PAGE_NUMBER}, got "${text.slice(0, 40)}"`);
  }
  return Number(digits);
}

/** Reads and checks the parameters; bad values are 400 BAD_REQUEST. `type` may be fixed by a packaged path. */
export function readQueryParameters(params: Map<string, string[]>, fixedType?: string): QueryParameters {
  const type = fixedType ?? single(params, 'type');
  const page = positiveInteger(params, 'page') ?? 1;
  const pageSize = Math.min(positiveInteger(params, 'pageSize') ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  // VCD's guide lists `offset` (default 0) without saying how it combines with `page`, and no client we know sends
  // it. Rather than guess, 0 is accepted and any other value refused: until 2026-12-05 it was ignored, and a script
  // that sent offset=2 silently got the page without it.
  const offset = single(params, 'offset');
  if (offset !== null && !/^\s*0{1,9}\s*$/.test(offset)) {
    throw badRequest(`The parameter "offset" is supported only as 0, got "${offset.slice(0, 40)}": page with "page" and "pageSize"`);
  }

  const formatText = single(params, 'format');
  const format = (formatText ?? 'records').toLowerCase() as QueryFormat;
  if (!QUERY_FORMATS.includes(format)) {
    throw badRequest(`The parameter "format" must be one of ${QUERY_FORMATS.join(', ')}, got "${formatText!.slice(0, 40)}"`);
  }

  const sortAsc = single(params, 'sortAsc');
  const sortDesc = single(params, 'sortDesc');
  if (sortAsc !== null && sortDesc !== null) throw badRequest('Give either sortAsc or sortDesc, not both');
  const sort: QuerySort | null =
    sortAsc !== null ? { field: sortAsc, direction: 'asc' } : sortDesc !== null ? { field: sortDesc, direction: 'desc' } : null;

  const fieldsText = single(params, 'fields');
  const fields =
    fieldsText === null
      ? null
      : fieldsText
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f !== '');

  // `filterEncoded` takes effect only below API 35.0 (filterValuesDecoded, applied where the version is known).
  const filterEncoded = (single(params, 'filterEncoded') ?? '').trim().toLowerCase() === 'true';
  return {
    type,
    page,
    pageSize,
    format,
    filter: single(params, 'filter'),
    sort,
    fields: fields && fields.length > 0 ? fields : null,
    filterEncoded,
  };
}

/** The first API version at which VCD ignores `filterEncoded` (VCD 10.2, "Zeus"). */
const FILTER_ENCODED_IGNORED_FROM = '35.0';

/**
 * The parameters as VCD reads them at `apiVersion`: below 35.0, `filterEncoded=true` makes VCD URL-decode each
 * filter value once more, after the filter is split into comparisons. pyvcloud relies on it there: below 35.0 it
 * sends `filterEncoded=true` and encodes the whole filter again, so that a value given encoded, as its docs ask
 * (`name==my%20vApp`, `name==a%2Cb` for a comma), reaches VCD as `my vApp` and `a,b`. Until 2026-12-07 Tessera
 * ignored the flag at every version and such a query matched nothing.
 *
 * The answer's filter is the decoded one written canonically (formatFiql: special characters escaped) and
 * `filterEncoded` is dropped, so the `nextPage` link pyvcloud follows (without the flag) continues the same query.
 * A `*` decoded from `%2A` is a literal asterisk, not a wildcard; malformed encoding in a value is a 400.
 */
export function filterValuesDecoded(params: QueryParameters, apiVersion: string | null): QueryParameters {
  // Unchanged (the same cached object) wherever the flag has no effect: govcd sends it on every query at 37.0.
  if (!params.filterEncoded || params.filter === null) return params;
  if (apiVersion === null || compareApiVersions(apiVersion, FILTER_ENCODED_IGNORED_FROM) >= 0) return params;
  const decoded = mapComparisons(parseFiqlOrBadRequest(params.filter), (c) => {
    const wildcard = c.wildcard ? c.wildcard.map(decodeFilterValue) : null;
    return { ...c, value: wildcard ? wildcard.join('*') : decodeFilterValue(c.value), wildcard };
  });
  return { ...params, filter: formatFiql(decoded), filterEncoded: false };
}

function mapComparisons(node: FiqlNode, map: (c: FiqlComparison) => FiqlComparison): FiqlNode {
  if (node.kind === 'comparison') return map(node);
  return { kind: node.kind, children: node.children.map((child) => mapComparisons(child, map)) };
}

/** As VCD's (Java's URLDecoder): `+` is a space, `%XX` a byte of UTF-8. */
function decodeFilterValue(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw badRequest(`${FIQL_ERROR_PREFIX}: the value "${text.slice(0, 40)}" is not valid URL encoding (filterEncoded=true)`);
  }
}

/**
 * Parsed parameters per raw query string (and fixed type), so the requests a client repeats (paging, polling)
 * skip the decoding and checks. Parsing is a pure function of its input, so this is exact; failures are not
 * kept (they throw every time). Bounded: cleared when full, which a client sending ever-new strings only slows.
 */
const PARSED = new Map<string | undefined, Map<string, QueryParameters>>();
/** Entries over every type together: until 2026-12-05 each of the 13 types had 2,000, and one user filled 157 MB. */
const PARSED_MAX = 2_000;
let parsedCount = 0;
/** The longest query string kept (a longer one is parsed every time): the clients' own are well under it. */
const PARSED_MAX_LENGTH = 512;

export function queryParametersOf(search: string, fixedType?: string): QueryParameters {
  if (search.length > PARSED_MAX_LENGTH) return readQueryParameters(parseQueryString(search), fixedType);
  let params = PARSED.get(fixedType)?.get(search);
  if (params === undefined) {
    params = frozen(readQueryParameters(parseQueryString(search), fixedType));
    if (parsedCount >= PARSED_MAX) {
      PARSED.clear();
      parsedCount = 0;
    }
    let byType = PARSED.get(fixedType);
    if (byType === undefined) PARSED.set(fixedType, (byType = new Map()));
    byType.set(search, params);
    parsedCount++;
  }
  return params;
}

/** Shared between requests, so nothing may change it. */
function frozen(params: QueryParameters): QueryParameters {
  if (params.sort) Object.freeze(params.sort);
  if (params.fields) Object.freeze(params.fields);
  return Object.freeze(params);
}

const PARAMS_KEYS = new WeakMap<QueryParameters, string>();

/** A cache key for the parameters (JSON text), computed once per parameters object. */
export function queryParametersKey(params: QueryParameters): string {
  let key = PARAMS_KEYS.get(params);
  if (key === undefined) {
    key = JSON.stringify(params);
    PARAMS_KEYS.set(params, key);
  }
  return key;
}
