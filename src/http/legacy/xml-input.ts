/**
 * Reading the XML documents clients send to the admin API (AdminOrg, User), with fast-xml-parser. Everything a
 * client can get wrong is a 400 in VCD's XML Error, never a 500: a body that is not XML, another root element,
 * a boolean or a number that is not one. Namespace prefixes are dropped (clients write `vcloud:` or none).
 * A DOCTYPE is refused outright: no entity expansion from a request body.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { badRequest } from '../../domain/errors.js';

export type XmlObject = { readonly [key: string]: XmlValue };
export type XmlValue = string | XmlObject | readonly XmlValue[];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  processEntities: true,
  htmlEntities: false,
});

/** The root element `root` of an XML body, or the 400 that says what is wrong with it. */
export function parseXmlBody(body: unknown, root: string): XmlElement {
  if (typeof body !== 'string' || body.trim() === '') throw badRequest(`The request body must be a ${root} XML document`);
  if (/<!DOCTYPE/i.test(body)) throw badRequest('A DOCTYPE is not accepted in a request body');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw badRequest(`The request body is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(body) as Record<string, unknown>;
  } catch {
    throw badRequest('The request body is not well-formed XML');
  }
  const top = Object.keys(parsed).filter((k) => !k.startsWith('?'));
  if (top.length !== 1 || top[0] !== root) throw badRequest(`The request body must be a ${root} document, not ${top[0] ?? 'empty'}`);
  return new XmlElement(root, parsed[root] as XmlValue);
}

/** One element: its attributes, text and children, with typed accessors that refuse malformed values. */
export class XmlElement {
  readonly name: string;
  private readonly value: XmlValue;

  constructor(name: string, value: XmlValue) {
    this.name = name;
    this.value = value;
  }

  private get object(): XmlObject | null {
    return typeof this.value === 'object' && !Array.isArray(this.value) ? (this.value as XmlObject) : null;
  }

  attr(name: string): string | undefined {
    const v = this.object?.[`@_${name}`];
    return typeof v === 'string' ? v : undefined;
  }

  /** The element's own text ('' for an empty element). */
  text(): string {
    if (typeof this.value === 'string') return this.value;
    const t = this.object?.['#text'];
    return typeof t === 'string' ? t : '';
  }

  /** The first child of that name, or undefined. */
  child(name: string): XmlElement | undefined {
    const v = this.object?.[name];
    if (v === undefined) return undefined;
    const first = Array.isArray(v) ? (v as readonly XmlValue[])[0] : v;
    return first === undefined ? undefined : new XmlElement(name, first as XmlValue);
  }

  /** The text of a child element; undefined when the child is absent. */
  childText(name: string, maxLength = 1024): string | undefined {
    const c = this.child(name);
    if (!c) return undefined;
    const t = c.text();
    if (t.length > maxLength) throw badRequest(`${name} must be at most ${maxLength} characters`);
    return t;
  }

  /** xs:boolean (`true`, `false`, `1`, `0`); undefined when absent. */
  childBool(name: string): boolean | undefined {
    const t = this.childText(name);
    if (t === undefined) return undefined;
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
    throw badRequest(`${name} must be true or false`);
  }

  /** A whole number in [min, max]; undefined when absent. */
  childInt(name: string, min: number, max: number): number | undefined {
    const t = this.childText(name);
    if (t === undefined) return undefined;
    if (!/^-?\d{1,12}$/.test(t)) throw badRequest(`${name} must be a whole number`);
    const n = Number(t);
    if (n < min || n > max) throw badRequest(`${name} must be between ${min} and ${max}`);
    return n;
  }
}
