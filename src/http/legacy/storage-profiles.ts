/**
 * `GET /api/vdcStorageProfile/{id}` and its `/metadata`: a VDC's storage profile, at the href the Vdc document
 * lists (govcd's GetStorageProfileByHref and GetMetadataByHref, for Terraform's vcd_org_vdc and
 * vcd_storage_profile). Readable by whoever may read the VDC; unknown ids, malformed ids and other orgs' profiles
 * are the same 403 as every inventory entity. Profiles carry no metadata in Tessera, so their Metadata document is
 * VCD's empty one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forbidden } from '../../domain/errors.js';
import { readableOr403 } from '../../inventory/access.js';
import { vdcStorageProfileTree } from '../../inventory/documents/vdc-storage-profile.js';
import { MEDIA, idFromPathSegment, vdcStorageProfileHref } from '../../inventory/hrefs.js';
import { inventoryScope } from '../../inventory/scope.js';
import { findStorageProfile, storageUsedMbByProfile } from '../../inventory/storage-profiles.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { IdParams, TAG, readByIdSchema } from './contract.js';
import { sendDocument } from './send-document.js';
import { sendMetadataDocument } from './send-metadata.js';

const operation = (summary: string, media: string, description: string) => ({ summary, tag: TAG.inventory, media, description });

export const legacyStorageProfileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const load = async (request: { params: { id: string } }, principal: Parameters<typeof inventoryScope>[0]) => {
    const id = idFromPathSegment(request.params.id, 'vdcstorageProfile');
    if (!id) throw forbidden();
    const found = await findStorageProfile(app.tessera.store.db, inventoryScope(principal), id);
    readableOr403(principal, 'vdc', found?.vdc);
    return found!;
  };

  app.get(
    '/api/vdcStorageProfile/:id',
    { schema: readByIdSchema(IdParams, operation("One of a VDC's storage profiles", MEDIA.vdcStorageProfile, 'VdcStorageProfile')) },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { vdc, profile } = await load(request, principal);
      const used = await storageUsedMbByProfile(app.tessera.store.db, vdc.id);
      const tree = vdcStorageProfileTree(baseUrl(request), vdc.id, profile, used.get(profile.name) ?? 0);
      return sendDocument(request, reply, MEDIA.vdcStorageProfile, tree);
    },
  );

  app.get(
    '/api/vdcStorageProfile/:id/metadata',
    { schema: readByIdSchema(IdParams, operation("A storage profile's metadata (none in Tessera)", MEDIA.metadata, 'Metadata')) },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { profile } = await load(request, principal);
      const entity = { href: vdcStorageProfileHref(baseUrl(request), profile.id), type: MEDIA.vdcStorageProfile };
      return sendMetadataDocument(request, reply, entity, []);
    },
  );
};
