/**
 * Paging arithmetic for query results. Exactness matters: govcd pages until it has `total` records, so a wrong
 * total or page size makes it loop forever; pyvcloud follows `nextPage` links only (vcd-clients §1.6, §3).
 */

export type PageRel = 'firstPage' | 'previousPage' | 'nextPage' | 'lastPage';

export interface PageLink {
  readonly rel: PageRel;
  readonly page: number;
}

/** Number of pages; an empty result still has one (empty) page. */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** Rows to skip for a 1-based page. */
export function pageOffset(page: number, pageSize: number): number {
  return (page - 1) * pageSize;
}

/**
 * The paging links that apply: first/previous when not on the first page, next/last when before the last.
 * Beyond the last page (an empty page), previousPage points back at the last real page.
 */
export function pagingLinks(page: number, pageSize: number, total: number): PageLink[] {
  const last = pageCount(total, pageSize);
  const links: PageLink[] = [];
  if (page > 1) {
    links.push({ rel: 'firstPage', page: 1 });
    links.push({ rel: 'previousPage', page: Math.min(page - 1, last) });
  }
  if (page < last) {
    links.push({ rel: 'nextPage', page: page + 1 });
    links.push({ rel: 'lastPage', page: last });
  }
  return links;
}
