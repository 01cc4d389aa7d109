/**
 * Every query type, every one of its fields: a sort by it (both ways), a well-typed filter on it and `fields=` naming
 * it answer 200 on this backend (the suite runs on SQLite and on PostgreSQL), and a filter never returns more than
 * the whole. The types are described as data (src/inventory/query/catalogue.ts), so a new field whose SQL one backend
 * rejects (a constant of the wrong type, an expression that does not compare) fails here rather than as a client's
 * 500. Admin types run as the System administrator, the others as a tenant too (their org scope adds its own where).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { QUERY_TYPES, type QueryField } from '../../../src/inventory/query/catalogue.js';
import { JSON_ACCEPT, get, parseXml, startDemoServer, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;

before(async () => {
  ({ server, s } = await startDemoServer());
});
after(async () => server?.stop());

/** Filters that are valid for a field of this type: each must run, whatever it matches. */
function filtersFor(name: string, field: QueryField): string[] {
  switch (field.type) {
    case 'string':
      return [`${name}==a*`, `${name}!=zz`, `${name}=gt=m`];
    case 'number':
      return [`${name}==1`, `${name}=ge=0`, `${name}=lt=1000000`];
    case 'boolean':
      return [`${name}==true`, `${name}!=false`];
    case 'date':
      return [`${name}=gt=2020-01-01T00:00:00.000Z`, `${name}=le=2100-01-01T00:00:00Z`];
    case 'enum':
      return [`${name}==${field.values![0]}`, `${name}!=${field.values!.at(-1)}`];
    case 'ref':
      return [`${name}==urn:vcloud:vdc:00000000-0000-4000-8000-000000000000`];
  }
}

async function total(query: string, session: string): Promise<number> {
  const reply = await get(server, `/api/query?${query}`, session);
  assert.equal(reply.status, 200, `${query}: ${reply.text.slice(0, 300)}`);
  return Number(parseXml(reply.text).attrs.total);
}

test('every field of every query type sorts, filters and selects on this backend', async () => {
  let checked = 0;
  for (const type of QUERY_TYPES) {
    const sessions = type.admin ? [s.admin] : [s.admin, s.alice];
    for (const session of sessions) {
      const all = await total(`type=${type.name}&pageSize=1`, session);
      for (const [name, field] of Object.entries(type.table.fields)) {
        if (field.adminOnly && !type.admin) continue;
        await total(`type=${type.name}&sortAsc=${name}&pageSize=5`, session);
        await total(`type=${type.name}&sortDesc=${name}&pageSize=5&page=1`, session);
        await total(`type=${type.name}&fields=${name}&pageSize=5`, session);
        for (const filter of filtersFor(name, field)) {
          const matched = await total(`type=${type.name}&filter=${encodeURIComponent(filter)}&sortAsc=${name}&pageSize=5`, session);
          assert.ok(matched <= all, `${type.name} ${filter}: ${matched} of ${all}`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 300, `${checked} filters checked`);
});

test('every query type answers in every format, XML and JSON, with the same total', async () => {
  for (const type of QUERY_TYPES) {
    const session = type.admin ? s.admin : s.alice;
    const totals = new Set<number>();
    for (const format of ['records', 'idrecords', 'references']) {
      const query = `type=${type.name}&format=${format}&pageSize=3`;
      totals.add(await total(query, session));
      const json = await get(server, `/api/query?${query}`, session, JSON_ACCEPT);
      assert.equal(json.status, 200, `${query} (JSON): ${json.text.slice(0, 300)}`);
      totals.add((JSON.parse(json.text) as { total: number }).total);
    }
    assert.equal(totals.size, 1, `${type.name}: totals ${[...totals].join(', ')}`);
  }
});
