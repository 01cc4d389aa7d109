/**
 * The Store contract (src/store/store.ts), one suite run against both backends: SQLite on a temp file and
 * PostgreSQL on a fresh database (TESSERA_TEST_DATABASE_URL; see backends.ts for the fail-loudly rule).
 * PostgreSQL adds the multi-node parts: LISTEN/NOTIFY between two Stores on one database, and the bus
 * failing closed after a lost connection, then resyncing.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import {
  EXCHANGE_TOKEN_COLUMNS,
  IDENTITY_USER_COLUMNS,
  REVOCATION_CLOCK_MARGIN_MS,
  type Store,
  type RevocationEvent,
} from '../../src/store/store.js';
import { compiledLookup } from '../../src/store/compiled-lookup.js';
import { migrateToLatest, MIGRATION_NAMES } from '../../src/store/migrate.js';
import { RevocationView } from '../../src/auth/revocation-view.js';
import { insertInventoryRows } from '../../src/inventory/writer.js';
import { getVm, listExtraConfigOfVms, listVmExtraConfig } from '../../src/inventory/repository.js';
import { DEFAULT_DISK_MB } from '../../src/store/migrations/0004_vm_extra_config.js';
import { bothBackends, reportUnavailable, storeLocation, type StoreLocation } from './backends.js';
import { emptyVdcRow } from '../inventory/fixtures.js';

// ------------------------------------------------------------------ fixtures (no argon2: the store does not care)
async function newOrg(store: Store, name = `org-${randomUUID().slice(0, 8)}`) {
  return store.createOrg({
    id: randomUUID(),
    name,
    name_lower: name.toLowerCase(),
    full_name: `${name} Inc.`,
    description: '',
    is_enabled: 1,
    is_system: 0,
    max_token_lifetime_days: null,
    deployed_vm_quota: 0,
    stored_vm_quota: 0,
    created_at: Date.now(),
  });
}

async function newRole(store: Store, orgId: string, name = `role-${randomUUID().slice(0, 8)}`, rights: string[] = ['vApp: View']) {
  return store.createRole({ id: randomUUID(), org_id: orgId, name, description: 'd', read_only: 0, created_at: Date.now() }, rights);
}

async function newUser(store: Store, orgId: string, roleId: string, name = `user-${randomUUID().slice(0, 8)}`) {
  return store.createUser({
    id: randomUUID(),
    org_id: orgId,
    name,
    full_name: '',
    email: '',
    password_hash: 'not-a-real-hash',
    is_enabled: 1,
    role_id: roleId,
    deployed_vm_quota: 0,
    stored_vm_quota: 0,
  });
}

async function newToken(store: Store, orgId: string, userId: string, name = `tok-${randomUUID().slice(0, 8)}`) {
  return store.insertApiToken({
    id: randomUUID(),
    org_id: orgId,
    user_id: userId,
    name,
    type: 'REFRESH',
    secret_hash: null,
    token_start: null,
    created_at: Date.now(),
    minted_at: null,
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
    last_used_ips: '[]',
    created_ip: '127.0.0.1',
  });
}

/** A VDC, a vApp and one VM in `orgId` (the inventory rows the VM-level tables hang off). */
async function newVm(store: Store, orgId: string, vm: { disk_mb?: number } = {}) {
  const ids = { vdc: randomUUID(), vapp: randomUUID(), vm: randomUUID() };
  const common = { org_id: orgId, description: '', created_at: Date.now() };
  await insertInventoryRows(store.db, {
    vdcs: [{ ...emptyVdcRow(orgId, `vdc-${ids.vdc.slice(0, 8)}`), id: ids.vdc }],
    vapps: [
      {
        ...common,
        id: ids.vapp,
        vdc_id: ids.vdc,
        name: 'vapp',
        status: 'POWERED_ON',
        owner_id: null,
        is_deployed: 1,
        is_template: 0,
        catalog_name: null,
      },
    ],
  });
  // Written without the type's help so that `disk_mb` may be left to the column default (0004).
  await store.db
    .insertInto('vms')
    .values({
      ...common,
      id: ids.vm,
      vdc_id: ids.vdc,
      vapp_id: ids.vapp,
      name: 'vm',
      status: 'POWERED_ON',
      guest_os: 'Ubuntu Linux (64-bit)',
      cpus: 2,
      memory_mb: 2048,
      storage_profile: 'Gold',
      network_name: null,
      ip_address: null,
      owner_id: null,
      hardware_version: 19,
      is_deployed: 1,
      is_template: 0,
      ...vm,
    } as never)
    .execute();
  return ids;
}

const hashOf = (n: string) => n.padEnd(64, '0').slice(0, 64);

/** Waits (bounded) until `check` holds; fails with `what` on timeout. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'Store contract')) continue;

  describe(`Store contract on ${plan.backend}`, () => {
    let location: StoreLocation;
    let store: Store;

    before(async () => {
      location = await storeLocation(plan, 'tessera-contract-');
      store = await location.open();
    });
    after(async () => {
      await store?.close();
      await location?.cleanup();
    });

    test('orgs: create, read by id and by name (any case), list, update', async () => {
      const org = await newOrg(store, `Contract-${randomUUID().slice(0, 6)}`);
      assert.equal((await store.getOrg(org.id))?.name, org.name);
      assert.equal((await store.getOrgByName(org.name.toUpperCase()))?.id, org.id);
      assert.equal((await store.getOrgByName(org.name.toLowerCase()))?.id, org.id);
      assert.ok((await store.listOrgs()).some((o) => o.id === org.id));
      await store.updateOrg(org.id, { full_name: 'Renamed', max_token_lifetime_days: 30 });
      const updated = (await store.getOrg(org.id))!;
      assert.equal(updated.full_name, 'Renamed');
      assert.equal(updated.max_token_lifetime_days, 30);
      assert.equal(typeof updated.created_at, 'number', 'epoch ms come back as JS numbers on every backend');
      assert.equal(await store.getOrg(randomUUID()), undefined);
      // Names are unique case-insensitively.
      await assert.rejects(newOrg(store, org.name.toUpperCase()));
    });

    test('roles: create with rights, read, rename, replace rights, count users, delete', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id, 'Operator', ['vApp: View', 'vApp: View', 'Role: View']);
      assert.deepEqual(await store.roleRights(role.id), ['Role: View', 'vApp: View'], 'duplicates collapse, sorted');
      assert.equal((await store.getRoleByName(org.id, 'OPERATOR'))?.id, role.id);
      await store.updateRole(role.id, { name: 'Operators', description: 'new' });
      assert.equal((await store.getRoleByName(org.id, 'operators'))?.description, 'new');
      assert.equal(await store.getRoleByName(org.id, 'operator'), undefined);
      await store.setRoleRights(role.id, ['Organization: View']);
      assert.deepEqual(await store.roleRights(role.id), ['Organization: View']);
      await store.setRoleRights(role.id, []);
      assert.deepEqual(await store.roleRights(role.id), []);
      const user = await newUser(store, org.id, role.id);
      assert.equal(await store.countUsersWithRole(role.id), 1);
      await store.deleteUser(user.id);
      assert.equal(await store.countUsersWithRole(role.id), 0);
      await store.deleteRole(role.id);
      assert.equal(await store.getRole(role.id), undefined);
      assert.deepEqual(
        (await store.listRoles(org.id)).map((r) => r.id),
        [],
      );
      // Same name in the same org: refused; in another org: fine.
      await newRole(store, org.id, 'Dup');
      await assert.rejects(newRole(store, org.id, 'DUP'));
      const other = await newOrg(store);
      await newRole(store, other.id, 'Dup');
    });

    test('users: create, read by id and by name (any case), list, update, delete', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      const user = await newUser(store, org.id, role.id, 'Carol');
      assert.equal((await store.getUserByName(org.id, 'carol'))?.id, user.id);
      assert.equal(user.name_lower, 'carol');
      await assert.rejects(newUser(store, org.id, role.id, 'CAROL'), 'user names are unique per org, case-insensitively');
      const other = await newOrg(store);
      const otherRole = await newRole(store, other.id);
      await newUser(store, other.id, otherRole.id, 'carol');
      assert.deepEqual(
        (await store.listUsers(org.id)).map((u) => u.name),
        ['Carol'],
      );
      const now = Date.now();
      await store.updateUser(user.id, { is_enabled: 0, sessions_not_before: now, totp_locked_until: now + 1 });
      const updated = (await store.getUser(user.id))!;
      assert.equal(updated.is_enabled, 0);
      assert.equal(updated.sessions_not_before, now);
      assert.equal(updated.totp_locked_until, now + 1);
      await store.deleteUser(user.id);
      assert.equal(await store.getUser(user.id), undefined);
    });

    test('groups and rights bundles: create, read, update, delete', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      const group = await store.createGroup({
        id: randomUUID(),
        org_id: org.id,
        name: 'Ops',
        description: '',
        role_id: role.id,
        created_at: Date.now(),
      });
      assert.equal(group.name_lower, 'ops');
      await store.updateGroup(group.id, { name: 'Ops2', role_id: null });
      assert.equal((await store.getGroup(group.id))?.name_lower, 'ops2');
      assert.deepEqual(
        (await store.listGroups(org.id)).map((g) => g.name),
        ['Ops2'],
      );
      assert.deepEqual(await store.groupMembers(group.id), []);
      await store.deleteGroup(group.id);
      assert.equal(await store.getGroup(group.id), undefined);

      const name = `Bundle-${randomUUID().slice(0, 6)}`;
      const bundle = await store.createRightsBundle({
        id: randomUUID(),
        name,
        description: '',
        read_only: 0,
        rights: JSON.stringify(['vApp: View']),
        published_to: JSON.stringify('all'),
        created_at: Date.now(),
      });
      await store.updateRightsBundle(bundle.id, { rights: JSON.stringify([]) });
      assert.equal((await store.getRightsBundle(bundle.id))?.rights, '[]');
      assert.ok((await store.listRightsBundles()).some((b) => b.id === bundle.id));
    });

    test('API tokens: insert, read by id and by hash, record use, live ids of a user', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      const user = await newUser(store, org.id, role.id);
      const a = await newToken(store, org.id, user.id, 'a');
      const b = await newToken(store, org.id, user.id, 'b');
      assert.equal(a.secret_hash, null);
      assert.ok(await store.mintApiToken(a.id, hashOf('aa'), 'tsr_aaaaaa', Date.now()));
      assert.equal((await store.getApiTokenByHash(hashOf('aa')))?.id, a.id);
      assert.equal(await store.getApiTokenByHash(hashOf('ab')), undefined);
      await store.recordApiTokenUse(a.id, 1234, ['10.0.0.1', '10.0.0.2']);
      const used = (await store.getApiToken(a.id))!;
      assert.equal(used.last_used_at, 1234);
      assert.deepEqual(JSON.parse(used.last_used_ips), ['10.0.0.1', '10.0.0.2']);
      assert.deepEqual((await store.liveApiTokenIdsOfUser(user.id)).sort(), [a.id, b.id].sort());
      await store.markApiTokenRevoked(b.id, Date.now());
      assert.deepEqual(await store.liveApiTokenIdsOfUser(user.id), [a.id]);
      // Deleting the user deletes their tokens (ON DELETE CASCADE).
      await store.deleteUser(user.id);
      assert.equal(await store.getApiToken(a.id), undefined);
    });

    test('the compiled exchange and identity reads: the row of each value asked, only their columns, undefined when absent', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      const user = await newUser(store, org.id, role.id);
      const other = await newUser(store, org.id, role.id);
      const a = await newToken(store, org.id, user.id, 'a');
      const b = await newToken(store, org.id, other.id, 'b');
      assert.ok(await store.mintApiToken(a.id, hashOf('ca'), 'tsr_cacaca', Date.now()));
      assert.ok(await store.mintApiToken(b.id, hashOf('cb'), 'tsr_cbcbcb', Date.now()));
      await store.recordApiTokenUse(b.id, 99, ['10.0.0.9']);
      // One statement compiled once and run with each value: every call reads its own row, in any order.
      const [ra, rb, none] = await Promise.all([
        store.exchangeTokenByHash(hashOf('ca')),
        store.exchangeTokenByHash(hashOf('cb')),
        store.exchangeTokenByHash(hashOf('cc')),
      ]);
      const full = (await store.getApiToken(b.id))!;
      assert.deepEqual(rb, Object.fromEntries(EXCHANGE_TOKEN_COLUMNS.map((c) => [c, full[c]])), 'exactly the exchange columns, as stored');
      assert.equal(ra?.id, a.id);
      assert.equal(ra?.user_id, user.id);
      assert.equal(none, undefined);
      const [ua, ub, missing] = await Promise.all([
        store.identityUserById(user.id),
        store.identityUserById(other.id),
        store.identityUserById(randomUUID()),
      ]);
      assert.deepEqual(Object.keys(ua!).sort(), [...IDENTITY_USER_COLUMNS].sort());
      assert.deepEqual([ua?.id, ua?.name, ua?.org_id, ua?.role_id, ua?.is_enabled], [user.id, user.name, org.id, role.id, 1]);
      assert.equal(ub?.id, other.id);
      assert.equal(missing, undefined);
      const twoValues = store.db.selectFrom('users').select('id').where('id', '=', 'a').where('name', '=', 'b');
      assert.throws(() => compiledLookup(store.db, twoValues), /one parameter/);
    });

    test('recordApiTokenUses writes every entry of a batch given in any order', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      const user = await newUser(store, org.id, role.id);
      const tokens = [];
      for (let i = 0; i < 12; i++) tokens.push(await newToken(store, org.id, user.id, `u${i}`));
      const entries = tokens.map((t, i) => ({ id: t.id, lastUsedAt: 1000 + i, ips: [`10.0.1.${i}`] })).reverse();
      await store.recordApiTokenUses(entries);
      for (const [i, t] of tokens.entries()) {
        const row = (await store.getApiToken(t.id))!;
        assert.equal(row.last_used_at, 1000 + i);
        assert.deepEqual(JSON.parse(row.last_used_ips), [`10.0.1.${i}`]);
      }
      assert.equal(entries[0]!.id, tokens.at(-1)!.id, "the caller's array is left as it was given");
    });

    test('recordApiTokenUses from two nodes: the latest use wins the time, and both addresses are kept, the latest first', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      const user = await newUser(store, org.id, role.id);
      const token = await newToken(store, org.id, user.id, 'two-nodes');
      // Node B's batch (the later use) lands first, node A's (earlier) after it.
      await store.recordApiTokenUses([{ id: token.id, lastUsedAt: 2000, ips: ['10.0.0.2'] }]);
      await store.recordApiTokenUses([{ id: token.id, lastUsedAt: 1000, ips: ['10.0.0.1'] }]);
      const row = (await store.getApiToken(token.id))!;
      if (store.dialect === 'postgres') {
        // Only PostgreSQL has several nodes writing one token (a SQLite file has one server).
        assert.equal(Number(row.last_used_at), 2000, 'never back in time');
        assert.deepEqual(JSON.parse(row.last_used_ips), ['10.0.0.2', '10.0.0.1']);
        await store.recordApiTokenUses([{ id: token.id, lastUsedAt: 3000, ips: ['10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'] }]);
        const later = (await store.getApiToken(token.id))!;
        assert.equal(Number(later.last_used_at), 3000);
        assert.deepEqual(JSON.parse(later.last_used_ips), ['10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.2'], 'at most five');
      }
    });

    test('mintApiToken is one-shot: of two concurrent mints exactly one wins, and its secret is the one stored', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      const user = await newUser(store, org.id, role.id);
      for (let round = 0; round < 10; round++) {
        const token = await newToken(store, org.id, user.id);
        const [first, second] = await Promise.all([
          store.mintApiToken(token.id, hashOf(`first${round}`), 'tsr_first_', Date.now()),
          store.mintApiToken(token.id, hashOf(`second${round}`), 'tsr_secon_', Date.now()),
        ]);
        assert.equal(Number(first) + Number(second), 1, `round ${round}: exactly one mint wins (got ${first}, ${second})`);
        const stored = (await store.getApiToken(token.id))!;
        assert.equal(stored.secret_hash, first ? hashOf(`first${round}`) : hashOf(`second${round}`));
        assert.equal(typeof stored.minted_at, 'number');
        // A later mint never overwrites the secret.
        assert.equal(await store.mintApiToken(token.id, hashOf(`third${round}`), 'tsr_third_', Date.now()), false);
        assert.equal((await store.getApiToken(token.id))!.secret_hash, stored.secret_hash);
      }
    });

    test('markApiTokenRevoked is idempotent, and a revoked token can no longer be minted', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      const user = await newUser(store, org.id, role.id);
      const token = await newToken(store, org.id, user.id);
      const at = Date.now();
      assert.equal(await store.markApiTokenRevoked(token.id, at), true);
      assert.equal(await store.markApiTokenRevoked(token.id, at + 5), false, 'the second revoke reports no change');
      assert.equal((await store.getApiToken(token.id))!.revoked_at, at, 'the first revocation time is kept');
      assert.equal(await store.mintApiToken(token.id, hashOf('late'), 'tsr_late__', Date.now()), false);
      assert.equal(await store.markApiTokenRevoked(randomUUID(), at), false, 'unknown id: no change');
    });

    test('revocations: recorded in a transaction with increasing seq, listed while relevant, pruned after', async () => {
      const now = Date.now();
      const subject = randomUUID();
      const events = await store.transaction(async (trx) => [
        await store.recordRevocation(trx, 'api_token', subject, now, now + 1_000),
        await store.recordRevocation(trx, 'session', `${subject}-s`, now, now + 60_000),
        await store.recordRevocation(trx, 'user', `${subject}-u`, now, now + 120_000),
      ]);
      assert.ok(events[0]!.seq < events[1]!.seq && events[1]!.seq < events[2]!.seq, 'seq increases');
      for (const e of events) assert.equal(typeof e.seq, 'number');
      const mine = (list: RevocationEvent[]) => list.filter((e) => e.subject.startsWith(subject));
      assert.deepEqual(mine(await store.relevantRevocations(now)), events);
      // Rows are read and kept REVOCATION_CLOCK_MARGIN_MS past the time stamped on them (a revoking node's clock
      // behind the others'): the stamp plus the margin is the bound.
      assert.deepEqual(
        mine(await store.relevantRevocations(now + 1_000 - 1 + REVOCATION_CLOCK_MARGIN_MS)).map((e) => e.kind),
        ['api_token', 'session', 'user'],
        'kept for the margin',
      );
      assert.deepEqual(
        mine(await store.relevantRevocations(now + 1_000 + REVOCATION_CLOCK_MARGIN_MS)).map((e) => e.kind),
        ['session', 'user'],
        'relevant_until is exclusive',
      );
      await store.pruneRevocations(now + 60_000 + REVOCATION_CLOCK_MARGIN_MS);
      assert.deepEqual(
        mine(await store.relevantRevocations(0)).map((e) => e.kind),
        ['user'],
      );
      // A rolled-back transaction records nothing.
      const ghost = randomUUID();
      await assert.rejects(
        store.transaction(async (trx) => {
          await store.recordRevocation(trx, 'api_token', ghost, now, now + 60_000);
          throw new Error('roll back');
        }),
      );
      assert.ok(!(await store.relevantRevocations(0)).some((e) => e.subject === ghost));
    });

    test('audit events append; meta keys set and overwrite', async () => {
      const id = randomUUID();
      await store.appendAudit({
        at: Date.now(),
        event_type: 'apiToken.created',
        outcome: 'success',
        actor_id: null,
        actor_name: null,
        org_id: null,
        org_name: null,
        token_id: id,
        ip: '127.0.0.1',
        details: '{}',
      });
      const row = await store.db.selectFrom('audit_events').selectAll().where('token_id', '=', id).executeTakeFirst();
      assert.equal(row?.event_type, 'apiToken.created');
      await store.setMeta('contract', 'one');
      await store.setMeta('contract', 'two');
      assert.equal(await store.getMeta('contract'), 'two');
      assert.equal(await store.getMeta('absent'), undefined);
      await store.ping();
    });

    test('an integer meta key raised is never lowered, two raises at once leave the greater', async () => {
      // The longest access-token lifetime of the store's nodes (server.ts): a node of 600 s started after one of
      // 3600 s must not lower it, or revocations of the longer node's sessions are dropped early.
      const key = `raised-${randomUUID()}`;
      await store.raiseMetaInteger(key, 3600);
      await store.raiseMetaInteger(key, 600);
      assert.equal(await store.getMeta(key), '3600', 'compared as numbers, not as text ("600" > "3600")');
      await store.raiseMetaInteger(key, 86_400);
      assert.equal(await store.getMeta(key), '86400', 'a greater value replaces it');
      const together = `raised-${randomUUID()}`;
      await Promise.all([
        store.raiseMetaInteger(together, 600),
        store.raiseMetaInteger(together, 3600),
        store.raiseMetaInteger(together, 60),
      ]);
      assert.equal(await store.getMeta(together), '3600');
    });

    test('VM ExtraConfig and disk size (0004): written, read in key order, one value per key, gone with the VM', async () => {
      const org = await newOrg(store);
      const plain = await newVm(store, org.id);
      const big = await newVm(store, org.id, { disk_mb: 102_400 });
      assert.equal((await getVm(store, plain.vm))?.disk_mb, DEFAULT_DISK_MB, 'the column default covers rows written without it');
      assert.equal((await getVm(store, big.vm))?.disk_mb, 102_400, 'a bigint disk size reads back as a number');

      // Keys that a collation could order differently from code units: `_` and upper case.
      const keys = ['guestinfo.postcustomization.kubeinit.status', 'guestinfo.Hostname', 'disk.EnableUUID', 'guestinfo_x'];
      await insertInventoryRows(store.db, {
        extraConfig: keys.map((key, i) => ({ vm_id: plain.vm, org_id: org.id, key, value: `v${i}` })),
      });
      const read = await listVmExtraConfig(store, plain.vm);
      assert.deepEqual(
        read.map((r) => r.key),
        [...keys].sort(),
        'code-unit order on both backends',
      );
      assert.deepEqual(read[0], { vm_id: plain.vm, org_id: org.id, key: 'disk.EnableUUID', value: 'v2' });
      assert.deepEqual(await listVmExtraConfig(store, big.vm), []);
      const byVm = await listExtraConfigOfVms(store, [plain.vm, big.vm]);
      assert.equal(byVm.get(plain.vm)?.length, keys.length);
      assert.equal(byVm.has(big.vm), false);

      await assert.rejects(
        insertInventoryRows(store.db, { extraConfig: [{ vm_id: plain.vm, org_id: org.id, key: 'disk.EnableUUID', value: 'again' }] }),
        'a key is unique per VM',
      );
      await assert.rejects(
        insertInventoryRows(store.db, { extraConfig: [{ vm_id: randomUUID(), org_id: org.id, key: 'k', value: 'v' }] }),
        'ExtraConfig of an unknown VM is refused',
      );

      await store.db.deleteFrom('vms').where('id', '=', plain.vm).execute();
      assert.deepEqual(await listVmExtraConfig(store, plain.vm), [], 'deleting the VM deletes its ExtraConfig');
    });

    test('the signing key and the data survive two reopenings; migrations are idempotent', async () => {
      const key = await store.currentSigningKey();
      assert.ok(key.kid.length > 0 && Buffer.from(key.secret, 'base64url').length === 32);
      assert.deepEqual(await store.currentSigningKey(), key, 'stable within one process');
      const org = await newOrg(store);
      for (let reopen = 1; reopen <= 2; reopen++) {
        await store.close();
        store = await location.open();
        assert.deepEqual(await store.currentSigningKey(), key, `same key after reopening #${reopen}`);
        assert.equal((await store.getOrg(org.id))?.name, org.name, `data kept after reopening #${reopen}`);
        const applied = await store.db
          .selectFrom('kysely_migration' as never)
          .select(sql`count(*)`.as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number((applied as { n: unknown }).n), MIGRATION_NAMES.length, 'each migration recorded exactly once');
      }
      assert.deepEqual(await migrateToLatest(store.db, store.dialect), [], 'nothing left to migrate');
    });

    test('two proposals of a signing key at once: one wins and both read it back', async () => {
      // A fresh location so no key exists yet; two stores open at once (two nodes booting together).
      const fresh = await storeLocation(plan, 'tessera-contract-');
      const a = await fresh.open();
      const b = plan.backend === 'postgres' ? await fresh.open() : a;
      try {
        const [ka, kb] = await Promise.all([a.currentSigningKey(), b.currentSigningKey()]);
        assert.deepEqual(ka, kb);
      } finally {
        if (b !== a) await b.close();
        await a.close();
        await fresh.cleanup();
      }
    });

    test('model check: random create/mint/revoke sequences agree with a Map model', async () => {
      const org = await newOrg(store);
      const role = await newRole(store, org.id);
      type Cmd = { op: 'create' } | { op: 'mint'; pick: number } | { op: 'revoke'; pick: number } | { op: 'delete'; pick: number };
      const cmd: fc.Arbitrary<Cmd> = fc.oneof(
        fc.constant<Cmd>({ op: 'create' }),
        fc.nat(20).map<Cmd>((pick) => ({ op: 'mint', pick })),
        fc.nat(20).map<Cmd>((pick) => ({ op: 'revoke', pick })),
        fc.nat(20).map<Cmd>((pick) => ({ op: 'delete', pick })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) => {
          const user = await newUser(store, org.id, role.id);
          const model = new Map<string, { minted: boolean; revoked: boolean }>();
          const ids: string[] = [];
          let n = 0;
          for (const c of cmds) {
            if (c.op === 'create') {
              const t = await newToken(store, org.id, user.id);
              ids.push(t.id);
              model.set(t.id, { minted: false, revoked: false });
              continue;
            }
            if (ids.length === 0) continue;
            const id = ids[c.pick % ids.length]!;
            const m = model.get(id)!;
            if (c.op === 'mint') {
              const won = await store.mintApiToken(id, hashOf(`${user.id.slice(0, 8)}${n++}`), 'tsr_model_', Date.now());
              assert.equal(won, !m.minted && !m.revoked, `mint of ${id}`);
              if (won) m.minted = true;
            } else {
              const changed = await store.markApiTokenRevoked(id, Date.now());
              assert.equal(changed, !m.revoked, `revoke of ${id}`);
              m.revoked = true;
            }
          }
          const live = [...model]
            .filter(([, m]) => !m.revoked)
            .map(([id]) => id)
            .sort();
          assert.deepEqual((await store.liveApiTokenIdsOfUser(user.id)).sort(), live);
          for (const [id, m] of model) {
            const row = (await store.getApiToken(id))!;
            assert.equal(row.secret_hash !== null, m.minted);
            assert.equal(row.revoked_at !== null, m.revoked);
          }
        }),
        { numRuns: plan.backend === 'postgres' ? 15 : 30 },
      );
    });

    if (plan.backend === 'sqlite') {
      test('SQLite bus: always healthy; a committed revocation reaches subscribers in-process', async () => {
        assert.equal(store.bus.healthy(), true);
        const seen: RevocationEvent[] = [];
        store.bus.subscribe((e) => seen.push(e));
        const now = Date.now();
        const event = await store.transaction((trx) => store.recordRevocation(trx, 'session', randomUUID(), now, now + 1000));
        store.bus.committed(event);
        assert.deepEqual(seen.at(-1), event);
      });
    }

    if (plan.backend === 'postgres') {
      test('two nodes: a revocation committed on one reaches the other by LISTEN/NOTIFY', async () => {
        const nodeB = await location.open();
        try {
          const viewB = new RevocationView(nodeB);
          await viewB.start();
          const received: RevocationEvent[] = [];
          nodeB.bus.subscribe((e) => received.push(e));
          const tokenId = randomUUID();
          const now = Date.now();
          const event = await store.transaction((trx) => store.recordRevocation(trx, 'api_token', tokenId, now, now + 60_000));
          store.bus.committed(event);
          const started = Date.now();
          await eventually('node B receives the NOTIFY', () => received.some((e) => e.subject === tokenId));
          assert.deepEqual(
            received.find((e) => e.subject === tokenId),
            event,
            'the payload round-trips exactly',
          );
          assert.equal(viewB.isApiTokenRevoked(tokenId), true, "node B's revocation view applied it");
          process.stderr.write(`  (cross-node revocation delivered in ${Date.now() - started} ms)\n`);
          // Nothing is delivered for a transaction that rolled back.
          const ghost = randomUUID();
          await assert.rejects(
            store.transaction(async (trx) => {
              await store.recordRevocation(trx, 'api_token', ghost, now, now + 60_000);
              throw new Error('roll back');
            }),
          );
          const marker = randomUUID();
          const markerEvent = await store.transaction((trx) => store.recordRevocation(trx, 'session', marker, now, now + 60_000));
          store.bus.committed(markerEvent);
          await eventually('node B receives the marker', () => received.some((e) => e.subject === marker));
          assert.ok(!received.some((e) => e.subject === ghost), 'a rolled-back revocation is never announced');
          viewB.stop();
        } finally {
          await nodeB.close();
        }
      });

      test('the bus fails closed after a lost connection, then reconnects and resyncs what it missed', async () => {
        const nodeB = await location.open();
        try {
          const viewB = new RevocationView(nodeB);
          await viewB.start();
          let resyncs = 0;
          nodeB.bus.onResync(async () => {
            resyncs++;
          });
          assert.equal(nodeB.bus.healthy(), true);
          (nodeB.bus as unknown as { simulateConnectionLoss(): void }).simulateConnectionLoss();
          assert.equal(nodeB.bus.healthy(), false, 'unhealthy at once');
          assert.equal(viewB.healthy(), false, 'the revocation view fails closed');
          // Revoked on node A while B's listener is down: the NOTIFY can be lost; the resync must bring it.
          const tokenId = randomUUID();
          const now = Date.now();
          const event = await store.transaction((trx) => store.recordRevocation(trx, 'api_token', tokenId, now, now + 60_000));
          store.bus.committed(event);
          await eventually('node B reconnects', () => nodeB.bus.healthy());
          assert.ok(resyncs >= 1, 'a resync ran on reconnect');
          await eventually('node B knows the revocation made while it was away', () => viewB.isApiTokenRevoked(tokenId));
          // And live delivery works again after the reconnect.
          const after = randomUUID();
          const e2 = await store.transaction((trx) => store.recordRevocation(trx, 'api_token', after, now, now + 60_000));
          store.bus.committed(e2);
          await eventually('live NOTIFY after reconnect', () => viewB.isApiTokenRevoked(after));
          viewB.stop();
        } finally {
          await nodeB.close();
        }
      });

      test('a request waits for proof of a live feed (ready) rather than being refused, and only as long as allowed', async () => {
        const nodeB = await location.open();
        try {
          const viewB = new RevocationView(nodeB, { readyWaitMs: 5_000 });
          await viewB.start();
          assert.equal(viewB.ready(), true, 'healthy: answered at once, synchronously');
          (nodeB.bus as unknown as { simulateConnectionLoss(): void }).simulateConnectionLoss();
          assert.equal(viewB.healthy(), false);
          // The waiting request is released by the reconnect's resync, not refused.
          const waited = viewB.ready();
          assert.ok(waited instanceof Promise, 'unhealthy: the answer is a wait');
          assert.equal(await waited, true, 'released once the feed is proven live again');
          assert.equal(viewB.healthy(), true);
          // No wait allowed: refused at once while unhealthy.
          const impatient = new RevocationView(nodeB, { readyWaitMs: 0 });
          (nodeB.bus as unknown as { simulateConnectionLoss(): void }).simulateConnectionLoss();
          assert.equal(await impatient.ready(), false);
          // A closed bus releases its waiters with a refusal.
          const pending = viewB.ready();
          await nodeB.bus.close();
          assert.equal(await pending, false);
          viewB.stop();
        } finally {
          await nodeB.close();
        }
      });
    }
  });
}
