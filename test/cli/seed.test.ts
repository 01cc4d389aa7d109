/**
 * `tessera seed`: generated orgs, users and VMs in the counts asked for, deterministic, on both backends;
 * the progress display on a terminal and in a log.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { seedGeneratedInventory, vmsPerOrg, type SeedProgress } from '../../src/cli/seed-generated.js';
import { progressPrinter } from '../../src/cli/seed.js';
import { generateOrgInventory, generatedVdcCount } from '../../src/inventory/generate.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import type { Store } from '../../src/store/store.js';
import { nonTemplateVms } from '../../bench/query.js';
import { bothBackends, reportUnavailable } from '../store/backends.js';
import { countRows, makeOrg, openTestStore } from '../inventory/fixtures.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

test('vmsPerOrg spreads evenly, the first orgs taking the remainder', () => {
  assert.deepEqual(vmsPerOrg(1234, 3), [412, 411, 411]);
  assert.deepEqual(vmsPerOrg(2, 4), [1, 1, 0, 0]);
  assert.equal(
    vmsPerOrg(100_000, 20).reduce((a, b) => a + b, 0),
    100_000,
  );
});

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'tessera seed')) continue;
  describe(`seedGeneratedInventory on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => ({ store, cleanup } = await openTestStore(plan)));
    after(async () => cleanup?.());

    test('orgs, users and exactly the VMs asked for, with progress up to the total', async () => {
      const progress: SeedProgress[] = [];
      const result = await seedGeneratedInventory(store, {
        vms: 1234,
        orgs: 3,
        userPassword: 'seed-Password-1',
        onProgress: (p) => progress.push(p),
      });
      assert.deepEqual(
        result.orgs.map((o) => [o.name, o.vms]),
        [
          ['gen-01', 412],
          ['gen-02', 411],
          ['gen-03', 411],
        ],
      );
      for (const org of result.orgs) {
        assert.equal(await countRows(store, 'vms', org.id), org.vms);
        assert.equal(await countRows(store, 'vdcs', org.id), generatedVdcCount(org.vms));
        const templates = Number(
          (
            await store.db
              .selectFrom('vms')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('org_id', '=', org.id)
              .where('is_template', '=', 1)
              .executeTakeFirstOrThrow()
          ).n,
        );
        assert.equal(org.vms - templates, nonTemplateVms(org.vms));
        const admin = await store.getUserByName(org.id, 'admin');
        assert.ok(
          admin && (await verifyPassword(admin.password_hash, 'seed-Password-1')),
          'the generated admin signs in with the password',
        );
      }
      assert.deepEqual(progress.at(-1), { org: 'gen-03', orgIndex: 3, orgCount: 3, vmsDone: 1234, vmsTotal: 1234 });
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.vmsDone >= progress[i - 1]!.vmsDone, 'progress never goes back');
    });

    test('an existing org name is refused before anything is written', async () => {
      await assert.rejects(seedGeneratedInventory(store, { vms: 10, orgs: 1 }), /org "gen-01" already exists/);
      await assert.rejects(seedGeneratedInventory(store, { vms: -1, orgs: 1, orgPrefix: 'x' }), RangeError);
      await assert.rejects(seedGeneratedInventory(store, { vms: 1, orgs: 0, orgPrefix: 'x' }), RangeError);
    });

    test('the same org id and count give the same inventory', async () => {
      const org = await makeOrg(store, 'det');
      await generateOrgInventory(store, org.id, 57, { ownerIds: [] });
      const first = await store.db
        .selectFrom('vms')
        .select(['id', 'name', 'status', 'cpus'])
        .where('org_id', '=', org.id)
        .orderBy('id')
        .execute();
      await store.db.deleteFrom('vdcs').where('org_id', '=', org.id).execute(); // cascades to vApps and VMs
      await generateOrgInventory(store, org.id, 57, { ownerIds: [] });
      const second = await store.db
        .selectFrom('vms')
        .select(['id', 'name', 'status', 'cpus'])
        .where('org_id', '=', org.id)
        .orderBy('id')
        .execute();
      assert.equal(first.length, 57);
      assert.deepEqual(second, first);
    });
  });
}

test('progress: a bar redrawn in place on a terminal, plain lines per 10% elsewhere', () => {
  const capture = (tty: boolean) => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    (stream as { isTTY?: boolean }).isTTY = tty;
    let text = '';
    (stream as unknown as PassThrough).on('data', (c) => (text += c));
    const printer = progressPrinter(stream);
    for (let done = 0; done <= 100; done += 5) printer.update({ org: 'gen-01', orgIndex: 1, orgCount: 1, vmsDone: done, vmsTotal: 100 });
    printer.done();
    return text;
  };
  const tty = capture(true);
  assert.match(tty, /\r\u001b\[2K\[#+-*\] +\d+% /);
  assert.ok(!tty.includes('\n'));
  const log = capture(false).trim().split('\n');
  assert.equal(log.length, 11, 'one line per 10%');
  assert.match(log.at(-1)!, /^seed: 100% 100\/100 VMs, org gen-01 \(1\/1\)$/);
});

// Every message begins `tessera:`, as every other command's does (until 2026-12-07 seed's said `tessera seed:`).
test('a count out of bounds is a usage error (exit 2) that creates no store', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'tessera-seed-usage-'));
  try {
    const dataDir = join(parent, 'data');
    for (const [args, message] of [
      [['--vms', '20000000'], '--vms must be from 0 to 10,000,000, got 20000000'],
      [['--orgs', '0'], '--orgs must be from 1 to 1,000, got 0'],
      [['--orgs', '1001'], '--orgs must be from 1 to 1,000, got 1001'],
      [['--vms', 'ten'], '--vms must be a whole number, got "ten"'],
    ] as const) {
      const result = await runCli(['seed', ...args, '--data-dir', dataDir]);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stderr, `tessera: ${message}\n`);
      assert.equal(existsSync(dataDir), false, 'no data directory was made');
    }
    // The notice that a new store is made, on a run that goes on to seed it: the same prefix.
    const made = await runCli(['seed', '--vms', '0', '--orgs', '1', '--data-dir', dataDir]);
    assert.equal(made.code, 0, made.stderr);
    const notice = `tessera: no store at ${join(dataDir, 'tessera.db')}: creating a new one`;
    assert.ok(made.stderr.startsWith(notice), made.stderr);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
