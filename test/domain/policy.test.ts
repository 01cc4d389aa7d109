/**
 * The policy (src/domain/policy.ts): who may do what. Principals are built directly from the predefined roles
 * (src/domain/rights.ts), so these tests say in one place what each role and each session kind may do.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { Principal, SessionKind } from '../../src/domain/principal.js';
import { apiTokenListScope, can, canReachOrg, effectiveRights, hasProviderView, hasRight, type Action } from '../../src/domain/policy.js';
import {
  PREDEFINED_ROLES,
  READ_ONLY_RIGHTS,
  RIGHTS,
  RIGHT_CATALOGUE,
  SYSTEM_ORG_ID,
  type PredefinedRoleName,
} from '../../src/domain/rights.js';

const ACME = randomUUID();
const GLOBEX = randomUUID();

function principal(
  role: PredefinedRoleName,
  options: { orgId?: string; kind?: SessionKind; userId?: string; rights?: string[] } = {},
): Principal {
  const orgId = options.orgId ?? (role === 'System Administrator' ? SYSTEM_ORG_ID : ACME);
  return {
    userId: options.userId ?? randomUUID(),
    userName: 'someone',
    orgId,
    orgName: orgId === SYSTEM_ORG_ID ? 'System' : 'acme',
    isSystemOrg: orgId === SYSTEM_ORG_ID,
    roleId: randomUUID(),
    roleName: role,
    rights: new Set(options.rights ?? PREDEFINED_ROLES[role].rights),
    sessionId: randomUUID(),
    kind: options.kind ?? 'password',
    apiTokenId: options.kind === 'api_token' ? randomUUID() : null,
    issuedAt: 0,
    credentialsReadAtMs: 0,
    expiresAt: 0,
    signedExpiresAt: 0,
  };
}

const tokenSession = (p: Principal): Principal => ({ ...p, kind: 'api_token', apiTokenId: randomUUID(), sessionId: randomUUID() });

/** Writes a token session never makes (vcd-wire §10), whatever the role. */
const WRITES_DENIED_TO_TOKENS: Action[] = [
  'apiToken.create',
  'password.changeOwn',
  'totp.manageOwn',
  'user.manage',
  'group.manage',
  'role.manage',
  'globalRole.manage',
  'rightsBundle.manage',
];
const READS_KEPT_BY_TOKENS: Action[] = [
  'user.view',
  'group.view',
  'role.view',
  'globalRole.view',
  'rightsBundle.view',
  'org.view',
  'vdc.view',
  'vapp.view',
];

const ALL_ACTIONS: Action[] = [
  ...WRITES_DENIED_TO_TOKENS,
  ...READS_KEPT_BY_TOKENS,
  'apiToken.view',
  'apiToken.revoke',
  'audit.view',
  'system.view',
];

describe('token sessions (vcd-wire §10)', () => {
  for (const role of ['System Administrator', 'Organization Administrator'] as const) {
    test(`${role}: every restricted write is denied to a token session, allowed to a password session`, () => {
      const password = principal(role);
      const token = tokenSession(password);
      for (const action of WRITES_DENIED_TO_TOKENS) {
        assert.equal(can(token, action, { orgId: password.orgId }), false, `token session: ${action}`);
      }
      for (const action of [
        'apiToken.create',
        'password.changeOwn',
        'totp.manageOwn',
        'user.manage',
        'group.manage',
        'role.manage',
      ] as const) {
        assert.equal(can(password, action, { orgId: password.orgId }), true, `password session: ${action}`);
      }
    });

    test(`${role}: reads stay allowed to a token session`, () => {
      const token = tokenSession(principal(role));
      for (const action of READS_KEPT_BY_TOKENS) assert.equal(can(token, action, { orgId: token.orgId }), true, action);
    });
  }

  test('Token: Manage and Token: Manage All are absent from the effective rights of token sessions only', () => {
    const password = principal('Organization Administrator');
    assert.ok(password.rights.has(RIGHTS.tokenManage) && password.rights.has(RIGHTS.tokenManageAll));
    const token = tokenSession(password);
    const effective = effectiveRights(token);
    assert.equal(effective.has(RIGHTS.tokenManage), false);
    assert.equal(effective.has(RIGHTS.tokenManageAll), false);
    assert.equal(hasRight(token, RIGHTS.tokenManage), false);
    assert.equal(hasRight(token, RIGHTS.tokenManageAll), false);
    assert.equal(effective.size, password.rights.size - 2, 'nothing else is removed');
    assert.equal(effectiveRights(password), password.rights);
    assert.equal(hasRight(password, RIGHTS.tokenManage), true);
    for (const kind of ['api_token', 'service_account'] as const) {
      assert.equal(can({ ...password, kind }, 'user.manage', { orgId: ACME }), false, `${kind} sessions share the restrictions`);
    }
  });

  test('property: a token session is never allowed anything its password session is not', () => {
    const rightsArb = fc.subarray(RIGHT_CATALOGUE.map((r) => r.name));
    fc.assert(
      fc.property(
        rightsArb,
        fc.constantFrom(...ALL_ACTIONS),
        fc.boolean(),
        fc.constantFrom(ACME, GLOBEX, undefined),
        fc.boolean(),
        (rights, action, system, targetOrg, ownTarget) => {
          const p = principal(system ? 'System Administrator' : 'Organization Administrator', { rights });
          const target = { orgId: targetOrg, ownerId: ownTarget ? p.userId : randomUUID() };
          if (can(tokenSession(p), action, target)) assert.equal(can(p, action, target), true, `${action} ${JSON.stringify(target)}`);
          if (WRITES_DENIED_TO_TOKENS.includes(action)) assert.equal(can(tokenSession(p), action, target), false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('API tokens', () => {
  test('create: needs API Tokens: Manage, and only in the caller\u2019s own org (System admin included)', () => {
    assert.equal(can(principal('vApp Author'), 'apiToken.create', { orgId: ACME }), true);
    assert.equal(can(principal('vApp User'), 'apiToken.create', { orgId: ACME }), true);
    assert.equal(can(principal('Console Access Only'), 'apiToken.create', { orgId: ACME }), false);
    assert.equal(can(principal('Organization Administrator'), 'apiToken.create', { orgId: GLOBEX }), false, 'not in another org');
    const sys = principal('System Administrator');
    assert.equal(can(sys, 'apiToken.create', { orgId: SYSTEM_ORG_ID }), true);
    assert.equal(can(sys, 'apiToken.create', { orgId: ACME }), false, 'System admin creates tokens in the System org only');
    assert.equal(can(principal('vApp Author', { kind: 'api_token' }), 'apiToken.create', { orgId: ACME }), false);
  });

  test('view and revoke: own with Manage; the org\u2019s with Manage All; System admin everywhere; token sessions their token only', () => {
    const bob = principal('vApp Author');
    const alice = principal('Organization Administrator');
    const hank = principal('Organization Administrator', { orgId: GLOBEX });
    const admin = principal('System Administrator');
    const bobsToken = { orgId: ACME, ownerId: bob.userId };
    const alicesToken = { orgId: ACME, ownerId: alice.userId };
    for (const action of ['apiToken.view', 'apiToken.revoke'] as const) {
      assert.equal(can(bob, action, bobsToken), true, `bob ${action} own`);
      assert.equal(can(bob, action, alicesToken), false, `bob ${action} alice's`);
      assert.equal(can(alice, action, bobsToken), true, `alice ${action} bob's (Manage All)`);
      assert.equal(can(hank, action, bobsToken), false, `hank ${action} acme's`);
      assert.equal(can(admin, action, bobsToken), true, `System admin ${action} across orgs`);
      const bobsSession = tokenSession(bob);
      const itsToken = { ...bobsToken, tokenId: bobsSession.apiTokenId! };
      assert.equal(can(bobsSession, action, itsToken), true, `bob's token session ${action} the token it came from`);
      assert.equal(can(bobsSession, action, { ...bobsToken, tokenId: 'another' }), false, `bob's token session ${action} his other token`);
      assert.equal(can(bobsSession, action, bobsToken), false, 'no token named: not its own');
      assert.equal(can(tokenSession(alice), action, bobsToken), false, `alice's token session ${action} another's`);
      assert.equal(can(tokenSession(admin), action, bobsToken), false, `admin's token session ${action} another's`);
      assert.equal(can(principal('Console Access Only'), action, { orgId: ACME }), false);
    }
  });

  test('list scope', () => {
    assert.deepEqual(apiTokenListScope(principal('vApp Author')), { kind: 'own' });
    assert.deepEqual(apiTokenListScope(principal('Organization Administrator')), { kind: 'org', orgId: ACME });
    assert.deepEqual(apiTokenListScope(principal('Organization Administrator', { orgId: GLOBEX })), { kind: 'org', orgId: GLOBEX });
    assert.deepEqual(apiTokenListScope(principal('System Administrator')), { kind: 'all' });
    assert.deepEqual(apiTokenListScope(principal('Organization Administrator', { kind: 'api_token' })), { kind: 'own' });
    assert.deepEqual(apiTokenListScope(principal('System Administrator', { kind: 'api_token' })), { kind: 'own' });
    assert.equal(apiTokenListScope(principal('Console Access Only')), null);
  });
});

describe('orgs and roles', () => {
  test('tenants act in their own org only; the provider view reaches every org', () => {
    const alice = principal('Organization Administrator');
    const admin = principal('System Administrator');
    assert.equal(hasProviderView(alice), false);
    assert.equal(hasProviderView(admin), true);
    assert.equal(canReachOrg(alice, ACME), true);
    assert.equal(canReachOrg(alice, GLOBEX), false);
    assert.equal(canReachOrg(alice, undefined), true);
    assert.equal(canReachOrg(admin, GLOBEX), true);
    // A tenant user given the provider right is still not the provider (it is not in the System org).
    assert.equal(hasProviderView(principal('Organization Administrator', { rights: [RIGHTS.systemAdmin] })), false);
    for (const action of ['user.view', 'user.manage', 'role.manage', 'group.manage', 'org.view'] as const) {
      assert.equal(can(alice, action, { orgId: ACME }), true, action);
      assert.equal(can(alice, action, { orgId: GLOBEX }), false, `${action} in another org`);
      assert.equal(can(admin, action, { orgId: GLOBEX }), true, `provider ${action}`);
    }
  });

  test('what each predefined role may do', () => {
    const bob = principal('vApp Author');
    assert.equal(can(bob, 'vapp.view', { orgId: ACME }), true);
    assert.equal(can(bob, 'user.view', { orgId: ACME }), false);
    assert.equal(can(bob, 'user.manage', { orgId: ACME }), false);
    assert.equal(can(bob, 'audit.view'), false);
    assert.equal(can(bob, 'password.changeOwn'), true, 'anyone may change their own password from a password session');
    assert.equal(can(bob, 'totp.manageOwn'), true);
    const alice = principal('Organization Administrator');
    assert.equal(can(alice, 'audit.view', { orgId: ACME }), true);
    assert.equal(can(alice, 'globalRole.view', { orgId: ACME }), true);
    assert.equal(can(alice, 'globalRole.manage', { orgId: ACME }), false, 'provider-only right');
    assert.equal(can(alice, 'rightsBundle.manage', { orgId: ACME }), false, 'provider-only right');
    assert.equal(can(alice, 'system.view'), false);
    const admin = principal('System Administrator');
    for (const action of ['globalRole.manage', 'rightsBundle.manage', 'system.view'] as const)
      assert.equal(can(admin, action), true, action);
    const consoleOnly = principal('Console Access Only');
    for (const action of ALL_ACTIONS.filter((a) => a !== 'vapp.view' && a !== 'password.changeOwn' && a !== 'totp.manageOwn')) {
      assert.equal(can(consoleOnly, action, { orgId: ACME, ownerId: consoleOnly.userId }), false, action);
    }
  });

  test('managing orgs takes General: Administrator Control, a write: not the view, not a read-only token', () => {
    const admin = principal('System Administrator');
    assert.equal(can(admin, 'org.manage'), true);
    assert.equal(can(tokenSession(admin), 'org.manage'), true, 'Terraform manages orgs on a System administrator\u2019s API token');
    // A provider role made to look: every org in view, none to change (until 2026-12-05 it could disable them).
    const viewer = principal('System Administrator', { rights: [RIGHTS.systemAdmin, RIGHTS.orgView] });
    assert.equal(can(viewer, 'system.view'), true);
    assert.equal(can(viewer, 'org.manage'), false);
    // What a read-only token of the System administrator holds (READ_ONLY_RIGHTS of the role).
    const readOnly = tokenSession(principal('System Administrator', { rights: READ_ONLY_RIGHTS.filter((r) => admin.rights.has(r)) }));
    assert.equal(can(readOnly, 'org.manage'), false);
    assert.ok(!READ_ONLY_RIGHTS.includes(RIGHTS.systemControl));
    // A tenant role given the right is still not the provider.
    assert.equal(can(principal('Organization Administrator', { rights: [RIGHTS.systemControl] }), 'org.manage'), false);
  });

  test('the catalogue: VCD names and labels for API token rights; provider-only rights are not in tenant roles', () => {
    const label = (name: string) => RIGHT_CATALOGUE.find((r) => r.name === name)?.label;
    assert.equal(label('API Tokens: Manage'), "Manage user's own API token");
    assert.equal(label('API Tokens: Manage All'), "Manage all users' API tokens");
    for (const [name, def] of Object.entries(PREDEFINED_ROLES)) {
      if (def.systemOnly) continue;
      for (const right of def.rights) {
        assert.equal(RIGHT_CATALOGUE.find((r) => r.name === right)?.providerOnly, false, `${name} holds provider-only ${right}`);
      }
    }
    assert.deepEqual(Object.keys(PREDEFINED_ROLES).sort(), [
      'Catalog Author',
      'Console Access Only',
      'Defer to Identity Provider',
      'Organization Administrator',
      'System Administrator',
      'vApp Author',
      'vApp User',
    ]);
  });
});

describe('GET /api/admin (adminView.read)', () => {
  test('System and org administrators, and every role that reads AdminOrgs; token sessions too; not Console Access Only', () => {
    for (const role of ['System Administrator', 'Organization Administrator', 'vApp Author', 'vApp User'] as const) {
      assert.equal(can(principal(role), 'adminView.read'), true, role);
      assert.equal(can(tokenSession(principal(role)), 'adminView.read'), true, `${role} token session`);
      assert.equal(can(principal(role), 'adminView.read'), can(principal(role), 'org.view', { orgId: ACME }), `${role}: same as AdminOrg`);
    }
    assert.equal(can(principal('Console Access Only'), 'adminView.read'), false);
  });
});
