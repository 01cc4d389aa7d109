/**
 * compileFiqlFilter against real databases, SQLite and PostgreSQL (backends.ts: PostgreSQL needs
 * TESSERA_TEST_DATABASE_URL and fails loudly without it). Each case runs the compiled filter over a small probe
 * table and compares the matching names.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import fc from 'fast-check';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { compileFiqlFilter, likePattern, type FiqlFieldMap } from '../../src/store/fiql-sql.js';
import { TesseraError } from '../../src/domain/errors.js';
import { bothBackends, reportUnavailable } from './backends.js';
import { registerFunctions } from '../../src/store/sqlite.js';

interface ProbeDB {
  probe: { name: string; cpus: number; template: number; created: number; ip: string | null; status: string; vdc: string };
}

const VDC_A = '0d3b7d6c-1f54-4bb8-9a3e-3a0d3c1d2e4f';
const VDC_B = '9f6f1b9e-7c11-4b57-8e43-d51a3c3b0a11';
const ROWS: ProbeDB['probe'][] = [
  { name: 'web01', cpus: 2, template: 0, created: Date.UTC(2024, 0, 1), ip: '10.0.0.1', status: 'POWERED_ON', vdc: VDC_A },
  { name: 'web02', cpus: 4, template: 0, created: Date.UTC(2024, 5, 1), ip: null, status: 'POWERED_OFF', vdc: VDC_A },
  { name: 'Web03', cpus: 8, template: 1, created: Date.UTC(2025, 0, 1), ip: '10.0.0.3', status: 'POWERED_OFF', vdc: VDC_B },
  { name: 'db_1', cpus: 16, template: 0, created: Date.UTC(2025, 5, 1), ip: '10.0.0.4', status: 'SUSPENDED', vdc: VDC_B },
  { name: 'db%1', cpus: 1, template: 0, created: Date.UTC(2023, 0, 1), ip: null, status: 'POWERED_ON', vdc: VDC_A },
  { name: 'a,b;c(d)', cpus: 3, template: 1, created: Date.UTC(2022, 0, 1), ip: '10.0.0.6', status: 'RESOLVED', vdc: VDC_B },
  { name: 'back\\slash', cpus: 3, template: 0, created: Date.UTC(2022, 0, 2), ip: null, status: 'RESOLVED', vdc: VDC_B },
];

const FIELDS: FiqlFieldMap = {
  name: { column: 'probe.name', type: 'string' },
  numberOfCpus: { column: 'probe.cpus', type: 'number' },
  isVAppTemplate: { column: 'probe.template', type: 'boolean' },
  dateCreated: { column: 'probe.created', type: 'date' },
  ipAddress: { column: 'probe.ip', type: 'string', nullable: true },
  status: { column: 'probe.status', type: 'enum', values: ['POWERED_ON', 'POWERED_OFF', 'SUSPENDED', 'RESOLVED'] },
  // Task statuses: either spelling, compared as the canonical one (the column holds `RESOLVED` only in these rows).
  phase: { column: 'probe.status', type: 'enum', values: ['preRunning', 'SUCCESS', 'RESOLVED'], looseValues: true },
  vdc: { column: 'probe.vdc', type: 'ref' },
  'owner.name': { column: sql`upper(probe.name)`, type: 'string' },
  // A nullable date (as a token's lastUsedTimeUtc): the row's date when it has an address, else NULL.
  lastSeen: { column: sql`case when probe.ip is null then null else probe.created end`, type: 'date', nullable: true },
};

const CASES: Array<[string, string[]]> = [
  ['name==web01', ['web01']],
  ['name==WEB01', []], // == is case-sensitive
  ['name==web*', ['Web03', 'web01', 'web02']], // a wildcard is case-insensitive, on both backends
  ['name!=web*', ['a,b;c(d)', 'back\\slash', 'db%1', 'db_1']],
  ['name==*0*', ['Web03', 'web01', 'web02']],
  ['name==db_*', ['db_1']], // "_" is literal, not LIKE's any-character
  ['name==db%*', ['db%1']], // "%" is literal
  ['name==back\\\\*', ['back\\slash']], // an escaped backslash followed by a wildcard
  ['name==a\\,b\\;c\\(d\\)', ['a,b;c(d)']],
  ['name==a\\,b*', ['a,b;c(d)']],
  ['numberOfCpus=ge=8', ['Web03', 'db_1']],
  ['numberOfCpus=lt=3', ['db%1', 'web01']],
  ['numberOfCpus==3;isVAppTemplate==true', ['a,b;c(d)']],
  ['isVAppTemplate==FALSE', ['back\\slash', 'db%1', 'db_1', 'web01', 'web02']],
  ['dateCreated=gt=2024-12-31T00:00:00.000Z', ['Web03', 'db_1']],
  ['dateCreated=le=2022-01-01T00:00:00Z', ['a,b;c(d)']],
  ['ipAddress!=10.0.0.1', ['Web03', 'a,b;c(d)', 'back\\slash', 'db%1', 'db_1', 'web02']], // NULLs included
  ['ipAddress==10.0.0.*', ['Web03', 'a,b;c(d)', 'db_1', 'web01']],
  ['status==POWERED_OFF,status==SUSPENDED', ['Web03', 'db_1', 'web02']],
  ['status!=POWERED_OFF;status!=RESOLVED', ['db%1', 'db_1', 'web01']],
  ['phase==resolved', ['a,b;c(d)', 'back\\slash']], // looseValues: any case, compared as RESOLVED
  ['phase==Re_Solved', ['a,b;c(d)', 'back\\slash']],
  ['phase==PRE_RUNNING', []],
  [`vdc==https://vcd.example.com:443/api/vdc/${VDC_A}`, ['db%1', 'web01', 'web02']],
  [`vdc==urn:vcloud:vdc:${VDC_B.toUpperCase()};numberOfCpus=gt=3`, ['Web03', 'db_1']],
  [`vdc!=${VDC_A}`, ['Web03', 'a,b;c(d)', 'back\\slash', 'db_1']],
  ['(name==web01,name==db_1);numberOfCpus=gt=2', ['db_1']],
  ['owner.name==WEB01', ['web01']], // an expression column
  // Numbers compare as NUMERIC: a fraction or a huge value against an integer column was a PostgreSQL error (500).
  ['numberOfCpus=gt=2.5', ['Web03', 'a,b;c(d)', 'back\\slash', 'db_1', 'web02']],
  ['numberOfCpus=lt=1e300', ['Web03', 'a,b;c(d)', 'back\\slash', 'db%1', 'db_1', 'web01', 'web02']],
  ['numberOfCpus=gt=99999999999999999999', []],
  ['numberOfCpus==-9223372036854775809', []],
  // `==null` / `!=null` on a nullable field that is not text: absent / present (tokens that never expire, never used).
  ['lastSeen==null', ['back\\slash', 'db%1', 'web02']],
  ['lastSeen==NULL', ['back\\slash', 'db%1', 'web02']],
  ['lastSeen!=null', ['Web03', 'a,b;c(d)', 'db_1', 'web01']],
  // No value is not "before X": a NULL is left out of an ordering comparison.
  ['lastSeen=lt=2024-12-31T00:00:00Z', ['a,b;c(d)', 'web01']],
  ['lastSeen==null,lastSeen=lt=2024-12-31T00:00:00Z', ['a,b;c(d)', 'back\\slash', 'db%1', 'web01', 'web02']],
  ['ipAddress==null', []], // a text field compares with the text "null"
];

const BAD: Array<[string, RegExp]> = [
  ['name=', /Cannot parse the supplied filter: expected an operator/],
  ['unknown==1', /unknown field "unknown"/],
  ['__proto__==1', /unknown field "__proto__"/],
  ['numberOfCpus==four', /not a number/],
  ['numberOfCpus==4*', /wildcards apply to text fields only/],
  ['isVAppTemplate==yes', /expected true or false/],
  ['isVAppTemplate=gt=true', /takes == or != only/],
  ['dateCreated=gt=yesterday', /not an ISO 8601 date-time/],
  ['status==powered_on', /expected one of POWERED_ON/], // case-sensitive unless the field says looseValues
  ['phase==done', /expected one of preRunning, SUCCESS/],
  ['vdc==https://h/api/vdc/not-a-uuid', /expected an href, a URN or an id/],
  ['vdc=lt=x', /reference field takes == or != only/],
  ['name=gt=web*', /wildcards work with == and != only/],
  // PostgreSQL text cannot hold NUL, and a date beyond JavaScript's range overflowed bigint: both were 500s there.
  ['name==a\u0000b', /contains a NUL character/],
  ['name==a\u0000*', /contains a NUL character/],
  ['dateCreated=gt=99999999999999999999', /not an ISO 8601 date-time/],
  ['dateCreated==null', /not an ISO 8601 date-time/], // not nullable: no row can be absent
  ['lastSeen=lt=null', /null takes == or != only/],
  ['dateCreated=lt=-8640000000000001', /not an ISO 8601 date-time/],
  // Digits are no date: until 2026-12-07 they were read as epoch milliseconds, where every other date is ISO 8601.
  ['dateCreated=gt=1', /not an ISO 8601 date-time/],
  ['dateCreated=ge=1704067200000', /not an ISO 8601 date-time/],
  ['lastSeen!=0', /not an ISO 8601 date-time/],
];

interface Probe {
  db: Kysely<ProbeDB>;
  likeOperator: 'like' | 'ilike';
  close: () => Promise<void>;
}

async function openProbe(backend: 'sqlite' | 'postgres'): Promise<Probe> {
  if (backend === 'sqlite') {
    const database = new Database(':memory:');
    registerFunctions(database); // tessera_lower, as the store's connections have it
    const db = new Kysely<ProbeDB>({ dialect: new SqliteDialect({ database }) });
    return { db, likeOperator: 'like', close: () => db.destroy() };
  }
  // One connection, so the TEMP table is visible to every query and never collides with other suites.
  const pool = new pg.Pool({ connectionString: process.env.TESSERA_TEST_DATABASE_URL, max: 1 });
  const db = new Kysely<ProbeDB>({ dialect: new PostgresDialect({ pool }) });
  return { db, likeOperator: 'ilike', close: () => db.destroy() };
}

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'compileFiqlFilter')) continue;
  describe(`compileFiqlFilter on ${plan.backend}`, () => {
    let handle: Probe;
    before(async () => {
      handle = await openProbe(plan.backend);
      const temp = plan.backend === 'postgres' ? sql`temporary` : sql``;
      await sql`create ${temp} table probe (name text not null, cpus integer not null, template integer not null,
        created bigint not null, ip text, status text not null, vdc text not null)`.execute(handle.db);
      await handle.db.insertInto('probe').values(ROWS).execute();
    });
    after(async () => handle?.close());

    const names = async (filter: string) => {
      const where = compileFiqlFilter(filter, FIELDS, { likeOperator: handle.likeOperator });
      const rows = await handle.db.selectFrom('probe').select('name').where(where).execute();
      // Sort in JS: the databases' collations differ and the order is not what is under test.
      return rows.map((r) => r.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    };

    for (const [filter, expected] of CASES) {
      test(`${filter} matches ${expected.length} rows`, async () => {
        assert.deepEqual(await names(filter), expected);
      });
    }

    test('a wildcard folds letters beyond ASCII as well, on SQLite as on PostgreSQL', async () => {
      // SQLite's LIKE folds A-Z only: until 2026-12-06 `name==äpfel*` found `Äpfel-CI` on PostgreSQL alone.
      const extra = [
        { ...ROWS[0]!, name: '\u00C4pfel-CI' },
        { ...ROWS[0]!, name: '\u0394\u0395\u039B\u03A4\u0391-7' },
        { ...ROWS[0]!, name: 'apfel-ascii' },
      ];
      await handle.db.insertInto('probe').values(extra).execute();
      try {
        assert.deepEqual(await names('name==\u00E4pfel*'), ['\u00C4pfel-CI']);
        assert.deepEqual(await names('name==*PFEL-c*'), ['\u00C4pfel-CI']);
        assert.deepEqual(await names('name==\u03B4\u03AD\u03BB\u03C4\u03B1*'), []); // an accent is no case
        assert.deepEqual(await names('name==\u03B4\u03B5\u03BB\u03C4\u03B1*'), ['\u0394\u0395\u039B\u03A4\u0391-7']);
        assert.ok(!(await names('name!=\u00E4PFEL*')).includes('\u00C4pfel-CI'));
        assert.deepEqual(await names('name==APFEL*'), ['apfel-ascii']);
      } finally {
        await handle.db
          .deleteFrom('probe')
          .where(
            'name',
            'in',
            extra.map((r) => r.name),
          )
          .execute();
      }
    });

    test('property: a wildcard-free == on name matches exactly the rows with that name', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ROWS.map((r) => r.name)), async (name) => {
          const escaped = name.replace(/[\\;,()*]/g, '\\$&');
          assert.deepEqual(await names(`name==${escaped}`), [name]);
        }),
        { numRuns: 20 },
      );
    });
  });
}

test('bad filters are 400 BAD_REQUEST with a reason', () => {
  for (const [filter, reason] of BAD) {
    assert.throws(
      () => compileFiqlFilter(filter, FIELDS, { likeOperator: 'like' }),
      (err: unknown) => {
        assert.ok(err instanceof TesseraError, `${filter}: ${String(err)}`);
        assert.equal(err.code, 'BAD_REQUEST');
        assert.equal(err.status, 400);
        assert.match(err.message, /^Cannot parse the supplied filter/);
        assert.match(err.message, reason, `${filter}: ${err.message}`);
        return true;
      },
    );
  }
});

test('likePattern escapes LIKE metacharacters and joins pieces with %', () => {
  assert.equal(likePattern(['a%b_c\\', '']), 'a\\%b\\_c\\\\%');
  assert.equal(likePattern(['', 'x', '']), '%x%');
});
