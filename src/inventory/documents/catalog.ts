/**
 * Catalog, AdminCatalog and CatalogItem documents (`/api/catalog/{id}`, `/api/admin/catalog/{id}`,
 * `/api/catalogItem/{id}`), derived from the vApp templates (inventory/catalogs.ts says what is decided).
 * pyvcloud's Org.list_catalog_items reads `CatalogItems/CatalogItem` (`name`, `id`) and Org.get_catalog_item
 * follows the item's href; govcd decodes types.Catalog / types.CatalogItem and follows `Entity`.
 * Element order is VCD's CatalogType: Link, Description, Owner, CatalogItems, IsPublished, DateCreated, VersionNumber.
 */
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminCatalogHref, adminOrgHref, catalogHref, catalogItemHref, orgHref, urn, userHref, vappHref } from '../hrefs.js';
import { catalogItemId, oldestTemplate, type CatalogKey, type CatalogTemplate } from '../catalogs.js';

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** A catalog's (or AdminCatalog's) document; its items are its templates. */
export function catalogTree(base: string, catalog: CatalogKey, templates: readonly CatalogTemplate[], admin: boolean): DocElement {
  const href = admin ? adminCatalogHref(base, catalog.id) : catalogHref(base, catalog.id);
  const oldest = oldestTemplate(templates);
  return node(
    admin ? 'AdminCatalog' : 'Catalog',
    { xmlns: VCLOUD_NS, href, id: urn('catalog', catalog.id), name: catalog.name, type: admin ? MEDIA.adminCatalog : MEDIA.catalog },
    [
      admin
        ? node('Link', { rel: 'up', href: adminOrgHref(base, catalog.orgId), type: MEDIA.adminOrg })
        : node('Link', { rel: 'up', href: orgHref(base, catalog.orgId), type: MEDIA.org }),
      admin ? node('Link', { rel: 'alternate', href: catalogHref(base, catalog.id), type: MEDIA.catalog }) : null,
      // pyvcloud's metadata reads follow this link (find_link rel=down, metadata+xml); govcd appends /metadata.
      node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
      // Who may use it (pyvcloud's Org.get_catalog_access_settings follows this link), at the Catalog's href.
      node('Link', { rel: 'down', href: `${catalogHref(base, catalog.id)}/controlAccess/`, type: MEDIA.controlAccess }),
      oldest?.owner_id
        ? node('Owner', { type: MEDIA.owner }, [
            node('User', { href: userHref(base, oldest.owner_id), name: oldest.owner_name ?? undefined, type: MEDIA.user }),
          ])
        : null,
      node(
        'CatalogItems',
        {},
        templates.map((t) =>
          node('CatalogItem', {
            href: catalogItemHref(base, catalogItemId(t.id)),
            id: urn('catalogitem', catalogItemId(t.id)),
            name: t.name,
            type: MEDIA.catalogItem,
          }),
        ),
      ),
      text('IsPublished', false),
      oldest ? text('DateCreated', iso(oldest.created_at)) : null,
      text('VersionNumber', 1),
    ],
  );
}

/** A catalog item: the reference to its vApp template (Tessera's catalogs hold templates only). */
export function catalogItemTree(base: string, catalog: CatalogKey, template: CatalogTemplate): DocElement {
  const id = catalogItemId(template.id);
  return node(
    'CatalogItem',
    { xmlns: VCLOUD_NS, href: catalogItemHref(base, id), id: urn('catalogitem', id), name: template.name, type: MEDIA.catalogItem },
    [
      node('Link', { rel: 'up', href: catalogHref(base, catalog.id), type: MEDIA.catalog }),
      node('Link', { rel: 'down', href: `${catalogItemHref(base, id)}/metadata`, type: MEDIA.metadata }),
      text('Description', template.description),
      node('Entity', {
        href: vappHref(base, template.id, true),
        id: urn('vapptemplate', template.id),
        name: template.name,
        type: MEDIA.vAppTemplate,
      }),
      text('DateCreated', iso(template.created_at)),
      text('VersionNumber', 1),
    ],
  );
}
