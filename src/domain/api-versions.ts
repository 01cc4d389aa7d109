/**
 * The API versions Tessera advertises at /api/versions, ascending (clients take the last one or an exact
 * match: vcd-wire §2). 36.1 is VCD 10.3.1, the first with user API tokens; 37.0 is what go-vcloud-director
 * v2.22+/v3 pins, 37.2 what CPI/CAPVCD pin, 36.0 the highest pyvcloud negotiates. Nothing >= 40.0: govcd v3
 * would switch to VCF Automation mode.
 */
export const SUPPORTED_API_VERSIONS = [
  { version: '33.0', deprecated: true },
  { version: '34.0', deprecated: true },
  { version: '35.0', deprecated: false },
  { version: '35.2', deprecated: false },
  { version: '36.0', deprecated: false },
  { version: '36.1', deprecated: false },
  { version: '36.2', deprecated: false },
  { version: '36.3', deprecated: false },
  { version: '37.0', deprecated: false },
  { version: '37.1', deprecated: false },
  { version: '37.2', deprecated: false },
  { version: '37.3', deprecated: false },
  { version: '38.0', deprecated: false },
  { version: '38.1', deprecated: false },
  { version: '39.0', deprecated: false },
  { version: '39.1', deprecated: false },
] as const;

const SUPPORTED = new Set<string>(SUPPORTED_API_VERSIONS.map((v) => v.version));
export const HIGHEST_API_VERSION = SUPPORTED_API_VERSIONS[SUPPORTED_API_VERSIONS.length - 1]!.version;
/** Version used in responses when the client asked for none. */
export const DEFAULT_API_VERSION = '37.0';

export function isSupportedApiVersion(v: string): boolean {
  return SUPPORTED.has(v);
}

/** "38.0" >= "37.2" style comparison. */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

export function unsupportedVersionMessage(): string {
  const list = [...SUPPORTED_API_VERSIONS]
    .reverse()
    .map((v) => (v.deprecated ? `${v.version} [D]` : v.version))
    .join(', ');
  return `The request has invalid accept header: Invalid API version requested. Supported API versions are: [${list}] ([D] indicates deprecated versions)`;
}

export interface Negotiated {
  /** The version the client asked for, or null when it named none (or an empty one: govcd's `version=`). */
  version: string | null;
  /** True when the preferred acceptable media type (highest q, then first listed) is JSON. */
  json: boolean;
  /** True when a version was named that Tessera does not serve. */
  unsupported: boolean;
}

/**
 * Reads the Accept header(s). Clients send lists (`a, b`), two header lines (Node joins them with ", "),
 * media types without the `application/` prefix (govcd's `vnd.vmware.vcloud.org+xml;version=V`), an empty
 * `version=`, and q-values (RFC 9110 §12.5.1: browsers, hand-written scripts). JSON or XML is the acceptable entry
 * of highest q (ties: the first listed; the wildcards, any type or `application/*`, mean XML, VCD's own format,
 * unless XML was refused with q=0); an entry with q=0 is a refusal, never a choice, and its version counts for nothing. The version
 * is the chosen entry's, else the first named; any named, unsupported version is refused.
 */
export function negotiate(accept: string | undefined): Negotiated {
  if (!accept) return NO_ACCEPT;
  // Clients send the same few Accept values over and over: remember the answers (bounded in count, and only for
  // values of a real client's length, so that a stranger's 64 KiB headers cannot make it hold 64 MB).
  let known = NEGOTIATED.get(accept);
  if (known === undefined) {
    known = Object.freeze(parseAccept(accept));
    if (accept.length > MAX_REMEMBERED_ACCEPT) return known;
    if (NEGOTIATED.size >= 1_000) NEGOTIATED.clear();
    NEGOTIATED.set(accept, known);
  }
  return known;
}

const NO_ACCEPT: Negotiated = Object.freeze({ version: null, json: false, unsupported: false });
const NEGOTIATED = new Map<string, Negotiated>();
/** The longest Accept value remembered: the clients' are under 100 characters. */
const MAX_REMEMBERED_ACCEPT = 256;

/** How many characters of Accept values `negotiate` holds now (for its test). */
export function rememberedAcceptCharacters(): number {
  let total = 0;
  for (const accept of NEGOTIATED.keys()) total += accept.length;
  return total;
}

type Kind = 'json' | 'xml' | 'any' | 'other';

function kindOf(media: string): Kind {
  if (media.endsWith('json')) return 'json';
  if (media.endsWith('xml')) return 'xml';
  if (media === '*/*' || media === 'application/*') return 'any';
  return 'other';
}

/** An RFC 9110 qvalue (`0`, `0.5`, `1.000`); anything else is read as 1, as if absent (lenient, like the rest). */
function qValue(raw: string): number {
  if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(raw)) return 1;
  return Number(raw);
}

function parseAccept(accept: string): Negotiated {
  let firstVersion: string | null = null;
  let unsupported = false;
  let refusedJson = false;
  let refusedXml = false;
  let best: { kind: Kind; q: number; version: string | null } | null = null;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().split(';');
    const media = type.trim().toLowerCase();
    if (media === '') continue;
    let q = 1;
    let named: string | null = null;
    for (const p of params) {
      const eq = p.indexOf('=');
      const k = (eq === -1 ? p : p.slice(0, eq)).trim().toLowerCase();
      const v = eq === -1 ? '' : p.slice(eq + 1).trim();
      if (k === 'q') q = qValue(v);
      else if (k === 'version') named ??= v.replace(/^"|"$/g, '');
    }
    const kind = kindOf(media);
    if (q === 0) {
      // "Not acceptable" (RFC 9110 §12.4.2): a refusal of that format, and no request for its version.
      if (kind === 'json') refusedJson = true;
      else if (kind === 'xml') refusedXml = true;
      continue;
    }
    let version: string | null = null;
    if (named !== null && named !== '') {
      if (isSupportedApiVersion(named)) version = named;
      else unsupported = true;
    }
    firstVersion ??= version;
    if (kind !== 'other' && (best === null || q > best.q)) best = { kind, q, version };
  }
  const json = best === null || best.kind === 'any' ? refusedXml && !refusedJson : best.kind === 'json';
  return { version: best?.version ?? firstVersion, json, unsupported };
}
