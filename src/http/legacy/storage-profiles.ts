/**
 * `GET /api/vdcStorageProfile/{id}` and its `/metadata`: a VDC's storage profile, at the href the Vdc document
 * lists (govcd's GetStorageProfileByHref and GetMetadataByHref, for Terraform's vcd_org_vdc and
 * vcd_storage_profile); its admin view at `/api/admin/vdcStorageProfile/{id}` (govcd's GetStorageProfileById).
 * Readable by whoever may read the VDC (the admin view: and the org's AdminOrg); unknown ids, malformed ids and other
 * orgs' profiles are the same 403 as every inventory entity. Profiles carry no metadata in Tessera, so their Metadata
 * document is VCD's empty one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forbidden } from '../../domain/errors.js';
import { mayRead, readableOr403 } from '../../inventory/access.js';
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

  for (const admin of [false, true]) {
    const media = admin ? MEDIA.adminVdcStorageProfile : MEDIA.vdcStorageProfile;
    app.get(
      admin ? '/api/admin/vdcStorageProfile/:id' : '/api/vdcStorageProfile/:id',
      {
        schema: readByIdSchema(
          IdParams,
          admin
            ? operation("One of a VDC's storage profiles (admin view)", media, 'AdminVdcStorageProfile')
            : operation("One of a VDC's storage profiles", media, 'VdcStorageProfile'),
        ),
      },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const { vdc, profile } = await load(request, principal);
        // The admin view is read like the AdminVdc: the VDC and the org's admin view.
        if (admin && !mayRead(principal, 'adminOrg', vdc.org_id)) throw forbidden();
        const used = await storageUsedMbByProfile(app.tessera.store.db, vdc.id);
        const tree = vdcStorageProfileTree(baseUrl(request), vdc.id, profile, used.get(profile.name) ?? 0, admin);
        return sendDocument(request, reply, media, tree);
      },
    );
  }

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
