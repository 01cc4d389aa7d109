/**
 * `GET /api/query` without a type: the QueryList, one `Link rel="down"` per type and format, each href already
 * holding `?type=X&format=F` (pyvcloud appends `&page=1` to it and matches links by `name` and `type`,
 * vcd-clients §3). Only types the caller may run are listed.
 */
import { el, xmlDocument } from '../xml-render.js';
import { MEDIA } from '../hrefs.js';
import type { QueryTypeDefinition } from './catalogue.js';
import { QUERY_FORMATS } from './params.js';
import { resultMediaType } from './records.js';
import { jsonLink } from './render-json.js';

function links(base: string, types: readonly QueryTypeDefinition[], json: boolean) {
  return types.flatMap((t) =>
    QUERY_FORMATS.map((format) => ({
      name: t.name,
      type: resultMediaType(format, json),
      href: `${base}/api/query?type=${t.name}&format=${format}`,
    })),
  );
}

export function renderQueryListXml(base: string, types: readonly QueryTypeDefinition[]): string {
  return xmlDocument(
    'QueryList',
    { href: `${base}/api/query`, type: MEDIA.queryList },
    links(base, types, false).map((l) => el('Link', { rel: 'down', href: l.href, name: l.name, type: l.type })),
  );
}

export function renderQueryListJson(base: string, types: readonly QueryTypeDefinition[]) {
  return {
    otherAttributes: {},
    link: links(base, types, true).map((l) => jsonLink('down', l.href, l.type, l.name)),
    href: `${base}/api/query`,
    type: MEDIA.queryList.replace(/\+xml$/, '+json'),
  };
}
