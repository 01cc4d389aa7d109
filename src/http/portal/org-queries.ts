/**
 * Administration > Organizations (the provider's): one page of the orgs, searched and paged in SQL as the Users
 * list is (user-queries.ts). Until 2026-12-06 the page loaded every org, sorted them in JS and counted users, VDCs
 * and VMs for all of them: 2,004 rows and 826 KB at 2,003 orgs, with no way to find one but the browser's search.
 *
 * Search: the org's name or full name contains the text, case-insensitively, as a literal (LIKE's wildcards are
 * escaped). Order: the name (`name_lower` is unique and indexed: a total order, read from the index). The System
 * org is one of the rows, in its place by name, as before.
 */
import { sql, type SqlBool } from 'kysely';
import type { Services } from '../context.js';
import type { Org } from '../../store/store.js';
import { searchPattern } from './user-queries.js';

export const ORG_PAGE_SIZE = 25;

/** Each org's users, VDCs and VMs, by org id. */
export interface OrgCounts {
  readonly users: ReadonlyMap<string, number>;
  readonly vdcs: ReadonlyMap<string, number>;
  readonly vms: ReadonlyMap<string, number>;
}

export async function listOrgsPage(
  services: Services,
  input: { search: string; page: number; pageSize?: number },
): Promise<{ total: number; orgs: Org[]; counts: OrgCounts }> {
  const pageSize = input.pageSize ?? ORG_PAGE_SIZE;
  const matching = matchingOrgs(services, input.search);
  const [count, orgs] = await Promise.all([
    matching.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    matching
      .selectAll('orgs')
      .orderBy('orgs.name_lower')
      .limit(pageSize)
      .offset((input.page - 1) * pageSize)
      .execute(),
  ]);
  // PostgreSQL answers count(*) as a string (node-stack pitfall 8).
  return {
    total: Number(count.n),
    orgs,
    counts: await orgCounts(
      services,
      orgs.map((o) => o.id),
    ),
  };
}

function matchingOrgs(services: Services, search: string) {
  const { store } = services;
  const orgs = store.db.selectFrom('orgs');
  if (search === '') return orgs;
  const pattern = searchPattern(search);
  // `\` is the escape character on both backends (SQLite has no default one; PostgreSQL's is `\` already).
  return orgs.where(
    sql<SqlBool>`(${store.searchKey(sql.ref('orgs.name'))} like ${pattern} escape '\\' or ${store.searchKey(sql.ref('orgs.full_name'))} like ${pattern} escape '\\')`,
  );
}

/** The users, VDCs and VMs of the orgs shown (a page, or one org): never of every org. */
export async function orgCounts(services: Services, orgIds: readonly string[]): Promise<OrgCounts> {
  if (orgIds.length === 0) return { users: new Map(), vdcs: new Map(), vms: new Map() };
  const by = async (table: 'users' | 'vdcs' | 'vms') => {
    const rows = await services.store.db
      .selectFrom(table)
      .select(['org_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('org_id', 'in', orgIds)
      .groupBy('org_id')
      .execute();
    return new Map(rows.map((r) => [r.org_id as string, Number(r.n)]));
  };
  const [users, vdcs, vms] = await Promise.all([by('users'), by('vdcs'), by('vms')]);
  return { users, vdcs, vms };
}
