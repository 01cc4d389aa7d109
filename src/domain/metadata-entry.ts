/**
 * The rules of a VCD metadata entry that a client writes (`POST <entity>/metadata`, `PUT <entity>/metadata/<key>`):
 * one place, so that the admin API and any later writer refuse the same things with the same words.
 *
 * - Domain GENERAL is the tenant's: its visibility is READWRITE (govcd and Terraform always send that).
 * - Domain SYSTEM is the provider's: PRIVATE (hidden from tenants) or READONLY, never READWRITE (VCD refuses it
 *   too, with a bare "visibility" error that govcd has to explain; here the message says it).
 * - The value must read as its type: MetadataNumberValue a whole number (VCD's xs:long), MetadataBooleanValue
 *   true or false, MetadataDateTimeValue an ISO 8601 date-time with its zone; MetadataStringValue anything.
 * - Keys are 1-256 characters (VCD's limit) without control characters, values at most 4,096 (the inventory
 *   file's limit), and an entity carries at most 64 entries (the inventory file's limit as well).
 */
import { badRequest } from './errors.js';
import { parseIsoDateTime } from './instant.js';

export const METADATA_DOMAINS = ['GENERAL', 'SYSTEM'] as const;
export type MetadataDomain = (typeof METADATA_DOMAINS)[number];

export const METADATA_VISIBILITIES = ['READWRITE', 'READONLY', 'PRIVATE'] as const;
export type MetadataVisibility = (typeof METADATA_VISIBILITIES)[number];

/** VCD's typed metadata values (`TypedValue xsi:type=...`). */
export const METADATA_VALUE_TYPES = [
  'MetadataStringValue',
  'MetadataNumberValue',
  'MetadataBooleanValue',
  'MetadataDateTimeValue',
] as const;
export type MetadataValueType = (typeof METADATA_VALUE_TYPES)[number];

export const MAX_METADATA_KEY_LENGTH = 256;
export const MAX_METADATA_VALUE_LENGTH = 4096;
export const MAX_METADATA_ENTRIES = 64;

/** One entry as a client sends it, before the rules are checked. */
export interface MetadataEntryInput {
  key: string;
  value: string;
  /** The `xsi:type` of `TypedValue`; undefined when the client named none. */
  valueType: string | undefined;
  /** The text of `Domain`; undefined when absent (GENERAL). */
  domain: string | undefined;
  /** The `visibility` attribute of `Domain`; undefined when absent. */
  visibility: string | undefined;
}

/** An entry that passed the rules. */
export interface MetadataEntry {
  key: string;
  value: string;
  valueType: MetadataValueType;
  domain: MetadataDomain;
  visibility: MetadataVisibility;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
/** A key that URL parsers take for a dot segment of the path (validMetadataKey). */
export const DOT_SEGMENT = /^\.{1,2}$/;
/** VCD's MetadataNumberValue is an xs:long: a whole number of 64 bits (19 digits: checked by isLong too). */
const WHOLE_NUMBER = /^-?[0-9]{1,19}$/;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const isLong = (value: string) => WHOLE_NUMBER.test(value) && BigInt(value) >= LONG_MIN && BigInt(value) <= LONG_MAX;

const oneOf = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

/**
 * A key as the path and the documents carry it: 1-256 characters, no control characters, and not `.` or `..`. An
 * entry's href ends with its key, and every URL parser (curl, WHATWG URL, urllib3 under pyvcloud) resolves a last
 * segment of `..` (or `%2E%2E`) to the parent: the entry of key `..` on an org had the org's own href, and a client
 * deleting the entry by its href deleted the org (until 2026-12-05).
 */
export function validMetadataKey(key: string): string {
  if (key.length === 0) throw badRequest('A metadata key must not be empty');
  if (DOT_SEGMENT.test(key)) throw badRequest('A metadata key must not be "." or ".." (its href would name the entity itself)');
  if (key.length > MAX_METADATA_KEY_LENGTH) throw badRequest(`A metadata key must be at most ${MAX_METADATA_KEY_LENGTH} characters`);
  if (CONTROL.test(key)) throw badRequest('A metadata key must not contain control characters');
  return key;
}

/** The entry, checked against every rule above, or the 400 that names the first one it breaks. */
export function validMetadataEntry(input: MetadataEntryInput): MetadataEntry {
  const key = validMetadataKey(input.key);
  const domain = input.domain === undefined || input.domain === '' ? 'GENERAL' : input.domain;
  if (!oneOf(METADATA_DOMAINS, domain))
    throw badRequest(`Metadata "${key}": the domain must be GENERAL or SYSTEM, not ${domain.slice(0, 40)}`);
  const visibility = input.visibility ?? (domain === 'GENERAL' ? 'READWRITE' : 'READONLY');
  if (!oneOf(METADATA_VISIBILITIES, visibility)) {
    throw badRequest(`Metadata "${key}": the visibility must be READWRITE, READONLY or PRIVATE, not ${visibility.slice(0, 40)}`);
  }
  if (domain === 'GENERAL' && visibility !== 'READWRITE') {
    throw badRequest(`Metadata "${key}": in the GENERAL domain the visibility is READWRITE (READONLY and PRIVATE need the SYSTEM domain)`);
  }
  if (domain === 'SYSTEM' && visibility === 'READWRITE') {
    throw badRequest(`Metadata "${key}": in the SYSTEM domain the visibility is READONLY or PRIVATE, not READWRITE`);
  }
  const valueType = input.valueType ?? 'MetadataStringValue';
  if (!oneOf(METADATA_VALUE_TYPES, valueType)) {
    throw badRequest(`Metadata "${key}": the type must be one of ${METADATA_VALUE_TYPES.join(', ')}, not ${valueType.slice(0, 40)}`);
  }
  const value = input.value;
  if (value.length > MAX_METADATA_VALUE_LENGTH)
    throw badRequest(`Metadata "${key}": the value must be at most ${MAX_METADATA_VALUE_LENGTH} characters`);
  if (valueType === 'MetadataNumberValue' && !isLong(value)) {
    // Until 2026-12-06 at most 18 digits: 9223372036854775807, the largest xs:long, was refused.
    throw badRequest(
      `Metadata "${key}": a MetadataNumberValue must be a whole number from ${LONG_MIN} to ${LONG_MAX} (xs:long), not "${value.slice(0, 40)}"`,
    );
  }
  if (valueType === 'MetadataBooleanValue' && value !== 'true' && value !== 'false') {
    throw badRequest(`Metadata "${key}": a MetadataBooleanValue must be true or false, not "${value.slice(0, 40)}"`);
  }
  if (valueType === 'MetadataDateTimeValue' && parseIsoDateTime(value) === null) {
    throw badRequest(`Metadata "${key}": a MetadataDateTimeValue must be an ISO 8601 date-time with its zone, e.g. 2027-01-31T12:00:00Z`);
  }
  return { key, value, valueType, domain, visibility };
}
