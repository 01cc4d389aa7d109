/**
 * The real `curl` binary as an HTTP client for the documented flow (conformance suite). Every call is
 * bounded (--max-time, plus a process timeout), skips certificate checks (-k: the test server's
 * certificate is self-signed) and never goes through a proxy (--noproxy '*').
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { runProcess, scratchDir, tail } from './support.js';

export interface CurlResponse {
  status: number;
  /** Lower-cased header names; the last response block when curl saw several (e.g. 100 Continue). */
  headers: Record<string, string>;
  body: string;
  /** The command, secrets shortened, for failure messages. */
  command: string;
}

const scratch = scratchDir('tessera-curl-');
let counter = 0;

/** Fails loudly when curl is missing: the documented flow is about that binary. */
export function requireCurl(): string {
  const probe = spawnSync('curl', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error || probe.status !== 0) {
    throw new Error(`the curl binary is required by the conformance suite and could not run: ${probe.error?.message ?? probe.stderr}`);
  }
  return probe.stdout.split('\n')[0] ?? 'curl';
}

export function removeCurlScratch(): void {
  scratch.remove();
}

export async function curl(args: readonly string[]): Promise<CurlResponse> {
  const n = ++counter;
  const headerFile = join(scratch.dir, `h${n}`);
  const bodyFile = join(scratch.dir, `b${n}`);
  const full = [
    '--silent',
    '--show-error',
    '--insecure',
    '--noproxy',
    '*',
    '--connect-timeout',
    '10',
    '--max-time',
    '30',
    '--dump-header',
    headerFile,
    '--output',
    bodyFile,
    '--write-out',
    '%{http_code}',
    ...args,
  ];
  const command = `curl ${args.map(redactArg).map(shellQuote).join(' ')}`;
  const result = await runProcess('curl', full, { timeoutMs: 45_000 });
  if (result.code !== 0) {
    throw new Error(
      `${command}\nfailed: exit ${result.code ?? result.signal}${result.timedOut ? ' (timeout)' : ''}: ${tail(result.stderr, 10)}`,
    );
  }
  const status = Number(result.stdout.trim());
  const rawHeaders = readFileSync(headerFile, 'utf8');
  const blocks = rawHeaders.split(/\r?\n\r?\n/).filter((b) => b.trim() !== '');
  const headers: Record<string, string> = {};
  for (const line of (blocks.at(-1) ?? '').split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: readFileSync(bodyFile, 'utf8'), command };
}

/** "the request and what came back", for assertion messages. */
export function show(res: CurlResponse): string {
  const heads = Object.entries(res.headers)
    .map(([k, v]) => `  < ${k}: ${redactHeaderValue(k, v)}`)
    .join('\n');
  const body = res.body.length > 2500 ? `${res.body.slice(0, 2500)}…[${res.body.length - 2500} more bytes]` : res.body;
  return `\n  > ${res.command}\n  < HTTP ${res.status}\n${heads}\n  <\n${redactText(body)
    .split('\n')
    .map((l) => `  < ${l}`)
    .join('\n')}`;
}

export function parseJson(res: CurlResponse): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(res.body);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new Error(`the body is not a JSON object (${(err as Error).message}):${show(res)}`);
  }
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true, // PowerShell's XML adapter matches local names; so do we
  parseAttributeValue: false, // attributes stay strings, as PowerShell sees them
  isArray: (name) => name === 'VMRecord' || name === 'Link' || name === 'VMReference',
});

export type XmlElement = Record<string, unknown>;

/** Parses an XML body; returns its root element (by local name) after checking the VCD namespace. */
export function parseXmlRoot(res: CurlResponse, rootName: string): XmlElement {
  const nsRe = new RegExp(`<(?:[\\w.-]+:)?${rootName}\\b[^>]*\\sxmlns(?::[\\w.-]+)?="http://www\\.vmware\\.com/vcloud/v1\\.5"`);
  if (!nsRe.test(res.body)) {
    throw new Error(`want a <${rootName}> root in namespace http://www.vmware.com/vcloud/v1.5:${show(res)}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = xml.parse(res.body, true) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`the body is not well-formed XML (${(err as Error).message}):${show(res)}`);
  }
  const root = doc[rootName];
  if (root === undefined || root === null || typeof root !== 'object') {
    throw new Error(`no <${rootName}> root element:${show(res)}`);
  }
  return root as XmlElement;
}

export function elements(parent: XmlElement, name: string): XmlElement[] {
  const v = parent[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as XmlElement[];
}

export function attr(el: XmlElement, name: string): string | undefined {
  const v = el[name];
  return typeof v === 'string' ? v : undefined;
}

const SECRET_HEADERS = new Set(['authorization', 'x-vmware-vcloud-access-token', 'x-vcloud-authorization', 'cookie', 'set-cookie']);

function redactHeaderValue(name: string, value: string): string {
  return SECRET_HEADERS.has(name.toLowerCase()) ? shorten(value) : value;
}

function shorten(v: string): string {
  return v.length <= 24 ? v : `${v.slice(0, 20)}…(${v.length} chars)`;
}

function redactText(text: string): string {
  return text.replace(
    /((?:refresh_token|access_token|assertion)(?:=|":\s*"))([^&"\s]+)/g,
    (_m, key: string, value: string) => key + shorten(value),
  );
}

function redactArg(arg: string): string {
  const header = /^([\w-]+):\s*(.*)$/.exec(arg);
  if (header && SECRET_HEADERS.has(header[1]!.toLowerCase())) return `${header[1]}: ${shorten(header[2]!)}`;
  if (/^[\w.-]+@[\w.-]+:/.test(arg)) return arg.replace(/:.*/, ':***'); // -u user@org:password
  return redactText(arg);
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
