/**
 * CloudAPI paging (vcd-wire §7): `page` (1-based), `pageSize` (default 25, at most `max`), the envelope
 * {resultTotal, pageCount, page, pageSize, associations, values}, and `Link` headers for the other pages.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../../domain/errors.js';
import { baseUrl } from '../context.js';
import type { CloudApiPage } from '../../schemas/wire.js';

export interface PageRequest {
  page: number;
  pageSize: number;
}

/**
 * The largest page number (VCD's is a Java int). Without a bound a 20-digit page became an OFFSET beyond
 * PostgreSQL's bigint: a database error, a 500.
 */
export const MAX_PAGE = 2_147_483_647;

export function parsePageRequest(query: Record<string, unknown>, max = 128): PageRequest {
  const read = (name: string, fallback: number, min: number): number => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    const text = Array.isArray(raw) ? String(raw[0]) : String(raw);
    // At most 10 digits before Number(): no float rounding of huge inputs, then the exact bound.
    if (!/^\d{1,10}$/.test(text) || Number(text) < min || Number(text) > MAX_PAGE) {
      throw badRequest(`${name} must be a whole number from ${min} to ${MAX_PAGE}`);
    }
    return Number(text);
  };
  return { page: read('page', 1, 1), pageSize: Math.min(read('pageSize', 25, 0), max) };
}

export function pagedEnvelope<T>(values: T[], total: number, page: PageRequest): CloudApiPage<T> {
  return {
    resultTotal: total,
    pageCount: page.pageSize === 0 ? 0 : Math.ceil(total / page.pageSize),
    page: page.page,
    pageSize: page.pageSize,
    associations: [],
    values,
  };
}

/** `Link: <url>;rel="nextPage";type="application/json";model="X"` for each page that exists. */
export function setPagingLinks(request: FastifyRequest, reply: FastifyReply, total: number, page: PageRequest, model: string) {
  if (page.pageSize === 0) return;
  const pageCount = Math.max(1, Math.ceil(total / page.pageSize));
  // The request's path with its slashes collapsed, as the router read it: `//cloudapi/1.0.0/users`, which reaches this
  // handler, resolved against the base as given is a URL whose host is "cloudapi" (until 2026-12-05 the links said so).
  const query = request.url.indexOf('?');
  const url = new URL(baseUrl(request));
  url.pathname = (query === -1 ? request.url : request.url.slice(0, query)).replace(/\/{2,}/g, '/');
  url.search = query === -1 ? '' : request.url.slice(query);
  const linkTo = (p: number, rel: string) => {
    url.searchParams.set('page', String(p));
    url.searchParams.set('pageSize', String(page.pageSize));
    return `<${url.toString()}>;rel="${rel}";type="application/json";model="${model}"`;
  };
  const links: string[] = [];
  if (page.page > 1) links.push(linkTo(1, 'firstPage'), linkTo(Math.min(page.page - 1, pageCount), 'previousPage'));
  if (page.page < pageCount) links.push(linkTo(page.page + 1, 'nextPage'), linkTo(pageCount, 'lastPage'));
  if (links.length > 0) reply.header('Link', links.join(', '));
}
