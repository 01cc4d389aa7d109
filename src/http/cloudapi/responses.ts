/**
 * What /cloudapi answers (issue 15 §1): the entities, VCD's paged envelope, and the error statuses of each kind of
 * route, all in the cloudapi JSON envelope. The handlers send pre-serialized bytes with VCD's versioned content
 * type (`application/json;version=37.0`, context.ts sendCloudapiJson), so these schemas DESCRIBE the answers; they
 * never filter them (validation.ts). test/http/contract/cloudapi-responses.test.ts checks every list and entity
 * route's real answer against the schema the route declares, and schemathesis does the same from the document.
 *
 * Decisions:
 * - Entities Tessera renders itself are closed (`additionalProperties: false`): a field added to a renderer and
 *   not declared here fails the contract tests, so the document cannot fall behind the wire.
 * - Times are ISO 8601 strings without `format: date-time`: an instant at the clamp of domain/instant.ts is written
 *   with an expanded year (`+275760-09-13T00:00:00.000Z`), valid for JavaScript and Java, not for RFC 3339.
 * - Shared schemas carry `x-tessera-component: <Name>`; the OpenAPI document lists each once under
 *   components.schemas and refers to it (openapi.ts shareComponents), so the document holds no copies.
 */
import { Type, type TSchema } from 'typebox';
import { CloudApiPageOf, EntityReference, JsonErrorEnvelope, NullableInteger, NullableString, Urn } from '../contract/common.js';
import { named, namedResponse } from '../contract/components.js';

// ------------------------------------------------------------------ errors

/** VCD's cloudapi error envelope (named once in the document, shared with /oauth). */
export const CloudApiError = JsonErrorEnvelope;

/** An error answer, named once in the document's components.responses (`CloudApi<name>`). */
const error = (name: string, description: string) =>
  namedResponse(`CloudApi${name}`, { description, content: { 'application/json': { schema: CloudApiError } } });

/** What any authenticated /cloudapi operation can answer besides its own statuses. */
export const CLOUDAPI_ERRORS = {
  400: error('BadRequest', 'Malformed request (path, query or body), or a value the operation refuses'),
  401: error('Unauthorized', 'No credential, or one that is not (or no longer) valid'),
  403: error('Forbidden', 'Not allowed, or no such entity (VCD answers both alike)'),
  406: error('NotAcceptable', 'The Accept header asks for an API version Tessera does not serve'),
  429: error('TooManyRequests', 'Too many requests or attempts; Retry-After says when to retry'),
  503: error('Unavailable', 'The node cannot check revocations (or reach its store) right now and refuses: fail closed'),
} as const;

/** An operation that reads a JSON body: also a body over the limit, or not JSON. */
export const CLOUDAPI_BODY_ERRORS = {
  ...CLOUDAPI_ERRORS,
  413: error('BodyTooLarge', 'The body is larger than the limit'),
  415: error('UnsupportedMediaType', 'The body is not JSON (Content-Type: application/json)'),
} as const;

export const NOT_FOUND = { 404: error('NotFound', 'Nothing to answer: the operation names what is missing') } as const;
export const METHOD_NOT_ALLOWED = { 405: error('MethodNotAllowed', 'The entity cannot be changed') } as const;
export const CONFLICT = { 409: error('Conflict', 'The generation named is not the open one (or another sync holds it)') } as const;

/** No body: `type: 'null'` makes @fastify/swagger declare no content; typed `undefined` so handlers `send()` nothing. */
export const Empty = (description: string) => Type.Unsafe<undefined>({ description, type: 'null' });
/** 204: done, no body. */
export const NO_CONTENT = { 204: Empty('Done; no body') } as const;

// ------------------------------------------------------------------ pieces

const Time = (description: string) => NullableString({ description: `${description} (ISO 8601), or null` });
const Closed = { additionalProperties: false } as const;
/** A `{name, id}` reference whose target may be gone, so its name may be null (audit events keep old names). */
const LooseReference = Type.Object({ name: NullableString(), id: Type.String() }, Closed);
/** `{name, id}`, named once in the document. */
export const NamedReference = named('EntityReference', EntityReference);

/** A page of VCD's envelope, with its item schema named (`<Item>Page`). */
export const PageOf = (name: string, item: TSchema) =>
  named(`${name}Page`, CloudApiPageOf(item), `One page of ${name} entities in VCD's envelope (Link headers name the other pages)`);

// ------------------------------------------------------------------ entities

/** `Token` (SPEC 37.2, vcd-wire §6) with Tessera's extensions. */
export const ApiTokenEntity = named(
  'ApiToken',
  Type.Object(
    {
      id: Urn('token'),
      name: Type.String(),
      token: Type.Null({ description: 'Always null: the secret is shown once, when the token is made' }),
      expirationTimeUtc: Time('When the token expires; null: never'),
      owner: NamedReference,
      org: NamedReference,
      type: Type.String({ description: 'REFRESH for an API token' }),
      createdTimeUtc: Time('Tessera extension: when it was made'),
      lastUsedTimeUtc: Time('Tessera extension: when it was last exchanged'),
      lastUsedIpAddresses: Type.Array(Type.String(), { description: 'Tessera extension: the last client addresses' }),
      tokenStart: NullableString({ description: 'Tessera extension: the displayable start of the secret' }),
      scope: NullableString({ description: "Tessera extension: null (the owner's rights), read-only, or a role URN" }),
      username: Type.Optional(Type.String({ description: 'Before API version 35.0 only: the owner' })),
      userId: Type.Optional(Type.String({ description: "Before API version 35.0 only: the owner's URN" })),
      orgName: Type.Optional(Type.String({ description: 'Before API version 35.0 only' })),
    },
    Closed,
  ),
  "An API token (VCD's Token); never its secret",
);
export const ApiTokenPage = PageOf('ApiToken', ApiTokenEntity);

const RoleRefs = Type.Array(NamedReference, { description: 'Exactly one role (none if the role is gone)' });
const OrgRef = Type.Union([NamedReference, Type.Null()]);

export const UserEntity = named(
  'User',
  Type.Object(
    {
      id: Urn('user'),
      username: Type.String(),
      fullName: Type.String(),
      email: Type.String(),
      description: Type.String(),
      nameInSource: Type.String(),
      enabled: Type.Boolean(),
      isGroupRole: Type.Boolean(),
      providerType: Type.String({ description: 'LOCAL' }),
      locked: Type.Boolean(),
      stranded: Type.Boolean(),
      deployedVmQuota: Type.Integer(),
      storedVmQuota: Type.Integer(),
      roleEntityRefs: RoleRefs,
      orgEntityRef: OrgRef,
      totpEnabled: Type.Boolean({ description: 'Tessera extension: the user signs in with a second factor' }),
      password: Type.Null({ description: 'Never returned' }),
    },
    Closed,
  ),
  'A user of the org',
);
export const UserPage = PageOf('User', UserEntity);

export const GroupEntity = named(
  'Group',
  Type.Object(
    {
      id: Urn('group'),
      name: Type.String(),
      description: Type.String(),
      providerType: Type.String({ description: 'LOCAL' }),
      userEntityRefs: Type.Array(Type.Object({ id: Urn('user') }, Closed)),
      roleEntityRefs: RoleRefs,
      orgEntityRef: OrgRef,
    },
    Closed,
  ),
  'A group of the org',
);
export const GroupPage = PageOf('Group', GroupEntity);

const roleProperties = {
  name: Type.String(),
  description: Type.String(),
  bundleKey: Type.String(),
  readOnly: Type.Boolean(),
};
export const RoleEntity = named('Role', Type.Object({ id: Urn('role'), ...roleProperties }, Closed), 'A role of the org');
export const RolePage = PageOf('Role', RoleEntity);
export const GlobalRoleEntity = named(
  'GlobalRole',
  Type.Object({ id: Urn('globalRole'), ...roleProperties, publishAll: Type.Boolean() }, Closed),
  'A predefined (global) role',
);
export const GlobalRolePage = PageOf('GlobalRole', GlobalRoleEntity);
export const RightsBundleEntity = named(
  'RightsBundle',
  Type.Object({ id: Urn('rightsBundle'), ...roleProperties, publishAll: Type.Boolean() }, Closed),
  'A rights bundle',
);
export const RightsBundlePage = PageOf('RightsBundle', RightsBundleEntity);

export const RightEntity = named(
  'Right',
  Type.Object(
    {
      id: Urn('right'),
      name: Type.String(),
      description: Type.String(),
      category: Type.String(),
      bundleKey: Type.String(),
      rightType: Type.Union([Type.Literal('VIEW'), Type.Literal('MODIFY')]),
    },
    Closed,
  ),
  'A right of the catalogue',
);
export const RightPage = PageOf('Right', RightEntity);
/** The rights of a role or a bundle: `{name, id}` references. */
export const RightReferencePage = PageOf(
  'RightReference',
  named('RightReference', Type.Object({ name: Type.String(), id: Urn('right') }, Closed)),
);

/** The orgs a global role or a rights bundle is published to: `{name, id}` references. */
export const TenantReferencePage = PageOf(
  'TenantReference',
  named('TenantReference', Type.Object({ name: Type.String(), id: Urn('org') }, Closed)),
);

export const OrgEntity = named(
  'Org',
  Type.Object(
    {
      id: Urn('org'),
      name: Type.String(),
      displayName: Type.String(),
      description: Type.String(),
      isEnabled: Type.Boolean(),
      orgVdcCount: Type.Integer({ minimum: 0 }),
      catalogCount: Type.Integer({ minimum: 0 }),
      vappCount: Type.Integer({ minimum: 0 }),
      runningVMCount: Type.Integer({ minimum: 0 }),
      userCount: Type.Integer({ minimum: 0 }),
      diskCount: Type.Integer({ minimum: 0 }),
      managedBy: NamedReference,
      canManageOrgs: Type.Boolean(),
      canPublish: Type.Boolean(),
      maskedEventTaskUsername: NullableString(),
      directlyManagedOrgCount: Type.Integer({ minimum: 0 }),
    },
    Closed,
  ),
  'An organization',
);
export const OrgPage = PageOf('Org', OrgEntity);

export const VdcEntity = named(
  'Vdc',
  Type.Object(
    {
      id: Urn('vdc'),
      name: Type.String(),
      description: Type.String(),
      allocationType: Type.String({ description: 'AllocationVApp, AllocationPool, ReservationPool or Flex' }),
      isEnabled: Type.Boolean(),
      org: NamedReference,
      numberOfVMs: Type.Integer({ minimum: 0 }),
      numberOfRunningVMs: Type.Integer({ minimum: 0 }),
    },
    Closed,
  ),
  'An org VDC',
);
export const VdcPage = PageOf('Vdc', VdcEntity);

/** VCD's VdcComputePolicy (1.0.0) fields that Tessera's one policy, VCD's "System Default", sets: null or false. */
const computePolicyProperties = {
  id: Urn('vdcComputePolicy'),
  description: NullableString(),
  name: Type.String(),
  cpuSpeed: Type.Null(),
  memory: Type.Null(),
  cpuCount: Type.Null(),
  coresPerSocket: Type.Null(),
  memoryReservationGuaranteed: Type.Null(),
  cpuReservationGuaranteed: Type.Null(),
  cpuLimit: Type.Null(),
  memoryLimit: Type.Null(),
  cpuShares: Type.Null(),
  memoryShares: Type.Null(),
  extraConfigs: Type.Null(),
  pvdcComputePolicyRefs: Type.Null(),
  pvdcComputePolicy: Type.Null(),
  compatibleVdcTypes: Type.Null(),
  isSizingOnly: Type.Boolean(),
  pvdcId: Type.Null(),
  isAutoGenerated: Type.Boolean(),
};
export const VdcComputePolicyEntity = named(
  'VdcComputePolicy',
  Type.Object(computePolicyProperties, Closed),
  'A VDC compute policy (cloudapi 1.0.0): VCD\'s "System Default" VM sizing policy',
);
export const VdcComputePolicy2Entity = named(
  'VdcComputePolicy2',
  Type.Object(
    {
      ...computePolicyProperties,
      policyType: Type.String({ description: 'VdcVmPolicy' }),
      pvdcNamedVmGroupsMap: Type.Null(),
      pvdcLogicalVmGroupsMap: Type.Null(),
      pvdcVgpuClustersMap: Type.Null(),
      isVgpuPolicy: Type.Boolean(),
      vgpuProfiles: Type.Null(),
    },
    Closed,
  ),
  'A VDC compute policy (cloudapi 2.0.0)',
);
export const VdcComputePolicy2Page = PageOf('VdcComputePolicy2', VdcComputePolicy2Entity);
export const VdcComputePolicyPage = PageOf('VdcComputePolicy', VdcComputePolicyEntity);

/**
 * VCD's EdgeGateway (NSX-T, cloudapi 1.0.0), the fields that identify one. Tessera's inventory holds no edge
 * gateways, so no page ever carries one (empty-lists.ts); the schema says what a client would find there.
 */
export const EdgeGatewayEntity = named(
  'EdgeGateway',
  Type.Object(
    {
      id: Urn('gateway'),
      name: Type.String(),
      description: NullableString(),
      ownerRef: NamedReference,
      orgVdc: NamedReference,
      orgRef: NamedReference,
    },
    Closed,
  ),
  'An NSX-T edge gateway (Tessera holds none: every page is empty)',
);
export const EdgeGatewayPage = PageOf('EdgeGateway', EdgeGatewayEntity);

/** VCD's VdcGroup (cloudapi 1.0.0), the fields that identify one. Tessera has none (empty-lists.ts). */
export const VdcGroupEntity = named(
  'VdcGroup',
  Type.Object(
    {
      id: Urn('vdcGroup'),
      name: Type.String(),
      description: NullableString(),
      orgId: Urn('org'),
      participatingOrgVdcs: Type.Array(Type.Object({}, { additionalProperties: true })),
      status: Type.String(),
      type: Type.Union([Type.Literal('LOCAL'), Type.Literal('UNIVERSAL')]),
      networkProviderType: Type.String(),
    },
    Closed,
  ),
  'A VDC group (Tessera holds none: every page is empty)',
);
export const VdcGroupPage = PageOf('VdcGroup', VdcGroupEntity);

/** VCD's CertificateLibraryItem (`/ssl/certificateLibrary`), without the private key it never returns. */
export const CertificateLibraryItemEntity = named(
  'CertificateLibraryItem',
  Type.Object(
    {
      id: Urn('sslCertificateLibrary'),
      alias: Type.String(),
      certificate: Type.String({ description: 'PEM' }),
      description: NullableString(),
    },
    Closed,
  ),
  'A certificate of the library (Tessera holds none: every page is empty)',
);
export const CertificateLibraryItemPage = PageOf('CertificateLibraryItem', CertificateLibraryItemEntity);

/** VCD's RightsCategory: one category of the rights catalogue (inventory/rights-categories.ts). */
export const RightsCategoryEntity = named(
  'RightsCategory',
  Type.Object(
    {
      id: Urn('rightsCategory'),
      name: Type.String(),
      bundleKey: Type.String(),
      parent: Type.Union([Urn('rightsCategory'), Type.Null()]),
      rightsCount: Type.Object({ view: Type.Integer({ minimum: 0 }), modify: Type.Integer({ minimum: 0 }) }, Closed),
      subCategories: Type.Array(Urn('rightsCategory')),
    },
    Closed,
  ),
  'A category of rights',
);
export const RightsCategoryPage = PageOf('RightsCategory', RightsCategoryEntity);

export const AuditEventEntity = named(
  'AuditEvent',
  Type.Object(
    {
      eventId: Urn('audit'),
      eventType: Type.String(),
      eventStatus: Type.Union([Type.Literal('SUCCESS'), Type.Literal('FAILURE')]),
      timestamp: Time('When it happened'),
      user: Type.Union([LooseReference, Type.Null()]),
      org: Type.Union([LooseReference, Type.Null()]),
      tokenId: NullableString({ description: 'The API token the actor used, as a URN, or null' }),
      ipAddress: NullableString(),
      details: Type.Object({}, { additionalProperties: true, description: 'Safe details of the event; never a secret' }),
    },
    Closed,
  ),
  'An audit event',
);
export const AuditEventPage = PageOf('AuditEvent', AuditEventEntity);

export const ServiceAccountEntity = named(
  'ServiceAccount',
  Type.Object(
    {
      id: Urn('serviceAccount'),
      name: Type.String(),
      softwareId: Type.String(),
      softwareVersion: NullableString(),
      role: NamedReference,
      uri: NullableString(),
      org: NamedReference,
      status: Type.Union(['CREATED', 'REQUESTED', 'GRANTED', 'ACTIVE'].map((s) => Type.Literal(s))),
      createdTimeUtc: Time('Tessera extension: when it was made'),
      lastUsedTimeUtc: Time('Tessera extension: when it last refreshed'),
      lastUsedIpAddresses: Type.Array(Type.String()),
      expirationTimeUtc: Time("Tessera extension: when the authorization ends (the org's lifetime policy); null: no limit"),
    },
    Closed,
  ),
  'A service account',
);
export const ServiceAccountPage = PageOf('ServiceAccount', ServiceAccountEntity);

/** `POST .../totp/confirm`: enabled, and the first recovery codes (shown in this answer only). */
export const TotpConfirmed = Type.Object(
  {
    enabled: Type.Literal(true),
    recoveryCodes: Type.Array(Type.String(), { description: 'One-time recovery codes: shown once, store them safely' }),
  },
  Closed,
);

// ------------------------------------------------------------------ inventory sync (Tessera's)

const Count = Type.Integer({ minimum: 0 });
export const SyncSourceState = Type.Object(
  {
    source: Type.String(),
    committedGeneration: Type.Integer({ minimum: 0 }),
    openGeneration: NullableInteger({ minimum: 1 }),
    objects: Type.Object({ vdcs: Count, vapps: Count, vms: Count }, Closed),
  },
  Closed,
);
export const SyncCounts = Type.Object({ created: Count, updated: Count, deleted: Count, unchanged: Count }, Closed);
export const SyncGenerationOpened = Type.Object({ source: Type.String(), generation: Type.Integer({ minimum: 1 }) }, Closed);
export const SyncGenerationCommitted = Type.Object(
  {
    source: Type.String(),
    generation: Type.Integer({ minimum: 1 }),
    deleted: Type.Object({ vdcs: Count, vapps: Count, vms: Count }, { ...Closed, description: 'What the generation did not list' }),
  },
  Closed,
);

/** VCD's EntitySecurityTags (`GET /cloudapi/1.0.0/securityTags/vm/{id}`): the tags of one VM. */
export const EntitySecurityTagsEntity = named(
  'EntitySecurityTags',
  Type.Object({ tags: Type.Array(Type.String(), { description: "The VM's security tags, lower-case (none in Tessera)" }) }, Closed),
  "A VM's security tags",
);
