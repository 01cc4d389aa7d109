/**
 * The server's TLS material: the operator's certificate and key (`--tls-cert`, `--tls-key`), or else the
 * self-signed certificate for HTTPS out of the box, generated on first start into the data directory (key 0600)
 * and reused on every later start, so clients that pinned it keep working.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import selfsigned from 'selfsigned';

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
 * The data directory's self-signed certificate, made at the first start. Its names: localhost and the loopback
 * addresses, `--host` when it names one address, and the host of `--public-url` (a CI service container reached as
 * `https://tessera.test`: until 2026-12-06 its clients could not verify the name and had to skip verification).
 */
export async function loadOrCreateCertificate(dataDir: string, host: string, publicUrl: string | null = null): Promise<TlsMaterial> {
  const keyPath = join(dataDir, 'tls-key.pem');
  const certPath = join(dataDir, 'tls-cert.pem');
  if (existsSync(keyPath) && existsSync(certPath)) {
    const cert = readFileSync(certPath, 'utf8');
    return {
      key: readFileSync(keyPath, 'utf8'),
      cert,
      created: false,
      certPath,
      generated: true,
      validTo: new Date(new X509Certificate(cert).validTo),
    };
  }
  // This user's only, as the store's files in it are (store/private-files.ts).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  writeFileSync(certPath, pems.cert);
  return {
    key: pems.private,
    cert: pems.cert,
    created: true,
    certPath,
    generated: true,
    validTo: new Date(new X509Certificate(pems.cert).validTo),
  };
}
