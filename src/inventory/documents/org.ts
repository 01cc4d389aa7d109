/**
 * OrgList, Org and AdminOrg documents (vcd-clients §6). govcd reads OrgList `Org` elements by `name` and follows
 * their hrefs, which must be exactly `<base>/api/org/<uuid>` (the AdminOrg is in admin-org.ts);
 * pyvcloud lists VDCs through the Org's `Link rel="down"` of type query.records+xml whose href contains "vdc".
 */
import type { Org } from '../../store/store.js';
import { node, renderXmlDocument, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, orgHref, urn, vdcHref } from '../hrefs.js';
import type { Vdc } from '../repository.js';

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

export function orgTree(base: string, org: Org, vdcs: readonly Vdc[]): DocElement {
  const href = orgHref(base, org.id);
  return node('Org', { ...NAMESPACES, href, id: urn('org', org.id), name: org.name, type: MEDIA.org }, [
    ...vdcs.map((v) => node('Link', { rel: 'down', href: vdcHref(base, v.id), name: v.name, type: MEDIA.vdc })),
    node('Link', { rel: 'down', href: `${href}/vdcs/query`, type: MEDIA.records }),
    node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    ...orgBody(org),
  ]);
}

export const orgListDocument = (base: string, orgs: readonly Org[]): string => renderXmlDocument(orgListTree(base, orgs));

export const orgDocument = (base: string, org: Org, vdcs: readonly Vdc[]): string => renderXmlDocument(orgTree(base, org, vdcs));
