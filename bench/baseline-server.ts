/**
 * The baseline: a bare fastify hello-world, started the same way as Tessera (own process, loopback, HTTP).
 * Two shape-matched floors sit beside it, so a ratio can be read against what the same request and response
 * sizes cost with no application code at all:
 *   POST /floor/token  parses a form and answers a token-sized JSON body (~560 bytes); `?busy_us=N` adds N µs
 *                      of the handler's own work (below);
 *   GET  /floor/page   answers a query-page-sized XML body (22 KB, a prebuilt Buffer).
 */
import Fastify from 'fastify';
import { performance } from 'node:perf_hooks';
import formbody from '@fastify/formbody';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false });
await app.register(formbody);
app.get('/', async () => ({ hello: 'world' }));

const accessTokenSized = 'x'.repeat(480);
app.post('/floor/token', async (request, reply) => {
  const body = request.body as Record<string, string>;
  if (body.grant_type !== 'refresh_token') return reply.code(400).send({ error: 'invalid_request' });
  busyWait(Number((request.query as { busy_us?: string }).busy_us ?? 0));
  return reply
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify({ access_token: accessTokenSized, token_type: 'Bearer', expires_in: 3600, refresh_token: null })));
});

/**
 * `?busy_us=N` (at most 1,000): the floor plus N µs of the handler's own work, spent spinning. It calibrates a
 * ratio goal on the machine at hand: the floor with 10 µs of work shows what share of hello-world a handler that
 * spends 10 µs of its own (one HMAC signature is 3-5 µs) can reach here, since the kernel's share of each request
 * also grows as the server gets slower (the client idles more and each response must wake it).
 */
function busyWait(micros: number): void {
  if (!(micros > 0)) return;
  const until = performance.now() + Math.min(micros, 1000) / 1000;
  while (performance.now() < until);
}

const pageSized = Buffer.from(`<?xml version="1.0"?><QueryResultRecords>${'<VMRecord name="vm"/>'.repeat(1050)}</QueryResultRecords>`);
app.get('/floor/page', async (_request, reply) =>
  reply.header('content-type', 'application/vnd.vmware.vcloud.query.records+xml').send(pageSized),
);

await app.listen({ host: '127.0.0.1', port });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
