/**
 * `GET /api/admin` (and `/api/admin/`, the href the System administrator's Session links to): the admin
 * `VCloud` document, where go-vcloud-director's `GetVcdVersion` / `GetVcdFullVersion` read the product
 * version (and TFP and govcd's session logging call it after sign-in).
 *
 * Who may read it: as in VCD, System administrators and org administrators; anyone whose role may read
 * AdminOrg documents ("Organization: View", policy action `adminView.read`), API-token sessions included
 * (CAPVCD's controllers run on one). It references the orgs whose AdminOrg that principal may read: every
 * org for a System administrator, the own org for everyone else. Others get VCD's 403.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { can } from '../../domain/policy.js';
import { vcdVersionDescription } from '../../domain/product-version.js';
import { mayRead } from '../../inventory/access.js';
import { adminVCloudTree } from '../../inventory/documents/admin-vcloud.js';
import { MEDIA } from '../../inventory/hrefs.js';
import { inventoryScope } from '../../inventory/scope.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { forbidden } from '../../domain/errors.js';
import { sendDocument } from './send-document.js';
import { TAG, readSchema } from './contract.js';

const adminSchema = readSchema({
  summary: 'The admin VCloud document: product version, and the orgs whose AdminOrg the caller may read',
  tag: TAG.admin,
  media: MEDIA.adminVCloud,
  description: 'VCloud (admin)',
});

export const legacyAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/admin', { schema: adminSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    if (!can(principal, 'adminView.read')) throw forbidden();
    const store = app.tessera.store;
    const candidates =
      inventoryScope(principal).kind === 'all'
        ? await store.listOrgs()
        : [await store.getOrg(principal.orgId)].filter((o) => o !== undefined);
    const orgs = candidates.filter((o) => mayRead(principal, 'adminOrg', o.id));
    return sendDocument(
      request,
      reply,
      MEDIA.adminVCloud,
      adminVCloudTree(baseUrl(request), vcdVersionDescription(), orgs, can(principal, 'org.manage')),
    );
  });
};
