/**
 * HTTP/1.1 over a raw TLS socket, for replaying a client's request byte for byte (no Node HTTP client in the
 * way to reorder, add or recompute headers such as Content-Length). One request per connection; the response
 * is read by its Content-Length or chunked framing (the server keeps the connection alive, as it would for
 * PowerShell), then the socket is closed.
 */
import { connect } from 'node:tls';

export interface RawResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** The exact request bytes sent, for failure messages (secrets are the caller's to mask). */
  sent: string;
}

export function sendRaw(baseUrl: string, request: string, timeoutMs = 15_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    // rejectUnauthorized false: the test server's certificate is self-signed, like -SkipCertificateCheck.
    const socket = connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false, servername: undefined });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on('error', fail);
    socket.on('secureConnect', () => socket.write(Buffer.from(request, 'latin1')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const parsed = tryParse(received);
      if (!parsed) return;
      clearTimeout(timer);
      socket.end();
      resolve({ ...parsed, sent: request });
    });
    socket.on('end', () => fail(new Error(`connection closed before a complete response: ${received.toString('latin1').slice(0, 500)}`)));
  });
}

/** The response once it is complete, else null. */
function tryParse(bytes: Buffer): Omit<RawResponse, 'sent'> | null {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const [statusLine, ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  const rest = bytes.subarray(headEnd + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const chunks: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', at);
      if (lineEnd === -1) return null;
      const size = parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
      if (rest.length < lineEnd + 2 + size + 2) return null;
      if (size === 0) break;
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    return { status, headers, body: Buffer.concat(chunks).toString('utf8') };
  }
  const length = Number(headers['content-length'] ?? 0);
  if (rest.length < length) return null;
  return { status, headers, body: rest.subarray(0, length).toString('utf8') };
}
