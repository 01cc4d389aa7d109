/**
 * The self-signed certificate for HTTPS out of the box: generated on first start into the data directory
 * (key 0600) and reused on every later start, so clients that pinned it keep working.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

/**
 * True when this node serves the certificate generated below, i.e. one no client trusts: HTTPS (not `--http`
 * behind a TLS-terminating proxy) and no operator certificate (Tessera has no option for one yet). The one
 * place that decides; the server picks its TLS material by it, and the portal adds `-k` /
 * `-SkipCertificateCheck` to the snippets it shows, so they run as pasted against this very server.
 */
export function servesGeneratedCertificate(config: { readonly http: boolean }): boolean {
  return !config.http;
}

export interface TlsMaterial {
  key: string;
  cert: string;
  created: boolean;
  certPath: string;
}

export async function loadOrCreateCertificate(dataDir: string, host: string): Promise<TlsMaterial> {
  const keyPath = join(dataDir, 'tls-key.pem');
  const certPath = join(dataDir, 'tls-cert.pem');
  if (existsSync(keyPath) && existsSync(certPath)) {
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), created: false, certPath };
  }
  mkdirSync(dataDir, { recursive: true });
  const altNames: Array<{ type: number; value?: string; ip?: string }> = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '0.0.0.0' && host !== '::') {
    altNames.push(/^[\d.]+$/.test(host) ? { type: 7, ip: host } : { type: 2, value: host });
  }
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'Tessera self-signed' }], {
    keySize: 2048,
    days: 825,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames }],
  } as never);
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  writeFileSync(certPath, pems.cert);
  return { key: pems.private, cert: pems.cert, created: true, certPath };
}
