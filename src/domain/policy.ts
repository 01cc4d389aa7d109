/**
 * What a principal may do: the only place rights are checked. Handlers ask `can(principal, action, target)`
 * and turn a `false` into 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN.
 *
 * Sessions made from an API token (vcd-wire §10): they cannot change the password, manage users, create
 * tokens, or view or revoke other tokens (their own token only); users, groups, roles, global roles and rights bundles are
 * read-only; and they lack `Token: Manage` / `Token: Manage All`.
 */
import type { Principal } from './principal.js';
import { RIGHTS, isProviderOnlyRight } from './rights.js';
import { forbidden, type TesseraError } from './errors.js';

export type Action =
  | 'apiToken.create'
  | 'apiToken.view'
  | 'apiToken.revoke'
  | 'apiToken.regenerate'
  | 'password.changeOwn'
  | 'totp.manageOwn'
  | 'user.view'
  | 'user.manage'
  | 'group.view'
  | 'group.manage'
  | 'role.view'
  | 'role.manage'
  | 'globalRole.view'
  | 'globalRole.manage'
  | 'rightsBundle.view'
  | 'rightsBundle.manage'
  | 'org.view'
  | 'org.manage'
  | 'task.view'
  | 'adminView.read'
  | 'apiTokenPolicy.manage'
  | 'vdc.view'
  | 'vapp.view'
  | 'audit.view'
  | 'system.view'
  | 'serviceAccount.view'
  | 'serviceAccount.manage'
  | 'inventory.sync';

/** The thing acted on: its org, and for tokens its owner. */
export interface Target {
  orgId?: string;
  ownerId?: string;
  /** For API tokens: which token (a session made from one may see and revoke that one only). */
  tokenId?: string;
}

/** Actions a session made from an API token may never take, whatever the user's role. */
const DENIED_TO_TOKEN_SESSIONS: ReadonlySet<Action> = new Set<Action>([
  'apiToken.create',
  'apiToken.regenerate',
  'password.changeOwn',
  'totp.manageOwn',
  'user.manage',
  'group.manage',
  'role.manage',
  'globalRole.manage',
  'rightsBundle.manage',
  'apiTokenPolicy.manage',
  // Creating, authorizing, granting or revoking a service account is making or ending a credential.
  'serviceAccount.manage',
]);

/** What each action denied to token sessions is, in the words of the 403 that refuses it. */
const TOKEN_SESSION_DENIALS: Readonly<Record<string, string>> = {
  'apiToken.create': 'create API tokens',
  'apiToken.regenerate': 'regenerate API tokens',
  'password.changeOwn': 'change a password',
  'totp.manageOwn': 'change two-factor authentication',
  'user.manage': 'create, change or delete users',
  'group.manage': 'create, change or delete groups',
  'role.manage': 'create, change or delete roles',
  'globalRole.manage': 'change global roles',
  'rightsBundle.manage': 'change rights bundles',
  'apiTokenPolicy.manage': "change an org's API-token policy",
  'serviceAccount.manage': 'create, authorize or revoke service accounts',
};

/**
 * The 403 for an action `can` refused. When the session came from an API token or a service account and the
 * action is one such sessions never take, the message says so and what to do instead: VCD's generic "you need
 * some or all of the following rights" sent operators looking at their role (Terraform's vcd_org_user run on a
 * System administrator's API token, say), when their role was fine and the way they signed in was the reason.
 */
export function refusal(principal: Pick<Principal, 'kind'>, action: Action): TesseraError {
  const what = TOKEN_SESSION_DENIALS[action];
  if (principal.kind === 'password' || what === undefined || !DENIED_TO_TOKEN_SESSIONS.has(action)) return forbidden();
  const source = principal.kind === 'api_token' ? 'an API token' : 'a service account';
  return forbidden(
    `This session was made from ${source}, and such sessions cannot ${what}: sign in with a user name and password for that`,
  );
}

/** Rights removed from the effective set of token sessions (VCD docs, "API access token" restrictions). */
const RIGHTS_ABSENT_FROM_TOKEN_SESSIONS: ReadonlySet<string> = new Set([RIGHTS.tokenManage, RIGHTS.tokenManageAll]);

const REQUIRED_RIGHT: Partial<Record<Action, string>> = {
  'user.view': RIGHTS.userView,
  'user.manage': RIGHTS.userManage,
  'group.view': RIGHTS.userView,
  'group.manage': RIGHTS.userManage,
  'role.view': RIGHTS.roleView,
  'role.manage': RIGHTS.roleManage,
  'globalRole.view': RIGHTS.globalRoleView,
  'globalRole.manage': RIGHTS.globalRoleManage,
  'rightsBundle.view': RIGHTS.rightsBundleView,
  'rightsBundle.manage': RIGHTS.rightsBundleManage,
  'org.view': RIGHTS.orgView,
  // Creating, changing, disabling and deleting orgs (/api/admin/orgs) and catalogs: the provider's alone, as in VCD.
  // Not denied to API-token sessions: Terraform manages orgs with a System administrator's API token. A right of its
  // own, a write: until 2026-12-05 this took "General: Administrator View", a view right, so a read-only token or a
  // view-only provider role could create, disable and delete orgs.
  'org.manage': RIGHTS.systemControl,
  // GET /api/admin. VCD serves the admin VCloud document to org administrators too (their Session lists the
  // /api/admin/ link, vcd-wire §3.3), with only their own org referenced; what it holds is what the AdminOrg
  // documents it points at already show, so it takes the same right as reading an AdminOrg ("Organization: View").
  'adminView.read': RIGHTS.orgView,
  'apiTokenPolicy.manage': RIGHTS.orgEdit,
  'vdc.view': RIGHTS.vdcView,
  'vapp.view': RIGHTS.vappView,
  'audit.view': RIGHTS.auditView,
  'system.view': RIGHTS.systemAdmin,
  'serviceAccount.manage': RIGHTS.serviceAccountsManage,
};

/**
 * Actions on things shared by every org (rights bundles, global roles): the System org's alone, whatever a
 * tenant role claims to hold. A tenant that changed them would change what every other org can do.
 */
const SYSTEM_ORG_ONLY: ReadonlySet<Action> = new Set<Action>(['rightsBundle.manage', 'globalRole.manage', 'system.view', 'org.manage']);

type RightHolder = Pick<Principal, 'rights' | 'kind' | 'isSystemOrg'>;

/**
 * The rights this session actually holds: the role's, minus what token sessions never get, minus provider-only
 * rights outside the System org (defence in depth: a tenant role holding one, however it got there, grants
 * nothing).
 */
export function effectiveRights(principal: RightHolder): ReadonlySet<string> {
  const held = [...principal.rights].filter((r) => hasRight(principal, r));
  return held.length === principal.rights.size ? principal.rights : new Set(held);
}

export function hasRight(principal: RightHolder, right: string): boolean {
  if (principal.kind !== 'password' && RIGHTS_ABSENT_FROM_TOKEN_SESSIONS.has(right)) return false;
  if (!principal.isSystemOrg && isProviderOnlyRight(right)) return false;
  return principal.rights.has(right);
}

/** A System-org principal with the provider view ("General: Administrator View") sees every org. */
export function hasProviderView(principal: Principal): boolean {
  return principal.isSystemOrg && principal.rights.has(RIGHTS.systemAdmin);
}

/** A provider may act in any org; everyone else in their own only. */
export function canReachOrg(principal: Principal, orgId: string | undefined): boolean {
  if (orgId === undefined || orgId === principal.orgId) return true;
  return hasProviderView(principal);
}

export function can(principal: Principal, action: Action, target: Target = {}): boolean {
  // The inventory sync API (docs/inventory.md): the System org's password sessions and service accounts holding
  // "Inventory: Sync". Not a user's API-token session: an agent gets its own revocable service account.
  if (action === 'inventory.sync')
    return principal.kind !== 'api_token' && principal.isSystemOrg && hasRight(principal, RIGHTS.inventorySync);
  if (principal.kind !== 'password' && DENIED_TO_TOKEN_SESSIONS.has(action)) return false;
  if (SYSTEM_ORG_ONLY.has(action) && !principal.isSystemOrg) return false;
  switch (action) {
    case 'password.changeOwn':
    case 'totp.manageOwn':
      return true;
    case 'apiToken.create':
      // VCD: a System administrator creates tokens in the System org only, an org admin in their own org.
      return hasRight(principal, RIGHTS.apiTokensManage) && (target.orgId === undefined || target.orgId === principal.orgId);
    case 'apiToken.regenerate':
      // Only the owner: the new secret is shown to whoever regenerates, and nobody may hold another's secret
      // (an administrator revokes; the owner regenerates).
      return hasRight(principal, RIGHTS.apiTokensManage) && target.ownerId === principal.userId && target.orgId === principal.orgId;
    case 'apiToken.view':
    case 'apiToken.revoke':
      return canTouchApiToken(principal, target);
    case 'serviceAccount.view':
      // Who may manage them may see them (VCD's Manage implies View).
      return (
        (hasRight(principal, RIGHTS.serviceAccountsView) || hasRight(principal, RIGHTS.serviceAccountsManage)) &&
        canReachOrg(principal, target.orgId)
      );
    case 'task.view':
      // Whoever started a task may poll it (govcd waits on every task it starts); otherwise whoever may read
      // the org the task is about.
      if (target.ownerId !== undefined && target.ownerId === principal.userId) return true;
      return hasRight(principal, RIGHTS.orgView) && canReachOrg(principal, target.orgId);
    default: {
      const right = REQUIRED_RIGHT[action];
      return right !== undefined && hasRight(principal, right) && canReachOrg(principal, target.orgId);
    }
  }
}

/**
 * Own tokens with "API Tokens: Manage"; every user's in the org with "API Tokens: Manage All"; System
 * administrators (Manage All in the System org) across all orgs. A token session sees only its own user's.
 */
function canTouchApiToken(principal: Principal, target: Target): boolean {
  const own = target.ownerId === principal.userId;
  // A session made from an API token "can't view or revoke other tokens" (vcd-wire §6): it sees and revokes the token
  // it came from, not its owner's others. Until 2026-12-05 it saw them all, so one leaked script session could list
  // and revoke every token of its owner's automation.
  // And it may always see and revoke that one, whatever its scope (Vault's lookup-self and revoke-self, GitLab's
  // personal_access_tokens/self): looking up the credential one holds, or ending it, gives nothing away. Until
  // 2026-12-06 a read-only token's session, whose scope lacks "API Tokens: Manage", was refused both.
  if (own && principal.kind === 'api_token') return target.tokenId === principal.apiTokenId;
  if (own) return hasRight(principal, RIGHTS.apiTokensManage) || hasRight(principal, RIGHTS.apiTokensManageAll);
  if (principal.kind !== 'password') return false;
  if (!hasRight(principal, RIGHTS.apiTokensManageAll)) return false;
  return canReachOrg(principal, target.orgId);
}

/** Which tokens a list may show: used to build the list query's where clause. */
export function apiTokenListScope(principal: Principal): { kind: 'own' } | { kind: 'org'; orgId: string } | { kind: 'all' } | null {
  const manageAll = principal.kind === 'password' && hasRight(principal, RIGHTS.apiTokensManageAll);
  if (manageAll && hasProviderView(principal)) return { kind: 'all' };
  if (manageAll) return { kind: 'org', orgId: principal.orgId };
  if (hasRight(principal, RIGHTS.apiTokensManage) || hasRight(principal, RIGHTS.apiTokensManageAll)) return { kind: 'own' };
  // A token session lists the token it came from (narrowed to it by the list), whatever its scope (canTouchApiToken).
  if (principal.kind === 'api_token') return { kind: 'own' };
  return null;
}
