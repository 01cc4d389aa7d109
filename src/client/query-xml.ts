/**
 * Cuts a query-service XML page (`<QueryResultRecords total= page= pageSize=>` with `<VMRecord .../>` children)
 * into its paging attributes and its record elements, verbatim, without an XML library: the SDK has no
 * dependencies, and callers that want XML want the server's own bytes.
 */
import { readXmlAttributes } from './error-body.js';
import type { Page } from './paging.js';

// An attribute value may hold '>' unescaped, so the tag body is matched attribute by attribute.
const TAG_BODY = `(?:[^>"']|"[^"]*"|'[^']*')*?`;
const ROOT = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?QueryResultRecords\\b(${TAG_BODY})/?>`);

export function parseQueryXmlPage(xml: string, recordElement: string): Page<string> | null {
  const root = ROOT.exec(xml);
  if (!root) return null;
  const attributes = readXmlAttributes(root[1] ?? '');
  const name = recordElement.replace(/[^\w]/g, '');
  const record = new RegExp(`<((?:[A-Za-z_][\\w.-]*:)?${name})\\b${TAG_BODY}(?:/>|>[\\s\\S]*?</\\1\\s*>)`, 'g');
  const items = [...xml.matchAll(record)].map((match) => match[0]);
  return {
    total: integerAttribute(attributes.get('total')) ?? items.length,
    page: integerAttribute(attributes.get('page')) ?? 1,
    pageSize: integerAttribute(attributes.get('pageSize')) ?? items.length,
    items,
  };
}

function integerAttribute(value: string | undefined): number | null {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}
