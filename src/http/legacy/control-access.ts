/**
 * `GET /api/vApp/vapp-{id}/controlAccess`, `/api/vdc/{id}/controlAccess` and `/api/catalog/{id}/controlAccess`: who
 * may use the entity, as govcd's GetAccessControl and pyvcloud's get_access_settings read it (each entity links its
 * own). Read like the entity itself; the answer is the same for all of them (inventory/documents/control-access.ts
 * says why). Unknown, malformed and other orgs' ids are the same 403 as every inventory entity.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forbidden } from '../../domain/errors.js';
import { controlAccessTree } from '../../inventory/documents/control-access.js';
import { MEDIA, catalogHref, vappHref, vdcHref } from '../../inventory/hrefs.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { IdParams, RefParams, TAG, readByIdSchema } from './contract.js';
import { sendDocument } from './send-document.js';
import { loadByRef } from './vapp-refs.js';
import { readableCatalog } from './catalogs.js';
import { readableVdc } from './inventory.js';

const operation = (what: string) => ({
  summary: `Who may use ${what}: everyone in its org whose role may read it (read only)`,
  tag: TAG.inventory,
  media: MEDIA.controlAccess,
  description: 'ControlAccessParams',
});

export const legacyControlAccessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = () => app.tessera.store;

  app.get('/api/vApp/:ref/controlAccess', { schema: readByIdSchema(RefParams, operation('a vApp')) }, async (request, reply) => {
    const found = await loadByRef(store(), requirePrincipal(request), request.params.ref, false);
    // A VM has no access list of its own in VCD: only its vApp.
    if (found.kind !== 'vapp') throw forbidden();
    return sendDocument(request, reply, MEDIA.controlAccess, controlAccessTree(vappHref(baseUrl(request), found.vapp.id, false)));
  });

  app.get('/api/vdc/:id/controlAccess', { schema: readByIdSchema(IdParams, operation('a VDC')) }, async (request, reply) => {
    const vdc = await readableVdc(store(), requirePrincipal(request), request.params.id);
    return sendDocument(request, reply, MEDIA.controlAccess, controlAccessTree(vdcHref(baseUrl(request), vdc.id)));
  });

  app.get('/api/catalog/:id/controlAccess', { schema: readByIdSchema(IdParams, operation('a catalog')) }, async (request, reply) => {
    const catalog = await readableCatalog(store(), requirePrincipal(request), request.params.id);
    return sendDocument(request, reply, MEDIA.controlAccess, controlAccessTree(catalogHref(baseUrl(request), catalog.id)));
  });
};
