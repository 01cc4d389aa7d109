/**
 * Rows → typed record values, shared by the XML and JSON renderers: booleans from 0/1, numbers from text
 * (PostgreSQL returns bigint counts as strings unless parsed), ISO 8601 dates from epoch ms, and references as
 * hrefs (`format=records`) or URNs (`format=idrecords`).
 */
import { badRequest } from '../../http/errors.js';
import type { MetadataEntityKind } from '../schema.js';
import { MEDIA } from '../hrefs.js';
import { renderedFields, type QueryTypeDefinition, type Row } from './catalogue.js';
import type { QueryFormat } from './params.js';

export type RecordValue = string | number | boolean | null;

export interface RecordContext {
  readonly type: QueryTypeDefinition;
  readonly base: string;
  readonly format: QueryFormat;
  /** The attributes to render (validated by `selectFields`), in catalogue order. */
  readonly fields: readonly string[];
}

/** One record: its identity and its attributes in order. */
export interface RecordValues {
  readonly href: string;
  readonly id: string;
  readonly type: string;
  readonly attributes: ReadonlyArray<readonly [string, RecordValue]>;
}

export function recordValues(row: Row, ctx: RecordContext): RecordValues {
  const table = ctx.type.table;
  const attributes: Array<readonly [string, RecordValue]> = [];
  for (const name of ctx.fields) {
    const field = table.fields[name]!;
    const raw = field.constant ?? row[name];
    let value: RecordValue;
    if (raw === null || raw === undefined) value = null;
    else if (field.type === 'boolean') value = Number(raw) !== 0;
    else if (field.type === 'number') value = Number(raw);
    else if (field.type === 'date') value = new Date(Number(raw)).toISOString();
    else if (field.type === 'ref') value = ctx.format === 'idrecords' ? field.ref!.urn(String(raw), row) : field.ref!.href(ctx.base, String(raw), row);
    else value = String(raw);
    attributes.push([name, value]);
  }
  return { href: table.href(ctx.base, row), id: table.urn(row), type: table.mediaType(row), attributes };
}

/** Metadata keys asked for with `fields=metadata:key` (GENERAL domain) or `metadata@SYSTEM:key`. */
export interface MetadataSelection {
  readonly domain: 'GENERAL' | 'SYSTEM';
  readonly key: string;
}

export interface FieldSelection {
  readonly fields: string[];
  readonly metadata: MetadataSelection[];
}

const METADATA_FIELD = /^metadata(?:@(SYSTEM|GENERAL))?:(.+)$/;

/** The metadata entity kind of a type's table, or null when its entities carry none. */
export function metadataKindOf(type: QueryTypeDefinition): MetadataEntityKind | null {
  const kinds: Record<string, MetadataEntityKind> = { vms: 'vm', vapps: 'vapp', vdcs: 'vdc', orgs: 'org' };
  return kinds[type.table.table] ?? null;
}

/**
 * Checks `fields=` against the type: every name must be one of its attributes or a metadata key.
 * Null (no `fields`) selects every attribute and no metadata.
 */
export function selectFields(type: QueryTypeDefinition, requested: readonly string[] | null): FieldSelection {
  const all = renderedFields(type);
  if (requested === null) return { fields: all, metadata: [] };
  const wanted = new Set<string>();
  const metadata: MetadataSelection[] = [];
  for (const name of requested) {
    const m = METADATA_FIELD.exec(name);
    if (m) {
      if (metadataKindOf(type) === null) throw badRequest(`fields: records of type ${type.name} carry no metadata`);
      metadata.push({ domain: (m[1] ?? 'GENERAL') as 'GENERAL' | 'SYSTEM', key: m[2]! });
    } else if (all.includes(name)) {
      wanted.add(name);
    } else if (name !== 'href' && name !== 'id') {
      throw badRequest(`fields: "${name}" is not a field of type ${type.name}; fields are: ${all.join(', ')}`);
    }
  }
  return { fields: all.filter((f) => wanted.has(f)), metadata };
}

/** The media type of a result document, per format and representation. */
export function resultMediaType(format: QueryFormat, json: boolean): string {
  const xml = format === 'references' ? MEDIA.references : format === 'idrecords' ? MEDIA.idrecords : MEDIA.records;
  return json ? xml.replace(/\+xml$/, '+json') : xml;
}
