/**
 * `/cloudapi/1.0.0/serviceAccounts` and `/cloudapi/1.0.0/deviceLookup` (vcd-wire §11), as go-vcloud-director's
 * service_account.go calls them: read, list (FIQL, paging capped at 32 as VCD's), update, delete, revoke, and
 * an administrator's grant or denial of a pending device-flow request by its user code. Missing and not visible
 * are both 403 (vcd-wire §7).
 */
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { byIdRoute, deleteByIdRoute, DeviceLookupBody, IdParams, listRoute, ServiceAccountBody } from './schemas.js';
import { CLOUDAPI_BODY_ERRORS, Empty, NO_CONTENT, NOT_FOUND, ServiceAccountEntity, ServiceAccountPage } from './responses.js';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import type { Services } from '../context.js';
import { forbidden, badRequest, notFound, tooManyRequests } from '../../domain/errors.js';
import { can, hasProviderView } from '../../domain/policy.js';
import type { Principal } from '../../domain/principal.js';
import { visibleStatus, type ServiceAccountRow } from '../../auth/service-accounts.js';
import { listPage, type ListFields } from './list-query.js';
import { isoInstant } from '../../domain/instant.js';

/** VCD's spec: `pageSize` maximum 32 on this list ("VCD has a pageSize limit on this specific endpoint", govcd). */
export const SERVICE_ACCOUNT_MAX_PAGE_SIZE = 32;

const ID = /^(?:urn:vcloud:serviceAccount:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const UUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function accountId(param: string): string {
  const m = ID.exec(param);
  if (!m) throw forbidden();
  return m[1]!;
}

/**
 * The org a request acts in: a provider may name one with `X-VMWARE-VCLOUD-TENANT-CONTEXT` (a bare UUID, as
 * govcd sends it, or a URN); anyone else acts in their own org, whatever the header says (as cloudapi/identity.ts).
 */
async function contextOrg(services: Services, request: FastifyRequest, principal: Principal): Promise<string | null> {
  const header = request.headers['x-vmware-vcloud-tenant-context'];
  if (typeof header === 'string' && header.trim() !== '' && hasProviderView(principal)) {
    const m = UUID_AT_END.exec(header.trim());
    const org = m ? await services.store.getOrg(m[1]!.toLowerCase()) : undefined;
    if (!org) throw forbidden('The tenant context names no organization');
    return org.id;
  }
  return null;
}

interface Named {
  row: ServiceAccountRow;
  roleName: string;
  orgName: string;
}

/** The ServiceAccount entity (SPEC 37.2) plus Tessera's last-use extensions, which clients ignore. */
function entity(n: Named) {
  const { row } = n;
  let ips: string[] = [];
  try {
    ips = JSON.parse(row.last_used_ips) as string[];
  } catch {
    ips = [];
  }
  return {
    id: `urn:vcloud:serviceAccount:${row.id}`,
    name: row.name,
    softwareId: row.software_id,
    softwareVersion: row.software_version,
    role: { name: n.roleName, id: `urn:vcloud:role:${row.role_id}` },
    uri: row.client_uri,
    org: { name: n.orgName, id: `urn:vcloud:org:${row.org_id}` },
    status: visibleStatus(row),
    // Tessera extensions.
    createdTimeUtc: isoInstant(row.created_at),
    lastUsedTimeUtc: isoInstant(row.last_used_at),
    lastUsedIpAddresses: ips,
    // When the authorization ends (the org's lifetime policy at activation); null: no limit or not active.
    expirationTimeUtc: visibleStatus(row) === 'ACTIVE' ? isoInstant(row.authorized_until) : null,
  };
}

async function withNames(services: Services, rows: ServiceAccountRow[]): Promise<Named[]> {
  const roles = new Map<string, string>();
  const orgs = new Map<string, string>();
  for (const row of rows) {
    if (!roles.has(row.role_id)) roles.set(row.role_id, (await services.store.getRole(row.role_id))?.name ?? '');
    if (!orgs.has(row.org_id)) orgs.set(row.org_id, (await services.store.getOrg(row.org_id))?.name ?? '');
  }
  return rows.map((row) => ({ row, roleName: roles.get(row.role_id)!, orgName: orgs.get(row.org_id)! }));
}

const FIELDS: ListFields<Named> = {
  id: { read: (n) => `urn:vcloud:serviceAccount:${n.row.id}`, type: 'ref' },
  name: { read: (n) => n.row.name },
  softwareId: { read: (n) => n.row.software_id },
  softwareVersion: { read: (n) => n.row.software_version },
  uri: { read: (n) => n.row.client_uri },
  status: { read: (n) => visibleStatus(n.row) },
  'role.name': { read: (n) => n.roleName },
  'role.id': { read: (n) => n.row.role_id, type: 'ref' },
  'org.name': { read: (n) => n.orgName },
  'org.id': { read: (n) => n.row.org_id, type: 'ref' },
};

export const cloudapiServiceAccountRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const services = app.tessera;
  const accounts = services.serviceAccounts;

  app.get('/cloudapi/1.0.0/serviceAccounts', listRoute(ServiceAccountPage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const rows = await accounts.listVisible(principal, await contextOrg(services, request, principal));
    const page = await listPage(
      request,
      reply,
      await withNames(services, rows),
      FIELDS,
      entity,
      'ServiceAccounts',
      SERVICE_ACCOUNT_MAX_PAGE_SIZE,
    );
    return sendCloudapiJson(request, reply, 200, page);
  });

  app.get('/cloudapi/1.0.0/serviceAccounts/:id', byIdRoute(ServiceAccountEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const row = await accounts.getVisible(principal, accountId(request.params.id));
    const [named] = await withNames(services, [row]);
    return sendCloudapiJson(request, reply, 200, entity(named!));
  });

  app.put(
    '/cloudapi/1.0.0/serviceAccounts/:id',
    { schema: { params: IdParams, body: ServiceAccountBody, response: { 200: ServiceAccountEntity, ...CLOUDAPI_BODY_ERRORS } } },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const input = request.body;
      const updated = await accounts.update(
        principal,
        accountId(request.params.id),
        {
          roleId: input.role?.id,
          uri: input.uri,
          softwareId: input.softwareId,
          softwareVersion: input.softwareVersion,
        },
        request.ip,
      );
      const [named] = await withNames(services, [updated]);
      return sendCloudapiJson(request, reply, 200, entity(named!));
    },
  );

  // 204 rather than VCD's 202 + task: govcd's OpenApiDeleteItem accepts both, and the delete is done when answered.
  app.delete('/cloudapi/1.0.0/serviceAccounts/:id', deleteByIdRoute, async (request, reply) => {
    const principal = requirePrincipal(request);
    await accounts.remove(principal, accountId(request.params.id), request.ip);
    return reply.code(204).send();
  });

  app.post('/cloudapi/1.0.0/serviceAccounts/:id/revoke', deleteByIdRoute, async (request, reply) => {
    const principal = requirePrincipal(request);
    await accounts.revoke(principal, accountId(request.params.id), request.ip);
    return reply.code(204).send();
  });

  /**
   * User codes tried per user, looked up or decided: an administrator types a few; a loop guessing them among the
   * 20^8 is refused (429) past USER_CODES_PER_MINUTE (RFC 8628 §5.1). Until 2026-12-05 nothing limited it.
   */
  const limitUserCodes = (principal: Principal) => {
    const wait = services.limits.userCodes.hit(principal.userId);
    if (wait > 0) throw tooManyRequests(wait, 'Too many user codes tried; retry later');
  };

  // `POST /deviceLookup {"userCode"}`: 303 to the service account a pending request is for, or 404 (VCD docs).
  const lookupResponses = {
    303: Empty('Found: Location names the service account the pending request is for'),
    ...NOT_FOUND,
    ...CLOUDAPI_BODY_ERRORS,
  } as const;
  app.post('/cloudapi/1.0.0/deviceLookup', { schema: { body: DeviceLookupBody, response: lookupResponses } }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const orgId = (await contextOrg(services, request, principal)) ?? principal.orgId;
    // Who may not see service accounts learns nothing, not even whether a code is pending.
    if (!can(principal, 'serviceAccount.view', { orgId })) throw forbidden();
    limitUserCodes(principal);
    const row = await accounts.pendingByUserCode(orgId, request.body.userCode);
    if (!row) throw notFound('No pending authorization request has this user code');
    await accounts.getVisible(principal, row.id);
    reply.header('Location', `/cloudapi/1.0.0/serviceAccounts/urn:vcloud:serviceAccount:${row.id}`);
    return reply.code(303).send();
  });

  for (const [suffix, grant] of [
    ['grant', true],
    ['deny', false],
  ] as const) {
    const decideResponses = { ...NO_CONTENT, ...CLOUDAPI_BODY_ERRORS } as const;
    app.post(
      `/cloudapi/1.0.0/deviceLookup/${suffix}`,
      { schema: { body: DeviceLookupBody, response: decideResponses } },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const orgId = (await contextOrg(services, request, principal)) ?? principal.orgId;
        limitUserCodes(principal);
        await accounts.decide(principal, orgId, request.body.userCode, grant, request.ip);
        return reply.code(204).send();
      },
    );
  }
};
