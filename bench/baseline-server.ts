/**
 * The baseline: a bare fastify hello-world, started the same way as Tessera (own process, loopback, HTTP).
 * Two shape-matched floors sit beside it, so a ratio can be read against what the same request and response
 * sizes cost with no application code at all:
 *   POST /floor/token  parses a form and answers a token-sized JSON body (~560 bytes);
 *   GET  /floor/page   answers a query-page-sized XML body (22 KB, a prebuilt Buffer).
 */
import Fastify from 'fastify';
import formbody from '@fastify/formbody';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false });
await app.register(formbody);
app.get('/', async () => ({ hello: 'world' }));

const accessTokenSized = 'x'.repeat(480);
app.post('/floor/token', async (request, reply) => {
  const body = request.body as Record<string, string>;
  if (body.grant_type !== 'refresh_token') return reply.code(400).send({ error: 'invalid_request' });
  return reply
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify({ access_token: accessTokenSized, token_type: 'Bearer', expires_in: 3600, refresh_token: null })));
});

const pageSized = Buffer.from(`<?xml version="1.0"?><QueryResultRecords>${'<VMRecord name="vm"/>'.repeat(1050)}</QueryResultRecords>`);
app.get('/floor/page', async (_request, reply) =>
  reply.header('content-type', 'application/vnd.vmware.vcloud.query.records+xml').send(pageSized),
);

await app.listen({ host: '127.0.0.1', port });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
