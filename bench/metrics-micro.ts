/** The metrics hook per request, in isolation: `node --import tsx bench/metrics-micro.ts` (ns per request). */
import { Metrics } from '../src/metrics.js';
const m = new Metrics() as any;
const cache = new Map();
const req = { method: 'POST', body: { grant_type: 'refresh_token', refresh_token: 'x'.repeat(32) }, query: {} };
const reqGet = { method: 'GET', body: undefined, query: {} };
const reply = { statusCode: 200, elapsedTime: 1.234 };
for (const [name, route, r] of [
  ['exchange route', '/oauth/tenant/:org/token', req],
  ['other route', '/api/org', reqGet],
] as const) {
  for (let i = 0; i < 200000; i++) m.record(route, cache, r, reply);
  const n = 2_000_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) m.record(route, cache, r, reply);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${name}: ${ns.toFixed(0)} ns per request`);
}
