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
  /** True when the first acceptable media type is JSON. */
  json: boolean;
  /** True when a version was named that Tessera does not serve. */
  unsupported: boolean;
}

/**
 * Reads the Accept header(s). Clients send lists (`a, b`), two header lines (Node joins them with ", "),
 * media types without the `application/` prefix (govcd's `vnd.vmware.vcloud.org+xml;version=V`), and an empty
 * `version=`. The first entry decides JSON vs XML; any named, unsupported version is refused.
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

function parseAccept(accept: string): Negotiated {
  let version: string | null = null;
  let json: boolean | null = null;
  let unsupported = false;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().split(';');
    const media = type.trim().toLowerCase();
    if (media === '') continue;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'version') {
        const value = (v ?? '').trim().replace(/^"|"$/g, '');
        if (value === '') continue;
        if (isSupportedApiVersion(value)) version ??= value;
        else unsupported = true;
      }
    }
    if (json === null) {
      if (media.endsWith('json')) json = true;
      else if (media.endsWith('xml') || media === '*/*' || media === 'application/*') json = false;
    }
  }
  return { version, json: json ?? false, unsupported };
}
