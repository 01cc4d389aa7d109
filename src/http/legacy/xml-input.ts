/**
 * Reading the XML documents clients send to the admin API (AdminOrg, User), with fast-xml-parser. Everything a
 * client can get wrong is a 400 in VCD's XML Error, never a 500: a body that is not XML, another root element,
 * a boolean or a number that is not one. Namespace prefixes are dropped (clients write `vcloud:` or none).
 * A DOCTYPE is refused outright: no entity expansion from a request body.
 * Only XML 1.0's characters (its `Char` production): a character reference to any other (`&#0;`, `&#x1;`, a
 * surrogate, `&#xFFFE;`) or such a character sent raw makes the body not well-formed. fast-xml-parser would
 * drop some of them silently (`name="u&#0;x"` made user `ux`), so they are refused here, before it reads them.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { badRequest } from '../../domain/errors.js';
import { MAX_XML_BODY } from './contract.js';

export type XmlObject = { readonly [key: string]: XmlValue };
export type XmlValue = string | XmlObject | readonly XmlValue[];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Text as sent: a password or a metadata value keeps its spaces (xs:string preserves whitespace, and the cloudapi
  // keeps them). Until 2026-12-05 every value was trimmed, so a user created here with a password ending in a
  // space could not sign in with it. Names, keys and typed values are read trimmed (XmlElement.text).
  trimValues: false,
  ignoreDeclaration: true,
  processEntities: true,
  // Decodes character references (`&#233;`, `&#xE9;`: what lxml, and so pyvcloud, writes for every non-ASCII
  // character). It would also decode HTML's named entities (`&nbsp;`), which XML does not define without a DTD:
  // `forbiddenCharacter` refuses those first, so only the five of XML and character references reach it.
  htmlEntities: true,
});

/** The root element `root` of an XML body, or the 400 that says what is wrong with it. */
export function parseXmlBody(body: unknown, root: string): XmlElement {
  if (typeof body !== 'string' || body.trim() === '') throw badRequest(`The request body must be a ${root} XML document`);
  // The schema bounds the XML media types' bodies; a document sent as text/plain reaches here through fastify's own
  // text parser, bounded only by the server's 256 KiB (until 2026-12-05 it skipped the XML bound).
  if (body.length > MAX_XML_BODY) throw badRequest(`The request body must be at most ${MAX_XML_BODY} characters of XML`);
  if (/<!DOCTYPE/i.test(body)) throw badRequest('A DOCTYPE is not accepted in a request body');
  const forbidden = forbiddenCharacter(body);
  if (forbidden) throw badRequest(`The request body is not well-formed XML: ${forbidden.what} (line ${forbidden.line})`);
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

/** A character XML 1.0 does not allow raw: the C0 controls but tab, LF and CR; U+FFFE, U+FFFF; a lone surrogate. */
const RAW_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;
/**
 * Comments, CDATA sections and processing instructions: their `&#0;` is literal text, not a reference. One left
 * open runs to the end of the body (the validator refuses it next), so that every start consumes what it scanned:
 * until 2026-12-05 an unclosed section was rescanned to the end from every `<!--`, and a body of `<!--` repeated
 * held the event loop for seconds (4 s at 256 KiB).
 */
const LITERAL_SECTIONS = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<\?[\s\S]*?(?:\?>|$)/g;
/** An entity reference by name; XML 1.0 defines five without a DTD (and a DOCTYPE is refused). */
const NAMED_REF = /&([A-Za-z_:][\w.:-]*);/g;
const XML_ENTITIES = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);
/** `&#` and what follows it up to its `;`: a decimal or hexadecimal character reference, or a malformed one. */
const CHAR_REF = /&#(?:([0-9]+);|x([0-9a-fA-F]+);|[^;&<"']{0,12};?)/g;

/** XML 1.0's Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** The first character of the body XML 1.0 does not allow, raw or referenced, with its line; null when none. */
export function forbiddenCharacter(body: string): { what: string; line: number } | null {
  const raw = RAW_FORBIDDEN.exec(body);
  if (raw) return { what: `the character ${hex(raw[0].charCodeAt(0))}, which XML 1.0 does not allow`, line: lineAt(body, raw.index) };
  // Blank the literal sections out, keeping every offset and line break, so that a match's index is the body's.
  const markup = body.replace(LITERAL_SECTIONS, (section) => section.replace(/[^\n]/g, ' '));
  for (const m of markup.matchAll(NAMED_REF)) {
    if (!XML_ENTITIES.has(m[1]!))
      return { what: `the entity ${m[0]} is not defined (XML has &lt; &gt; &amp; &quot; &apos;)`, line: lineAt(body, m.index) };
  }
  for (const m of markup.matchAll(CHAR_REF)) {
    const digits = m[1] ?? m[2];
    if (digits === undefined) return { what: `"${m[0]}" is not a character reference`, line: lineAt(body, m.index) };
    // Leading zeros are allowed; a value past U+10FFFF is refused however many digits it has.
    const significant = digits.replace(/^0+(?=.)/, '');
    const cp = significant.length > 8 ? Infinity : Number.parseInt(significant, m[1] !== undefined ? 10 : 16);
    if (!isXmlChar(cp)) {
      const target = Number.isFinite(cp) && cp <= 0x10ffff ? hex(cp) : 'a code point past U+10FFFF';
      return { what: `the character reference ${m[0]} is to ${target}, which XML 1.0 does not allow`, line: lineAt(body, m.index) };
    }
  }
  return null;
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

  /** The element's own text without its leading and trailing whitespace ('' for an empty element). */
  text(): string {
    return this.rawText().trim();
  }

  /** The element's own text exactly as sent, whitespace included: free text (a password, a description, a value). */
  rawText(): string {
    if (typeof this.value === 'string') return this.value;
    const t = this.object?.['#text'];
    return typeof t === 'string' ? t : '';
  }

  /**
   * The only child of that name, or undefined: a second one is refused (400). Every element read one at a time occurs
   * at most once in VCD's schema (a User's `Password`, `IsEnabled` or `Role`, an AdminOrg's settings, a metadata
   * entry's `Key`, `TypedValue`, `Value`, `Domain`), and keeping the first would silently drop what the client meant,
   * or let a proxy or a log read the other copy than the server used: until 2026-12-07 the User and AdminOrg documents
   * kept the first (`<Password>a</Password><Password>b</Password>` set `a`), where OAuth parameters and JSON keys given
   * twice were refused for that reason. Elements that repeat are read with `children`.
   */
  child(name: string): XmlElement | undefined {
    const all = this.children(name);
    if (all.length > 1) throw badRequest(`${this.name} has ${all.length} ${name} elements; it takes one`);
    return all[0];
  }

  /** True when the element holds child elements (not only text and attributes). */
  hasElementChildren(): boolean {
    const o = this.object;
    return o !== null && Object.keys(o).some((k) => k !== '#text' && !k.startsWith('@_'));
  }

  /** Every child of that name, in document order. */
  children(name: string): XmlElement[] {
    const v = this.object?.[name];
    if (v === undefined) return [];
    return (Array.isArray(v) ? (v as readonly XmlValue[]) : [v]).map((c) => new XmlElement(name, c as XmlValue));
  }

  /** The text of a child element, trimmed (a name, a key, a typed value); undefined when the child is absent. */
  childText(name: string, maxLength = 1024): string | undefined {
    return this.limited(name, this.child(name)?.text(), maxLength);
  }

  /** The text of a child element exactly as sent (free text: a password, a description); undefined when absent. */
  childRawText(name: string, maxLength = 1024): string | undefined {
    return this.limited(name, this.child(name)?.rawText(), maxLength);
  }

  private limited(name: string, text: string | undefined, maxLength: number): string | undefined {
    if (text !== undefined && text.length > maxLength) throw badRequest(`${name} must be at most ${maxLength} characters`);
    return text;
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
