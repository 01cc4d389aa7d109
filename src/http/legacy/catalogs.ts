/**
 * Catalogs, read only (Tessera creates, publishes and shares none): `GET /api/catalog/{id}`, its admin view
 * `GET /api/admin/catalog/{id}` (where the AdminOrg's CatalogReferences point), each with its (empty) `/metadata`, and
 * `GET /api/catalogItem/{id}`, as
 * pyvcloud's Org.get_catalog, list_catalog_items and get_catalog_item and govcd's catalog reads follow them. Catalogs
 * are derived from the vApp templates (inventory/catalogs.ts). Readable by whoever may read the org's templates
 * ("vApp: View", like `/api/vAppTemplate`); unknown ids, malformed ids and other orgs' catalogs are the same 403 as
 * every inventory entity.
 *
 * `DELETE /api/admin/catalog/{id}` is the one write, the provider's (like every org lifecycle write): govcd's
 * AdminOrg.Delete(force, recursive), which Terraform's vcd_org runs on destroy, deletes each CatalogReference of the
 * AdminOrg before the org itself, and must not fail on an org that holds templates. Deleting a catalog deletes its
 * templates; with templates in it, `recursive=true` is required (VCD's rule), else 400 and nothing changes. Answered
 * 202 with the Task (already finished: Tessera runs it in the request, auth/tasks.ts), as VCD 10.x does: govcd's
 * Catalog.Delete and AdminCatalog.Delete decode that Task and wait on it, and fail on an empty body.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import { badRequest, forbidden } from '../../domain/errors.js';
import { can, refusal } from '../../domain/policy.js';
import { mayRead } from '../../inventory/access.js';
import {
  catalogTemplate,
  catalogTemplates,
  deleteCatalog,
  findCatalog,
  findCatalogItem,
  type CatalogKey,
} from '../../inventory/catalogs.js';
import type { Store } from '../../store/store.js';
import { assertSessionStands } from '../../auth/session-stands.js';
import { catalogItemTree, catalogTree } from '../../inventory/documents/catalog.js';
import { MEDIA, adminCatalogHref, catalogHref, catalogItemHref, idFromPathSegment } from '../../inventory/hrefs.js';
import { inventoryScope } from '../../inventory/scope.js';
import { baseUrl, requirePrincipal } from '../context.js';
import {
  ApiHeaders,
  COMMON_ERRORS,
  IdParams,
  OrgDeleteQuerystring,
  TAG,
  authenticated,
  documentResponse,
  readByIdSchema,
} from './contract.js';
import { taskTree } from '../../inventory/documents/task.js';
import { sendDocument } from './send-document.js';
import { sendMetadataDocument } from './send-metadata.js';

const operation = (summary: string, media: string, description: string) => ({ summary, tag: TAG.inventory, media, description });

/**
 * The catalog a path's `{id}` names, if the caller may read it (like the templates: "vApp: View"); otherwise the 403
 * of every inventory entity. Shared with the catalog's access-control route (control-access.ts).
 */
export async function readableCatalog(store: Store, principal: Principal, segment: string): Promise<CatalogKey> {
  const id = idFromPathSegment(segment, 'catalog');
  const catalog = id ? await findCatalog(store, inventoryScope(principal), id) : undefined;
  if (!catalog || !mayRead(principal, 'vapp', catalog.orgId)) throw forbidden();
  return catalog;
}

export const legacyCatalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = () => app.tessera.store;
  const loadCatalog = (principal: Principal, segment: string) => readableCatalog(store(), principal, segment);

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

    // A catalog's metadata, which govcd's (Admin)Catalog.GetMetadata reads and Terraform's vcd_catalog puts in its
    // state on every read: derived catalogs carry none, so it is VCD's empty Metadata document.
    app.get(
      admin ? '/api/admin/catalog/:id/metadata' : '/api/catalog/:id/metadata',
      { schema: readByIdSchema(IdParams, operation("A catalog's metadata (none in Tessera)", MEDIA.metadata, 'Metadata')) },
      async (request, reply) => {
        const catalog = await loadCatalog(requirePrincipal(request), request.params.id);
        const base = baseUrl(request);
        const entity = { href: admin ? adminCatalogHref(base, catalog.id) : catalogHref(base, catalog.id), type: media };
        return sendMetadataDocument(request, reply, entity, []);
      },
    );
  }

  app.delete(
    '/api/admin/catalog/:id',
    {
      schema: {
        tags: [TAG.admin],
        security: authenticated(),
        headers: ApiHeaders,
        summary:
          'Delete a catalog: its templates (System administrator; recursive=true when it holds any). Answers the finished Task, as VCD does',
        params: IdParams,
        querystring: OrgDeleteQuerystring,
        response: { 202: documentResponse(MEDIA.task, 'The finished Task'), ...COMMON_ERRORS },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      if (!can(principal, 'org.manage')) throw refusal(principal, 'org.manage');
      const catalog = await loadCatalog(principal, request.params.id);
      const recursive = request.query.recursive?.toLowerCase() === 'true';
      const templates = await catalogTemplates(store(), catalog);
      if (templates.length > 0 && !recursive) {
        throw badRequest(`The catalog ${catalog.name} holds ${templates.length} vApp template(s): delete it with recursive=true`);
      }
      const org = await store().getOrg(catalog.orgId);
      const orgRef = { id: catalog.orgId, name: org?.name ?? '' };
      const { task } = await app.tessera.tasks.run(
        {
          operationName: 'catalogDelete',
          operation: () => `Deleted Catalog ${catalog.name}(${catalog.id})`,
          org: () => orgRef,
          owner: () => ({ kind: 'catalog', id: catalog.id, name: catalog.name }),
          actor: principal,
        },
        async () => {
          // Only for a session that still stands, read in the delete's transaction (inventory/teardown.ts).
          const deleted = await deleteCatalog(store(), catalog, (trx) => assertSessionStands(store(), trx, principal, { lock: false }));
          await app.tessera.audit.record({
            type: 'catalog.deleted',
            actor: { id: principal.userId, name: principal.userName },
            org: org ? orgRef : null,
            ip: request.ip,
            details: { catalog: catalog.name, templates: deleted },
          });
          return catalog;
        },
        catalog,
      );
      reply.code(202);
      return sendDocument(request, reply, MEDIA.task, taskTree(baseUrl(request), task));
    },
  );

  const loadCatalogItem = async (principal: Principal, segment: string) => {
    const id = idFromPathSegment(segment, 'catalogitem');
    const item = id ? await findCatalogItem(store(), inventoryScope(principal), id) : undefined;
    if (!item || !mayRead(principal, 'vapp', item.catalog.orgId)) throw forbidden();
    return { id: id!, ...item };
  };

  // A catalog item's metadata (govcd's CatalogItem.GetMetadata, Terraform's vcd_catalog_item, pyvcloud's
  // Org.get_all_metadata_from_catalog_item): like a catalog's, none, so VCD's empty Metadata document.
  app.get(
    '/api/catalogItem/:id/metadata',
    { schema: readByIdSchema(IdParams, operation("A catalog item's metadata (none in Tessera)", MEDIA.metadata, 'Metadata')) },
    async (request, reply) => {
      const item = await loadCatalogItem(requirePrincipal(request), request.params.id);
      return sendMetadataDocument(request, reply, { href: catalogItemHref(baseUrl(request), item.id), type: MEDIA.catalogItem }, []);
    },
  );

  app.get(
    '/api/catalogItem/:id',
    { schema: readByIdSchema(IdParams, operation('One catalog item: a reference to its vApp template', MEDIA.catalogItem, 'CatalogItem')) },
    async (request, reply) => {
      const item = await loadCatalogItem(requirePrincipal(request), request.params.id);
      const template = await catalogTemplate(store(), item.templateId);
      if (!template) throw forbidden();
      return sendDocument(request, reply, MEDIA.catalogItem, catalogItemTree(baseUrl(request), item.catalog, template));
    },
  );
};
