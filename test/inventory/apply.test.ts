/**
 * The declarative inventory on both backends: a file creates orgs, VDCs, vApps and VMs; a second apply changes
 * nothing; a changed file updates exactly what changed; --prune deletes what the file dropped and never the demo
 * seed; an invalid document changes nothing and names the line and the JSON pointer; a VM moved to another org
 * leaves the first org's queries.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { bothBackends, reportUnavailable } from '../store/backends.js';
import { makeDemoOrgs, openTestStore } from './fixtures.js';
import { seedDemoInventory } from '../../src/inventory/demo.js';
import { readInventoryFile, InventoryDocumentError } from '../../src/inventory/declarative/validate.js';
import { desiredFromFile } from '../../src/inventory/declarative/model.js';
import { applyInventory } from '../../src/inventory/declarative/apply.js';
import { InventoryValidationError, rowIdOf, summaryLine } from '../../src/inventory/declarative/plan.js';
import { createOrgWithRoles } from '../../src/auth/bootstrap.js';
import { readInventoryVersion } from '../../src/inventory/version.js';

const FILE = `version: 1
orgs:
  - name: acme
    vdcs:
      - name: prod
        allocationModel: AllocationPool
        cpu: { allocated: 20000, limit: 40000, used: 5000 }
        memory: { allocated: 65536, limit: 131072, used: 8192 }
        storageProfiles:
          - { name: gold, limitMb: 500000, default: true }
          - { name: silver, limitMb: 1000000 }
        network: prod-net
        metadata: [{ key: tier, value: prod }]
        vapps:
          - name: web
            owner: alice
            status: POWERED_ON
            vms:
              - name: web-01
                id: vm-1001
                status: POWERED_ON
                guestOs: Ubuntu Linux (64-bit)
                cpus: 2
                memoryMb: 4096
                nics: [{ network: prod-net, ipAddress: 10.0.0.11, macAddress: "00:50:56:AA:BB:01" }]
                metadata: [{ key: role, value: web }]
                extraConfig: { guestinfo.ready: "true" }
              - name: web-02
                storageProfile: silver
                owner: bob
  - name: newco
    fullName: New Co
    vdcs:
      - name: dev
`;

async function apply(store: Store, text: string, options: { prune?: boolean; dryRun?: boolean; source?: string } = {}) {
  const { doc } = readInventoryFile(text);
  return applyInventory(store, desiredFromFile(doc), {
    source: options.source ?? 'file',
    prune: options.prune ?? false,
    createOrgs: true,
    dryRun: options.dryRun ?? false,
    createOrg: (org, ex) => createOrgWithRoles(store, org, ex),
  });
}

const countOf = async (store: Store, table: 'vms' | 'vapps' | 'vdcs', where: { org_id?: string; source?: string | null } = {}) => {
  let q = store.db.selectFrom(table as 'vms').select((eb) => eb.fn.countAll().as('n'));
  if (where.org_id) q = q.where('org_id', '=', where.org_id);
  if (where.source !== undefined) q = where.source === null ? q.where('source', 'is', null) : q.where('source', '=', where.source);
  return Number((await q.executeTakeFirstOrThrow()).n);
};

test('schema problems name the line, the column and the JSON pointer', () => {
  const bad = FILE.replace('cpus: 2', 'cpus: -2').replace('allocationModel: AllocationPool', 'allocationModel: Nope');
  assert.throws(
    () => readInventoryFile(bad),
    (error: unknown) => {
      assert.ok(error instanceof InventoryDocumentError);
      const cpus = error.problems.find((p) => p.pointer === '/orgs/0/vdcs/0/vapps/0/vms/0/cpus');
      assert.ok(cpus, JSON.stringify(error.problems));
      assert.equal(cpus.line, FILE.split('\n').findIndex((l) => l.includes('cpus: 2')) + 1);
      assert.equal(
        cpus.column,
        FILE.split('\n')
          .find((l) => l.includes('cpus: 2'))!
          .indexOf('2') + 1,
      );
      assert.ok(error.problems.some((p) => p.pointer === '/orgs/0/vdcs/0/allocationModel' && p.line === 6));
      return true;
    },
  );
  assert.throws(
    () => readInventoryFile('version: 1\norgs:\n  - name: acme\n    bogus: 1\n'),
    (e: unknown) => {
      assert.ok(e instanceof InventoryDocumentError);
      assert.match(e.problems[0]!.message, /unknown property "bogus"/);
      assert.equal(e.problems[0]!.line, 3);
      return true;
    },
  );
  assert.throws(() => readInventoryFile('version: 1\norgs: [\n'), InventoryDocumentError);
  assert.throws(() => readInventoryFile('{"version": 1, "orgs": [}'), InventoryDocumentError);
  // JSON input is located too.
  assert.throws(
    () => readInventoryFile('{\n  "version": 2,\n  "orgs": []\n}'),
    (e: unknown) => {
      assert.ok(e instanceof InventoryDocumentError);
      assert.equal(e.problems[0]!.pointer, '/version');
      assert.equal(e.problems[0]!.line, 2);
      return true;
    },
  );
});

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'inventory apply')) continue;
  describe(`inventory apply on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let orgs: { acme: string; globex: string };
    before(async () => {
      ({ store, cleanup } = await openTestStore(plan));
      orgs = await makeDemoOrgs(store);
      await seedDemoInventory(store, orgs);
    });
    after(async () => cleanup?.());

    test('a file creates orgs and objects; a second apply changes nothing and says so', async () => {
      const demoVms = await countOf(store, 'vms', { source: null });
      const dry = await apply(store, FILE, { dryRun: true });
      assert.equal(summaryLine(dry.summary), '6 created, 0 updated, 0 deleted, 1 unchanged');
      assert.equal(await store.getOrgByName('newco'), undefined, 'a dry run writes nothing');

      const first = await apply(store, FILE);
      // newco + 2 VDCs + 1 vApp + 2 VMs created; acme (named, unchanged) counted unchanged.
      assert.deepEqual(first.summary, { created: 6, updated: 0, deleted: 0, unchanged: 1 });
      const newco = await store.getOrgByName('newco');
      assert.ok(newco);
      assert.equal(newco.full_name, 'New Co');
      assert.ok(await store.getRoleByName(newco.id, 'Organization Administrator'), 'a created org has its roles');

      const vm = await store.db.selectFrom('vms').selectAll().where('external_id', '=', 'vm-1001').executeTakeFirstOrThrow();
      assert.equal(vm.id, rowIdOf('vm', 'vm-1001'));
      assert.equal(vm.org_id, orgs.acme);
      assert.equal(vm.mac_address, '00:50:56:aa:bb:01');
      assert.equal(vm.ip_address, '10.0.0.11');
      assert.equal(vm.storage_profile, 'gold');
      const alice = await store.getUserByName(orgs.acme, 'alice');
      assert.equal(vm.owner_id, alice!.id, 'VM owner defaults to the vApp owner');
      const web02 = await store.db
        .selectFrom('vms')
        .selectAll()
        .where('external_id', '=', 'acme/prod/web/web-02')
        .executeTakeFirstOrThrow();
      assert.equal(web02.owner_id, (await store.getUserByName(orgs.acme, 'bob'))!.id);
      assert.equal(web02.storage_profile, 'silver');
      const vdc = await store.db.selectFrom('vdcs').selectAll().where('external_id', '=', 'acme/prod').executeTakeFirstOrThrow();
      assert.equal(Number(vdc.storage_limit_mb), 1_500_000);
      assert.equal(Number(vdc.cpu_used_mhz), 5000);
      const extra = await store.db.selectFrom('vm_extra_config').selectAll().where('vm_id', '=', vm.id).execute();
      assert.deepEqual(
        extra.map((e) => [e.key, e.value]),
        [['guestinfo.ready', 'true']],
      );
      const meta = await store.db.selectFrom('metadata').selectAll().where('entity_id', '=', vm.id).execute();
      assert.deepEqual(
        meta.map((m) => [m.key, m.value]),
        [['role', 'web']],
      );

      const version = await readInventoryVersion(store.db);
      const second = await apply(store, FILE);
      assert.deepEqual(second.summary, { created: 0, updated: 0, deleted: 0, unchanged: 7 });
      assert.equal(await readInventoryVersion(store.db), version, 'an unchanged apply writes no inventory row');
      assert.equal(await countOf(store, 'vms', { source: null }), demoVms, 'the demo seed is untouched');
    });

    test('a changed file updates only what changed, and --prune deletes what it dropped (never the demo)', async () => {
      const demoVms = await countOf(store, 'vms', { source: null });
      const changed = FILE.replace('cpus: 2', 'cpus: 4').replace(
        /              - name: web-02\n                storageProfile: silver\n                owner: bob\n/,
        '',
      );
      const noPrune = await apply(store, changed);
      assert.deepEqual(noPrune.summary, { created: 0, updated: 1, deleted: 0, unchanged: 5 });
      assert.equal(
        Number((await store.db.selectFrom('vms').select('cpus').where('external_id', '=', 'vm-1001').executeTakeFirstOrThrow()).cpus),
        4,
      );
      const pruned = await apply(store, changed, { prune: true });
      assert.deepEqual(pruned.summary, { created: 0, updated: 0, deleted: 1, unchanged: 6 });
      assert.equal(
        await store.db.selectFrom('vms').select('id').where('external_id', '=', 'acme/prod/web/web-02').executeTakeFirst(),
        undefined,
      );
      // Pruning with a file that lists nothing: every object of the source goes, orgs and the demo stay.
      const empty = await apply(store, 'version: 1\norgs: []\n', { prune: true });
      assert.deepEqual(empty.summary, { created: 0, updated: 0, deleted: 4, unchanged: 0 });
      assert.equal(await countOf(store, 'vms', { source: 'file' }), 0);
      assert.equal(await countOf(store, 'vdcs', { source: 'file' }), 0);
      assert.equal(await countOf(store, 'vms', { source: null }), demoVms);
      assert.equal(
        Number(
          (
            await store.db
              .selectFrom('metadata')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('entity_id', '=', rowIdOf('vm', 'vm-1001'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
        0,
        'metadata goes with its VM',
      );
      assert.ok(await store.getOrgByName('newco'), 'orgs are never pruned');
    });

    test('referential problems are all reported, with pointers and lines, and change nothing', async () => {
      const version = await readInventoryVersion(store.db);
      const bad = `version: 1
orgs:
  - name: acme
    vdcs:
      - name: acme-prod
      - name: x
        vapps:
          - name: a
            owner: nobody
            vms:
              - name: m
                storageProfile: platinum
              - name: m
  - name: ghost-org-that-is-created
    vdcs:
      - name: y
        id: dup
      - name: z
        id: dup
`;
      const { doc, locate } = readInventoryFile(bad);
      await assert.rejects(
        applyInventory(store, desiredFromFile(doc), {
          source: 'file',
          prune: false,
          createOrgs: true,
          createOrg: (o, ex) => createOrgWithRoles(store, o, ex),
        }),
        (error: unknown) => {
          assert.ok(error instanceof InventoryValidationError);
          const located = locate(error.problems);
          const by = (pointer: string) => located.find((p) => p.pointer === pointer);
          assert.match(by('/orgs/0/vdcs/0/name')?.message ?? '', /already has a VDC named "acme-prod"/, JSON.stringify(located));
          assert.equal(by('/orgs/0/vdcs/0/name')?.line, 5);
          assert.match(by('/orgs/0/vdcs/1/vapps/0/owner')?.message ?? '', /owner "nobody" is not a user of org "acme"/);
          assert.equal(by('/orgs/0/vdcs/1/vapps/0/owner')?.line, 9);
          assert.match(by('/orgs/0/vdcs/1/vapps/0/vms/0/storageProfile')?.message ?? '', /no storage profile "platinum"/);
          // Two VMs named alike in one vApp: with default ids that is one path twice.
          assert.ok(located.some((p) => p.pointer === '/orgs/0/vdcs/1/vapps/0/vms/1' && /"acme\/x\/a\/m" is used twice/.test(p.message)));
          assert.ok(located.some((p) => p.pointer === '/orgs/1/vdcs/1' && /external id "dup" is used twice/.test(p.message)));
          return true;
        },
      );
      assert.equal(await store.getOrgByName('ghost-org-that-is-created'), undefined);
      assert.equal(await readInventoryVersion(store.db), version);
    });

    test('a VM moved to another org leaves the first org, with its metadata; another source cannot take it', async () => {
      const inAcme = `version: 1
orgs:
  - name: acme
    vdcs:
      - name: move-a
        vapps:
          - name: app
            vms: [{ name: mover, id: mover-1, metadata: [{ key: k, value: v }] }]
  - name: globex
    vdcs:
      - name: move-b
        vapps: [{ name: app }]
`;
      await apply(store, inAcme, { source: 'mover' });
      const moved = inAcme
        .replace('            vms: [{ name: mover, id: mover-1, metadata: [{ key: k, value: v }] }]\n', '')
        .replace(
          '        vapps: [{ name: app }]',
          '        vapps: [{ name: app, vms: [{ name: mover, id: mover-1, metadata: [{ key: k, value: v }] }] }]',
        );
      const result = await apply(store, moved, { source: 'mover' });
      assert.deepEqual(result.summary, { created: 0, updated: 1, deleted: 0, unchanged: 6 });
      const vm = await store.db.selectFrom('vms').selectAll().where('external_id', '=', 'mover-1').executeTakeFirstOrThrow();
      assert.equal(vm.org_id, orgs.globex);
      assert.equal(vm.id, rowIdOf('vm', 'mover-1'), 'the href survives the move');
      const meta = await store.db.selectFrom('metadata').selectAll().where('entity_id', '=', vm.id).execute();
      assert.deepEqual(
        meta.map((m) => m.org_id),
        [orgs.globex],
      );
      await assert.rejects(apply(store, moved, { source: 'someone-else' }), (e: unknown) => {
        assert.ok(e instanceof InventoryValidationError);
        assert.ok(e.problems.some((p) => /belongs to source "mover"/.test(p.message)));
        return true;
      });
    });

    test('two VDCs swap their names in one document (names are unique per org, rows written one by one)', async () => {
      const two = (a: string, b: string) =>
        `version: 1\norgs:\n  - name: acme\n    vdcs:\n      - { name: ${a}, id: swap-1 }\n      - { name: ${b}, id: swap-2 }\n`;
      await apply(store, two('swap-left', 'swap-right'), { source: 'swapper' });
      // Until 2026-12-05 a 500: UNIQUE constraint failed: vdcs.org_id, vdcs.name.
      await apply(store, two('swap-right', 'swap-left'), { source: 'swapper' });
      const names = await store.db
        .selectFrom('vdcs')
        .select(['external_id', 'name'])
        .where('source', '=', 'swapper')
        .orderBy('external_id')
        .execute();
      assert.deepEqual(names, [
        { external_id: 'swap-1', name: 'swap-right' },
        { external_id: 'swap-2', name: 'swap-left' },
      ]);
    });

    test('names and metadata follow the rules of the rest of the product, and a refused document writes nothing', async () => {
      const version = await readInventoryVersion(store.db);
      const doc = `version: 1
orgs:
  - name: acme
    fullName: "Acme \u202ECorporation\u001b[2J"
    vdcs:
      - name: rules
        metadata:
          - { key: n, value: abc, type: MetadataNumberValue }
          - { key: g, value: x, visibility: READONLY }
        vapps:
          - name: "invoice\u202Egpj.exe"
            vms: [{ name: "zero\u200Bwidth", guestOs: "Linux\u001b[31m" }]
`;
      await assert.rejects(apply(store, doc, { source: 'rules' }), (e: unknown) => {
        assert.ok(e instanceof InventoryValidationError);
        const messages = e.problems.map((p) => `${p.pointer}: ${p.message}`).join('\n');
        assert.match(messages, /\/metadata\/0: .*whole number/);
        assert.match(messages, /\/metadata\/1: .*GENERAL domain the visibility is READWRITE/);
        assert.match(messages, /vapps\/0\/name: name must not contain bidirectional text controls/);
        assert.match(messages, /vms\/0\/name: name must not contain zero-width or other invisible characters/);
        // The org's full name and a VM's guest OS are display text too (until 2026-12-06 both were taken).
        assert.match(messages, /orgs\/0\/fullName: fullName must not contain/);
        assert.match(messages, /vms\/0\/guestOs: guestOs must not contain control characters/);
        return true;
      });
      assert.equal(await readInventoryVersion(store.db), version);
    });

    test('objects moved to another org lose their owner: no user of the old org is shown to the new one', async () => {
      const owned = `version: 1
orgs:
  - name: acme
    vdcs:
      - name: wander
        id: wander-vdc
        vapps:
          - name: app
            id: wander-app
            owner: alice
            vms: [{ name: w1, id: wander-vm }]
`;
      await apply(store, owned, { source: 'wanderer' });
      const ownerOf = async (table: 'vapps' | 'vms', externalId: string) =>
        await store.db.selectFrom(table).select(['owner_id', 'org_id']).where('external_id', '=', externalId).executeTakeFirstOrThrow();
      assert.notEqual((await ownerOf('vapps', 'wander-app')).owner_id, null);
      // The VDC alone, now under globex: its vApp and VM go along (until 2026-12-05 still owned by alice of acme).
      await apply(
        store,
        `version: 1
orgs:
  - name: globex
    vdcs:
      - name: wander
        id: wander-vdc
`,
        {
          source: 'wanderer',
        },
      );
      for (const [table, id] of [
        ['vapps', 'wander-app'],
        ['vms', 'wander-vm'],
      ] as const) {
        assert.deepEqual(await ownerOf(table, id), { owner_id: null, org_id: orgs.globex }, `${table} ${id}`);
      }
    });
  });
}
