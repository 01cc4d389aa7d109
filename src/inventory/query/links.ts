/**
 * Hrefs of query results: the document's own href, its paging links and its alternate formats. They keep the
 * caller's filter, sort and fields, so that following `nextPage` (as pyvcloud does) continues the same query.
 * The packaged forms (`/api/vms/query`) keep their path and carry no `type` parameter.
 */
import type { QueryFormat, QueryParameters } from './params.js';

export interface QueryLocation {
  /** `https://host:port`. */
  readonly base: string;
  /** `/api/query` or a packaged path such as `/api/vms/query`. */
  readonly path: string;
  /** The `type=` to put in hrefs: the type for `/api/query`, null for packaged paths. */
  readonly typeParam: string | null;
}

export function queryHref(
  location: QueryLocation,
  params: Pick<QueryParameters, 'pageSize' | 'filter' | 'sort' | 'fields'>,
  page: number,
  format: QueryFormat,
): string {
  const parts: string[] = [];
  const add = (name: string, value: string) => parts.push(`${name}=${encodeURIComponent(value)}`);
  if (location.typeParam !== null) add('type', location.typeParam);
  add('page', String(page));
  add('pageSize', String(params.pageSize));
  add('format', format);
  if (params.filter !== null) add('filter', params.filter);
  if (params.sort) add(params.sort.direction === 'asc' ? 'sortAsc' : 'sortDesc', params.sort.field);
  if (params.fields) add('fields', params.fields.join(','));
  return `${location.base}${location.path}?${parts.join('&')}`;
}
