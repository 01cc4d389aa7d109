/**
 * Query results as VCD's JSON (vcd-wire §9.3): the same envelope fields as the XML, a `record` (or `reference`)
 * array whose items carry `_type` (`QueryResultVMRecordType`), `otherAttributes: {}`, `link: []` and typed
 * values (numbers and booleans, not strings). Paging links go in the envelope's `link` array.
 */
import { metadataJson } from '../documents/metadata.js';
import type { Row } from './catalogue.js';
import { queryHref } from './links.js';
import { pagingLinks, type PageRel } from './paging.js';
import { QUERY_FORMATS, type QueryFormat } from './params.js';
import { recordValues, resultMediaType } from './records.js';
import type { QueryResultDocument } from './render-xml.js';

export interface JsonLink {
  otherAttributes: Record<string, never>;
  href: string;
  id: null;
  name: string | null;
  type: string;
  model: null;
  rel: string;
  vCloudExtension: [];
}

export function jsonLink(rel: string, href: string, type: string, name: string | null = null): JsonLink {
  return { otherAttributes: {}, href, id: null, name, type, model: null, rel, vCloudExtension: [] };
}

export function renderQueryResultJson(doc: QueryResultDocument): Record<string, unknown> {
  const { params, location } = doc;
  const mediaType = resultMediaType(params.format, true);
  const paging = pagingLinks(params.page, params.pageSize, doc.total);
  const pageOf = (rel: PageRel) => paging.find((l) => l.rel === rel)?.page ?? null;
  const link = [
    ...paging.map((l) => jsonLink(l.rel, queryHref(location, params, l.page, params.format), mediaType)),
    ...QUERY_FORMATS.filter((f: QueryFormat) => f !== params.format).map((f) =>
      jsonLink('alternate', queryHref(location, params, params.page, f), resultMediaType(f, true)),
    ),
  ];
  const items =
    params.format === 'references'
      ? { reference: doc.rows.map((row) => referenceJson(doc, row)) }
      : { record: doc.rows.map((row) => recordJson(doc, row)) };
  return {
    otherAttributes: {},
    link,
    href: queryHref(location, params, params.page, params.format),
    type: mediaType,
    name: doc.type.name,
    page: params.page,
    pageSize: params.pageSize,
    total: doc.total,
    ...items,
    firstPage: pageOf('firstPage'),
    previousPage: pageOf('previousPage'),
    nextPage: pageOf('nextPage'),
    lastPage: pageOf('lastPage'),
  };
}

function recordJson(doc: QueryResultDocument, row: Row): Record<string, unknown> {
  const values = recordValues(row, { type: doc.type, base: doc.location.base, format: doc.params.format, fields: doc.selection.fields });
  const record: Record<string, unknown> = {
    _type: doc.type.jsonRecordType,
    link: [],
    metadata: doc.selection.metadata.length > 0 ? metadataJson(null, null, doc.metadata.get(row.id as string) ?? []) : null,
    href: values.href,
    id: values.id,
    type: null,
    otherAttributes: {},
  };
  for (const [name, value] of values.attributes) record[name] = value;
  return record;
}

function referenceJson(doc: QueryResultDocument, row: Row): Record<string, unknown> {
  const table = doc.type.table;
  return {
    otherAttributes: {},
    href: table.href(doc.location.base, row),
    id: table.urn(row),
    type: table.mediaType(row).replace(/\+xml$/, '+json'),
    name: row.name,
    vCloudExtension: [],
  };
}
