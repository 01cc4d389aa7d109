/**
 * Reads VCD's error bodies, whichever API area produced them (vcd-wire §5.3, §7, §8):
 * - cloudapi / oauth JSON envelope `{"minorErrorCode":"invalid_grant","message":"...","stackTrace":null}`;
 * - `/api` JSON form `{"message":..., "majorErrorCode":400, "minorErrorCode":"BAD_REQUEST"}`;
 * - `/api` XML `<Error minorErrorCode="..." message="..." majorErrorCode="..."/>` (any namespace prefix);
 * - a standard OAuth body `{"error":"invalid_grant","error_description":"..."}`, for servers in front of VCD.
 * Pure: no I/O, never throws.
 */

export interface ParsedErrorBody {
  minorErrorCode: string | null;
  majorErrorCode: number | null;
  message: string | null;
}

const EMPTY: ParsedErrorBody = { minorErrorCode: null, majorErrorCode: null, message: null };
const MAX_PLAIN_MESSAGE = 300;

export function parseErrorBody(body: string): ParsedErrorBody {
  const text = body.trim();
  if (text === '') return EMPTY;
  if (text.startsWith('{')) return parseJsonError(text);
  if (text.startsWith('<')) return parseXmlError(text);
  // A proxy's plain-text page: keep it if it is short and printable, it is often the only clue.
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return { ...EMPTY, message: line.length <= MAX_PLAIN_MESSAGE ? line : null };
}

function parseJsonError(text: string): ParsedErrorBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return EMPTY;
  }
  if (typeof value !== 'object' || value === null) return EMPTY;
  const record = value as Record<string, unknown>;
  const minor = stringOrNull(record.minorErrorCode) ?? stringOrNull(record.error);
  const message = stringOrNull(record.message) ?? stringOrNull(record.error_description);
  return { minorErrorCode: minor, majorErrorCode: numberOrNull(record.majorErrorCode), message };
}

function parseXmlError(text: string): ParsedErrorBody {
  const element = /<(?:[A-Za-z_][\w.-]*:)?Error\b([^>]*)>/.exec(text);
  if (!element) return EMPTY;
  const attributes = readXmlAttributes(element[1] ?? '');
  return {
    minorErrorCode: attributes.get('minorErrorCode') ?? null,
    majorErrorCode: numberOrNull(attributes.get('majorErrorCode')),
    message: attributes.get('message') ?? null,
  };
}

/** Attributes of one start tag's inside (`a="1" b='2'`), entity-decoded. */
export function readXmlAttributes(inside: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of inside.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes.set(match[1]!, decodeXmlEntities(match[2] ?? match[3] ?? ''));
  }
  return attributes;
}

export function decodeXmlEntities(value: string): string {
  return value.replace(/&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g, (whole, hex, dec, named) => {
    if (hex) return safeCodePoint(parseInt(hex, 16), whole);
    if (dec) return safeCodePoint(parseInt(dec, 10), whole);
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[named as 'amp'];
  });
}

function safeCodePoint(code: number, fallback: string): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}
