/**
 * While a node stops (SIGTERM's shutdown: /health/ready at 503 for the drain, then the listener closes), every answer
 * says `Connection: close`, so clients open their next request elsewhere instead of sending it on a kept-alive
 * connection that is about to be closed (a POST there was reset, and a client cannot safely retry a POST; until
 * 2026-12-05 answers kept the connection alive to the end).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { startTessera } from '../helpers/tessera.js';

function get(base: string, path: string, agent: Agent): Promise<{ status: number; connection: string | undefined }> {
  const url = new URL(`${base}${path}`);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('during the drain, answers close their connection; before it, they keep it alive', async () => {
  const tessera = await startTessera({ config: { shutdownDrainSeconds: 1 } });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const before = await get(tessera.baseUrl, '/api/versions', agent);
    assert.equal(before.status, 200);
    assert.equal(before.connection, 'keep-alive');
    const stopping = tessera.server.shutdown();
    const during = await get(tessera.baseUrl, '/api/versions', agent);
    assert.equal(during.status, 200, 'still served during the drain');
    assert.equal(during.connection, 'close');
    const ready = await get(tessera.baseUrl, '/health/ready', agent);
    assert.equal(ready.status, 503);
    await stopping;
  } finally {
    agent.destroy();
    await tessera.stop().catch(() => undefined);
  }
});
