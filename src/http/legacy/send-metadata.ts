/**
 * Metadata as /api answers it: an entity's whole Metadata document (`<href>/metadata`), and one entry by key
 * (`<href>/metadata/{key}`, `/metadata/GENERAL/{key}`, `/metadata/SYSTEM/{key}`): the MetadataValue that
 * go-vcloud-director's GetMetadataByKey reads (orgs, VDCs, vApps, vApp templates and VMs), at the href every
 * MetadataEntry of a Metadata document names.
 * PRIVATE entries only for the provider; a key the entity does not have is the 403 VCD answers, naming the key.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Principal } from '../../domain/principal.js';
import { forbidden } from '../../domain/errors.js';
import { MAX_METADATA_KEY_LENGTH, validMetadataKey, type MetadataDomain } from '../../domain/metadata-entry.js';
import { MEDIA } from '../../inventory/hrefs.js';
import { listMetadata } from '../../inventory/repository.js';
import { inventoryScope } from '../../inventory/scope.js';
import type { MetadataEntityKind } from '../../inventory/schema.js';
import {
  metadataDocument,
  metadataJson,
  metadataValueDocument,
  metadataValueJson,
  type EntityLink,
} from '../../inventory/documents/metadata.js';
import type { MetadataRow } from '../../inventory/repository.js';
import { sendJsonDocument, sendXml } from './send-document.js';
import { IdParams, RefParams } from './contract.js';

const KeyParam = Type.String({ minLength: 1, maxLength: MAX_METADATA_KEY_LENGTH, description: 'The metadata key (URL-encoded)' });
/** `{id}` (an org or a VDC, as every /api path names it) and the entry's `{key}` (decoded by the router). */
export const IdKeyParams = Type.Object({ id: IdParams.properties.id, key: KeyParam }, { additionalProperties: false });
/** `{ref}` (a vApp, a vApp template or a VM) and the entry's `{key}`. */
export const RefKeyParams = Type.Object({ ref: RefParams.properties.ref, key: KeyParam }, { additionalProperties: false });

export const domainOf = (system: boolean): MetadataDomain => (system ? 'SYSTEM' : 'GENERAL');
export const inDomain = (system: boolean) => (system ? ' in the SYSTEM domain' : '');

/**
 * The paths of one metadata entry below `<href>/metadata/`: `{key}` and `GENERAL/{key}` in the GENERAL domain,
 * `SYSTEM/{key}` in the SYSTEM one. The domain is named for GENERAL too by pyvcloud, whose Metadata builds
 * `<metadata href>/<domain>/<key>` for every entity (VDC.get_metadata_value, VApp.get_metadata_value, ...).
 */
export const METADATA_ENTRY_PATHS = [
  { segment: '', system: false, summary: '' },
  { segment: 'GENERAL/', system: false, summary: ' (the GENERAL domain named in the path)' },
  { segment: 'SYSTEM/', system: true, summary: ' in the SYSTEM domain' },
] as const;

export interface MetadataEntryTarget {
  readonly kind: MetadataEntityKind;
  readonly entityId: string;
  /** The entity's href (the value's `up` link is its `/metadata`). */
  readonly entityHref: string;
  /** "The organization", "The VM": the 403 names what lacks the key. */
  readonly what: string;
  /** The caller may write this entry at this href: the value carries VCD's `edit` and `remove` links. */
  readonly writable?: boolean;
}

export async function sendMetadataEntry(
  request: FastifyRequest,
  reply: FastifyReply,
  principal: Principal,
  target: MetadataEntryTarget,
  rawKey: string,
  system: boolean,
) {
  const key = validMetadataKey(rawKey);
  const [row] = await listMetadata(request.server.tessera.store, target.kind, [target.entityId], {
    includePrivate: inventoryScope(principal).kind === 'all',
    keys: [{ key, domain: domainOf(system) }],
  });
  if (!row) throw forbidden(`${target.what} has no metadata entry "${key}"${inDomain(system)}`);
  const href = `${target.entityHref}/metadata`;
  const writable = target.writable ?? false;
  if (request.vcd.json) return sendJsonDocument(request, reply, MEDIA.metadataValue, metadataValueJson(href, row, writable));
  return sendXml(request, reply, MEDIA.metadataValue, metadataValueDocument(href, row, writable));
}

/**
 * The entity's Metadata document with these entries (none for entities that carry no metadata in Tessera);
 * `writable` when the caller may write them at this href (VCD's `add`, `edit` and `remove` links).
 */
export function sendMetadataDocument(
  request: FastifyRequest,
  reply: FastifyReply,
  entity: EntityLink,
  rows: readonly MetadataRow[],
  writable = false,
) {
  const href = `${entity.href}/metadata`;
  if (request.vcd.json) return sendJsonDocument(request, reply, MEDIA.metadata, metadataJson(entity, href, rows, writable));
  return sendXml(request, reply, MEDIA.metadata, metadataDocument(entity, href, rows, writable));
}
