/**
 * OrgList, Org and AdminOrg documents (vcd-clients §6). govcd reads OrgList `Org` elements by `name` and follows
 * their hrefs, which must be exactly `<base>/api/org/<uuid>` (the AdminOrg is in admin-org.ts);
 * pyvcloud lists VDCs through the Org's `Link rel="down"` of type query.records+xml whose href contains "vdc", and
 * finds a catalog by name through the one whose href contains "catalog" (API 33 and later) or, before 33, through
 * the `Link rel="down"` of type catalog+xml that VCD lists per catalog. Catalogs are listed to whoever may read them.
 */
import type { Org } from '../../store/store.js';
import { node, renderXmlDocument, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, catalogHref, orgHref, tasksListHref, urn, vdcHref } from '../hrefs.js';
import type { Vdc } from '../repository.js';
import type { CatalogKey } from '../catalogs.js';

const NAMESPACES = { xmlns: VCLOUD_NS };

export function orgListTree(base: string, orgs: readonly Org[]): DocElement {
  return node(
    'OrgList',
    { ...NAMESPACES, href: `${base}/api/org/`, type: MEDIA.orgList },
    orgs.map((o) => node('Org', { href: orgHref(base, o.id), name: o.name, type: MEDIA.org })),
  );
}

export function orgBody(org: Org): DocElement['children'] {
  return [text('Description', org.description), text('FullName', org.full_name), text('IsEnabled', org.is_enabled === 1)];
}

/** `catalogs` null: the reader may not see the org's catalogs, so neither they nor their query are linked. */
export function orgTree(base: string, org: Org, vdcs: readonly Vdc[], catalogs: readonly CatalogKey[] | null = null): DocElement {
  const href = orgHref(base, org.id);
  return node('Org', { ...NAMESPACES, href, id: urn('org', org.id), name: org.name, type: MEDIA.org }, [
    ...vdcs.map((v) => node('Link', { rel: 'down', href: vdcHref(base, v.id), name: v.name, type: MEDIA.vdc })),
    ...(catalogs ?? []).map((c) => node('Link', { rel: 'down', href: catalogHref(base, c.id), name: c.name, type: MEDIA.catalog })),
    node('Link', { rel: 'down', href: `${href}/vdcs/query`, type: MEDIA.records }),
    catalogs ? node('Link', { rel: 'down', href: `${href}/catalogs/query`, type: MEDIA.records }) : null,
    node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    // Its tasks (govcd's Org.GetTaskList finds them by this rel and type): every member may list those it may read.
    node('Link', { rel: 'down', href: tasksListHref(base, org.id), type: MEDIA.tasksList }),
    ...orgBody(org),
  ]);
}

export const orgListDocument = (base: string, orgs: readonly Org[]): string => renderXmlDocument(orgListTree(base, orgs));

export const orgDocument = (base: string, org: Org, vdcs: readonly Vdc[], catalogs: readonly CatalogKey[] | null = null): string =>
  renderXmlDocument(orgTree(base, org, vdcs, catalogs));
