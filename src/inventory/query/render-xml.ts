/**
 * Query results as VCD's XML (vcd-wire §9.2): `QueryResultRecords` (records and idrecords) or
 * `<Type>References`, in the v1.5 namespace, with exact total/page/pageSize attributes, the paging links that
 * apply and `alternate` links to the other formats. Integer and boolean attributes are always well-formed
 * (Go's encoding/xml rejects the whole document otherwise).
 */
import { attr, el, xmlDocument, VCLOUD_NS, XSI_NS } from '../xml-render.js';
import { recordMetadataXml } from '../documents/metadata.js';
import type { MetadataRow } from '../repository.js';
import type { QueryTypeDefinition, Row } from './catalogue.js';
import { queryHref, type QueryLocation } from './links.js';
import { pagingLinks } from './paging.js';
import { QUERY_FORMATS, type QueryFormat, type QueryParameters } from './params.js';
import { recordValues, resultMediaType, type FieldSelection } from './records.js';

export interface QueryResultDocument {
  readonly type: QueryTypeDefinition;
  readonly location: QueryLocation;
  readonly params: QueryParameters;
  readonly selection: FieldSelection;
  readonly total: number;
  readonly rows: readonly Row[];
  /** Metadata per entity id, when `fields` asked for metadata keys. */
  readonly metadata: ReadonlyMap<string, readonly MetadataRow[]>;
}

export function renderQueryResultXml(doc: QueryResultDocument): string {
  const { params, location } = doc;
  const mediaType = resultMediaType(params.format, false);
  const links = [
    ...pagingLinks(params.page, params.pageSize, doc.total).map((l) =>
      el('Link', { rel: l.rel, type: mediaType, href: queryHref(location, params, l.page, params.format) }),
    ),
    ...alternateFormats(params.format).map((format) =>
      el('Link', { rel: 'alternate', type: resultMediaType(format, false), href: queryHref(location, params, params.page, format) }),
    ),
  ];
  const root = params.format === 'references' ? doc.type.referencesElement : 'QueryResultRecords';
  const children =
    params.format === 'references' ? doc.rows.map((row) => referenceXml(doc, row)) : doc.rows.map((row) => recordXml(doc, row));
  return xmlDocument(
    root,
    {
      total: doc.total,
      pageSize: params.pageSize,
      page: params.page,
      name: doc.type.name,
      type: mediaType,
      href: queryHref(location, params, params.page, params.format),
    },
    [...links, ...children],
    { xmlns: VCLOUD_NS, 'xmlns:xsi': XSI_NS },
  );
}

function recordXml(doc: QueryResultDocument, row: Row): string {
  const values = recordValues(row, { type: doc.type, base: doc.location.base, format: doc.params.format, fields: doc.selection.fields });
  // Written directly rather than through an attribute object: this runs for up to 128 records per response.
  let attributes = attr('href', values.href) + attr('id', values.id);
  for (const [name, value] of values.attributes) attributes += attr(name, value);
  const name = doc.type.recordElement;
  if (doc.selection.metadata.length === 0) return `<${name}${attributes}/>`;
  return `<${name}${attributes}>${recordMetadataXml(doc.metadata.get(row.id as string) ?? [])}</${name}>`;
}

function referenceXml(doc: QueryResultDocument, row: Row): string {
  const table = doc.type.table;
  return el(doc.type.referenceElement, {
    href: table.href(doc.location.base, row),
    id: table.urn(row),
    type: table.mediaType(row),
    name: row.name as string,
  });
}

function alternateFormats(format: QueryFormat): QueryFormat[] {
  return QUERY_FORMATS.filter((f) => f !== format);
}
