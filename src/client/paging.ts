/**
 * Walking VCD's paged lists to the end, for both shapes:
 * - the query service (`total`, `page`, `pageSize`; vcd-wire §9.2): ask page 1, 2, ... until `total` records;
 * - cloudapi lists (`resultTotal`, `pageCount`, `page`; vcd-wire §7): ask until `pageCount`.
 * Both stop on an empty page too, so a server with a wrong `total` cannot make the loop spin forever.
 */

export interface Page<T> {
  /** 1-based page number. */
  page: number;
  pageSize: number;
  /** Records in the whole result, all pages together. */
  total: number;
  items: T[];
}

export type FetchPage<T> = (page: number) => Promise<Page<T>>;

export async function* walkPages<T>(fetchPage: FetchPage<T>): AsyncGenerator<Page<T>, void, undefined> {
  let seen = 0;
  for (let page = 1; ; page++) {
    const current = await fetchPage(page);
    yield current;
    seen += current.items.length;
    const lastPage = current.pageSize > 0 ? Math.ceil(current.total / current.pageSize) : page;
    if (current.items.length === 0 || seen >= current.total || page >= lastPage) return;
  }
}

export async function* flattenPages<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* page.items;
}

/** `name` / `+name` / `name:asc` -> sortAsc; `-name` / `name:desc` -> sortDesc (VCD sorts on one field). */
export function sortParameters(sort: string | undefined): Record<string, string> {
  if (sort === undefined || sort.trim() === '') return {};
  const text = sort.trim();
  const suffix = /^(.+):(asc|desc)$/i.exec(text);
  if (suffix) return { [suffix[2]!.toLowerCase() === 'desc' ? 'sortDesc' : 'sortAsc']: checkedField(suffix[1]!) };
  if (text.startsWith('-')) return { sortDesc: checkedField(text.slice(1)) };
  return { sortAsc: checkedField(text.replace(/^\+/, '')) };
}

function checkedField(field: string): string {
  if (!/^[A-Za-z_][\w.]*$/.test(field)) throw new TypeError(`sort must name one field (name, -name, name:desc), got "${field}"`);
  return field;
}

/** Query and cloudapi page sizes are 1..128 (vcd-wire §6, §9.1). */
export function checkedPageSize(pageSize: number | undefined, fallback: number): number {
  if (pageSize === undefined) return fallback;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 128)
    throw new TypeError(`pageSize must be an integer from 1 to 128, got ${pageSize}`);
  return pageSize;
}
