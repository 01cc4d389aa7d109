/**
 * XML documents for the legacy `/api` (VCD's v1.5 namespace), built with fast-xml-parser's XMLBuilder, which
 * escapes attribute and text values. Build a plain object tree: attributes under `@_name`, text under `#text`.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { node, renderJson, text, type DocChild, type DocElement } from '../inventory/document-tree.js';

export const VCLOUD_NS = 'http://www.vmware.com/vcloud/v1.5';
export const VERSIONS_NS = 'http://www.vmware.com/vcloud/versions';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  format: false,
});

export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | number | boolean | null | undefined | XmlNode | XmlNode[];

/** Drops undefined/null attributes, so optional values are omitted rather than rendered empty. */
function clean(node: XmlValue): XmlValue {
  if (Array.isArray(node)) return node.map((n) => clean(n) as XmlNode);
  if (node === null || typeof node !== 'object') return node;
  const out: XmlNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (v === undefined || v === null) continue;
    out[k] = clean(v);
  }
  return out;
}

/** `<Root xmlns=... attrs>children</Root>` with the XML declaration. */
export function xmlDocument(root: string, body: XmlNode, namespace = VCLOUD_NS): string {
  return XML_DECLARATION + builder.build({ [root]: { '@_xmlns': namespace, ...(clean(body) as XmlNode) } });
}

/** VCD's media type for a given kind: `application/vnd.vmware.vcloud.<kind>+xml;version=V`. */
export function vcloudXmlType(kind: string, version: string): string {
  return `application/vnd.vmware.vcloud.${kind}+xml;version=${version}`;
}

/**
 * The same object tree as the document model of inventory/document-tree.ts, so that a document built for
 * `xmlDocument` also renders as VCD JSON (`renderJson`) from its source values: `@_name` are attributes,
 * `#text` is text, nested objects are elements, arrays are repeated elements, scalars are text elements.
 */
export function xmlNodeToDoc(name: string, body: XmlNode): DocElement {
  const attrs: Record<string, string | number | boolean | null> = {};
  const children: DocChild[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@_')) attrs[key.slice(2)] = value === undefined || typeof value === 'object' ? null : value;
    else for (const item of Array.isArray(value) ? value : [value]) children.push(valueToDoc(key, item));
  }
  return node(name, attrs, children);
}

function valueToDoc(name: string, value: XmlValue): DocChild {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return text(name, value);
  if (Array.isArray(value))
    return node(
      name,
      {},
      value.map((v) => valueToDoc(name, v)),
    );
  if ('#text' in value && Object.keys(value).every((k) => k === '#text' || k.startsWith('@_'))) {
    const { '#text': content, ...rest } = value;
    const doc = xmlNodeToDoc(name, rest);
    return text(name, content === undefined || typeof content === 'object' ? null : content, doc.attrs);
  }
  return xmlNodeToDoc(name, value);
}

/** `xmlDocument(root, body)` as VCD JSON. */
export function jsonDocument(root: string, body: XmlNode): Record<string, unknown> {
  return renderJson(xmlNodeToDoc(root, body));
}

/** VCD's JSON media type for a given kind: `application/vnd.vmware.vcloud.<kind>+json;version=V`. */
export function vcloudJsonType(kind: string, version: string): string {
  return `application/vnd.vmware.vcloud.${kind}+json;version=${version}`;
}
