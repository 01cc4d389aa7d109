/**
 * How the matrix calls one route as one caller on one target: which objects fill the path, which column of the
 * policy judges the answer, and a body that would succeed for a caller who is allowed (so a 2xx means "allowed",
 * not "allowed but the body was wrong"). Also the state snapshot that proves a refused write changed nothing.
 */
import type { InjectOptions } from 'fastify';
import type { RegisteredRoute } from './route-harness.js';
import type { Caller, OrgKey, TenantOrg, World } from './matrix-world.js';
import { uniq } from './matrix-world.js';
import type { Column, Expect, PolicyEntry, SelfRole } from './route-policy.js';
import { csrfFrom, setCookiesOf } from '../portal/portal-client.js';
import { RIGHTS } from '../../src/domain/rights.js';
import { SYSTEM_DEFAULT_POLICY_ID } from '../../src/inventory/compute-policies.js';
import { urn } from '../../src/inventory/hrefs.js';
import { RIGHTS_CATEGORIES } from '../../src/inventory/rights-categories.js';

/** What a path parameter names. Kinds without an org (rights, global roles) have no cross-org case. */
type ObjectKind =
  | 'user'
  | 'group'
  | 'role'
  | 'bundle'
  | 'token'
  | 'session'
  | 'serviceAccount'
  | 'org'
  | 'vdc'
  | 'storageProfile'
  | 'network'
  | 'vappNetwork'
  | 'vapp'
  | 'vm'
  | 'template'
  | 'templateVm'
  | 'catalog'
  | 'catalogItem'
  | 'task'
  | 'global';

type Relation = 'own' | 'cross' | 'self' | 'foreignPortal';

export interface Cell {
  caller: Caller;
  relation: Relation;
  /** The org whose object (or portal, or OAuth endpoint) the path names. */
  home: OrgKey;
  /** The portal the call goes to, when it differs from `home`: a cross-org object asked for at one's own portal. */
  portalOrg?: OrgKey;
  column: Column;
  expect: Expect;
  /** Why the expectation may be wrong today (from the entry's `known`). */
  known: string | undefined;
  /** The caller has no principal where it calls (anonymous, or a cookie the portal does not accept there). */
  anonymousThere: boolean;
}

const API = '/cloudapi/1.0.0';
const VCLOUD = 'http://www.vmware.com/vcloud/v1.5';
const isPortal = (url: string) => url.startsWith('/tenant/') || url.startsWith('/provider');
const isTenantPortal = (url: string) => url.startsWith('/tenant/:org');
const isProviderArea = (url: string) => url.startsWith('/provider') || url.includes('/oauth/provider');
const writes = (method: string) => method !== 'GET' && method !== 'HEAD';

export function objectKind(url: string): ObjectKind | null {
  const rules: Array<[RegExp, ObjectKind]> = [
    [/\/(users|admin\/user)\/:(id|userId)/, 'user'],
    [/\/(groups|admin\/group)\/:id/, 'group'],
    [/\/(roles|admin\/role)\/:id/, 'role'],
    [/\/rightsBundles\/:id/, 'bundle'],
    [/\/tokens\/:id/, 'token'],
    [/\/sessions\/:id/, 'session'],
    [/\/serviceAccounts\/:id/, 'serviceAccount'],
    [/\/(orgs|org|admin\/org)\/:id/, 'org'],
    // An org's TasksList names the org by its id.
    [/\/api\/tasksList\/:id/, 'org'],
    [/\/(vdcs|vdc)\/:id/, 'vdc'],
    [/\/vdcStorageProfile\/:id/, 'storageProfile'],
    // Only a vApp network has allocated addresses (src/http/legacy/networks.ts).
    [/\/api\/(admin\/)?network\/:id\/allocatedAddresses$/, 'vappNetwork'],
    [/\/api\/(admin\/)?network\/:id/, 'network'],
    [/\/api\/(admin\/)?catalog\/:id/, 'catalog'],
    [/\/api\/catalogItem\/:id/, 'catalogItem'],
    // A VM's sections under /api/vApp/{ref} take a VM's ref (vm-<id>); the vApp's own take the vApp's.
    [
      /\/api\/vApp\/:ref\/(networkConnectionSection|guestCustomizationSection|vmCapabilities|virtualHardwareSection(\/\w+)?|operatingSystemSection|bootOptions|runtimeInfoSection|guestcustomizationstatus)$/,
      'vm',
    ],
    [/\/securityTags\/vm\/:id/, 'vm'],
    [/\/api\/vApp\/:ref/, 'vapp'],
    [/\/vms\/:vmId/, 'vm'],
    [
      /\/api\/vAppTemplate\/:ref\/(networkConnectionSection|guestCustomizationSection|vmCapabilities|virtualHardwareSection(\/\w+)?|operatingSystemSection|bootOptions|runtimeInfoSection|guestcustomizationstatus)$/,
      'templateVm',
    ],
    [/\/api\/vAppTemplate\/:ref/, 'template'],
    [/\/api\/task\/:id/, 'task'],
    [/\/(globalRoles|rights|rightsCategories|vdcComputePolicies|admin\/right)\/:id/, 'global'],
    // An org named in the path (OAuth endpoints, metadata): the org itself is the object.
    [/\/tenant\/:org/, 'org'],
  ];
  if (isPortal(url) && !/:(id|userId|vmId)/.test(url)) return null;
  return rules.find(([re]) => re.test(url))?.[1] ?? null;
}

const SELF_KINDS: ReadonlySet<ObjectKind> = new Set(['user', 'token', 'session']);
const otherOrg = (org: TenantOrg): TenantOrg => (org === 'acme' ? 'globex' : 'acme');

/** Every (relation, home) a caller is tried on for a route, and the column that judges each. */
export function cellsFor(route: RegisteredRoute, entry: PolicyEntry, caller: Caller): Cell[] {
  const kind = objectKind(route.url);
  const orgScoped = kind !== null && kind !== 'global';
  const cells: Array<Omit<Cell, 'expect' | 'known' | 'anonymousThere' | 'column'> & { column: Exclude<Column, 'readOnly'> }> = [];
  const portal = isPortal(route.url);
  if (caller.role === 'readOnlyToken') return readOnlyCells(route, caller, orgScoped);
  if (caller.role === 'anonymous') {
    cells.push({ caller, relation: 'own', home: isProviderArea(route.url) ? 'system' : 'acme', column: 'anonymous' });
  } else if (caller.role === 'system') {
    if (isProviderArea(route.url) || !portal) {
      const homes: OrgKey[] = orgScoped ? ['acme', 'globex'] : [isProviderArea(route.url) ? 'system' : 'acme'];
      for (const home of homes) cells.push({ caller, relation: 'own', home, column: 'system' });
    } else {
      // The System administrator at a tenant's portal: judged by the entry's `system` column (anonymous there).
      cells.push({ caller, relation: 'foreignPortal', home: 'acme', column: 'system' });
    }
  } else {
    const own = caller.org as TenantOrg;
    if (isProviderArea(route.url)) {
      cells.push({ caller, relation: portal ? 'foreignPortal' : 'cross', home: 'system', column: portal ? 'foreignPortal' : 'crossOrg' });
    } else {
      const role = caller.role as 'admin' | 'token' | 'limited';
      cells.push({ caller, relation: 'own', home: own, column: role });
      // At the portal an API-token session is nobody, wherever it goes: judged by the `token` column there too.
      const crossColumn = portal && caller.role === 'token' ? 'token' : 'crossOrg';
      if (orgScoped)
        cells.push({ caller, relation: 'cross', home: otherOrg(own), column: crossColumn, ...(portal ? { portalOrg: own } : {}) });
      if (portal && isTenantPortal(route.url))
        cells.push({ caller, relation: 'foreignPortal', home: otherOrg(own), column: 'foreignPortal' });
    }
  }
  if (entry.self !== undefined && kind !== null && SELF_KINDS.has(kind) && caller.role !== 'anonymous') {
    // At the portal only a password session of the portal's own org is signed in.
    const inPortal = portal && (isProviderArea(route.url) ? caller.role === 'system' : caller.role !== 'system' && caller.role !== 'token');
    if (!portal || inPortal) cells.push({ caller, relation: 'self', home: caller.org!, column: 'self' });
  }
  return cells.map((c) => ({
    ...c,
    expect: expectationOf(entry, c.column, caller.role as SelfRole),
    known: entry.known?.[c.column],
    anonymousThere:
      caller.role === 'anonymous' ||
      (portal && (caller.role === 'token' || c.relation === 'foreignPortal' || (caller.role === 'system' && !isProviderArea(route.url)))),
  }));
}

const REFUSED: Expect = ['401', '403', '404', '4xx'];
const ANY_ANSWER: Expect = ['2xx', '3xx', '401', '403', '404', '4xx'];

/**
 * The System administrator's read-only token (matrix-world.ts), judged by one rule rather than by a column of every
 * entry: on /api and /cloudapi no write succeeds but the end of its own session (and a lookup made by POST), whatever
 * org the object is in; a read may answer anything but a 5xx. (At the portal and the OAuth endpoints a token session is judged by the
 * entries' `token` column already.) Until 2026-12-05 such a token created, disabled and deleted orgs.
 */
function readOnlyCells(route: RegisteredRoute, caller: Caller, orgScoped: boolean): Cell[] {
  if (!/^\/(api|cloudapi)\//.test(route.url)) return [];
  const endsOwnSession = route.method === 'DELETE' && /\/(api\/session|sessions|sessions\/current|sessions\/provider)$/.test(route.url);
  // A user code looked up (a 303 to the service account it is for): a read, by POST as VCD serves it.
  const readByPost = route.method === 'POST' && route.url === `${API}/deviceLookup`;
  const expect = writes(route.method) && !endsOwnSession && !readByPost ? REFUSED : ANY_ANSWER;
  const homes: OrgKey[] = orgScoped ? ['acme', 'globex'] : ['acme'];
  return homes.map((home) => ({ caller, relation: 'own', home, column: 'readOnly', expect, known: undefined, anonymousThere: false }));
}

function expectationOf(entry: PolicyEntry, column: Exclude<Column, 'readOnly'>, role: SelfRole): Expect {
  if (column === 'self') {
    const self = entry.self!;
    const value = typeof self === 'string' || Array.isArray(self) ? (self as Expect) : (self as Partial<Record<SelfRole, Expect>>)[role];
    if (value === undefined) throw new Error(`the entry's self column has no value for ${role}`);
    return value;
  }
  const value = entry[column];
  if (value === undefined) throw new Error(`the entry has no "${column}" column, which this route needs`);
  return value as Expect;
}

/** `/api/admin/org/{id}` writes that take an org out of service. */
function isOrgLifecycleWrite(route: RegisteredRoute): boolean {
  return (
    (route.method === 'DELETE' && route.url === '/api/admin/org/:id') ||
    route.url === '/api/admin/org/:id/action/disable' ||
    /^\/provider\/administration\/orgs\/:id\/(disable|delete)$/.test(route.url)
  );
}

/**
 * The inventory writes of govcd's AdminOrg.Delete (src/http/legacy/inventory-teardown.ts): the provider, who may, gets
 * a copy of the VDC or vApp (disabled and empty; powered off), so that what it deletes is not the world's.
 */
function isInventoryTeardown(route: RegisteredRoute): boolean {
  return (
    (route.method === 'DELETE' && (route.url === '/api/admin/vdc/:id' || route.url === '/api/vApp/:ref')) ||
    /^\/api\/admin\/vdc\/:id\/action\/(disable|enable)$/.test(route.url) ||
    route.url === '/api/vApp/:ref/action/undeploy'
  );
}

/** Routes after which the caller's session is gone: they get a session of their own. */
export function endsSession(route: RegisteredRoute, cell: Cell): boolean {
  if (route.method === 'DELETE' && /\/(api\/session|sessions|sessions\/current|sessions\/provider)$/.test(route.url)) return true;
  if (route.method === 'DELETE' && route.url.endsWith('/sessions/:id') && cell.relation === 'self') return true;
  return route.method === 'POST' && route.url.endsWith('/sign-out');
}

export interface PreparedCall {
  request: InjectOptions;
  /** The object a write targets: read before and after, equal when the write was refused. */
  snapshot: () => Promise<unknown>;
}

/** Path values, headers and body for one cell. `caller` may be a fresh session of cell.caller. */
export async function prepareCall(world: World, route: RegisteredRoute, cell: Cell, caller: Caller): Promise<PreparedCall> {
  const { store } = world.harness;
  const kind = objectKind(route.url);
  const portal = isPortal(route.url);
  const home = cell.home;
  const tenantHome = (home === 'system' ? 'acme' : home) as TenantOrg;
  const objects = world.orgs[tenantHome];
  const mutating = writes(route.method);

  // ---- the object the path names
  let objectId = '';
  let snapshotObject: () => Promise<unknown> = async () => null;
  if (kind !== null) {
    if (cell.relation === 'self') {
      objectId = kind === 'session' ? caller.sessionId! : kind === 'user' ? caller.userId! : await world.fresh.ownToken(caller);
    } else {
      switch (kind) {
        case 'user':
          objectId = mutating ? await world.fresh.user(tenantHome) : objects.userId;
          break;
        case 'group':
          objectId = mutating ? await world.fresh.group(tenantHome) : objects.groupId;
          break;
        case 'role':
          objectId = mutating ? await world.fresh.role(tenantHome) : objects.roleId;
          break;
        case 'bundle':
          objectId = mutating ? await world.fresh.bundle(tenantHome) : objects.bundleId;
          break;
        case 'token':
          objectId = mutating ? await world.fresh.token(tenantHome) : objects.tokenId;
          break;
        case 'session':
          objectId = mutating ? await world.fresh.session(tenantHome) : objects.sessionId;
          break;
        case 'serviceAccount':
          objectId = mutating ? await world.fresh.serviceAccount(tenantHome) : objects.serviceAccountId;
          break;
        case 'org':
          // Disabling or deleting acme or globex would end the world's sessions: the provider, who may, gets a
          // throwaway org (disabled and empty for DELETE, so the delete is allowed and succeeds).
          objectId =
            caller.role === 'system' && isOrgLifecycleWrite(route) ? await world.fresh.org(route.method !== 'DELETE') : objects.orgId;
          break;
        case 'task':
          objectId = objects.taskId;
          break;
        case 'vdc':
          objectId = caller.role === 'system' && isInventoryTeardown(route) ? await world.fresh.vdc(tenantHome) : objects.vdcId;
          break;
        case 'storageProfile':
          objectId = objects.storageProfileId;
          break;
        case 'network':
          objectId = objects.networkId;
          break;
        case 'vappNetwork':
          objectId = objects.vappNetworkId;
          break;
        case 'vapp':
          objectId = caller.role === 'system' && isInventoryTeardown(route) ? await world.fresh.vapp(tenantHome) : objects.vappId;
          break;
        case 'vm':
          objectId = objects.vmId;
          break;
        case 'template':
          objectId = objects.templateId;
          break;
        case 'templateVm':
          objectId = objects.templateVmId;
          break;
        case 'catalog':
          objectId = objects.catalogId;
          break;
        case 'catalogItem':
          objectId = objects.catalogItemId;
          break;
        case 'global':
          objectId = route.url.includes('globalRoles')
            ? world.globalRoleUrn
            : route.url.includes('vdcComputePolicies')
              ? urn('vdcComputePolicy', SYSTEM_DEFAULT_POLICY_ID)
              : route.url.includes('rightsCategories')
                ? urn('rightsCategory', RIGHTS_CATEGORIES[0]!.id)
                : world.rightUrn;
          break;
      }
    }
    const id = objectId;
    const reads: Partial<Record<ObjectKind, () => Promise<unknown>>> = {
      user: () => store.getUser(id),
      group: async () => [await store.getGroup(id), await store.groupMembers(id)],
      role: async () => [await store.getRole(id), await store.roleRights(id)],
      bundle: () => store.getRightsBundle(id),
      token: async () => (await store.getApiToken(id))?.revoked_at ?? 'missing',
      serviceAccount: async () =>
        (await store.db.selectFrom('service_accounts').selectAll().where('id', '=', id).executeTakeFirst()) ?? 'missing',
      // An org's metadata routes change its entries, not its row: the snapshot holds both.
      org: async () => [await store.getOrg(id), /\/metadata/.test(route.url) ? await orgMetadataRows(store, id) : null],
      // The inventory teardown routes change a VDC's row, or a vApp's and its VMs' states.
      vdc: async () => (await store.db.selectFrom('vdcs').selectAll().where('id', '=', id).executeTakeFirst()) ?? 'missing',
      vapp: async () => [
        (await store.db.selectFrom('vapps').selectAll().where('id', '=', id).executeTakeFirst()) ?? 'missing',
        await store.db.selectFrom('vms').select(['id', 'status', 'is_deployed']).where('vapp_id', '=', id).orderBy('id').execute(),
      ],
    };
    snapshotObject = reads[kind] ?? snapshotObject;
  }

  // An org's metadata entry by key: present in both domains before every call, so that a read finds it and an
  // allowed delete succeeds (and a refused one visibly leaves it).
  if (/\/metadata\/((GENERAL|SYSTEM)\/)?:key/.test(route.url)) {
    const entityKind = ({ org: 'org', vdc: 'vdc', vapp: 'vapp', template: 'vapp' } as const)[kind as 'org' | 'vdc' | 'vapp' | 'template'];
    if (!entityKind) throw new Error(`${route.method} ${route.url}: no metadata entry to put on a ${kind}`);
    await ensureMatrixMetadata(store, entityKind, objectId, world.orgIdOf(home));
  }

  // ---- the URL
  const pathOrg = cell.portalOrg ?? home;
  const orgName = pathOrg === 'system' ? 'System' : world.orgs[pathOrg].orgName;
  const urnKind: Partial<Record<ObjectKind, string>> = {
    user: 'user',
    group: 'group',
    role: 'role',
    bundle: 'rightsBundle',
    token: 'token',
    session: 'session',
    serviceAccount: 'serviceAccount',
    org: 'org',
    vdc: 'vdc',
    vm: 'vm',
  };
  const idValue = (param: string) => {
    if (param === 'org') return encodeURIComponent(orgName);
    // The inventory sync API (System only): a source name and a generation number, not an org-owned object.
    if (param === 'source') return 'matrix-agent';
    if (param === 'generation') return '1';
    if (param === '*') return 'app.css';
    if (param === 'key') return MATRIX_METADATA_KEY;
    if (kind === 'vapp') return `vapp-${objectId}`;
    if (kind === 'template') return `vappTemplate-${objectId}`;
    if (kind === 'vm' && route.url.startsWith('/api/vApp/')) return `vm-${objectId}`;
    if (kind === 'templateVm') return `vm-${objectId}`;
    if (kind === 'global') return objectId;
    // Portal paths take bare ids; the cloudapi takes URNs (as clients send them); /api takes bare ids too.
    if (portal || route.url.startsWith('/api/')) return objectId;
    return `urn:vcloud:${urnKind[kind!]}:${objectId}`;
  };
  const path = route.url.replace(/:([A-Za-z]+)|\*/g, (m, name: string | undefined) => idValue(name ?? '*'));

  // ---- headers and body
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (portal) {
    headers.accept = 'text/html';
    const cookies: string[] = [];
    if (caller.accessToken) cookies.push(`tessera_session=${caller.accessToken}`);
    if (mutating) {
      const form = await portalForm(world, route, path, caller, cookies);
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(form).toString();
    }
    if (cookies.length > 0) headers.cookie = cookies.join('; ');
  } else {
    if (caller.accessToken) headers.authorization = `Bearer ${caller.accessToken}`;
    headers.accept = route.url.startsWith('/api/')
      ? 'application/*+xml;version=37.0'
      : route.url.startsWith(API)
        ? 'application/json;version=37.0'
        : 'application/json';
    if (mutating) {
      const body = await apiBody(world, route, caller, cell, objectId);
      if (body !== undefined) {
        const xml = typeof body === 'string' && body.startsWith('<');
        headers['content-type'] = xml
          ? 'application/xml'
          : typeof body === 'string'
            ? 'application/x-www-form-urlencoded'
            : 'application/json';
        payload = typeof body === 'string' ? body : JSON.stringify(body);
      }
    }
  }

  const counts = async () => {
    const count = async (table: 'users' | 'groups' | 'roles' | 'api_tokens' | 'rights_bundles') =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      users: await count('users'),
      groups: await count('groups'),
      roles: await count('roles'),
      apiTokens: await count('api_tokens'),
      liveApiTokens: Number(
        (
          await store.db
            .selectFrom('api_tokens')
            .where('revoked_at', 'is', null)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      bundles: await count('rights_bundles'),
    };
  };
  return {
    request: { method: route.method as InjectOptions['method'], url: path, headers, ...(payload !== undefined ? { payload } : {}) },
    snapshot: async () => JSON.stringify({ object: await snapshotObject(), counts: await counts() }),
  };
}

/** The metadata key the org metadata routes are called with. */
const MATRIX_METADATA_KEY = 'matrix-key';

function orgMetadataRows(store: World['harness']['store'], orgId: string) {
  return store.db
    .selectFrom('metadata')
    .selectAll()
    .where('entity_kind', '=', 'org')
    .where('entity_id', '=', orgId)
    .orderBy('domain')
    .orderBy('key')
    .execute();
}

async function ensureMatrixMetadata(
  store: World['harness']['store'],
  entityKind: 'org' | 'vdc' | 'vapp',
  entityId: string,
  orgId: string,
): Promise<void> {
  for (const [domain, visibility] of [
    ['GENERAL', 'READWRITE'],
    ['SYSTEM', 'READONLY'],
  ] as const) {
    await store.db
      .insertInto('metadata')
      .values({
        entity_kind: entityKind,
        entity_id: entityId,
        org_id: orgId,
        domain,
        key: MATRIX_METADATA_KEY,
        value: 'matrix',
        value_type: 'MetadataStringValue',
        visibility,
      })
      .onConflict((oc) => oc.columns(['entity_kind', 'entity_id', 'domain', 'key']).doNothing())
      .execute();
  }
}

/** A body an allowed caller's request succeeds with. */
async function apiBody(world: World, route: RegisteredRoute, caller: Caller, cell: Cell, objectId: string): Promise<unknown> {
  const key = `${route.method} ${route.url}`;
  // One's own password, with a wrong current password: 400 for a password session, 403 for a token session.
  if (key === `PUT ${API}/users/:id` && cell.relation === 'self') return { password: 'Matrix-New-Password-42', currentPassword: 'wrong' };
  const callerOrgId = caller.org ? world.orgIdOf(caller.org) : world.orgIdOf('acme');
  switch (key) {
    case `POST ${API}/users`: {
      const role = caller.org === 'system' ? 'System Administrator' : 'vApp User';
      return {
        username: uniq('matrix-new'),
        password: 'Matrix-Password-123',
        roleEntityRefs: [{ id: `urn:vcloud:role:${await world.roleId(callerOrgId, role)}` }],
      };
    }
    case `PUT ${API}/users/:id`:
      return { fullName: uniq('Matrix') };
    case `POST ${API}/groups`: {
      // A group has exactly one role (a POST without one is a 400); one every allowed caller holds.
      const role = caller.org === 'system' ? 'System Administrator' : 'vApp User';
      return { name: uniq('matrix-new'), roleEntityRefs: [{ id: `urn:vcloud:role:${await world.roleId(callerOrgId, role)}` }] };
    }
    case `POST ${API}/roles`:
      return { name: uniq('matrix-new') };
    case `PUT ${API}/groups/:id`:
    case `PUT ${API}/roles/:id`:
    case `PUT ${API}/rightsBundles/:id`:
      return { description: uniq('changed') };
    case `PUT ${API}/roles/:id/rights`:
    case `POST ${API}/roles/:id/rights`:
    case `PUT ${API}/rightsBundles/:id/rights`:
      return { rights: [{ name: RIGHTS.vappView }] };
    case `POST ${API}/users/current/totp/confirm`:
      return { code: '000000' };
    case `DELETE ${API}/users/current/totp`:
      return { password: 'not-the-password', code: '000000' };
    case 'POST /api/admin/orgs':
      return `<AdminOrg xmlns="${VCLOUD}" name="${uniq('matrix-org')}"><FullName>Matrix</FullName><IsEnabled>true</IsEnabled></AdminOrg>`;
    case 'PUT /api/admin/org/:id': {
      // Today's values: an allowed PUT changes nothing (acme and globex stay as the other rows expect them).
      const org = (await world.harness.store.getOrg(objectId))!;
      return (
        `<AdminOrg xmlns="${VCLOUD}" name="${org.name}"><Description>${org.description}</Description>` +
        `<FullName>${org.full_name}</FullName>${org.is_enabled === 1 ? '<IsEnabled>true</IsEnabled>' : ''}</AdminOrg>`
      );
    }
    case 'POST /api/admin/org/:id/users': {
      const role = await world.roleId(world.orgIdOf(cell.home), cell.home === 'system' ? 'System Administrator' : 'vApp User');
      return (
        `<User xmlns="${VCLOUD}" name="${uniq('matrix-new')}"><IsEnabled>true</IsEnabled>` +
        `<Role href="https://tessera.invalid/api/admin/role/${role}"/><Password>Matrix-Password-123</Password></User>`
      );
    }
    case 'POST /api/admin/org/:id/metadata':
      return (
        `<Metadata xmlns="${VCLOUD}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><MetadataEntry>` +
        `<Domain visibility="READWRITE">GENERAL</Domain><Key>${MATRIX_METADATA_KEY}</Key>` +
        `<TypedValue xsi:type="MetadataStringValue"><Value>matrix</Value></TypedValue></MetadataEntry></Metadata>`
      );
    case 'PUT /api/admin/org/:id/metadata/:key':
    case 'PUT /api/admin/org/:id/metadata/GENERAL/:key':
    case 'PUT /api/admin/org/:id/metadata/SYSTEM/:key': {
      const system = route.url.includes('/SYSTEM/');
      return (
        `<MetadataValue xmlns="${VCLOUD}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
        `<Domain visibility="${system ? 'READONLY' : 'READWRITE'}">${system ? 'SYSTEM' : 'GENERAL'}</Domain>` +
        `<TypedValue xsi:type="MetadataStringValue"><Value>${uniq('matrix')}</Value></TypedValue></MetadataValue>`
      );
    }
    case 'PUT /api/admin/user/:id':
      return `<User xmlns="${VCLOUD}"><FullName>${uniq('Matrix')}</FullName><IsEnabled>true</IsEnabled></User>`;
    case 'POST /api/vApp/:ref/action/undeploy':
      return `<UndeployVAppParams xmlns="${VCLOUD}"><UndeployPowerAction>powerOff</UndeployPowerAction></UndeployVAppParams>`;
    case 'POST /api/admin/vdc/:id/action/disable':
    case 'POST /api/admin/vdc/:id/action/enable':
    case 'POST /api/admin/org/:id/action/disable':
    case 'POST /api/admin/org/:id/action/enable':
    case 'POST /api/admin/user/:id/action/unlock':
    case 'POST /api/admin/user/:id/action/takeOwnership':
      return undefined;
    case `PUT ${API}/orgs/:id/apiTokenPolicy`:
      // Today's value (no limit): an allowed PUT changes nothing either.
      return { maxLifetimeDays: null };
    case 'POST /oauth/provider/register':
    case 'POST /oauth/tenant/:org/register':
      return { client_name: uniq('matrix-registered') };
    case `PUT ${API}/serviceAccounts/:id`:
      return { uri: `https://example.com/${uniq('matrix')}` };
    case 'POST /oauth/provider/device_authorization':
    case 'POST /oauth/tenant/:org/device_authorization':
      // A service account of the org the path names: an allowed caller starts its device flow.
      return `client_id=${await world.fresh.serviceAccount(cell.home)}`;
    case `POST ${API}/deviceLookup`:
    case `POST ${API}/deviceLookup/grant`:
    case `POST ${API}/deviceLookup/deny`:
      // A pending request in the caller's own org (where the request acts without a tenant context).
      return { userCode: (await world.fresh.pendingServiceAccount(caller.org ?? 'acme')).userCode };
    case 'POST /oauth/provider/token':
    case 'POST /oauth/tenant/:org/token':
      return 'grant_type=refresh_token&refresh_token=tsr_not_a_real_token';
    case 'POST /oauth/provider/revoke':
    case 'POST /oauth/tenant/:org/revoke':
    case 'POST /oauth/provider/introspect':
    case 'POST /oauth/tenant/:org/introspect':
      return 'token=tsr_not_a_real_token';
    default:
      return route.method === 'DELETE' ? undefined : {};
  }
}

/**
 * A portal form: its fields, and the `_csrf` the caller would have from the page that holds it (so that the
 * answer is about authorization, not about a missing CSRF token). Callers with no such page send none.
 */
async function portalForm(world: World, route: RegisteredRoute, path: string, caller: Caller, cookies: string[]) {
  const base = path.startsWith('/provider') ? '/provider' : path.split('/').slice(0, 3).join('/');
  const fields: Record<string, string> = {};
  const page = route.csrf === 'signIn' ? `${base}/login` : route.csrf === 'session' ? `${base}/preferences` : null;
  if (page) {
    const res = await world.harness.app.inject({
      method: 'GET',
      url: page,
      headers: { accept: 'text/html', ...(cookies.length > 0 ? { cookie: cookies.join('; ') } : {}) },
    });
    for (const c of setCookiesOf(res)) if (c.value !== '') cookies.push(`${c.name}=${encodeURIComponent(c.value)}`);
    if (res.statusCode === 200 && res.body.includes('name="_csrf"')) fields._csrf = csrfFrom(res.body);
  }
  const byRoute: Record<string, Record<string, string>> = {
    '/login': { username: 'nobody', password: 'Not-The-Password-1' },
    '/login/code': { code: '000000' },
    '/preferences/totp/confirm': { code: '000000' },
    '/preferences/totp/disable': { password: 'Not-The-Password-1', code: '000000' },
    '/preferences/password': {
      currentPassword: 'Not-The-Password-1',
      newPassword: 'Matrix-New-Password-42',
      confirmPassword: 'Matrix-New-Password-42',
    },
    '/preferences/tokens': { name: uniq('matrix-portal'), expiresOn: '' },
    '/tokens/:id/revoke': { from: 'preferences' },
    '/preferences/time-zone': { timeZone: 'Europe/Paris' },
  };
  const tail = route.url.replace(/^\/tenant\/:org|^\/provider/, '');
  return { ...fields, ...(byRoute[tail] ?? {}) };
}
