/**
 * XML documents for the legacy `/api` (VCD's v1.5 namespace), built with fast-xml-parser's XMLBuilder, which
 * escapes attribute and text values. Build a plain object tree: attributes under `@_name`, text under `#text`.
 */
import { XMLBuilder } from 'fast-xml-parser';

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
