/**
 * Who may call what: one entry per registered route (method + URL pattern as fastify registered it), stating the
 * class of answer each kind of caller must get. test/security/authorization-matrix.test.ts checks every route of
 * a real app against this table; a route without an entry fails that test, so a new route cannot ship without
 * someone deciding its policy here. HEAD routes are judged by their GET entry (fastify derives them).
 *
 * Columns (callers are made in matrix-world.ts):
 *   anonymous  no credential at all
 *   admin      an org administrator's password session (alice in acme, hank in globex), own org's objects
 *   token      a session made from alice's API token (VCD's restricted "API token session")
 *   limited    carol: password session, role "Console Access Only" (no token rights, no user or org view)
 *   crossOrg   any tenant caller, on an object (path id) of another org
 *   self       the caller's own object where the path can name one (own session, own token, own user)
 *   system     the System administrator, on any org's object
 *   foreignPortal  portal only: a session of another org at this org's portal (the cookie does not count there)
 *   readOnly   not a column of the entries: the System administrator's `read-only` API token is judged by one rule,
 *              no write of /api or /cloudapi succeeds (matrix-requests.ts readOnlyCells)
 *
 * Where today's code breaks a promise that lives in a file this branch must not touch, the entry states the
 * CORRECT answer and `known` says what the code does now; the matrix reports those loudly instead of failing.
 */
export type Outcome = '2xx' | '3xx' | '401' | '403' | '404' | '4xx';
export type Expect = Outcome | readonly Outcome[];
export type Column = 'anonymous' | 'admin' | 'token' | 'limited' | 'crossOrg' | 'self' | 'system' | 'foreignPortal' | 'readOnly';
export type SelfRole = 'admin' | 'token' | 'limited' | 'system';

export interface PolicyEntry {
  anonymous: Expect;
  admin: Expect;
  token: Expect;
  limited: Expect;
  system: Expect;
  /** Required when the path names an org-owned object. */
  crossOrg?: Expect;
  self?: Expect | Partial<Record<SelfRole, Expect>>;
  foreignPortal?: Expect;
  /** Known defects in files owned by others: column -> "lead: currently X, issue 10 defect N". */
  known?: Partial<Record<Column, string>>;
}

/** The class of an HTTP status as the table speaks of it; 5xx is never an allowed answer. */
export function outcomeOf(status: number): Outcome | '5xx' | 'other' {
  if (status >= 500) return '5xx';
  if (status === 401 || status === 403 || status === 404) return String(status) as Outcome;
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  if (status >= 200) return '2xx';
  return 'other';
}

// ------------------------------------------------------------------ shorthands

/** Public: no credential needed, every caller gets an answer. */
const open = (ok: Expect = '2xx'): PolicyEntry => ({ anonymous: ok, admin: ok, token: ok, limited: ok, system: ok, crossOrg: ok });
/** Any signed-in caller, whatever its rights. */
const signedIn = (ok: Expect = '2xx'): PolicyEntry => ({ anonymous: '401', admin: ok, token: ok, limited: ok, system: ok });
/** A read needing a right that org admins (and so their token sessions) hold and carol does not. */
const adminRead = (extra: Partial<PolicyEntry> = {}): PolicyEntry => ({
  anonymous: '401',
  admin: '2xx',
  token: '2xx',
  limited: '403',
  system: '2xx',
  ...extra,
});
/** The same read of one object by id: another org's object is 403, as VCD answers for "missing or forbidden". */
const adminReadById = (extra: Partial<PolicyEntry> = {}) => adminRead({ crossOrg: '403', ...extra });
/** A write a password session of an org admin may make and a token session never (vcd-wire §10). */
const adminWrite = (extra: Partial<PolicyEntry> = {}): PolicyEntry => ({
  anonymous: '401',
  admin: '2xx',
  token: '403',
  limited: '403',
  system: '2xx',
  ...extra,
});
const adminWriteById = (extra: Partial<PolicyEntry> = {}) => adminWrite({ crossOrg: '403', ...extra });
/** Writable by the System org only (rights bundles, global roles): tenants get 403 whatever their role. */
const providerWrite = (system: Expect, extra: Partial<PolicyEntry> = {}): PolicyEntry => ({
  anonymous: '401',
  admin: '403',
  token: '403',
  limited: '403',
  system,
  ...extra,
});
/** Provider-only reads: no tenant, whatever its role. */
const providerRead = (): PolicyEntry => ({ anonymous: '401', admin: '403', token: '403', limited: '403', system: '2xx' });
/** A sign-in endpoint called with a Bearer but no Basic credentials: always 401. */
const signInEndpoint = (): PolicyEntry => ({ anonymous: '401', admin: '401', token: '401', limited: '401', system: '401' });

const API = '/cloudapi/1.0.0';

/** The API areas (everything but the portal). */
const API_POLICY: Record<string, PolicyEntry> = {
  'GET /health': open(),
  'GET /health/live': open(),
  'GET /health/ready': open(),
  'GET /': open(),
  'GET /tenant': open(),
  'GET /static/*': open(),

  // ---------------------------------------------------------------- /api (legacy)
  // The OpenAPI document (src/http/openapi.ts): public, it describes the API and grants nothing.
  'GET /tessera/openapi.json': open(),
  'GET /api/versions': open(),
  'POST /api/sessions': signInEndpoint(),
  'POST /api/login': signInEndpoint(),
  'GET /api/session': signedIn(),
  'DELETE /api/session': signedIn(),
  'GET /api/org': signedIn(),
  // Every member may read its own org's document (VCD: clients navigate from it); no other org's.
  'GET /api/org/:id': adminReadById({ limited: '2xx' }),
  'GET /api/org/:id/metadata': adminReadById({ limited: '2xx' }),
  // The admin VCloud document: whoever may read an AdminOrg (own org only for tenants), as VCD serves it.
  'GET /api/admin': adminRead(),
  'GET /api/admin/org/:id': adminReadById(),
  // The org's settings and their sections, at the hrefs the AdminOrg names: read like the AdminOrg.
  'GET /api/admin/org/:id/settings': adminReadById(),
  'GET /api/admin/org/:id/settings/general': adminReadById(),
  'GET /api/admin/org/:id/settings/vAppLeaseSettings': adminReadById(),
  'GET /api/admin/org/:id/settings/vAppTemplateLeaseSettings': adminReadById(),
  'GET /api/admin/org/:id/settings/ldap': adminReadById(),
  'GET /api/admin/org/:id/settings/passwordPolicy': adminReadById(),
  'GET /api/admin/org/:id/metadata': adminReadById(),
  'GET /api/org/:id/metadata/:key': adminReadById({ limited: '2xx' }),
  'GET /api/org/:id/metadata/SYSTEM/:key': adminReadById({ limited: '2xx' }),
  'GET /api/org/:id/metadata/GENERAL/:key': adminReadById({ limited: '2xx' }),
  'GET /api/admin/org/:id/metadata/:key': adminReadById(),
  'GET /api/admin/org/:id/metadata/SYSTEM/:key': adminReadById(),
  'GET /api/admin/org/:id/metadata/GENERAL/:key': adminReadById(),
  // Org lifecycle (issue 12): the provider's alone, API-token sessions of the provider included (Terraform).
  'POST /api/admin/orgs': providerWrite('2xx'),
  'PUT /api/admin/org/:id': providerWrite('2xx', { crossOrg: '403' }),
  'POST /api/admin/org/:id/action/disable': providerWrite('2xx', { crossOrg: '403' }),
  'POST /api/admin/org/:id/action/enable': providerWrite('2xx', { crossOrg: '403' }),
  'DELETE /api/admin/org/:id': providerWrite('2xx', { crossOrg: '403' }),
  // An org's metadata: written like the org itself (the provider's, API-token sessions included).
  'POST /api/admin/org/:id/metadata': providerWrite('2xx', { crossOrg: '403' }),
  'PUT /api/admin/org/:id/metadata/:key': providerWrite('2xx', { crossOrg: '403' }),
  'PUT /api/admin/org/:id/metadata/SYSTEM/:key': providerWrite('2xx', { crossOrg: '403' }),
  'PUT /api/admin/org/:id/metadata/GENERAL/:key': providerWrite('2xx', { crossOrg: '403' }),
  'DELETE /api/admin/org/:id/metadata/:key': providerWrite('2xx', { crossOrg: '403' }),
  'DELETE /api/admin/org/:id/metadata/SYSTEM/:key': providerWrite('2xx', { crossOrg: '403' }),
  'DELETE /api/admin/org/:id/metadata/GENERAL/:key': providerWrite('2xx', { crossOrg: '403' }),
  // Org users: org administrators in their own org, the provider in any; never a token session (vcd-wire §10).
  'POST /api/admin/org/:id/users': adminWriteById(),
  'GET /api/admin/user/:id': adminReadById({ self: '2xx' }),
  // A role (pyvcloud's Org.get_role_resource): whoever may view the org's roles; carol's role may not.
  'GET /api/admin/role/:id': adminReadById(),
  // A group (govcd's GetGroupByName, the User's GroupReferences): read like the cloudapi's /groups/{id}.
  'GET /api/admin/group/:id': adminReadById(),
  // A right of the catalogue (every RightReference's href): any signed-in user, as the cloudapi's /rights/{id}.
  'GET /api/admin/right/:id': signedIn(),
  // self: one's own profile with Manage Users (alice, the provider); carol lacks it, a token session may not.
  'PUT /api/admin/user/:id': adminWriteById({ self: { admin: '2xx', token: '403', limited: '403', system: '2xx' } }),
  // self: nobody deletes their own account (400).
  'DELETE /api/admin/user/:id': adminWriteById({ self: { admin: '4xx', token: '403', limited: '403', system: '4xx' } }),
  'POST /api/admin/user/:id/action/unlock': adminWriteById({ self: { admin: '2xx', token: '403', limited: '403', system: '2xx' } }),
  'POST /api/admin/user/:id/action/takeOwnership': adminWriteById({
    self: { admin: '2xx', token: '403', limited: '403', system: '2xx' },
  }),
  // A task: whoever may read its org (carol may not), or whoever started it.
  'GET /api/task/:id': adminReadById(),
  // An org's TasksList (the Org document links it): every member, as the Org; carol's lists the tasks she started.
  'GET /api/tasksList/:id': adminReadById({ limited: '2xx' }),
  'GET /api/vdc/:id': adminReadById(),
  // The admin views: read like the VDC and, as the AdminOrg that lists it, the org's admin view.
  'GET /api/admin/vdc/:id': adminReadById(),
  'GET /api/admin/vdc/:id/computePolicies': adminReadById(),
  'GET /api/vdc/:id/metadata': adminReadById(),
  // One entry by key (govcd's GetMetadataByKey; the matrix puts the key on the object first): read like the whole.
  'GET /api/vdc/:id/metadata/:key': adminReadById(),
  'GET /api/vdc/:id/metadata/SYSTEM/:key': adminReadById(),
  'GET /api/vdc/:id/metadata/GENERAL/:key': adminReadById(),
  // The same under the admin view's href (the AdminOrg lists it; Terraform's data "vcd_org_vdc" reads it there).
  'GET /api/admin/vdc/:id/metadata': adminReadById(),
  'GET /api/admin/vdc/:id/metadata/:key': adminReadById(),
  'GET /api/admin/vdc/:id/metadata/SYSTEM/:key': adminReadById(),
  'GET /api/admin/vdc/:id/metadata/GENERAL/:key': adminReadById(),
  // A VDC's storage profiles: whoever may read the VDC (Terraform's vcd_org_vdc and vcd_storage_profile).
  'GET /api/vdcStorageProfile/:id': adminReadById(),
  'GET /api/admin/vdcStorageProfile/:id': adminReadById(),
  'GET /api/vdcStorageProfile/:id/metadata': adminReadById(),
  // A VDC's org VDC network (govcd's GetOrgVdcNetworkByName follows AvailableNetworks): whoever may read the VDC.
  // The same paths serve a vApp's networks, read like the vApp (test/http/legacy/networks.test.ts).
  'GET /api/network/:id': adminReadById(),
  'GET /api/admin/network/:id': adminReadById(),
  'GET /api/network/:id/metadata': adminReadById(),
  'GET /api/admin/network/:id/metadata': adminReadById(),
  // The addresses a vApp network's VMs hold: whoever may read the vApp (a vApp User too, like the vApp's sections).
  'GET /api/network/:id/allocatedAddresses': adminReadById({ limited: '2xx' }),
  'GET /api/admin/network/:id/allocatedAddresses': adminReadById({ limited: '2xx' }),
  // Catalogs and their items (derived from the templates): read like the templates; carol's role holds "vApp: View".
  'GET /api/catalog/:id': adminReadById({ limited: '2xx' }),
  'GET /api/admin/catalog/:id': adminReadById({ limited: '2xx' }),
  'GET /api/catalog/:id/metadata': adminReadById({ limited: '2xx' }),
  'GET /api/admin/catalog/:id/metadata': adminReadById({ limited: '2xx' }),
  // Deleting a catalog (govcd's AdminOrg.Delete before the org): the provider's; without recursive=true a catalog
  // that holds templates (every catalog does) is a 400 and nothing changes, so the matrix's call deletes nothing.
  'DELETE /api/admin/catalog/:id': providerWrite('4xx', { crossOrg: '403' }),
  // The rest of govcd's AdminOrg.Delete (src/http/legacy/inventory-teardown.ts): the provider's, as the org delete is
  // (an org administrator included, a tenant gets 403: the inventory is the provider's). The provider's calls are
  // made on copies (matrix-world.ts fresh.vdc, fresh.vapp): a disabled, empty VDC and a powered-off vApp.
  'POST /api/vApp/:ref/action/undeploy': providerWrite('2xx', { crossOrg: '403' }),
  'DELETE /api/vApp/:ref': providerWrite('2xx', { crossOrg: '403' }),
  'POST /api/admin/vdc/:id/action/disable': providerWrite('2xx', { crossOrg: '403' }),
  'POST /api/admin/vdc/:id/action/enable': providerWrite('2xx', { crossOrg: '403' }),
  'DELETE /api/admin/vdc/:id': providerWrite('2xx', { crossOrg: '403' }),
  'GET /api/catalogItem/:id': adminReadById({ limited: '2xx' }),
  // Who may use a vApp, a VDC or a catalog: read like the entity.
  'GET /api/catalog/:id/controlAccess': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/controlAccess': adminReadById({ limited: '2xx' }),
  'GET /api/vdc/:id/controlAccess': adminReadById(),
  // A VDC's VM affinity rules (none in Tessera), linked from its Vdc document: read like the VDC.
  'GET /api/vdc/:id/vmAffinityRules': adminReadById(),
  'GET /api/catalogItem/:id/metadata': adminReadById({ limited: '2xx' }),
  // carol's role holds "vApp: View".
  'GET /api/vApp/:ref': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/metadata': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/metadata/:key': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/metadata/SYSTEM/:key': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/metadata/GENERAL/:key': adminReadById({ limited: '2xx' }),
  // A vApp's sections (vapp-sections.ts): read like the vApp; the matrix names a vApp for these.
  'GET /api/vApp/:ref/productSections': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/leaseSettingsSection': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/networkConfigSection': adminReadById({ limited: '2xx' }),
  // A VM's sections: read like the VM; the matrix names a VM for these (matrix-requests.ts).
  'GET /api/vApp/:ref/networkConnectionSection': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/guestCustomizationSection': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/vmCapabilities': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/virtualHardwareSection': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/virtualHardwareSection/cpu': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/virtualHardwareSection/memory': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/virtualHardwareSection/disks': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/virtualHardwareSection/media': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/virtualHardwareSection/networkCards': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/virtualHardwareSection/serialPorts': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/operatingSystemSection': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/bootOptions': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/runtimeInfoSection': adminReadById({ limited: '2xx' }),
  'GET /api/vApp/:ref/guestcustomizationstatus': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/metadata': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/leaseSettingsSection': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/metadata/:key': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/metadata/SYSTEM/:key': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/metadata/GENERAL/:key': adminReadById({ limited: '2xx' }),
  // A template VM's sections: read like the template; the matrix names one of its VMs for these.
  'GET /api/vAppTemplate/:ref/networkConnectionSection': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/guestCustomizationSection': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/vmCapabilities': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/virtualHardwareSection': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/virtualHardwareSection/cpu': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/virtualHardwareSection/memory': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/virtualHardwareSection/disks': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/virtualHardwareSection/media': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/virtualHardwareSection/networkCards': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/virtualHardwareSection/serialPorts': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/operatingSystemSection': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/bootOptions': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/runtimeInfoSection': adminReadById({ limited: '2xx' }),
  'GET /api/vAppTemplate/:ref/guestcustomizationstatus': adminReadById({ limited: '2xx' }),
  'GET /api/query': signedIn(),
  'GET /api/vms/query': signedIn(),
  'GET /api/vApps/query': signedIn(),
  // Admin query types need the provider view (inventory/query/service.ts), org administrators included.
  'GET /api/admin/vms/query': providerRead(),
  'GET /api/admin/vApps/query': providerRead(),
  'GET /api/admin/vdcs/query': providerRead(),
  'GET /api/admin/orgs/query': adminRead(),
  'GET /api/admin/users/query': adminRead(),
  'GET /api/org/:id/vdcs/query': adminReadById(),
  'GET /api/org/:id/catalogs/query': adminReadById({ limited: '2xx' }),
  // A VDC's edge gateways (none in Tessera), linked from its Vdc document: whoever may read the VDC.
  'GET /api/admin/vdc/:id/edgeGateways': adminReadById(),
  'GET /api/catalogs/query': signedIn(),
  // The guide's other packaged queries: the rights of `/api/query?type=<type>` (src/http/legacy/query.ts).
  'GET /api/vAppTemplates/query': signedIn(),
  'GET /api/mediaList/query': signedIn(),
  'GET /api/admin/groups/query': adminRead(),
  'GET /api/admin/roles/query': adminRead(),
  'GET /api/admin/rights/query': adminRead(),
  'GET /api/admin/catalogs/query': providerRead(),

  // ---------------------------------------------------------------- /cloudapi sessions
  [`POST ${API}/sessions`]: signInEndpoint(),
  [`POST ${API}/sessions/provider`]: signInEndpoint(),
  [`GET ${API}/sessions/current`]: signedIn(),
  [`GET ${API}/sessions`]: signedIn(),
  [`DELETE ${API}/sessions/current`]: signedIn(),
  [`DELETE ${API}/sessions`]: signedIn(),
  [`DELETE ${API}/sessions/provider`]: signedIn(),
  // Only one's own session is addressable, the System administrator's included.
  [`GET ${API}/sessions/:id`]: { ...signedIn('403'), anonymous: '401', crossOrg: '403', self: '2xx' },
  [`DELETE ${API}/sessions/:id`]: { ...signedIn('403'), anonymous: '401', crossOrg: '403', self: '2xx' },
  [`GET ${API}/sessions/:id/token`]: {
    ...signedIn('403'),
    anonymous: '401',
    crossOrg: '403',
    self: { admin: '404', token: '2xx', limited: '404', system: '404' },
  },

  // ---------------------------------------------------------------- /cloudapi tokens (another user's token by id)
  [`GET ${API}/tokens`]: adminRead(),
  // `self` is another token of the caller's own: a session made from an API token sees and revokes the token it came
  // from and no other (vcd-wire §6, "can't view or revoke other tokens"; test/http/cloudapi/tokens.test.ts).
  [`GET ${API}/tokens/:id`]: adminReadById({ token: '403', self: { admin: '2xx', token: '403', limited: '403', system: '2xx' } }),
  [`DELETE ${API}/tokens/:id`]: adminWriteById({ self: { admin: '2xx', token: '403', limited: '403', system: '2xx' } }),
  // Regenerate (Tessera extension): the owner's own token only, from a password session; an administrator revokes
  // another user's token but never receives its new secret, and a token session makes no credentials.
  'POST /cloudapi/x-tessera/tokens/:id/regenerate': adminWriteById({
    admin: '403',
    system: '403',
    self: { admin: '2xx', token: '403', limited: '403', system: '2xx' },
  }),

  // ---------------------------------------------------------------- /cloudapi identity (read-only to token sessions)
  [`GET ${API}/users`]: adminRead(),
  [`GET ${API}/users/:id`]: adminReadById({ self: '2xx' }),
  [`POST ${API}/users`]: adminWrite(),
  // self: changing one's own password (with a wrong current one: 400), never from a token session.
  [`PUT ${API}/users/:id`]: adminWriteById({ self: { admin: '4xx', token: '403', limited: '4xx', system: '4xx' } }),
  // self: nobody deletes their own account (400); a token session may not even ask.
  [`DELETE ${API}/users/:id`]: adminWriteById({ self: { admin: '4xx', token: '403', limited: '403', system: '4xx' } }),
  [`GET ${API}/groups`]: adminRead(),
  [`GET ${API}/groups/:id`]: adminReadById(),
  [`POST ${API}/groups`]: adminWrite(),
  [`PUT ${API}/groups/:id`]: adminWriteById(),
  [`DELETE ${API}/groups/:id`]: adminWriteById(),
  [`GET ${API}/roles`]: adminRead(),
  [`GET ${API}/roles/:id`]: adminReadById(),
  [`GET ${API}/roles/:id/rights`]: adminReadById(),
  [`POST ${API}/roles`]: adminWrite(),
  [`PUT ${API}/roles/:id`]: adminWriteById(),
  [`PUT ${API}/roles/:id/rights`]: adminWriteById(),
  [`POST ${API}/roles/:id/rights`]: adminWriteById(),
  [`DELETE ${API}/roles/:id`]: adminWriteById(),
  [`GET ${API}/globalRoles`]: adminRead(),
  // Global roles are fixed in code: even the System administrator gets 405 (a decision in identity.ts).
  // A global role, its rights and its tenants (govcd's GlobalRole.GetRights/GetTenants, Terraform's vcd_global_role).
  [`GET ${API}/globalRoles/:id`]: adminRead(),
  [`GET ${API}/globalRoles/:id/rights`]: adminRead(),
  [`GET ${API}/globalRoles/:id/tenants`]: adminRead(),
  [`POST ${API}/globalRoles`]: providerWrite('4xx'),
  [`PUT ${API}/globalRoles/:id`]: providerWrite('4xx'),
  [`DELETE ${API}/globalRoles/:id`]: providerWrite('4xx'),
  [`GET ${API}/rights`]: signedIn(),
  [`GET ${API}/rights/:id`]: signedIn(),
  // The rights catalogue's categories: read like the rights.
  [`GET ${API}/rightsCategories`]: signedIn(),
  [`GET ${API}/rightsCategories/:id`]: signedIn(),
  [`GET ${API}/rightsBundles`]: adminRead(),
  // A bundle published to another org only is another org's object.
  [`GET ${API}/rightsBundles/:id`]: adminReadById(),
  [`GET ${API}/rightsBundles/:id/rights`]: adminReadById(),
  [`GET ${API}/rightsBundles/:id/tenants`]: adminReadById(),
  [`PUT ${API}/rightsBundles/:id`]: providerWrite('2xx', { crossOrg: '403' }),
  [`PUT ${API}/rightsBundles/:id/rights`]: providerWrite('2xx', { crossOrg: '403' }),
  [`GET ${API}/auditTrail`]: adminRead(),

  // ---------------------------------------------------------------- /cloudapi TOTP of the signed-in user
  // Even the status: how the user signs in is none of a token session's business (totp.manageOwn).
  [`GET ${API}/users/current/totp`]: { ...signedIn(), token: '403' },
  [`POST ${API}/users/current/totp`]: { ...signedIn(), token: '403' },
  // A wrong code / nothing to disable: 400 for password sessions; a token session may not even try.
  [`POST ${API}/users/current/totp/confirm`]: { ...signedIn('4xx'), token: '403' },
  [`DELETE ${API}/users/current/totp`]: { ...signedIn('4xx'), token: '403' },

  // ---------------------------------------------------------------- /cloudapi orgs, VDCs, token policy
  [`GET ${API}/orgs`]: signedIn(),
  [`GET ${API}/orgs/:id`]: adminReadById({ limited: '2xx' }),
  [`GET ${API}/vdcs`]: adminRead(),
  [`GET ${API}/vdcs/:id`]: adminReadById(),
  // Compute policies: the VDC's (System Default only), and that policy by the href the Vdc document gives.
  ['GET /cloudapi/2.0.0/vdcs/:id/computePolicies']: adminReadById(),
  [`GET ${API}/vdcComputePolicies/:id`]: adminRead(),
  // Every compute policy (that one): govcd's GetAllVdcComputePolicies[V2], read like the VDCs.
  [`GET ${API}/vdcComputePolicies`]: adminRead(),
  ['GET /cloudapi/2.0.0/vdcComputePolicies']: adminRead(),
  // NSX-T edge gateways: none in Tessera, an empty page for whoever may read VDCs (src/http/cloudapi/empty-lists.ts).
  [`GET ${API}/edgeGateways`]: adminRead(),
  // VDC groups (none in Tessera): an empty page for whoever may read VDCs, as the edge gateways.
  [`GET ${API}/vdcGroups`]: adminRead(),
  // The certificate library (empty): an org administration read, whoever may read the admin views (carol may not).
  [`GET ${API}/ssl/certificateLibrary`]: adminRead(),
  // A VM's security tags (none in Tessera): read like the VM (vApp: View, which carol holds).
  [`GET ${API}/securityTags/vm/:id`]: adminReadById({ limited: '2xx' }),
  [`GET ${API}/orgs/:id/apiTokenPolicy`]: adminReadById(),
  [`PUT ${API}/orgs/:id/apiTokenPolicy`]: adminWriteById(),

  // ---------------------------------------------------------------- /cloudapi service accounts (VCD 10.4)
  // Org administrators hold "Service Accounts: View/Manage"; their token sessions may read, never manage.
  [`GET ${API}/serviceAccounts`]: adminRead(),
  [`GET ${API}/serviceAccounts/:id`]: adminReadById(),
  [`PUT ${API}/serviceAccounts/:id`]: adminWriteById(),
  [`DELETE ${API}/serviceAccounts/:id`]: adminWriteById(),
  [`POST ${API}/serviceAccounts/:id/revoke`]: adminWriteById(),
  // 303 to the account a pending user code is for (a read); grant and deny are writes.
  [`POST ${API}/deviceLookup`]: adminRead({ admin: '3xx', token: '3xx', system: '3xx' }),
  [`POST ${API}/deviceLookup/grant`]: adminWrite(),
  [`POST ${API}/deviceLookup/deny`]: adminWrite(),

  // ---------------------------------------------------------------- inventory sync API (issue 12 §2)
  // System org only, with "Inventory: Sync"; never a tenant, never an API-token session (alice's is tenant anyway).
  // The empty batch the matrix sends is a valid no-op; committing generation 1 is 409 unless the matrix opened it.
  'GET /cloudapi/x-tessera/inventory/sources/:source': providerRead(),
  'PUT /cloudapi/x-tessera/inventory/sources/:source': providerWrite('2xx'),
  'POST /cloudapi/x-tessera/inventory/sources/:source/batches': providerWrite('2xx'),
  'POST /cloudapi/x-tessera/inventory/sources/:source/generations': providerWrite('2xx'),
  'POST /cloudapi/x-tessera/inventory/sources/:source/generations/:generation/commit': providerWrite(['2xx', '4xx']),

  // ---------------------------------------------------------------- /oauth
  // The token endpoint is authenticated by the API token in the body (a garbage one here): 400 for everyone.
  'POST /oauth/provider/token': open('4xx'),
  'POST /oauth/tenant/:org/token': open('4xx'),
  // Creating a token: own org's endpoint, password session with "API Tokens: Manage"; the System
  // administrator only at /oauth/provider (VCD creates provider tokens in the System org).
  'POST /oauth/provider/register': adminWrite({ crossOrg: '403' }),
  'POST /oauth/tenant/:org/register': adminWriteById({ system: '403' }),
  // RFC 7009: 200 whatever the token, so the endpoint is no oracle.
  // RFC 8628 device authorization for a service account: one answer (invalid_client) for an unknown client, another
  // org's, or one the caller may not manage, so it is no oracle; only a manager gets the codes.
  'POST /oauth/provider/device_authorization': {
    anonymous: '401',
    admin: '4xx',
    token: '4xx',
    limited: '4xx',
    system: '2xx',
    crossOrg: '4xx',
  },
  'POST /oauth/tenant/:org/device_authorization': {
    anonymous: '401',
    admin: '2xx',
    token: '4xx',
    limited: '4xx',
    system: '2xx',
    crossOrg: '4xx',
  },
  'POST /oauth/provider/revoke': open(),
  'POST /oauth/tenant/:org/revoke': open(),
  // GitHub's secret scanning: authenticated by GitHub's signature alone, which no caller of the matrix has.
  'POST /oauth/secret-scanning/github': open('401'),
  // RFC 7662: a Bearer is required, and only at the caller's own org's endpoint.
  'POST /oauth/provider/introspect': { ...signedIn(), crossOrg: '403' },
  'POST /oauth/tenant/:org/introspect': { ...signedIn(), crossOrg: '403', system: '403' },
  'GET /.well-known/oauth-authorization-server/oauth/provider': open(),
  'GET /.well-known/oauth-authorization-server/oauth/tenant/:org': open(),
};

/**
 * The portal is driven by its session cookie alone (portal-session.ts): an API-token session in the cookie, or a
 * session of another org, opens nothing, so those callers get what anonymous gets. Pages that need a sign-in
 * redirect there (3xx); forms that need one answer the same redirect after the CSRF check.
 */
interface PortalPage {
  anonymous: Expect;
  admin: Expect;
  limited: Expect;
  crossOrg?: Expect;
  self?: PolicyEntry['self'];
}
const PORTAL_PAGES: Record<string, PortalPage> = {
  'GET /login': { anonymous: '2xx', admin: '3xx', limited: '3xx' },
  // Wrong credentials: the form again, 401. A signed-in user is never shown the form, so has no CSRF token: 403.
  'POST /login': { anonymous: '401', admin: '403', limited: '403' },
  'GET /login/code': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  'POST /login/code': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  'POST /sign-out': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  'GET ': { anonymous: '3xx', admin: '2xx', limited: '2xx' },
  'GET /preferences': { anonymous: '3xx', admin: '2xx', limited: '2xx' },
  'POST /preferences/totp/start': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  'GET /preferences/totp': { anonymous: '3xx', admin: '2xx', limited: '2xx' },
  'POST /preferences/totp/confirm': { anonymous: '3xx', admin: '4xx', limited: '4xx' },
  'GET /preferences/totp/disable': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  'POST /preferences/totp/disable': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  // The user's own time zone: every signed-in user, whatever their rights (a display preference).
  'GET /preferences/time-zone': { anonymous: '3xx', admin: '2xx', limited: '2xx' },
  'POST /preferences/time-zone': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  'GET /preferences/password': { anonymous: '3xx', admin: '2xx', limited: '2xx' },
  // A wrong current password: the form again with 400; nothing changes.
  'POST /preferences/password': { anonymous: '3xx', admin: '4xx', limited: '4xx' },
  'GET /preferences/tokens/new': { anonymous: '3xx', admin: '2xx', limited: '403' },
  // The New token form's POST target opened as a page: to the form (which refuses the limited user itself).
  'GET /preferences/tokens': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  'POST /preferences/tokens': { anonymous: '3xx', admin: '3xx', limited: '403' },
  'GET /preferences/tokens/created': { anonymous: '3xx', admin: '2xx', limited: '2xx' },
  'GET /tokens/:id/revoke': {
    anonymous: '3xx',
    admin: '2xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '2xx', limited: '403', system: '2xx' },
  },
  'POST /tokens/:id/revoke': {
    anonymous: '3xx',
    admin: '3xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '3xx', limited: '403', system: '3xx' },
  },
  // Regenerate: the owner's own live token only (an administrator revokes, never receives another's secret).
  // The matrix's form carries no grace choice: the page again with 400, nothing changes.
  'GET /tokens/:id/regenerate': {
    anonymous: '3xx',
    admin: '403',
    limited: '403',
    crossOrg: '403',
    self: { admin: '2xx', limited: '403', system: '2xx' },
  },
  'POST /tokens/:id/regenerate': {
    anonymous: '3xx',
    admin: '403',
    limited: '403',
    crossOrg: '403',
    self: { admin: '4xx', limited: '403', system: '4xx' },
  },
  // Recovery codes: the page shows them once (a plain page without the cookie); a new set needs the password or
  // a code (the matrix's users have no two-factor: the form redirects to preferences).
  'GET /preferences/totp/recovery-codes': { anonymous: '3xx', admin: '2xx', limited: '2xx' },
  'GET /preferences/totp/recovery-codes/new': { anonymous: '3xx', admin: '3xx', limited: '3xx' },
  'POST /preferences/totp/recovery-codes/new': { anonymous: '3xx', admin: '4xx', limited: '4xx' },
  'GET /administration': { anonymous: '3xx', admin: '3xx', limited: '403' },
  'GET /administration/users': { anonymous: '3xx', admin: '2xx', limited: '403' },
  'GET /administration/users/:userId/tokens': { anonymous: '3xx', admin: '2xx', limited: '403', crossOrg: '403' },
  'GET /administration/tokens': { anonymous: '3xx', admin: '2xx', limited: '403' },
  // Bulk revoke (Revoke selected / Revoke all matching). The matrix selects nothing: back to the list, which says so
  // (the confirmation, the revoke and another org's tokens: test/portal/token-bulk-revoke.test.ts).
  'GET /administration/tokens/revoke': { anonymous: '3xx', admin: '3xx', limited: '403' },
  'POST /administration/tokens/revoke': { anonymous: '3xx', admin: '3xx', limited: '403' },
  // Service accounts (View / Manage Service Accounts). The matrix's forms carry only `_csrf`: create, the role
  // change and the device lookup answer the form again with 400 (nothing changes); revoke and delete redirect.
  'GET /administration/serviceAccounts': { anonymous: '3xx', admin: '2xx', limited: '403' },
  'GET /administration/serviceAccounts/new': { anonymous: '3xx', admin: '2xx', limited: '403' },
  'POST /administration/serviceAccounts': { anonymous: '3xx', admin: '4xx', limited: '403' },
  'GET /administration/serviceAccounts/:id': { anonymous: '3xx', admin: '2xx', limited: '403', crossOrg: '403' },
  'POST /administration/serviceAccounts/:id/role': { anonymous: '3xx', admin: '4xx', limited: '403', crossOrg: '403' },
  // The confirmations of Revoke and Delete (the POSTs' checks): a page for who may manage the account. The world's
  // account was never authorized, so its Revoke has nothing to end and returns to the account with a notice (the
  // page itself, for an account with access: test/portal/admin-confirmations.test.ts).
  'GET /administration/serviceAccounts/:id/revoke': { anonymous: '3xx', admin: '3xx', limited: '403', crossOrg: '403' },
  'GET /administration/serviceAccounts/:id/delete': { anonymous: '3xx', admin: '2xx', limited: '403', crossOrg: '403' },
  'POST /administration/serviceAccounts/:id/revoke': { anonymous: '3xx', admin: '3xx', limited: '403', crossOrg: '403' },
  'POST /administration/serviceAccounts/:id/delete': { anonymous: '3xx', admin: '3xx', limited: '403', crossOrg: '403' },
  'GET /administration/accessRequests': { anonymous: '3xx', admin: '2xx', limited: '403' },
  'POST /administration/accessRequests': { anonymous: '3xx', admin: '4xx', limited: '403' },
  // Issue 14: Data Centers (Organization vDC: View; carol lacks it) and Virtual Machines (vApp: View; carol has it).
  'GET /datacenters': { anonymous: '3xx', admin: '2xx', limited: '403' },
  'GET /vms': { anonymous: '3xx', admin: '2xx', limited: '2xx' },
  // A VM of the caller's org (vApp: View, which carol has); another org's is the same 403 as none.
  'GET /vms/:vmId': { anonymous: '3xx', admin: '2xx', limited: '2xx', crossOrg: '403' },
  // Administration > Users (Group / User: View; acting needs Organization: Manage Users and the user's role).
  'GET /administration/users/new': { anonymous: '3xx', admin: '2xx', limited: '403' },
  // The matrix's form carries only `_csrf`: the form again with 400 (nothing created).
  'POST /administration/users': { anonymous: '3xx', admin: '4xx', limited: '403' },
  'GET /administration/users/:userId': { anonymous: '3xx', admin: '2xx', limited: '403', crossOrg: '403' },
  // The confirmations of Disable and the two-factor reset (the POSTs' checks). One's own account, a user already
  // disabled or without two-factor: nothing to confirm, back to the user's page.
  'GET /administration/users/:userId/disable': {
    anonymous: '3xx',
    admin: '2xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '3xx', limited: '403', system: '3xx' },
  },
  'GET /administration/users/:userId/reset-two-factor': {
    anonymous: '3xx',
    admin: '3xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '3xx', limited: '403', system: '3xx' },
  },
  'POST /administration/users/:userId/disable': {
    anonymous: '3xx',
    admin: '3xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '4xx', limited: '403', system: '4xx' },
  },
  'POST /administration/users/:userId/enable': {
    anonymous: '3xx',
    admin: '3xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '3xx', limited: '403', system: '3xx' },
  },
  'POST /administration/users/:userId/unlock': {
    anonymous: '3xx',
    admin: '3xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '3xx', limited: '403', system: '3xx' },
  },
  'POST /administration/users/:userId/reset-two-factor': {
    anonymous: '3xx',
    admin: '3xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '4xx', limited: '403', system: '4xx' },
  },
  // No password in the matrix's form: the page again with 400; one's own password is refused here (User preferences).
  'POST /administration/users/:userId/password': {
    anonymous: '3xx',
    admin: '4xx',
    limited: '403',
    crossOrg: '403',
    self: { admin: '4xx', limited: '403', system: '4xx' },
  },
  // Audit Trail (General: View Audit Trail) and its JSON Lines export.
  'GET /administration/audit': { anonymous: '3xx', admin: '2xx', limited: '403' },
  'GET /administration/audit/export': { anonymous: '3xx', admin: '2xx', limited: '403' },
  // API Token Policy of the portal's org: an empty value is "no limit", so the matrix's form saves (303).
  'GET /administration/tokenPolicy': { anonymous: '3xx', admin: '2xx', limited: '403' },
  'POST /administration/tokenPolicy': { anonymous: '3xx', admin: '3xx', limited: '403' },
};

/**
 * The provider's Organizations (org.manage): at /provider only the System administrator reaches them; at a
 * tenant's portal the same paths are refused to everyone signed in there (org administrators included).
 */
const ORG_PAGES: Record<string, PortalPage> = {
  'GET /administration/orgs': { anonymous: '3xx', admin: '2xx', limited: '403' },
  'GET /administration/orgs/new': { anonymous: '3xx', admin: '2xx', limited: '403' },
  // Only `_csrf` in the matrix's form: no name, the form again with 400.
  'POST /administration/orgs': { anonymous: '3xx', admin: '4xx', limited: '403' },
  'GET /administration/orgs/:id': { anonymous: '3xx', admin: '2xx', limited: '403', crossOrg: '403' },
  'POST /administration/orgs/:id/disable': { anonymous: '3xx', admin: '3xx', limited: '403', crossOrg: '403' },
  'POST /administration/orgs/:id/enable': { anonymous: '3xx', admin: '3xx', limited: '403', crossOrg: '403' },
  // No confirmation name in the matrix's form: the page again with 400, nothing deleted.
  'POST /administration/orgs/:id/delete': { anonymous: '3xx', admin: '4xx', limited: '403', crossOrg: '403' },
  'POST /administration/orgs/:id/tokenPolicy': { anonymous: '3xx', admin: '3xx', limited: '403', crossOrg: '403' },
};

function portalPolicy(): Record<string, PolicyEntry> {
  const out: Record<string, PolicyEntry> = {};
  for (const [key, page] of Object.entries(PORTAL_PAGES)) {
    const [method, path] = key.split(' ') as [string, string];
    const common = { anonymous: page.anonymous, token: page.anonymous, foreignPortal: page.anonymous };
    // Tenant portal: the System administrator's session is of another org there.
    out[`${method} /tenant/:org${path}`] = {
      ...common,
      admin: page.admin,
      limited: page.limited,
      system: page.anonymous,
      ...(page.crossOrg ? { crossOrg: page.crossOrg } : {}),
      ...(page.self ? { self: page.self } : {}),
    };
    // Provider portal: the System administrator is at home (and holds Manage All); tenants are foreign.
    out[`${method} /provider${path}`] = {
      ...common,
      admin: page.anonymous,
      limited: page.anonymous,
      system: page.admin,
      ...(page.crossOrg ? { crossOrg: page.crossOrg } : {}),
      ...(page.self ? { self: page.self } : {}),
    };
  }
  return out;
}

function orgPagesPolicy(): Record<string, PolicyEntry> {
  const out: Record<string, PolicyEntry> = {};
  for (const [key, page] of Object.entries(ORG_PAGES)) {
    const [method, path] = key.split(' ') as [string, string];
    const common = { anonymous: page.anonymous, token: page.anonymous, foreignPortal: page.anonymous };
    out[`${method} /tenant/:org${path}`] = {
      ...common,
      admin: '403',
      limited: '403',
      system: page.anonymous,
      ...(page.crossOrg ? { crossOrg: '403' as const } : {}),
    };
    out[`${method} /provider${path}`] = {
      ...common,
      admin: page.anonymous,
      limited: page.anonymous,
      system: page.admin,
      ...(page.crossOrg ? { crossOrg: page.crossOrg } : {}),
    };
  }
  return out;
}

export const ROUTE_POLICY: Readonly<Record<string, PolicyEntry>> = { ...API_POLICY, ...portalPolicy(), ...orgPagesPolicy() };

/** The entry for a registered route; HEAD takes its GET's. */
export function policyFor(method: string, url: string): PolicyEntry | undefined {
  return ROUTE_POLICY[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
