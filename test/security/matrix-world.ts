/**
 * The people and objects the authorization matrix acts with, made directly through the services and the store
 * (not through the routes under test): the demo orgs acme and globex, their callers, and per org one object of
 * each kind a path can name. Mutating calls get a fresh object each (`fresh`), so a DELETE that is allowed
 * never removes a fixture a later row reads, and a refused one can be checked for "nothing changed".
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Harness } from './route-harness.js';
import type { Principal } from '../../src/domain/principal.js';
import type { OAuthOrgPath } from '../../src/auth/api-tokens.js';
import { DEMO_PASSWORD, ADMIN_PASSWORD } from '../helpers/tessera.js';
import { SYSTEM_ORG_ID, RIGHTS, PREDEFINED_ROLES } from '../../src/domain/rights.js';
import { generateApiToken, hashApiToken, apiTokenStart } from '../../src/domain/api-token-format.js';
import { rightId } from '../../src/domain/rights.js';
import { createOrgWithRoles } from '../../src/auth/bootstrap.js';
import { storageProfileId } from '../../src/inventory/storage-profiles.js';
import { catalogId, catalogItemId } from '../../src/inventory/catalogs.js';
import { orgVdcNetworkId } from '../../src/inventory/org-vdc-networks.js';
import { vappNetworkId } from '../../src/inventory/vapp-networks.js';

export type OrgKey = 'acme' | 'globex' | 'system';
export type TenantOrg = 'acme' | 'globex';

/** Which column of a policy entry a caller is judged by on objects of its own org. */
export type CallerRole = 'anonymous' | 'admin' | 'token' | 'limited' | 'system' | 'readOnlyToken';

export interface Caller {
  /** For messages: alice, alice-token, carol, hank, administrator, anonymous. */
  readonly name: string;
  readonly role: CallerRole;
  readonly org: OrgKey | null;
  readonly userId: string | null;
  readonly sessionId: string | null;
  /** The access token sent as Bearer (API) or as the portal's session cookie; null when anonymous. */
  readonly accessToken: string | null;
  /** A new session of the same person and kind, for calls that end the session they are made with. */
  fresh(): Promise<Caller>;
}

export interface OrgObjects {
  readonly orgId: string;
  readonly orgName: string;
  /** Another user of the org than the callers: bob in acme, gina in globex. */
  readonly userId: string;
  /** A live password session of that user. */
  readonly sessionId: string;
  /** A minted API token of that user. */
  readonly tokenId: string;
  readonly groupId: string;
  /** A custom (writable) role. */
  readonly roleId: string;
  /** A rights bundle published to this org only. */
  readonly bundleId: string;
  /** A service account (CREATED, role vApp User). */
  readonly serviceAccountId: string;
  /** A task about the org, started by its other user. */
  readonly taskId: string;
  readonly vdcId: string;
  /** The default storage profile of that VDC, and its org VDC network. */
  readonly storageProfileId: string;
  readonly networkId: string;
  readonly vappId: string;
  /** A network of that vApp (the one its first VM with a network is on). */
  readonly vappNetworkId: string;
  /** A VM of that vApp (the portal's VM detail page). */
  readonly vmId: string;
  readonly templateId: string;
  /** A VM of that template (its sections under /api/vAppTemplate). */
  readonly templateVmId: string;
  /** The catalog of that template, and the template's item in it. */
  readonly catalogId: string;
  readonly catalogItemId: string;
}

export interface World {
  readonly harness: Harness;
  readonly callers: readonly Caller[];
  readonly orgs: Readonly<Record<TenantOrg, OrgObjects>>;
  readonly rightUrn: string;
  readonly globalRoleUrn: string;
  /** Role ids by org id and predefined role name (bodies of POST /users need one). */
  roleId(orgId: string, name: string): Promise<string>;
  orgIdOf(org: OrgKey): string;
  fresh: {
    user(org: TenantOrg): Promise<string>;
    group(org: TenantOrg): Promise<string>;
    role(org: TenantOrg): Promise<string>;
    bundle(org: TenantOrg): Promise<string>;
    /** A minted token of the org's other user (bob / gina). */
    token(org: TenantOrg): Promise<string>;
    /** A minted token of the caller itself, other than the one its session came from. */
    ownToken(caller: Caller): Promise<string>;
    session(org: TenantOrg): Promise<string>;
    /** A service account of the org (the System org's too: the provider's OAuth endpoints). */
    serviceAccount(org: OrgKey): Promise<string>;
    /** A service account waiting for a grant, and its user code. */
    pendingServiceAccount(org: OrgKey): Promise<{ id: string; userCode: string }>;
    /** An empty tenant org of its own (org lifecycle writes that would otherwise disable or delete acme). */
    org(enabled: boolean): Promise<string>;
    /**
     * A copy of the org's VDC, disabled and empty, and a copy of its vApp (in that VDC) whose VMs are powered off: the
     * inventory teardown routes (govcd's AdminOrg.Delete) that the provider may call delete or change them, not the
     * world's own.
     */
    vdc(org: TenantOrg): Promise<string>;
    vapp(org: TenantOrg): Promise<string>;
    /** A finished task about the org, started by its other user (bob / gina). */
    task(org: TenantOrg): Promise<string>;
  };
}

const IP = '127.0.0.1';
export const uniq = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function buildWorld(harness: Harness): Promise<World> {
  const { services, store } = harness;
  const org = async (name: string) => (await store.getOrgByName(name))!;
  const acme = await org('acme');
  const globex = await org('globex');

  const roleId = async (orgId: string, name: string) => (await store.getRoleByName(orgId, name))!.id;
  const passwords = new Map<string, string>();
  const makeUser = async (orgId: string, role: keyof typeof PREDEFINED_ROLES, name = uniq('m')) => {
    const password = `Matrix-${randomUUID()}`;
    const user = await services.users.create({ orgId, name, password, roleId: await roleId(orgId, role) });
    passwords.set(user.id, password);
    return user;
  };

  const signIn = async (userName: string, orgName: string, password: string) =>
    services.sessions.signIn({
      userName,
      orgName,
      password,
      totpCode: null,
      endpoint: orgName === 'System' ? 'provider' : 'tenant',
      ip: IP,
    });

  /** register + mint as the owner, as the portal does: the token and the token session it gives. */
  const mintToken = async (owner: Principal, accessToken: string, scope?: string) => {
    const path = owner.orgId === SYSTEM_ORG_ID ? ({ kind: 'provider' } as const) : ({ kind: 'tenant', orgName: owner.orgName } as const);
    const row = await services.apiTokens.register(owner, path, { name: uniq('matrix-token'), scope }, IP);
    const minted = await services.apiTokens.mint(path, row.id, accessToken, IP);
    return { tokenId: row.id, apiToken: minted.apiToken, path };
  };

  /** A token straight into the store: for owners whose role may not create one (the policy is not under test). */
  const storeToken = async (userId: string, orgId: string) => {
    const id = randomUUID();
    const token = generateApiToken();
    await store.insertApiToken({
      id,
      org_id: orgId,
      user_id: userId,
      name: uniq('matrix-stored'),
      type: 'REFRESH',
      secret_hash: null,
      token_start: null,
      created_at: Date.now(),
      minted_at: null,
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
      last_used_ips: '[]',
      created_ip: IP,
    });
    await store.mintApiToken(id, hashApiToken(token), apiTokenStart(token), Date.now());
    return id;
  };

  const passwordCaller = (name: string, role: CallerRole, orgKey: OrgKey, userName: string, orgName: string, password: string) => {
    const make = async (): Promise<Caller> => {
      const s = await signIn(userName, orgName, password);
      return {
        name,
        role,
        org: orgKey,
        userId: s.principal.userId,
        sessionId: s.principal.sessionId,
        accessToken: s.accessToken,
        fresh: make,
      };
    };
    return make();
  };

  const carolUser = await makeUser(acme.id, 'Console Access Only', 'carol');
  const gina = await makeUser(globex.id, 'vApp Author', 'gina');
  const alice = await passwordCaller('alice', 'admin', 'acme', 'alice', 'acme', DEMO_PASSWORD);
  const aliceSignIn = await signIn('alice', 'acme', DEMO_PASSWORD);
  const aliceToken = await mintToken(aliceSignIn.principal, aliceSignIn.accessToken);
  /** A caller whose session is made from an API token, afresh each time it is needed. */
  const tokenSessionCaller = (name: string, role: CallerRole, org: OrgKey, token: { path: OAuthOrgPath; apiToken: string }) => {
    const make = async (): Promise<Caller> => {
      const exchanged = await services.apiTokens.exchange(token.path, token.apiToken, IP);
      const principal = await services.authenticator.fromAccessToken(exchanged.accessToken);
      return {
        name,
        role,
        org,
        userId: principal.userId,
        sessionId: principal.sessionId,
        accessToken: exchanged.accessToken,
        fresh: make,
      };
    };
    return make;
  };
  const tokenCaller = tokenSessionCaller('alice-token', 'token', 'acme', aliceToken);
  // The System administrator's `read-only` token (every right of the role that only reads): the most a read-only
  // token can hold, so no write of the API may succeed for it (matrix-requests.ts judges it by that rule).
  const adminSignIn = await signIn('administrator', 'System', ADMIN_PASSWORD);
  const readOnlyToken = await mintToken(adminSignIn.principal, adminSignIn.accessToken, 'read-only');
  const readOnlyCaller = tokenSessionCaller('administrator-read-only-token', 'readOnlyToken', 'system', readOnlyToken);
  const anonymous: Caller = {
    name: 'anonymous',
    role: 'anonymous',
    org: null,
    userId: null,
    sessionId: null,
    accessToken: null,
    fresh: async () => anonymous,
  };
  const callers: Caller[] = [
    anonymous,
    alice,
    await tokenCaller(),
    await passwordCaller('carol', 'limited', 'acme', 'carol', 'acme', passwords.get(carolUser.id)!),
    await passwordCaller('hank', 'admin', 'globex', 'hank', 'globex', DEMO_PASSWORD),
    await passwordCaller('administrator', 'system', 'system', 'administrator', 'System', ADMIN_PASSWORD),
    await readOnlyCaller(),
  ];

  const inventoryOf = async (orgId: string) => {
    const vdc = await store.db
      .selectFrom('vdcs')
      .select(['id', 'storage_profile', 'network_name'])
      .where('org_id', '=', orgId)
      .where('network_name', 'is not', null)
      .orderBy('name')
      .executeTakeFirstOrThrow();
    const vapp = await store.db
      .selectFrom('vapps')
      .select('id')
      .where('org_id', '=', orgId)
      .where('is_template', '=', 0)
      .orderBy('name')
      .executeTakeFirstOrThrow();
    let template = await store.db
      .selectFrom('vapps')
      .select(['id', 'catalog_name'])
      .where('org_id', '=', orgId)
      .where('is_template', '=', 1)
      .orderBy('name')
      .executeTakeFirst();
    if (!template) {
      // globex's demo inventory has no template: make its last vApp one (in a catalog), so /api/vAppTemplate and
      // /api/catalog have a cross-org case.
      const last = await store.db
        .selectFrom('vapps')
        .select('id')
        .where('org_id', '=', orgId)
        .where('id', '<>', vapp.id)
        .orderBy('name', 'desc')
        .executeTakeFirstOrThrow();
      template = { id: last.id, catalog_name: 'matrix-catalog' };
      await store.db
        .updateTable('vapps')
        .set({ is_template: 1, catalog_name: template.catalog_name })
        .where('id', '=', template.id)
        .execute();
      await store.db.updateTable('vms').set({ is_template: 1 }).where('vapp_id', '=', template.id).execute();
    }
    const vm = await store.db.selectFrom('vms').select('id').where('vapp_id', '=', vapp.id).orderBy('name').executeTakeFirstOrThrow();
    const onNetwork = await store.db
      .selectFrom('vms')
      .select('network_name')
      .where('vapp_id', '=', vapp.id)
      .where('network_name', 'is not', null)
      .orderBy('name')
      .executeTakeFirstOrThrow();
    const templateVm = await store.db
      .selectFrom('vms')
      .select('id')
      .where('vapp_id', '=', template.id)
      .orderBy('name')
      .executeTakeFirstOrThrow();
    return {
      vdcId: vdc.id,
      storageProfileId: storageProfileId(vdc.id, vdc.storage_profile),
      networkId: orgVdcNetworkId(vdc.id, vdc.network_name!),
      vappId: vapp.id,
      vappNetworkId: vappNetworkId(vapp.id, onNetwork.network_name!),
      vmId: vm.id,
      templateId: template.id,
      templateVmId: templateVm.id,
      catalogId: catalogId(orgId, template.catalog_name!),
      catalogItemId: catalogItemId(template.id),
    };
  };

  const otherUserName = { acme: 'bob', globex: 'gina' } as const;
  const orgRow = { acme, globex } as const;
  const otherUser = async (key: TenantOrg) => (await store.getUserByName(orgRow[key].id, otherUserName[key]))!;
  const otherUserPassword = async (key: TenantOrg) => (key === 'acme' ? DEMO_PASSWORD : passwords.get((await otherUser(key)).id)!);

  const orgIdOfKey = (key: OrgKey) => (key === 'system' ? SYSTEM_ORG_ID : orgRow[key].id);
  /** Straight into the store, as storeToken: the policy of creating one is not what a fixture tests. */
  const storeServiceAccount = async (key: OrgKey, userCode: string | null) => {
    const orgId = orgIdOfKey(key);
    const id = randomUUID();
    const name = uniq('matrix-sa');
    await store.db
      .insertInto('service_accounts')
      .values({
        id,
        org_id: orgId,
        name,
        name_lower: name,
        software_id: randomUUID(),
        software_version: null,
        client_uri: null,
        role_id: await roleId(orgId, key === 'system' ? 'System Administrator' : 'vApp User'),
        status: userCode ? 'REQUESTED' : 'CREATED',
        created_by: null,
        created_at: Date.now(),
        device_code_hash: userCode ? createHash('sha256').update(randomUUID()).digest('hex') : null,
        user_code_hash: userCode ? createHash('sha256').update(userCode).digest('hex') : null,
        device_expires_at: userCode ? Date.now() + 600_000 : null,
        device_interval: userCode ? 5 : null,
        device_last_poll_at: null,
        granted_by: null,
        last_used_at: null,
        last_used_ips: '[]',
      })
      .execute();
    return id;
  };
  const userCode = () => Array.from({ length: 8 }, () => 'BCDFGHJKLMNPQRSTVWXZ'[randomInt(20)]).join('');

  const objectsByOrg: Partial<Record<TenantOrg, OrgObjects>> = {};
  const fresh: World['fresh'] = {
    user: async (key) => (await makeUser(orgRow[key].id, 'vApp User')).id,
    group: async (key) =>
      (
        await store.createGroup({
          id: randomUUID(),
          org_id: orgRow[key].id,
          name: uniq('matrix-group'),
          description: 'fixture',
          role_id: null,
          created_at: Date.now(),
        })
      ).id,
    role: async (key) =>
      (
        await store.createRole(
          {
            id: randomUUID(),
            org_id: orgRow[key].id,
            name: uniq('matrix-role'),
            description: 'fixture',
            read_only: 0,
            created_at: Date.now(),
          },
          [RIGHTS.vappView],
        )
      ).id,
    bundle: async (key) =>
      (
        await store.createRightsBundle({
          id: randomUUID(),
          name: uniq('matrix-bundle'),
          description: 'fixture',
          read_only: 0,
          rights: JSON.stringify([RIGHTS.vappView]),
          published_to: JSON.stringify([orgRow[key].id]),
          created_at: Date.now(),
        })
      ).id,
    token: async (key) => {
      const user = await otherUser(key);
      return storeToken(user.id, user.org_id);
    },
    ownToken: async (caller) => {
      const user = (await store.getUser(caller.userId!))!;
      return storeToken(user.id, user.org_id);
    },
    session: async (key) => {
      const user = await otherUser(key);
      return (await signIn(user.name, key, await otherUserPassword(key))).principal.sessionId;
    },
    serviceAccount: (key) => storeServiceAccount(key, null),
    pendingServiceAccount: async (key) => {
      const code = userCode();
      return { id: await storeServiceAccount(key, code), userCode: code };
    },
    org: async (enabled) => {
      const created = await createOrgWithRoles(store, { name: uniq('matrix-org') });
      if (!enabled) await store.updateOrg(created.id, { is_enabled: 0 });
      return created.id;
    },
    vdc: async (key) => {
      const world = await store.db.selectFrom('vdcs').selectAll().where('id', '=', objectsByOrg[key]!.vdcId).executeTakeFirstOrThrow();
      const id = randomUUID();
      await store.db
        .insertInto('vdcs')
        .values({ ...world, id, name: uniq('matrix-vdc'), is_enabled: 0, external_id: null, source: null, spec_hash: null })
        .execute();
      return id;
    },
    vapp: async (key) => {
      const vappId = objectsByOrg[key]!.vappId;
      const vapp = await store.db.selectFrom('vapps').selectAll().where('id', '=', vappId).executeTakeFirstOrThrow();
      const id = randomUUID();
      const copy = { external_id: null, source: null, spec_hash: null, status: 'POWERED_OFF', is_deployed: 0 };
      await store.db
        .insertInto('vapps')
        .values({ ...vapp, ...copy, id, name: uniq('matrix-vapp') })
        .execute();
      for (const vm of await store.db.selectFrom('vms').selectAll().where('vapp_id', '=', vappId).execute()) {
        await store.db
          .insertInto('vms')
          .values({ ...vm, ...copy, id: randomUUID(), vapp_id: id }) // its vapp_name: the trigger writes the copy's
          .execute();
      }
      return id;
    },
    task: async (key) => {
      const user = await otherUser(key);
      const now = Date.now();
      const id = randomUUID();
      await store.insertTask({
        id,
        org_id: orgRow[key].id,
        org_name: orgRow[key].name,
        status: 'success',
        operation_name: 'userUpdateUser',
        operation: 'fixture',
        progress: 100,
        owner_kind: 'user',
        owner_id: user.id,
        owner_name: user.name,
        user_id: user.id,
        user_name: user.name,
        user_org_id: orgRow[key].id,
        user_org_name: orgRow[key].name,
        error_code: null,
        error_status: null,
        error_message: null,
        started_at: now,
        ended_at: now,
        expires_at: now + 86_400_000,
      });
      return id;
    },
  };

  const objectsOf = async (key: TenantOrg): Promise<OrgObjects> => ({
    orgId: orgRow[key].id,
    orgName: orgRow[key].name,
    userId: (await otherUser(key)).id,
    sessionId: await fresh.session(key),
    tokenId: await fresh.token(key),
    groupId: await fresh.group(key),
    roleId: await fresh.role(key),
    bundleId: await fresh.bundle(key),
    serviceAccountId: await fresh.serviceAccount(key),
    taskId: await fresh.task(key),
    ...(await inventoryOf(orgRow[key].id)),
  });

  objectsByOrg.acme = await objectsOf('acme');
  objectsByOrg.globex = await objectsOf('globex');
  return {
    harness,
    callers,
    orgs: { acme: objectsByOrg.acme, globex: objectsByOrg.globex },
    rightUrn: `urn:vcloud:right:${rightId(RIGHTS.vappView)}`,
    globalRoleUrn: `urn:vcloud:globalRole:${rightId('global-role:vApp Author')}`,
    roleId,
    orgIdOf: (key) => (key === 'system' ? SYSTEM_ORG_ID : orgRow[key].id),
    fresh,
  };
}
