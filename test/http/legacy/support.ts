/**
 * Test support for the /api inventory and query suites: XML parsed by a real parser (fast-xml-parser) into a
 * small element tree, and sign-in helpers for the demo users.
 */
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { http, signIn, type Reply } from '../../helpers/api.js';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';

export const VCLOUD_NS = 'http://www.vmware.com/vcloud/v1.5';
export const XML_ACCEPT = 'application/*+xml;version=36.1';
export const JSON_ACCEPT = 'application/*+json;version=36.1';
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true, // numeric character references (&#10;), as every XML parser decodes them
});

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function convert(node: Ordered): XmlElement | null {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (!name || name === '#text' || name === '?xml') return null;
  const content = node[name] as Ordered[];
  const children = content.map(convert).filter((c): c is XmlElement => c !== null);
  const text = content
    .filter((c) => '#text' in c)
    .map((c) => String(c['#text']))
    .join('');
  return { name, attrs: { ...(node[':@'] ?? {}) }, children, text };
}

/** Parses a whole document and returns its root element; fails the test on malformed XML. */
export function parseXml(xml: string): XmlElement {
  const roots = (parser.parse(xml) as Ordered[]).map(convert).filter((c): c is XmlElement => c !== null);
  assert.equal(roots.length, 1, `expected one root element in:\n${xml.slice(0, 500)}`);
  return roots[0]!;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function child(el: XmlElement, name: string): XmlElement {
  const found = childrenNamed(el, name);
  assert.equal(found.length, 1, `expected one <${name}> in <${el.name}>, found ${found.length}`);
  return found[0]!;
}

export function links(el: XmlElement, rel?: string): XmlElement[] {
  return childrenNamed(el, 'Link').filter((l) => rel === undefined || l.attrs.rel === rel);
}

/** An XML reply's root, after checking status and content type. */
export function xmlRoot(reply: Reply, status: number, mediaType: RegExp): XmlElement {
  assert.equal(reply.status, status, `status ${reply.status}: ${reply.text.slice(0, 400)}`);
  assert.match(reply.headers.get('content-type') ?? '', mediaType);
  return parseXml(reply.text);
}

/** A VCD XML error reply: the status, the minorErrorCode, and the message. */
export function xmlError(reply: Reply, status: number, minor: string): string {
  const root = xmlRoot(reply, status, /^application\/vnd\.vmware\.vcloud\.error\+xml/);
  assert.equal(root.name, 'Error');
  assert.equal(root.attrs.xmlns, VCLOUD_NS);
  assert.equal(root.attrs.minorErrorCode, minor);
  assert.equal(root.attrs.majorErrorCode, String(status));
  return root.attrs.message ?? '';
}

export interface DemoSessions {
  alice: string;
  bob: string;
  hank: string;
  admin: string;
}

export async function signInDemoUsers(server: TesseraHandle): Promise<DemoSessions> {
  const [alice, bob, hank, admin] = await Promise.all([
    signIn(server.baseUrl, 'alice', 'acme', server.demoPassword),
    signIn(server.baseUrl, 'bob', 'acme', server.demoPassword),
    signIn(server.baseUrl, 'hank', 'globex', server.demoPassword),
    signIn(server.baseUrl, 'administrator', 'System', server.adminPassword),
  ]);
  return { alice, bob, hank, admin };
}

/** The demo server most HTTP suites share: started, its demo users signed in, the two tenant orgs' ids. */
export interface DemoServer {
  server: TesseraHandle;
  s: DemoSessions;
  acmeId: string;
  globexId: string;
}

export async function startDemoServer(): Promise<DemoServer> {
  const server = await startTessera({ demo: true });
  const s = await signInDemoUsers(server);
  const acmeId = (await server.store.getOrgByName('acme'))!.id;
  const globexId = (await server.store.getOrgByName('globex'))!.id;
  return { server, s, acmeId, globexId };
}

/** GET with a bearer token and an Accept header (XML by default). */
export function get(
  server: TesseraHandle,
  path: string,
  token: string | null,
  accept = XML_ACCEPT,
  extra: Record<string, string> = {},
): Promise<Reply> {
  return http(path.startsWith('http') ? path : `${server.baseUrl}${path}`, {
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), Accept: accept, ...extra },
  });
}

/** A typed query's page (XML) and its records of one element, asserting the 200. */
export async function queryRecords(
  server: TesseraHandle,
  query: string,
  token: string,
  element: string,
): Promise<{ root: XmlElement; records: XmlElement[] }> {
  const reply = await get(server, `/api/query?${query}`, token);
  assert.equal(reply.status, 200, reply.text);
  const root = parseXml(reply.text);
  return { root, records: childrenNamed(root, element) };
}
