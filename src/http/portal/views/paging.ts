/**
 * Paging and sortable column headers for the portal's long lists (VMs, users, tokens, audit events). Links
 * only (GET), so every page of a list has its own URL, works without script and survives a reload.
 */
import { html, type SafeHtml } from '../html.js';
import { counted } from '../../../domain/counted.js';

/** A list URL with some parameters replaced; empty values are left out so URLs stay short. */
export function listUrl(path: string, params: Readonly<Record<string, string | number | null | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? path : `${path}?${text}`;
}

export interface PageInfo {
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

export function lastPage(info: PageInfo): number {
  return Math.max(1, Math.ceil(info.total / info.pageSize));
}

/** A page asked for beyond the last one (`?page=99999`, or a list that shrank since its links were made). */
export function pastLastPage(info: PageInfo): boolean {
  return info.total > 0 && info.page > lastPage(info);
}

/**
 * "Showing 26-50 of 100,000" and Previous / Next links; `href(page)` builds each page's URL. `alsoShown` says what
 * else the page lists beside the counted rows ("3 revoked shown": User preferences' revoked tokens, after the live
 * ones), so that the line stays true under them.
 */
export function pagination(info: PageInfo, href: (page: number) => string, noun: string, alsoShown = ''): SafeHtml {
  const last = lastPage(info);
  const n = (v: number) => v.toLocaleString('en-US');
  if (pastLastPage(info)) {
    // Said plainly, with the way to the last page: until 2026-12-05 the range came from the page asked for and read
    // "Showing 76-56 of 56 VMs · page 3 of 3" over an empty table.
    return html`<nav class="pagination" aria-label="Pages of ${noun}">
  <p class="muted" role="status">No ${noun} on page ${n(info.page)}: the ${n(info.total)} ${noun} fit on ${n(last)} page${last === 1 ? '' : 's'}.</p>
  <div class="pagination-links">
    ${last > 1 && html`<a class="btn btn-sm btn-outline" href="${href(1)}">First</a>`}<a class="btn btn-sm btn-outline" href="${href(last)}">Last page (${n(last)})</a>
  </div>
</nav>`;
  }
  // The page shown: an empty list asked for on page 2 (a filter that matches nothing, a link kept from a longer
  // list) is its one empty page, without First and Previous (until 2026-12-05 they were offered, to "page 1 of 1").
  const shown = Math.min(info.page, last);
  const first = info.total === 0 ? 0 : (shown - 1) * info.pageSize + 1;
  const end = Math.min(info.total, shown * info.pageSize);
  return html`<nav class="pagination" aria-label="Pages of ${noun}">
  <p class="muted" role="status">${info.total === 0 ? `No ${noun}` : `Showing ${n(first)}-${n(end)} of ${counted(info.total, noun)}`}${alsoShown && `; ${alsoShown}`} · page ${n(shown)} of ${n(last)}</p>
  <div class="pagination-links">
    ${shown > 1 ? html`<a class="btn btn-sm btn-outline" href="${href(1)}">First</a><a class="btn btn-sm btn-outline" href="${href(shown - 1)}" rel="prev">Previous</a>` : ''}
    ${shown < last ? html`<a class="btn btn-sm btn-outline" href="${href(shown + 1)}" rel="next">Next</a><a class="btn btn-sm btn-outline" href="${href(last)}">Last</a>` : ''}
  </div>
</nav>`;
}

export interface SortState {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
}

/**
 * A column header that sorts by its field: a link to the list sorted by it (ascending, or the other way when it
 * is the current sort), with `aria-sort` on the current one.
 */
export function sortableHeader(label: string, field: string, sort: SortState, href: (sort: SortState) => string): SafeHtml {
  const current = sort.field === field;
  const next: SortState = { field, direction: current && sort.direction === 'asc' ? 'desc' : 'asc' };
  const ariaSort = current ? (sort.direction === 'asc' ? 'ascending' : 'descending') : null;
  const arrow = current ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : '';
  return html`<th scope="col"${ariaSort ? html` aria-sort="${ariaSort}"` : ''}><a class="sort-link" href="${href(next)}">${label}<span aria-hidden="true">${arrow}</span><span class="visually-hidden">${current ? `, sorted ${ariaSort}` : ''}, sort by ${label}${next.direction === 'desc' ? ' descending' : ''}</span></a></th>`;
}
