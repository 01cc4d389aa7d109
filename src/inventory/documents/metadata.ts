/**
 * VCD metadata in the places it appears: the `Metadata` document of an entity (`GET <entity href>/metadata`, root
 * element `Metadata`, which govcd checks by name), one entry's `MetadataValue` (`GET <entity href>/metadata/[SYSTEM/]<key>`)
 * and the `<Metadata>` child of a query record asked for with `fields=metadata:key`.
 */
import { el, textEl, xmlDocument, VCLOUD_NS, XSI_NS } from '../xml-render.js';
import { MEDIA } from '../hrefs.js';
import type { MetadataRow } from '../repository.js';

export interface EntityLink {
  readonly href: string;
  readonly type: string;
}

const ENTRY_TYPE = MEDIA.metadataValue;
/** The JSON media type of an XML one, as VCD's JSON documents name them. */
const jsonMedia = (media: string) => media.replace(/\+xml$/, '+json');

export const entryHref = (metadataHref: string, row: Pick<MetadataRow, 'domain' | 'key'>) =>
  `${metadataHref}/${row.domain === 'SYSTEM' ? 'SYSTEM/' : ''}${encodeURIComponent(row.key)}`;

/**
 * The links a writer follows, as VCD gives them to a caller who may write (and only then): `add` on the Metadata
 * document (a POST of entries to merge), `edit` and `remove` on each entry (a PUT of its MetadataValue, a DELETE).
 * pyvcloud's Metadata writers find their target by these links and refuse without them ("Operation is not
 * supported"); until 2026-12-05 only `up` was given, so the provider could not write an org's metadata with it.
 */
function entryWriteLinks(href: string): Array<{ rel: string; href: string; type?: string }> {
  return [
    { rel: 'edit', href, type: ENTRY_TYPE },
    { rel: 'remove', href },
  ];
}

function entryXml(row: MetadataRow, metadataHref: string | null, writable = false): string {
  const href = metadataHref ? entryHref(metadataHref, row) : null;
  return el('MetadataEntry', href ? { href, type: ENTRY_TYPE } : {}, [
    ...(href && writable ? entryWriteLinks(href).map((l) => el('Link', l)) : []),
    textEl('Domain', row.domain, { visibility: row.visibility }),
    textEl('Key', row.key),
    el('TypedValue', { 'xsi:type': row.value_type }, textEl('Value', row.value)),
  ]);
}

/** The whole `Metadata` document of an entity; `writable` adds the writers' links (entryWriteLinks). */
export function metadataDocument(entity: EntityLink, metadataHref: string, rows: readonly MetadataRow[], writable = false): string {
  return xmlDocument(
    'Metadata',
    { href: metadataHref, type: MEDIA.metadata },
    [
      el('Link', { rel: 'up', href: entity.href, type: entity.type }),
      writable ? el('Link', { rel: 'add', href: metadataHref, type: MEDIA.metadata }) : '',
      ...rows.map((r) => entryXml(r, metadataHref, writable)),
    ],
    { xmlns: VCLOUD_NS, 'xmlns:xsi': XSI_NS },
  );
}

/** One entry's `MetadataValue` document, with its `up` link to the entity's `Metadata` (and the writers' links). */
export function metadataValueDocument(metadataHref: string, row: MetadataRow, writable = false): string {
  const href = entryHref(metadataHref, row);
  return xmlDocument(
    'MetadataValue',
    { href, type: ENTRY_TYPE },
    [
      el('Link', { rel: 'up', href: metadataHref, type: MEDIA.metadata }),
      ...(writable ? entryWriteLinks(href).map((l) => el('Link', l)) : []),
      textEl('Domain', row.domain, { visibility: row.visibility }),
      el('TypedValue', { 'xsi:type': row.value_type }, textEl('Value', row.value)),
    ],
    { xmlns: VCLOUD_NS, 'xmlns:xsi': XSI_NS },
  );
}

/** A link as VCD's JSON documents write one. */
function jsonLink(rel: string, href: string, type: string | null) {
  return { otherAttributes: {}, href, id: null, name: null, type, model: null, rel, vCloudExtension: [] };
}

const jsonWriteLinks = (href: string) => entryWriteLinks(href).map((l) => jsonLink(l.rel, l.href, l.type ? jsonMedia(l.type) : null));

/** The same `MetadataValue` in VCD's JSON. */
export function metadataValueJson(metadataHref: string, row: MetadataRow, writable = false) {
  const href = entryHref(metadataHref, row);
  return {
    otherAttributes: {},
    link: [jsonLink('up', metadataHref, jsonMedia(MEDIA.metadata)), ...(writable ? jsonWriteLinks(href) : [])],
    href,
    type: jsonMedia(ENTRY_TYPE),
    domain: { otherAttributes: {}, visibility: row.visibility, value: row.domain },
    typedValue: typedValueJson(row),
  };
}

/** `<Metadata>` inside a query record (the `xsi` prefix is declared on the result's root). */
export function recordMetadataXml(rows: readonly MetadataRow[]): string {
  return el(
    'Metadata',
    {},
    rows.map((r) => entryXml(r, null)),
  );
}

/** Typed JSON value of an entry, as VCD's JSON renders `TypedValue`. */
function typedValueJson(row: MetadataRow): { _type: string; value: string | number | boolean } {
  const value =
    row.value_type === 'MetadataNumberValue'
      ? Number(row.value)
      : row.value_type === 'MetadataBooleanValue'
        ? row.value === 'true'
        : row.value;
  return { _type: row.value_type, value };
}

/**
 * Metadata as VCD's JSON: the `Metadata` document of an entity (with its `up` link and the entries' hrefs), or,
 * with no entity and no href, the `metadata` of a query record.
 */
export function metadataJson(entity: EntityLink | null, metadataHref: string | null, rows: readonly MetadataRow[], writable = false) {
  const links = entity ? [jsonLink('up', entity.href, jsonMedia(entity.type))] : [];
  if (entity && metadataHref && writable) links.push(jsonLink('add', metadataHref, jsonMedia(MEDIA.metadata)));
  return {
    otherAttributes: {},
    link: links,
    href: metadataHref,
    type: metadataHref ? jsonMedia(MEDIA.metadata) : null,
    metadataEntry: rows.map((r) => {
      const href = metadataHref ? entryHref(metadataHref, r) : null;
      return {
        otherAttributes: {},
        link: href && writable ? jsonWriteLinks(href) : [],
        href,
        type: href ? jsonMedia(ENTRY_TYPE) : null,
        domain: { otherAttributes: {}, visibility: r.visibility, value: r.domain },
        key: r.key,
        typedValue: typedValueJson(r),
      };
    }),
  };
}
