/**
 * Rows → typed record values, shared by the XML and JSON renderers: booleans from 0/1, numbers from text
 * (PostgreSQL returns bigint counts as strings unless parsed), ISO 8601 dates from epoch ms, and references as
 * hrefs (`format=records`) or URNs (`format=idrecords`).
 */
import { badRequest } from '../../domain/errors.js';
import type { MetadataEntityKind } from '../schema.js';
import { MEDIA } from '../hrefs.js';
import { renderedFields, type QueryField, type QueryTypeDefinition, type Row } from './catalogue.js';
import type { QueryFormat } from './params.js';

export type RecordValue = string | number | boolean | null;

export interface RecordContext {
  readonly type: QueryTypeDefinition;
  readonly base: string;
  readonly format: QueryFormat;
  /** The attributes to render (validated by `selectFields`), in catalogue order. */
  readonly fields: readonly string[];
}

/**
 * One record: its identity and its attributes in order. As in VCD, `format=records` records carry an href and
 * no id (`"id": null` in JSON); `format=idrecords` records carry the URN as `id`.
 */
export interface RecordValues {
  readonly href: string;
  readonly id: string | null;
  readonly attributes: ReadonlyArray<readonly [string, RecordValue]>;
}

type Renderer = (row: Row, base: string, idRecords: boolean) => RecordValue;

/** How one attribute renders, decided once per field rather than per row (this runs for every record). */
function rendererOf(name: string, field: QueryField): Renderer {
  if (field.constant !== undefined) {
    const value = field.type === 'boolean' ? field.constant !== 0 : field.constant;
    return () => value;
  }
  switch (field.type) {
    case 'boolean':
      return (row) => (row[name] == null ? null : Number(row[name]) !== 0);
    case 'number':
      return (row) => (row[name] == null ? null : Number(row[name]));
    case 'date':
      return (row) => (row[name] == null ? null : new Date(Number(row[name])).toISOString());
    case 'ref': {
      const ref = field.ref!;
      return (row, base, idRecords) => {
        const id = row[name];
        if (id == null) return null;
        return idRecords ? ref.urn(String(id), row) : ref.href(base, String(id), row);
      };
    }
    default:
      return (row) => (row[name] == null ? null : String(row[name]));
  }
}

/** Renderers per field list; the default lists are shared arrays (renderedFields), so this is computed once each. */
const RENDERERS = new WeakMap<readonly string[], ReadonlyArray<readonly [string, Renderer]>>();

function renderersFor(type: QueryTypeDefinition, fields: readonly string[]): ReadonlyArray<readonly [string, Renderer]> {
  let renderers = RENDERERS.get(fields);
  if (!renderers) {
    renderers = fields.map((name) => [name, rendererOf(name, type.table.fields[name]!)] as const);
    RENDERERS.set(fields, renderers);
  }
  return renderers;
}

export function recordValues(row: Row, ctx: RecordContext): RecordValues {
  const table = ctx.type.table;
  const idRecords = ctx.format === 'idrecords';
  const attributes: Array<readonly [string, RecordValue]> = [];
  for (const [name, render] of renderersFor(ctx.type, ctx.fields)) attributes.push([name, render(row, ctx.base, idRecords)]);
  return { href: table.href(ctx.base, row), id: idRecords ? table.urn(row) : null, attributes };
}

/** Metadata keys asked for with `fields=metadata:key` (GENERAL domain) or `metadata@SYSTEM:key`. */
export interface MetadataSelection {
  readonly domain: 'GENERAL' | 'SYSTEM';
  readonly key: string;
}

export interface FieldSelection {
  readonly fields: readonly string[];
  readonly metadata: MetadataSelection[];
}

/** `metadata:key` (GENERAL domain) or `metadata@SYSTEM:key`, in `fields=` and in filters (metadata-filter.ts). */
export const METADATA_FIELD = /^metadata(?:@(SYSTEM|GENERAL))?:(.+)$/;

/** The metadata entity kind of a type's table, or null when its entities carry none. */
export function metadataKindOf(type: QueryTypeDefinition): MetadataEntityKind | null {
  if (type.table.metadataKind !== undefined) return type.table.metadataKind;
  const kinds: Record<string, MetadataEntityKind> = { vms: 'vm', vapps: 'vapp', vdcs: 'vdc', orgs: 'org' };
  return kinds[type.table.table] ?? null;
}

/**
 * Checks `fields=` against the type: every name must be one of VCD's attributes of the record or a metadata key.
 * Null (no `fields`) selects every attribute and no metadata. An attribute the record does not render (one the
 * inventory does not hold, or an admin-only one in a tenant's type) is accepted and not rendered; a metadata key of
 * a type whose entities carry no metadata here (catalogs, networks, tasks) is accepted and selects nothing, as
 * there is none. go-vcloud-director's search by metadata asks for both on every type it searches (until 2026-12-05
 * each was a 400).
 */
export function selectFields(type: QueryTypeDefinition, requested: readonly string[] | null): FieldSelection {
  const all = renderedFields(type);
  if (requested === null) return { fields: all, metadata: [] };
  const wanted = new Set<string>();
  const metadata: MetadataSelection[] = [];
  const carriesMetadata = metadataKindOf(type) !== null;
  for (const name of requested) {
    const m = METADATA_FIELD.exec(name);
    if (m) {
      if (carriesMetadata) metadata.push({ domain: (m[1] ?? 'GENERAL') as 'GENERAL' | 'SYSTEM', key: m[2]! });
    } else if (all.includes(name)) {
      wanted.add(name);
    } else if (!Object.hasOwn(type.table.fields, name) && name !== 'href' && name !== 'id') {
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
