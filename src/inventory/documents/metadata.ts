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

function entryXml(row: MetadataRow, metadataHref: string | null, up: EntityLink | null): string {
  return el('MetadataEntry', metadataHref ? { href: entryHref(metadataHref, row), type: ENTRY_TYPE } : {}, [
    up ? el('Link', { rel: 'up', href: up.href, type: up.type }) : '',
    textEl('Domain', row.domain, { visibility: row.visibility }),
    textEl('Key', row.key),
    el('TypedValue', { 'xsi:type': row.value_type }, textEl('Value', row.value)),
  ]);
}

/** The whole `Metadata` document of an entity. */
export function metadataDocument(entity: EntityLink, metadataHref: string, rows: readonly MetadataRow[]): string {
  return xmlDocument(
    'Metadata',
    { href: metadataHref, type: MEDIA.metadata },
    [el('Link', { rel: 'up', href: entity.href, type: entity.type }), ...rows.map((r) => entryXml(r, metadataHref, null))],
    { xmlns: VCLOUD_NS, 'xmlns:xsi': XSI_NS },
  );
}

/** One entry's `MetadataValue` document, with its `up` link to the entity's `Metadata`. */
export function metadataValueDocument(metadataHref: string, row: MetadataRow): string {
  return xmlDocument(
    'MetadataValue',
    { href: entryHref(metadataHref, row), type: ENTRY_TYPE },
    [
      el('Link', { rel: 'up', href: metadataHref, type: MEDIA.metadata }),
      textEl('Domain', row.domain, { visibility: row.visibility }),
      el('TypedValue', { 'xsi:type': row.value_type }, textEl('Value', row.value)),
    ],
    { xmlns: VCLOUD_NS, 'xmlns:xsi': XSI_NS },
  );
}

/** The same `MetadataValue` in VCD's JSON. */
export function metadataValueJson(metadataHref: string, row: MetadataRow) {
  return {
    otherAttributes: {},
    link: [
      {
        otherAttributes: {},
        href: metadataHref,
        id: null,
        name: null,
        type: jsonMedia(MEDIA.metadata),
        model: null,
        rel: 'up',
        vCloudExtension: [],
      },
    ],
    href: entryHref(metadataHref, row),
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
    rows.map((r) => entryXml(r, null, null)),
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
export function metadataJson(entity: EntityLink | null, metadataHref: string | null, rows: readonly MetadataRow[]) {
  return {
    otherAttributes: {},
    link: entity
      ? [
          {
            otherAttributes: {},
            href: entity.href,
            id: null,
            name: null,
            type: jsonMedia(entity.type),
            model: null,
            rel: 'up',
            vCloudExtension: [],
          },
        ]
      : [],
    href: metadataHref,
    type: metadataHref ? jsonMedia(MEDIA.metadata) : null,
    metadataEntry: rows.map((r) => ({
      otherAttributes: {},
      link: [],
      href: metadataHref ? entryHref(metadataHref, r) : null,
      type: metadataHref ? jsonMedia(ENTRY_TYPE) : null,
      domain: { otherAttributes: {}, visibility: r.visibility, value: r.domain },
      key: r.key,
      typedValue: typedValueJson(r),
    })),
  };
}
