/**
 * The rights catalogue (VCD's internal right names, with the UI label where it differs) and the predefined
 * roles. Right names are the contract: roles store them, the policy checks them.
 */
import { createHash } from 'node:crypto';

/** Stable ids for catalogue rights (name-based, so every node and every restart agrees). */
export function rightId(name: string): string {
  const h = createHash('sha1').update(`tessera-right:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const RIGHTS = {
  apiTokensManage: 'API Tokens: Manage', // UI: "Manage user's own API token"
  apiTokensManageAll: 'API Tokens: Manage All', // UI: "Manage all users' API tokens"
  tokenManage: 'Token: Manage', // proxy tokens; absent from API-token sessions
  tokenManageAll: 'Token: Manage All',
  orgView: 'Organization: View',
  orgEdit: 'Organization: Edit Properties',
  vdcView: 'Organization vDC: View',
  vappView: 'vApp: View',
  vappCreate: 'vApp: Create / Reconfigure a vApp',
  vappPower: 'vApp: Power Operations',
  vappDelete: 'vApp: Delete',
  vmConsole: 'vApp: Access to VM Console',
  catalogView: 'Catalog: View Private and Shared Catalogs',
  userView: 'Group / User: View',
  userManage: 'Organization: Manage Users', // create, edit, delete users and groups
  roleView: 'Role: View',
  roleManage: 'Role: Create, Edit, Delete, or Copy',
  globalRoleView: 'Global Role: View',
  globalRoleManage: 'Global Role: Create, Edit, Delete, or Copy',
  rightsBundleView: 'Rights Bundle: View',
  rightsBundleManage: 'Rights Bundle: Edit',
  auditView: 'General: View Audit Trail',
  systemAdmin: 'General: Administrator View', // provider-wide views (all orgs)
  // Creating, changing, disabling and deleting orgs and their catalogs: the provider's control, a write (so never
  // in a read-only token). VCD's right of the same name; the System Administrator role holds it (migration 0024).
  systemControl: 'General: Administrator Control',
  serviceAccountsView: 'Service Accounts: View', // UI: "View Service Accounts" (VCD 10.4)
  serviceAccountsManage: 'Service Accounts: Manage', // UI: "Manage Service Accounts": create, authorize, grant, revoke
  // Tessera's own: push the provider's VDCs, vApps and VMs through the sync API (docs/inventory.md). System org only.
  inventorySync: 'Inventory: Sync',
} as const;

export type RightName = (typeof RIGHTS)[keyof typeof RIGHTS];

/**
 * What a `read-only` API token may hold: the rights that only let one read. Every write Tessera serves needs a
 * right outside this set (or is denied to token sessions altogether, domain/policy.ts).
 */
export const READ_ONLY_RIGHTS: readonly string[] = [
  RIGHTS.orgView,
  RIGHTS.vdcView,
  RIGHTS.vappView,
  RIGHTS.catalogView,
  RIGHTS.userView,
  RIGHTS.roleView,
  RIGHTS.globalRoleView,
  RIGHTS.rightsBundleView,
  RIGHTS.auditView,
  RIGHTS.systemAdmin,
  RIGHTS.serviceAccountsView,
];

/** UI labels where VCD shows something other than the internal name. */
export const RIGHT_LABELS: Readonly<Record<string, string>> = {
  [RIGHTS.apiTokensManage]: "Manage user's own API token",
  [RIGHTS.apiTokensManageAll]: "Manage all users' API tokens",
  [RIGHTS.serviceAccountsView]: 'View Service Accounts',
  [RIGHTS.serviceAccountsManage]: 'Manage Service Accounts',
};

export interface RightDefinition {
  name: string;
  label: string;
  category: string;
  /** Provider-only rights are never published to tenant orgs. */
  providerOnly: boolean;
}

const CATEGORY: Record<string, string> = {
  'API Tokens': 'API Tokens',
  Token: 'Access Control',
  Organization: 'Organization',
  'Organization vDC': 'Organization VDC',
  vApp: 'vApp',
  Catalog: 'Catalog',
  'Group / User': 'Access Control',
  Role: 'Access Control',
  'Global Role': 'Access Control',
  'Rights Bundle': 'Access Control',
  General: 'General',
  'Service Accounts': 'Access Control',
  Inventory: 'General',
};

const PROVIDER_ONLY = new Set<string>([
  RIGHTS.globalRoleManage,
  RIGHTS.rightsBundleManage,
  RIGHTS.systemAdmin,
  RIGHTS.systemControl,
  RIGHTS.inventorySync,
]);

export const RIGHT_CATALOGUE: readonly RightDefinition[] = Object.values(RIGHTS).map((name) => ({
  name,
  label: RIGHT_LABELS[name] ?? name,
  category: CATEGORY[name.split(':')[0]!] ?? 'General',
  providerOnly: PROVIDER_ONLY.has(name),
}));

/** VCD's `bundleKey` of a catalogue right (`RIGHT_API_TOKENS_MANAGE`). */
export const rightBundleKey = (name: string): string => `RIGHT_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
/**
 * VCD's `rightType`: a right that only reads is VIEW ("vApp: View", and "Catalog: View Private and Shared Catalogs",
 * "General: View Audit Trail", which until 2026-12-06 were typed MODIFY for not ending in "View").
 */
export const rightType = (name: string): 'VIEW' | 'MODIFY' => (/\bView\b/.test(name) ? 'VIEW' : 'MODIFY');
/** The catalogue right with this id (the bare UUID), if any. */
export const rightWithId = (id: string): RightDefinition | undefined => RIGHT_CATALOGUE.find((r) => rightId(r.name) === id);

export function isProviderOnlyRight(name: string): boolean {
  return PROVIDER_ONLY.has(name);
}

export function isKnownRight(name: string): boolean {
  return RIGHT_CATALOGUE.some((r) => r.name === name);
}

const ALL = Object.values(RIGHTS);
const TENANT_ALL = ALL.filter((r) => !PROVIDER_ONLY.has(r));
const VIEW = [RIGHTS.orgView, RIGHTS.vdcView, RIGHTS.vappView, RIGHTS.catalogView];

/** Predefined roles (read-only), created in every org at its creation. */
export const PREDEFINED_ROLES = {
  'System Administrator': { description: 'Built-in rights for administering the whole system', rights: ALL, systemOnly: true },
  'Organization Administrator': {
    description: 'Built-in rights for administering an organization',
    rights: TENANT_ALL,
    systemOnly: false,
  },
  'vApp Author': {
    description: 'Rights given to a user who uses catalogs and creates vApps',
    rights: [...VIEW, RIGHTS.vappCreate, RIGHTS.vappPower, RIGHTS.vappDelete, RIGHTS.vmConsole, RIGHTS.apiTokensManage, RIGHTS.tokenManage],
    systemOnly: false,
  },
  'vApp User': {
    description: 'Rights given to a user who uses vApps created by others',
    rights: [...VIEW, RIGHTS.vappPower, RIGHTS.vmConsole, RIGHTS.apiTokensManage, RIGHTS.tokenManage],
    systemOnly: false,
  },
  'Console Access Only': {
    description: 'Rights given to a user who can only view VM state and properties and use the guest OS',
    rights: [RIGHTS.vappView, RIGHTS.vmConsole],
    systemOnly: false,
  },
  // VCD's other two predefined tenant roles, which Terraform's vcd_org_user names (its docs list all six). Tessera's
  // catalogs are read only (derived from the templates), so a Catalog Author holds what a vApp Author holds; it
  // keeps the name users assign.
  'Catalog Author': {
    description: 'Rights given to a user who creates and publishes new catalogs',
    rights: [...VIEW, RIGHTS.vappCreate, RIGHTS.vappPower, RIGHTS.vappDelete, RIGHTS.vmConsole, RIGHTS.apiTokensManage, RIGHTS.tokenManage],
    systemOnly: false,
  },
  // In VCD this role's rights come from the user's SAML or OIDC identity provider. Tessera's users are local, so
  // the role grants nothing: a user given it can sign in and do nothing else, which is what an empty set from an
  // identity provider gives in VCD.
  'Defer to Identity Provider': {
    description: "Rights will be obtained from the user's OIDC/SAML identity provider",
    rights: [],
    systemOnly: false,
  },
} as const satisfies Record<string, { description: string; rights: readonly string[]; systemOnly: boolean }>;

export type PredefinedRoleName = keyof typeof PREDEFINED_ROLES;

/** The well-known id of the System (provider) org, the same in every VCD (vcd-wire §1.5). */
export const SYSTEM_ORG_ID = 'a93c9db9-7471-3192-8d09-a8f7eeda85f9';
export const SYSTEM_ORG_NAME = 'System';

export function isSystemOrgName(name: string): boolean {
  return name.toLowerCase() === 'system';
}
