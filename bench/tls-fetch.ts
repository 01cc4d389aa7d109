/**
 * A `fetch` for the benchmarks' set-up requests to a Tessera served over HTTPS with its self-signed certificate:
 * node:https with that certificate as the only trusted CA, so the set-up verifies the server it talks to. Node's
 * global `fetch` takes no CA (its agent is undici's, not a dependency here), and NODE_EXTRA_CA_CERTS is read only at
 * start, before the server has made its certificate. Only what the benchmarks send: a method, headers and a string body.
 */
import { request } from 'node:https';

export function fetchTrusting(ca: string): (url: string, init?: RequestInit) => Promise<Response> {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const body = Buffer.concat(chunks);
          resolve(new Response(body.length > 0 ? body : null, { status: res.statusCode!, headers }));
        });
      });
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
}
