/**
 * The server's TLS material: the operator's certificate and key (`--tls-cert`, `--tls-key`), or else the
 * self-signed certificate for HTTPS out of the box, generated on first start into the data directory (key 0600)
 * and reused on every later start, so clients that pinned it keep working.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createSecureContext, DEFAULT_CIPHERS } from 'node:tls';
import selfsigned from 'selfsigned';
import { lstatOrNull, refuseExposedDirectory } from './store/private-files.js';

/**
 * The cipher suites served: Node's defaults without RSA key exchange (AES128-SHA, AES256-GCM-SHA384 and the like),
 * so that every TLS 1.2 connection has forward secrecy: a key that leaks later (from the data directory, a copy of
 * it) does not decrypt recorded connections, their passwords and API tokens. Every client Tessera is tested with
 * offers ECDHE; until 2026-12-07 a client could still pick a static-RSA suite. TLS 1.0 and 1.1 are off (Node's
 * minimum, TLSv1.2).
 */
export const TLS_CIPHERS = `${DEFAULT_CIPHERS}:!kRSA`;

/**
 * The application protocols agreed in the handshake (ALPN), in the server's order of preference. Node's HTTPS server
 * offers only `http/1.1`, and a client whose offer shares none of the server's is refused with a fatal
 * `no_application_protocol` alert (RFC 7301 §3.2) before a byte of HTTP: `curl --http1.0`, which offers `http/1.0`
 * alone, got "tlsv1 alert no application protocol" until 2026-12-07, though the parser answers HTTP/1.0 requests.
 * A client that offers no ALPN at all (Python's http.client, openssl s_client) is not concerned.
 */
export const TLS_ALPN_PROTOCOLS = ['http/1.1', 'http/1.0'];

/** How long the generated self-signed certificate is valid (docs/operations.md). */
export const SELF_SIGNED_DAYS = 825;

/**
 * True when this node serves the certificate generated below, i.e. one no client trusts: HTTPS (not `--http`
 * behind a TLS-terminating proxy) and no operator certificate. The one place that decides; the server picks its
 * TLS material by it, and the portal adds `-k` / `-SkipCertificateCheck` to the snippets it shows, so they run as
 * pasted against this very server.
 */
export function servesGeneratedCertificate(config: { readonly http: boolean; readonly tlsCert: string | null }): boolean {
  return !config.http && config.tlsCert === null;
}

export interface TlsMaterial {
  key: string;
  cert: string;
  created: boolean;
  certPath: string;
  /** The generated self-signed certificate (false: the operator's). */
  generated: boolean;
  /** When the (first) certificate stops being valid, as X.509 says it. */
  validTo: Date;
}

/** A certificate or key that cannot be served: its message names the file and what is wrong. */
export class TlsMaterialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsMaterialError';
  }
}

/**
 * The operator's PEM certificate (its chain after it) and PEM private key, checked to make a pair: a wrong, unreadable
 * or encrypted file is an error naming it, at start (and at a SIGHUP reload, which then keeps the old pair).
 */
export function loadOperatorCertificate(certPath: string, keyPath: string): TlsMaterial {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new TlsMaterialError(`cannot read the TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  const cert = read(certPath, 'certificate');
  const key = read(keyPath, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new TlsMaterialError(`${certPath} is not a PEM certificate: ${(err as Error).message}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsMaterialError(`${keyPath} is not an unencrypted PEM private key: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new TlsMaterialError(`the key ${keyPath} is not the key of the certificate ${certPath}`);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new TlsMaterialError(`the certificate ${certPath} and key ${keyPath} cannot be served: ${(err as Error).message}`);
  }
  return { key, cert, created: false, certPath, generated: false, validTo: new Date(x509.validTo) };
}

/**
 * A warning when the operator's key (`--tls-key`) is readable by every account on the host (mode 0644): whoever reads
 * it can impersonate the server to its clients, in the middle of their connections. A key readable by its group only
 * (Debian's `ssl-cert` group, 0640) is a deliberate choice and not warned about. Null when private or not readable
 * here. Until 2026-12-07 nothing was said.
 */
export function operatorKeyExposure(keyPath: string): string | null {
  let mode: number;
  try {
    mode = statSync(keyPath).mode & 0o777;
  } catch {
    return null;
  }
  if ((mode & 0o004) === 0) return null;
  return `the TLS key ${keyPath} is readable by every account on this host (mode 0${mode.toString(8)}): chmod 600 ${keyPath}`;
}

/**
 * The data directory's self-signed certificate, made at the first start. Its names: localhost and the loopback
 * addresses, `--host` when it names one address, and the host of `--public-url` (a CI service container reached as
 * `https://tessera.test`: until 2026-12-06 its clients could not verify the name and had to skip verification).
 */
export async function loadOrCreateCertificate(dataDir: string, host: string, publicUrl: string | null = null): Promise<TlsMaterial> {
  const keyPath = join(dataDir, 'tls-key.pem');
  const certPath = join(dataDir, 'tls-cert.pem');
  // This user's only, as the store's files in it are (store/private-files.ts).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const existing = privateTlsFiles(dataDir, keyPath, certPath);
  if (existing) {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) {
      throw new TlsMaterialError(`the key ${keyPath} is not the key of the certificate ${certPath}: delete both to have a new pair made`);
    }
    return { key, cert, created: false, certPath, generated: true, validTo: new Date(x509.validTo) };
  }
  const altNames: Array<{ type: number; value?: string; ip?: string }> = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  const addName = (name: string) => {
    if (['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1'].includes(name)) return;
    if (altNames.some((n) => n.value === name || n.ip === name)) return;
    altNames.push(/^[\d.]+$/.test(name) || name.includes(':') ? { type: 7, ip: name } : { type: 2, value: name });
  };
  addName(host);
  if (publicUrl !== null) addName(new URL(publicUrl).hostname.replace(/^\[|\]$/g, ''));
  // 825 days (the longest validity clients accept for a leaf certificate). selfsigned 5 takes an end date and
  // ignores `days`: until 2026-12-06 the certificate said 825 in the docs and ran out after 365.
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate.getTime() + SELF_SIGNED_DAYS * 86_400_000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'Tessera self-signed' }], {
    keySize: 2048,
    notBeforeDate,
    notAfterDate,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames }],
  } as never);
  // 'wx' creates each file or fails, never following a link planted at its name; a lone leftover of an interrupted
  // first start is removed first (privateTlsFiles has checked it is this user's, in a directory only it may write).
  for (const path of [keyPath, certPath]) if (lstatOrNull(path) !== null) unlinkSync(path);
  writeFileSync(keyPath, pems.private, { mode: 0o600, flag: 'wx' });
  chmodSync(keyPath, 0o600);
  writeFileSync(certPath, pems.cert, { mode: 0o644, flag: 'wx' });
  chmodSync(certPath, 0o644);
  return {
    key: pems.private,
    cert: pems.cert,
    created: true,
    certPath,
    generated: true,
    validTo: new Date(new X509Certificate(pems.cert).validTo),
  };
}

/**
 * Checks the data directory and the generated pair found in it before they are served; true when both files are
 * there. Another account that may write the directory (a shared 1777 one, say: on PostgreSQL the store does not
 * check it) or that owns either file could have planted a key it knows, and would read every connection; a key left
 * readable by others (copied under a loose umask) is narrowed to 0600. Until 2026-12-07 the pair was served as found:
 * a key and certificate planted by another local account in a PostgreSQL node's data directory were used, silently.
 */
function privateTlsFiles(dataDir: string, keyPath: string, certPath: string): boolean {
  const why = 'which could read or replace the TLS key';
  try {
    refuseExposedDirectory(dataDir, why);
  } catch (err) {
    throw new TlsMaterialError((err as Error).message);
  }
  const uid = process.getuid?.();
  const found = [keyPath, certPath].map((path) => {
    const f = lstatOrNull(path);
    if (f === null) return false;
    if (!f.isFile())
      throw new TlsMaterialError(`${path} is not a regular file (a symbolic link?), ${why}: delete it to have a new pair made`);
    if (uid !== undefined && f.uid !== uid) {
      throw new TlsMaterialError(`${path} belongs to another account (uid ${f.uid}), ${why}: delete it to have a new pair made`);
    }
    if (path === keyPath && (f.mode & 0o077) !== 0) chmodSync(path, 0o600);
    return true;
  });
  return found.every(Boolean);
}
