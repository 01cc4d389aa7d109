/**
 * One document model for the /api entity documents, rendered two ways: XML (through xml-render.ts's `el` and
 * `textEl`, so the bytes are exactly what those write) and VCD's JSON (vcd-wire §9.3). Values keep their source
 * types, so JSON numbers and booleans are typed without reading them back from XML text.
 *
 * VCD JSON, as the query service already writes it: element and attribute names become lowerCamel keys
 * (`IsEnabled` → `isEnabled`, `ovf:Info` → `info`), namespace declarations are dropped, every object carries
 * `otherAttributes: {}`, `Link` children become a `link` array (always present on the root), repeated children
 * are arrays (empty when the collection is empty), absent optional values are null, media types in `type`
 * attributes say `+json`, and a text element with attributes becomes `{ ...attributes, value }`.
 */
import { el, textEl, XML_DECLARATION, type AttrValue, type Attrs } from './xml-render.js';

export interface DocElement {
  readonly name: string;
  readonly attrs: Attrs;
  readonly children: readonly DocChild[];
}

/** `<Name attrs>value</Name>`; a null or undefined value renders nothing in XML and null in JSON. */
export interface DocText {
  readonly name: string;
  readonly attrs: Attrs;
  readonly value: AttrValue;
}

export type DocNode = DocElement | DocText;
/** Null (or undefined) children are left out of both renderings: `cond ? node(...) : null`. */
export type DocChild = DocNode | null | undefined;

export function node(name: string, attrs: Attrs = {}, children: readonly DocChild[] | DocChild = []): DocElement {
  return { name, attrs, children: Array.isArray(children) ? children : [children as DocChild] };
}

export function text(name: string, value: AttrValue, attrs: Attrs = {}): DocText {
  return { name, attrs, value };
}

const isText = (n: DocNode): n is DocText => 'value' in n;

// ------------------------------------------------------------------------------------------------ XML

export function renderXml(n: DocNode): string {
  if (isText(n)) return textEl(n.name, n.value, n.attrs);
  let inner = '';
  for (const c of n.children) if (c) inner += renderXml(c);
  return el(n.name, n.attrs, inner);
}

/** The declaration, then the root, whose attributes start with its namespace declarations (`xmlns`, dropped in JSON). */
export function renderXmlDocument(root: DocElement): string {
  return XML_DECLARATION + renderXml(root);
}

// ------------------------------------------------------------------------------------------------ JSON

/**
 * Children that are lists in VCD's schema, by parent element: JSON arrays even when empty or single. A key
 * `Parent/Element` is the entry of that element inside that parent only, before the entry of its name alone.
 */
const REPEATED: Readonly<Record<string, readonly string[]>> = {
  OrgList: ['Org'],
  Users: ['UserReference'],
  UsersList: ['UserReference'],
  Groups: ['GroupReference'],
  Catalogs: ['CatalogReference'],
  CatalogItems: ['CatalogItem'],
  Vdcs: ['Vdc'],
  Networks: ['Network'],
  AvailableNetworks: ['Network'],
  ResourceEntities: ['ResourceEntity'],
  SupportedHardwareVersions: ['SupportedHardwareVersion'],
  Children: ['Vm'],
  NetworkConnectionSection: ['NetworkConnection'],
  NetworkConfigSection: ['NetworkConfig'],
  AllocatedIpAddresses: ['IpAddress'],
  DiskSection: ['DiskSettings'],
  ProductSectionList: ['ovf:ProductSection'],
  AuthorizedLocations: ['Location'],
  Metadata: ['MetadataEntry'],
  'ovf:VirtualHardwareSection': ['ovf:Item', 'vmw:ExtraConfig'],
  'ovf:Item': ['rasd:Connection', 'rasd:HostResource'],
  // A RASD item at its own href (RasdItem, RasdItemsList) is VCD's `Item`, the section's `ovf:Item` renamed.
  RasdItemsList: ['Item'],
  Item: ['rasd:Connection', 'rasd:HostResource'],
  'ovf:StartupSection': ['ovf:Item'],
  // A startup item is not a RASD item: `Parent/Child` overrides the entry of the child's name alone.
  'ovf:StartupSection/ovf:Item': [],
  'ovf:NetworkSection': ['ovf:Network'],
  OrganizationReferences: ['OrganizationReference'],
  RoleReferences: ['RoleReference'],
  RightReferences: ['RightReference'],
  GroupReferences: ['GroupReference'],
  Tasks: ['Task'],
  TasksList: ['Task'],
  VmAffinityRules: ['VmAffinityRule'],
};

/** `IsEnabled` → `isEnabled`, `MACAddress` → `macAddress`, `VCpuInMhz2` → `vCpuInMhz2`, `ovf:Info` → `info`. */
export function jsonKey(name: string): string {
  const local = name.slice(name.indexOf(':') + 1);
  const upper = /^[A-Z]+/.exec(local)?.[0] ?? '';
  if (upper.length === 0) return local;
  // A run of capitals is an acronym; its last letter starts the next word when a lowercase letter follows.
  const lower = upper.length > 1 && upper.length < local.length && /[a-z]/.test(local[upper.length]!) ? upper.length - 1 : upper.length;
  return local.slice(0, lower).toLowerCase() + local.slice(lower);
}

/** Media types in JSON name the JSON representation: `...org+xml` → `...org+json` (also `vcloud:type` on OVF sections). */
function jsonAttr(name: string, value: AttrValue): AttrValue {
  if (value === undefined) return null;
  return jsonKey(name) === 'type' && typeof value === 'string' ? value.replace(/\+xml$/, '+json') : value;
}

function isNamespaceDeclaration(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

function nodeJson(n: DocNode, parent?: string): unknown {
  const attrNames = Object.keys(n.attrs).filter((a) => !isNamespaceDeclaration(a));
  if (isText(n) && attrNames.length === 0) return n.value ?? null;
  // A link always names its rel, href, type and name (null when absent), as VCD's LinkType does.
  const out: Record<string, unknown> =
    n.name === 'Link' ? { otherAttributes: {}, rel: null, href: null, type: null, name: null } : { otherAttributes: {} };
  for (const a of attrNames) out[jsonKey(a)] = jsonAttr(a, n.attrs[a]);
  if (isText(n)) {
    out.value = n.value ?? null;
    return out;
  }
  const listItems = REPEATED[`${parent}/${n.name}`] ?? REPEATED[n.name] ?? [];
  const groups = new Map<string, DocNode[]>();
  for (const item of listItems) groups.set(item, []);
  for (const c of n.children) {
    if (!c) continue;
    const group = groups.get(c.name);
    if (group) group.push(c);
    else groups.set(c.name, [c]);
  }
  for (const [name, items] of groups) {
    const list = name === 'Link' || listItems.includes(name) || items.length > 1;
    out[jsonKey(name)] = list ? items.map((item) => nodeJson(item, n.name)) : nodeJson(items[0]!, n.name);
  }
  return out;
}

/** A whole document as VCD JSON: the root's fields, with a `link` array even when it has no links. */
export function renderJson(root: DocElement): Record<string, unknown> {
  const body = nodeJson(root) as Record<string, unknown>;
  return { otherAttributes: {}, link: [], ...body };
}
