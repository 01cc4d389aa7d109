/**
 * The shapes of provider-owned inventory, written once with TypeBox: the validator (ajv, validate.ts), the
 * fastify routes of the sync API and the published docs/inventory.schema.json all come from these objects
 * (scripts/generate-inventory-schema.ts writes the file; a test fails when it differs from this source).
 *
 * Two shapes share the object fields:
 * - the **file** (`tessera inventory apply`): nested, orgs → vdcs → vapps → vms, the way a person writes it;
 * - the **sync batch** (agents, `POST .../inventory/sources/{source}/...`): flat lists whose children name their
 *   parent by external id, the way an agent exports its platform.
 * Both are flattened into the same desired objects (model.ts) before anything is compared or written.
 *
 * Limits are generous but finite (names 128 characters, 64 metadata entries per object, ...) so that one
 * document cannot make a row, a rendered page or the validator's work unbounded.
 */
import { Type, type Static } from 'typebox';
import { ALLOCATION_MODELS, METADATA_VALUE_TYPES } from '../schema.js';
import { VCD_STATUS_NAMES } from '../status.js';
import { MAX_METADATA_ENTRIES, MAX_METADATA_KEY_LENGTH, MAX_METADATA_VALUE_LENGTH } from '../../domain/metadata-entry.js';

export const SCHEMA_ID = 'https://tessera.dev/schemas/inventory-v1.json';

/** A VCD entity name: printable, no slash (file paths use "/" between names), at most 128 characters. */
const NameWith = (description: string) => Type.String({ minLength: 1, maxLength: 128, pattern: '^[^/\\u0000-\\u001f]+$', description });
const Name = NameWith('VCD name (no "/")');
const Text = (maxLength: number, description: string) => Type.String({ maxLength, description });
/** The provider's stable id of an object. */
export const ExternalId = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x21-\\x7e]+$',
  description:
    "The provider's stable id of this object (printable ASCII, no spaces). Default: its path of names, org/vdc[/vapp[/vm]]. Give one when objects may be renamed or moved: a changed id is a delete and a create.",
});
const NonNegative = (description: string, maximum = 2 ** 50) => Type.Integer({ minimum: 0, maximum, description });

export const Metadata = Type.Object(
  {
    // Not "." or "..": an entry's href ends with its key, and URL parsers resolve those to the entity (validMetadataKey).
    key: Type.String({ minLength: 1, maxLength: MAX_METADATA_KEY_LENGTH, pattern: '^(?!\\.{1,2}$)' }),
    value: Type.String({ maxLength: MAX_METADATA_VALUE_LENGTH }),
    type: Type.Optional(
      Type.Union(
        METADATA_VALUE_TYPES.map((t) => Type.Literal(t)),
        { description: 'default MetadataStringValue' },
      ),
    ),
    domain: Type.Optional(Type.Union([Type.Literal('GENERAL'), Type.Literal('SYSTEM')], { description: 'default GENERAL' })),
    visibility: Type.Optional(
      Type.Union([Type.Literal('READWRITE'), Type.Literal('READONLY'), Type.Literal('PRIVATE')], {
        description: 'default READWRITE; PRIVATE is shown to the provider only',
      }),
    ),
  },
  { additionalProperties: false },
);
const MetadataList = Type.Optional(Type.Array(Metadata, { maxItems: MAX_METADATA_ENTRIES }));

const Status = Type.Union(
  VCD_STATUS_NAMES.map((s) => Type.Literal(s)),
  { description: 'VCD status name, e.g. POWERED_ON, POWERED_OFF' },
);

export const Nic = Type.Object(
  {
    network: Name,
    ipAddress: Type.Optional(Type.Union([Type.String({ maxLength: 45, pattern: '^[0-9A-Fa-f.:]+$' }), Type.Null()])),
    macAddress: Type.Optional(
      Type.Union([Type.String({ pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$' }), Type.Null()], {
        description: 'default: a stable 00:50:56 address derived from the VM id',
      }),
    ),
  },
  { additionalProperties: false },
);

const StorageProfile = Type.Object(
  {
    name: Name,
    limitMb: NonNegative('0 = unlimited'),
    default: Type.Optional(Type.Boolean({ description: 'the VDC default (the first one when none says so)' })),
  },
  { additionalProperties: false },
);

const Capacity = (unit: string) =>
  Type.Object(
    {
      allocated: Type.Optional(NonNegative(`allocated ${unit}`)),
      limit: Type.Optional(NonNegative(`limit in ${unit}; 0 = unlimited`)),
      used: Type.Optional(NonNegative(`used ${unit}`)),
    },
    { additionalProperties: false },
  );

// ---------------------------------------------------------------- object fields (shared by both shapes)

const vmFields = {
  name: Name,
  id: Type.Optional(ExternalId),
  description: Type.Optional(Text(1024, 'default ""')),
  status: Type.Optional(Status),
  deployed: Type.Optional(Type.Boolean({ description: 'default: true when POWERED_ON or SUSPENDED' })),
  guestOs: Type.Optional(Text(256, 'guest OS name, default "Other (64-bit)"')),
  cpus: Type.Optional(Type.Integer({ minimum: 1, maximum: 768, description: 'default 1' })),
  memoryMb: Type.Optional(Type.Integer({ minimum: 4, maximum: 24 * 1024 * 1024, description: 'default 1024' })),
  hardwareVersion: Type.Optional(Type.Integer({ minimum: 4, maximum: 99, description: 'vmx-N, default 19' })),
  diskMb: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 40, description: 'system disk size, default 16384' })),
  storageProfile: Type.Optional(NameWith("one of the VDC's storage profiles; default the VDC default")),
  nics: Type.Optional(
    Type.Array(Nic, {
      maxItems: 1,
      description: 'network adapters; Tessera keeps one per VM today (the primary connection)',
    }),
  ),
  owner: Type.Optional(NameWith("a user name in the VM's org; default the vApp's owner")),
  metadata: MetadataList,
  extraConfig: Type.Optional(
    Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ maxLength: 4096 }), {
      maxProperties: 128,
      description: 'ExtraConfig (VMX) keys, e.g. guestinfo.*',
    }),
  ),
};

const vappFields = {
  name: Name,
  id: Type.Optional(ExternalId),
  description: Type.Optional(Text(1024, 'default ""')),
  status: Type.Optional(Status),
  deployed: Type.Optional(Type.Boolean({ description: 'default: true when POWERED_ON' })),
  template: Type.Optional(Type.Boolean({ description: 'a vApp template in a catalog; default false' })),
  catalog: Type.Optional(NameWith('for templates: the catalog name')),
  owner: Type.Optional(NameWith("a user name in the vApp's org; default none")),
  metadata: MetadataList,
};

const vdcFields = {
  name: Name,
  id: Type.Optional(ExternalId),
  description: Type.Optional(Text(1024, 'default ""')),
  allocationModel: Type.Optional(
    Type.Union(
      ALLOCATION_MODELS.map((m) => Type.Literal(m)),
      { description: 'default Flex' },
    ),
  ),
  enabled: Type.Optional(Type.Boolean({ description: 'default true' })),
  cpu: Type.Optional(Capacity('MHz')),
  memory: Type.Optional(Capacity('MB')),
  storageProfiles: Type.Optional(
    Type.Array(StorageProfile, {
      minItems: 1,
      maxItems: 32,
      description: 'default one profile "*" without limit; the storage limit is the sum (unlimited if any is 0)',
    }),
  ),
  storageUsedMb: Type.Optional(NonNegative('storage used, MB')),
  network: Type.Optional(Type.Union([Name, Type.Null()], { description: 'the org VDC network VMs attach to by default' })),
  vmQuota: Type.Optional(NonNegative('maximum VMs, 0 = unlimited', 1_000_000_000)),
  metadata: MetadataList,
};

const orgFields = {
  name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'the org name (created when missing)' }),
  fullName: Type.Optional(Text(256, 'the display name; set when the org is created or when given')),
  description: Type.Optional(Text(1024, 'set when the org is created or when given')),
};

// ---------------------------------------------------------------- the file

/** One file holds at most this many objects of each kind (a bound on memory, not on real inventories). */
export const MAX_FILE_VMS = 1_000_000;

export const FileVm = Type.Object(vmFields, { additionalProperties: false });
export const FileVApp = Type.Object(
  { ...vappFields, vms: Type.Optional(Type.Array(FileVm, { maxItems: MAX_FILE_VMS })) },
  { additionalProperties: false },
);
export const FileVdc = Type.Object(
  { ...vdcFields, vapps: Type.Optional(Type.Array(FileVApp, { maxItems: MAX_FILE_VMS })) },
  { additionalProperties: false },
);
export const FileOrg = Type.Object(
  { ...orgFields, vdcs: Type.Optional(Type.Array(FileVdc, { maxItems: 10_000 })) },
  { additionalProperties: false },
);

export const InventoryFile = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'for editors: the URL or path of this schema' })),
    version: Type.Literal(1, { description: 'the format version: 1' }),
    orgs: Type.Array(FileOrg, { maxItems: 10_000 }),
  },
  {
    $id: SCHEMA_ID,
    title: 'Tessera inventory file',
    description:
      'VDCs, vApps and VMs the provider owns, applied with `tessera inventory apply FILE` (docs/inventory.md). Orgs are created when missing, never deleted.',
    additionalProperties: false,
  },
);
export type InventoryFileDoc = Static<typeof InventoryFile>;

// ---------------------------------------------------------------- the sync API's batch

/** At most this many objects (VDCs + vApps + VMs + deletions) in one sync request. */
export const MAX_BATCH_OBJECTS = 2_000;

const Parent = (kind: string) => ExternalIdOf(`the ${kind}'s external id (in this batch or written before)`);
function ExternalIdOf(description: string) {
  return Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description });
}

export const SyncVdc = Type.Object({ ...vdcFields, id: ExternalIdOf('external id'), org: orgFields.name }, { additionalProperties: false });
export const SyncVApp = Type.Object(
  { ...vappFields, id: ExternalIdOf('external id'), vdc: Parent('VDC') },
  { additionalProperties: false },
);
export const SyncVm = Type.Object({ ...vmFields, id: ExternalIdOf('external id'), vapp: Parent('vApp') }, { additionalProperties: false });

export const SyncBatch = Type.Object(
  {
    vdcs: Type.Optional(Type.Array(SyncVdc, { maxItems: MAX_BATCH_OBJECTS })),
    vapps: Type.Optional(Type.Array(SyncVApp, { maxItems: MAX_BATCH_OBJECTS })),
    vms: Type.Optional(Type.Array(SyncVm, { maxItems: MAX_BATCH_OBJECTS })),
    delete: Type.Optional(
      Type.Object(
        {
          vdcs: Type.Optional(Type.Array(ExternalIdOf('external id'), { maxItems: MAX_BATCH_OBJECTS })),
          vapps: Type.Optional(Type.Array(ExternalIdOf('external id'), { maxItems: MAX_BATCH_OBJECTS })),
          vms: Type.Optional(Type.Array(ExternalIdOf('external id'), { maxItems: MAX_BATCH_OBJECTS })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SyncBatchDoc = Static<typeof SyncBatch>;
export type SyncVdcDoc = Static<typeof SyncVdc>;
export type SyncVAppDoc = Static<typeof SyncVApp>;
export type SyncVmDoc = Static<typeof SyncVm>;
export type FileVdcDoc = Static<typeof FileVdc>;
export type FileVAppDoc = Static<typeof FileVApp>;
export type FileVmDoc = Static<typeof FileVm>;
export type MetadataDoc = Static<typeof Metadata>;
