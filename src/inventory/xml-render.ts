/**
 * A small, fast XML writer for the inventory's documents. The query service renders up to 128 records per
 * request on the hot path, where string concatenation is several times cheaper than building an object tree
 * for fast-xml-parser's XMLBuilder. Values are escaped here and nowhere else.
 *
 *   el('Link', { rel: 'down', href }) → '<Link rel="down" href="..."/>'
 *   el('Vdcs', {}, [el('Vdc', {...})]) → '<Vdcs><Vdc .../></Vdcs>'
 *   textEl('IsEnabled', true) → '<IsEnabled>true</IsEnabled>'
 */
export const VCLOUD_NS = 'http://www.vmware.com/vcloud/v1.5';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const OVF_NS = 'http://schemas.dmtf.org/ovf/envelope/1';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export type AttrValue = string | number | boolean | null | undefined;
/** Attribute order is kept; null and undefined attributes are omitted. */
export type Attrs = Readonly<Record<string, AttrValue>>;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };
const NEEDS_ESCAPE = /[&<>"'\n\r\t]/;
const ESCAPE_ALL = /[&<>"'\n\r\t]/g;
// Characters XML 1.0 cannot carry at all, even escaped; they are dropped rather than producing a broken document.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes text for an attribute value or element content (also newlines, which attributes would normalise away). */
export function escapeXml(value: string): string {
  const valid = INVALID_XML_CHARS.test(value) ? value.replace(INVALID_XML_CHARS, '') : value;
  INVALID_XML_CHARS.lastIndex = 0;
  return NEEDS_ESCAPE.test(valid) ? valid.replace(ESCAPE_ALL, (c) => ESCAPES[c]!) : valid;
}

export function attrs(values: Attrs): string {
  let out = '';
  for (const name in values) {
    const v = values[name];
    if (v === null || v === undefined) continue;
    out += ` ${name}="${typeof v === 'string' ? escapeXml(v) : String(v)}"`;
  }
  return out;
}

/** An element with attributes and already-rendered children (self-closing when there are none). */
export function el(name: string, attributes: Attrs = {}, children: readonly string[] | string = ''): string {
  const inner = typeof children === 'string' ? children : children.join('');
  return inner === '' ? `<${name}${attrs(attributes)}/>` : `<${name}${attrs(attributes)}>${inner}</${name}>`;
}

/** `<Name>text</Name>`; an empty string renders `<Name></Name>` (present but empty), null/undefined render nothing. */
export function textEl(name: string, value: string | number | boolean | null | undefined, attributes: Attrs = {}): string {
  if (value === null || value === undefined) return '';
  return `<${name}${attrs(attributes)}>${typeof value === 'string' ? escapeXml(value) : String(value)}</${name}>`;
}

/** A whole document: declaration, then the root element in VCD's namespace. */
export function xmlDocument(root: string, attributes: Attrs, children: readonly string[] | string = '', namespaces: Attrs = { xmlns: VCLOUD_NS }): string {
  return XML_DECLARATION + el(root, { ...namespaces, ...attributes }, children);
}

/** VCD's versioned XML media type: `application/vnd.vmware.vcloud.org+xml;version=36.1`. */
export function withVersion(mediaType: string, version: string): string {
  return `${mediaType};version=${version}`;
}
