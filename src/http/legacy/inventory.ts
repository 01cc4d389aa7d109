/**
 * Inventory entity documents under /api (vcd-clients §1.6 and §6): OrgList, Org (linking its VDCs and catalogs), Vdc, VApp,
 * VAppTemplate and Vm, and each one's Metadata (`<href>/metadata`, with or without the trailing slash that
 * govcd sends) and its entries by key (`<href>/metadata/[SYSTEM/]{key}`, govcd's GetMetadataByKey). XML, the documents govcd and pyvcloud decode; VCD JSON (`<type>+json`) for `Accept:
 * application/*+json`, rendered from the same document trees (inventory/document-tree.ts). The AdminOrg itself
 * is served with the org admin API (admin-orgs.ts).
 *
 * Unknown ids, malformed ids and entities of other orgs all answer the same 403 (inventory/access.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { sendDocument } from './send-document.js';
import { forbidden } from '../../domain/errors.js';
import { can } from '../../domain/policy.js';
import { mayRead, readableOr403, type ReadableKind } from '../../inventory/access.js';
import { listCatalogsOfOrg } from '../../inventory/catalogs.js';
import {
  MEDIA,
  adminOrgHref,
  adminVdcHref,
  idFromPathSegment,
  orgHref,
  vappHref,
  vdcHref,
  vmHref,
  type UrnKind,
} from '../../inventory/hrefs.js';
import {
  getVdc,
  listExtraConfigOfVms,
  listMetadata,
  listVAppsOfVdc,
  listVdcsOfOrg,
  listVmExtraConfig,
  listVmsOfVApp,
  type Vdc,
} from '../../inventory/repository.js';
import type { Store } from '../../store/store.js';
import { inventoryScope } from '../../inventory/scope.js';
import { loadVAppSections } from '../../inventory/vapp-context.js';
import { loadByRef as loadRef } from './vapp-refs.js';
import { orgListTree, orgTree } from '../../inventory/documents/org.js';
import { vdcComputePolicyReferencesTree, vdcTree, vmAffinityRulesTree } from '../../inventory/documents/vdc.js';
import { VM_NAMESPACES, vappTree, vmTree } from '../../inventory/documents/vapp.js';
import type { EntityLink } from '../../inventory/documents/metadata.js';
import type { MetadataEntityKind } from '../../inventory/schema.js';
import { IdParams, RefParams, TAG, readByIdSchema, readSchema } from './contract.js';
import { IdKeyParams, METADATA_ENTRY_PATHS, RefKeyParams, sendMetadataDocument, sendMetadataEntry } from './send-metadata.js';

/** The bare UUID of an `{id}` path segment (UUID or URN), or the 403 every unknown entity gets. */
function pathId(segment: string, kind: UrnKind): string {
  const id = idFromPathSegment(segment, kind);
  if (!id) throw forbidden();
  return id;
}

/**
 * The VDC a path's `{id}` names, if the caller may read it ("Organization VDC: View"); otherwise the 403 of every
 * inventory entity. Shared with the VDC's access-control route (control-access.ts).
 */
export async function readableVdc(store: Store, principal: Principal, segment: string): Promise<Vdc> {
  return readableOr403(principal, 'vdc', await getVdc(store, pathId(segment, 'vdc')));
}

async function sendMetadata(
  request: FastifyRequest,
  reply: FastifyReply,
  principal: Principal,
  kind: MetadataEntityKind,
  entityId: string,
  entity: EntityLink,
  writable = false,
) {
  const rows = await listMetadata(request.server.tessera.store, kind, [entityId], {
    includePrivate: inventoryScope(principal).kind === 'all',
  });
  return sendMetadataDocument(request, reply, entity, rows, writable);
}

export const legacyInventoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = () => app.tessera.store;

  // ---------------------------------------------------------------- orgs
  const inventory = (summary: string, media: string | readonly string[], description: string) => ({
    summary,
    tag: TAG.inventory,
    media,
    description,
  });

  app.get(
    '/api/org',
    { schema: readSchema(inventory('The orgs the caller may see', MEDIA.orgList, 'OrgList')) },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const scope = inventoryScope(principal);
      const orgs = scope.kind === 'all' ? await store().listOrgs() : [await store().getOrg(scope.orgId)].filter((o) => o !== undefined);
      return sendDocument(request, reply, MEDIA.orgList, orgListTree(baseUrl(request), orgs));
    },
  );

  const loadOrg = async (principal: Principal, segment: string, kind: ReadableKind) =>
    readableOr403(principal, kind, await store().getOrg(pathId(segment, 'org')));

  app.get('/api/org/:id', { schema: readByIdSchema(IdParams, inventory('One org', MEDIA.org, 'Org')) }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const org = await loadOrg(principal, request.params.id, 'org');
    const [vdcs, catalogs] = await Promise.all([
      listVdcsOfOrg(store(), org.id),
      mayRead(principal, 'vapp', org.id) ? listCatalogsOfOrg(store(), org.id) : null,
    ]);
    return sendDocument(request, reply, MEDIA.org, orgTree(baseUrl(request), org, vdcs, catalogs));
  });

  app.get(
    '/api/org/:id/metadata',
    { schema: readByIdSchema(IdParams, inventory("An org's metadata", MEDIA.metadata, 'Metadata')) },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const org = await loadOrg(principal, request.params.id, 'org');
      return sendMetadata(request, reply, principal, 'org', org.id, { href: orgHref(baseUrl(request), org.id), type: MEDIA.org });
    },
  );

  app.get(
    '/api/admin/org/:id/metadata',
    { schema: readByIdSchema(IdParams, inventory("An org's metadata (admin view)", MEDIA.metadata, 'Metadata')) },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const org = await loadOrg(principal, request.params.id, 'adminOrg');
      // Written at this href by the provider (org-metadata.ts): its writers' links for whoever may (org.manage).
      const entity = { href: adminOrgHref(baseUrl(request), org.id), type: MEDIA.adminOrg };
      return sendMetadata(request, reply, principal, 'org', org.id, entity, can(principal, 'org.manage'));
    },
  );

  // ---------------------------------------------------------------- VDCs
  const loadVdc = (principal: Principal, segment: string) => readableVdc(store(), principal, segment);

  app.get('/api/vdc/:id', { schema: readByIdSchema(IdParams, inventory('One VDC', MEDIA.vdc, 'Vdc')) }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const vdc = await loadVdc(principal, request.params.id);
    const [org, vapps] = await Promise.all([store().getOrg(vdc.org_id), listVAppsOfVdc(store(), vdc.id)]);
    return sendDocument(request, reply, MEDIA.vdc, vdcTree(baseUrl(request), vdc, org!, vapps));
  });

  // The admin view: read by whoever may read the VDC and the org's admin view (as the AdminOrg that lists it).
  app.get(
    '/api/admin/vdc/:id',
    { schema: readByIdSchema(IdParams, inventory('One VDC (admin view)', MEDIA.adminVdc, 'AdminVdc')) },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const vdc = await loadVdc(principal, request.params.id);
      if (!mayRead(principal, 'adminOrg', vdc.org_id)) throw forbidden();
      const [org, vapps] = await Promise.all([store().getOrg(vdc.org_id), listVAppsOfVdc(store(), vdc.id)]);
      return sendDocument(request, reply, MEDIA.adminVdc, vdcTree(baseUrl(request), vdc, org!, vapps, true));
    },
  );

  // Its compute policies (pyvcloud's VDC.list_compute_policies), linked from both views: read like the VDC.
  app.get(
    '/api/admin/vdc/:id/computePolicies',
    {
      schema: readByIdSchema(
        IdParams,
        inventory("A VDC's compute policies: VCD's System Default", MEDIA.vdcComputePolicyReferences, 'VdcComputePolicyReferences'),
      ),
    },
    async (request, reply) => {
      const vdc = await loadVdc(requirePrincipal(request), request.params.id);
      return sendDocument(request, reply, MEDIA.vdcComputePolicyReferences, vdcComputePolicyReferencesTree(baseUrl(request), vdc));
    },
  );

  // Its VM affinity rules (none; govcd's Vdc.GetAllVmAffinityRuleList follows the Vdc's link): read like the VDC.
  app.get(
    '/api/vdc/:id/vmAffinityRules',
    {
      schema: readByIdSchema(IdParams, inventory("A VDC's VM affinity rules (none in Tessera)", MEDIA.vmAffinityRules, 'VmAffinityRules')),
    },
    async (request, reply) => {
      const vdc = await loadVdc(requirePrincipal(request), request.params.id);
      return sendDocument(request, reply, MEDIA.vmAffinityRules, vmAffinityRulesTree(baseUrl(request), vdc));
    },
  );

  // A VDC's metadata, under its tenant href and under the admin view's (the AdminOrg lists the admin hrefs, and
  // Terraform's data "vcd_org_vdc" reads `{AdminVdc href}/metadata/`); the admin one is read like the admin view.
  for (const [prefix, adminView] of [
    ['/api/vdc', false],
    ['/api/admin/vdc', true],
  ] as const) {
    const loadVdcView = async (principal: Principal, id: string) => {
      const vdc = await loadVdc(principal, id);
      if (adminView && !mayRead(principal, 'adminOrg', vdc.org_id)) throw forbidden();
      return vdc;
    };
    const viewOf = (base: string, id: string) =>
      adminView ? { href: adminVdcHref(base, id), type: MEDIA.adminVdc } : { href: vdcHref(base, id), type: MEDIA.vdc };
    app.get(
      `${prefix}/:id/metadata`,
      { schema: readByIdSchema(IdParams, inventory(`A VDC's metadata${adminView ? ' (admin view)' : ''}`, MEDIA.metadata, 'Metadata')) },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const vdc = await loadVdcView(principal, request.params.id);
        return sendMetadata(request, reply, principal, 'vdc', vdc.id, viewOf(baseUrl(request), vdc.id));
      },
    );

    for (const { segment, system, summary: domainSummary } of METADATA_ENTRY_PATHS) {
      app.get(
        `${prefix}/:id/metadata/${segment}:key`,
        {
          schema: readByIdSchema(
            IdKeyParams,
            inventory(
              `One metadata entry of a VDC${domainSummary}${adminView ? ' (admin view)' : ''}`,
              MEDIA.metadataValue,
              'MetadataValue',
            ),
          ),
        },
        async (request, reply) => {
          const principal = requirePrincipal(request);
          const vdc = await loadVdcView(principal, request.params.id);
          const target = { kind: 'vdc' as const, entityId: vdc.id, entityHref: viewOf(baseUrl(request), vdc.id).href, what: 'The VDC' };
          return sendMetadataEntry(request, reply, principal, target, request.params.key, system);
        },
      );
    }
  }

  // ---------------------------------------------------------------- vApps, templates and VMs
  const loadByRef = (principal: Principal, ref: string, underTemplates: boolean) => loadRef(store(), principal, ref, underTemplates);

  for (const [prefix, underTemplates] of [
    ['/api/vApp', false],
    ['/api/vAppTemplate', true],
  ] as const) {
    const what = underTemplates ? 'vApp template' : 'vApp';
    const media = [underTemplates ? MEDIA.vAppTemplate : MEDIA.vApp, MEDIA.vm];
    app.get(
      `${prefix}/:ref`,
      { schema: readByIdSchema(RefParams, inventory(`One ${what} or one of its VMs`, media, `${what} or Vm`)) },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const base = baseUrl(request);
        const found = await loadByRef(principal, request.params.ref, underTemplates);
        if (found.kind === 'vm') {
          const extraConfig = await listVmExtraConfig(store(), found.vm.id);
          return sendDocument(request, reply, MEDIA.vm, vmTree(base, found.vm, extraConfig, VM_NAMESPACES));
        }
        const vms = await listVmsOfVApp(store(), found.vapp.id);
        const extraConfig = await listExtraConfigOfVms(
          store(),
          vms.map((vm) => vm.id),
        );
        const mediaType = underTemplates ? MEDIA.vAppTemplate : MEDIA.vApp;
        const sections = underTemplates ? undefined : await loadVAppSections(store(), found.vapp, vms);
        return sendDocument(request, reply, mediaType, vappTree(base, found.vapp, vms, extraConfig, sections));
      },
    );

    app.get(
      `${prefix}/:ref/metadata`,
      { schema: readByIdSchema(RefParams, inventory(`The metadata of a ${what} or VM`, MEDIA.metadata, 'Metadata')) },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const base = baseUrl(request);
        const found = await loadByRef(principal, request.params.ref, underTemplates);
        if (found.kind === 'vm') {
          return sendMetadata(request, reply, principal, 'vm', found.vm.id, {
            href: vmHref(base, found.vm.id, underTemplates),
            type: MEDIA.vm,
          });
        }
        const href = vappHref(base, found.vapp.id, underTemplates);
        return sendMetadata(request, reply, principal, 'vapp', found.vapp.id, {
          href,
          type: underTemplates ? MEDIA.vAppTemplate : MEDIA.vApp,
        });
      },
    );

    for (const { segment, system, summary: domainSummary } of METADATA_ENTRY_PATHS) {
      app.get(
        `${prefix}/:ref/metadata/${segment}:key`,
        {
          schema: readByIdSchema(
            RefKeyParams,
            inventory(`One metadata entry of a ${what} or VM${domainSummary}`, MEDIA.metadataValue, 'MetadataValue'),
          ),
        },
        async (request, reply) => {
          const principal = requirePrincipal(request);
          const base = baseUrl(request);
          const found = await loadByRef(principal, request.params.ref, underTemplates);
          const target =
            found.kind === 'vm'
              ? { kind: 'vm' as const, entityId: found.vm.id, entityHref: vmHref(base, found.vm.id, underTemplates), what: 'The VM' }
              : {
                  kind: 'vapp' as const,
                  entityId: found.vapp.id,
                  entityHref: vappHref(base, found.vapp.id, underTemplates),
                  what: underTemplates ? 'The vApp template' : 'The vApp',
                };
          return sendMetadataEntry(request, reply, principal, target, request.params.key, system);
        },
      );
    }
  }
};
