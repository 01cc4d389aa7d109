/**
 * Catalogs, read only (Tessera creates, publishes and shares none): `GET /api/catalog/{id}`, its admin view
 * `GET /api/admin/catalog/{id}` (where the AdminOrg's CatalogReferences point) and `GET /api/catalogItem/{id}`, as
 * pyvcloud's Org.get_catalog, list_catalog_items and get_catalog_item and govcd's catalog reads follow them. Catalogs
 * are derived from the vApp templates (inventory/catalogs.ts). Readable by whoever may read the org's templates
 * ("vApp: View", like `/api/vAppTemplate`); unknown ids, malformed ids and other orgs' catalogs are the same 403 as
 * every inventory entity.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import { forbidden } from '../../domain/errors.js';
import { mayRead } from '../../inventory/access.js';
import { catalogTemplate, catalogTemplates, findCatalog, findCatalogItem } from '../../inventory/catalogs.js';
import { catalogItemTree, catalogTree } from '../../inventory/documents/catalog.js';
import { MEDIA, idFromPathSegment } from '../../inventory/hrefs.js';
import { inventoryScope } from '../../inventory/scope.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { IdParams, TAG, readByIdSchema } from './contract.js';
import { sendDocument } from './send-document.js';

const operation = (summary: string, media: string, description: string) => ({ summary, tag: TAG.inventory, media, description });

export const legacyCatalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = () => app.tessera.store;

  const loadCatalog = async (principal: Principal, segment: string) => {
    const id = idFromPathSegment(segment, 'catalog');
    const catalog = id ? await findCatalog(store(), inventoryScope(principal), id) : undefined;
    if (!catalog || !mayRead(principal, 'vapp', catalog.orgId)) throw forbidden();
    return catalog;
  };

  for (const admin of [false, true]) {
    const media = admin ? MEDIA.adminCatalog : MEDIA.catalog;
    app.get(
      admin ? '/api/admin/catalog/:id' : '/api/catalog/:id',
      {
        schema: readByIdSchema(
          IdParams,
          operation(
            admin ? 'One catalog (admin view)' : "One catalog: the org's vApp templates of one catalog name",
            media,
            admin ? 'AdminCatalog' : 'Catalog',
          ),
        ),
      },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const catalog = await loadCatalog(principal, request.params.id);
        const templates = await catalogTemplates(store(), catalog);
        return sendDocument(request, reply, media, catalogTree(baseUrl(request), catalog, templates, admin));
      },
    );
  }

  app.get(
    '/api/catalogItem/:id',
    { schema: readByIdSchema(IdParams, operation('One catalog item: a reference to its vApp template', MEDIA.catalogItem, 'CatalogItem')) },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const id = idFromPathSegment(request.params.id, 'catalogitem');
      const item = id ? await findCatalogItem(store(), inventoryScope(principal), id) : undefined;
      if (!item || !mayRead(principal, 'vapp', item.catalog.orgId)) throw forbidden();
      const template = await catalogTemplate(store(), item.templateId);
      if (!template) throw forbidden();
      return sendDocument(request, reply, MEDIA.catalogItem, catalogItemTree(baseUrl(request), item.catalog, template));
    },
  );
};
