/**
 * `tessera serve --inventory FILE` (TESSERA_INVENTORY): the file is applied at start, after the first-start data and
 * before the server listens, as `tessera inventory apply FILE` applies it. Its VMs are served at the first request;
 * an invalid file stops the start with the command's lines and exit code 2, having written nothing; a restart with
 * the same file changes nothing; two nodes started together on one PostgreSQL database apply it one after the other.
 * On the backend TESSERA_TEST_BACKEND names (sqlite by default).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, DEMO_PASSWORD, defaultBackend, startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { InventoryFileError } from '../../src/inventory/declarative/file.js';

const FILE = `version: 1
orgs:
  - name: acme
    vdcs:
      - name: ci-vdc
        id: ci/vdc-1
        vapps:
          - name: web
            id: ci/vapp-web
            owner: bob
            vms:
              - { name: ci-web-1, id: ci/vm-web-1, status: POWERED_ON, cpus: 2 }
              - { name: ci-web-2, id: ci/vm-web-2 }
  - name: initech
    vdcs:
      - name: initech-prod
        vapps:
          - name: payroll
            vms:
              - { name: payroll-db }
`;
/** The counts of FILE on a fresh --demo store: 2 VDCs, 2 vApps, 3 VMs and the org initech; acme unchanged. */
const FIRST = { created: 8, updated: 0, deleted: 0, unchanged: 1 };
const AGAIN = { created: 0, updated: 0, deleted: 0, unchanged: 9 };

const backend = defaultBackend();

/** A store of its own (a data directory, and a database on PostgreSQL) that outlives each server started on it. */
async function ownStore(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-serve-inventory-'));
  const database = backend === 'postgres' ? await createTestDatabase() : null;
  t.after(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = join(dir, 'data');
  const start = (file: string | undefined) =>
    startTessera({
      backend,
      dataDir,
      ...(database ? { databaseUrl: database.url } : {}),
      demo: true,
      config: file === undefined ? {} : { inventory: file },
    });
  return { dir, dataDir, start };
}

async function fileVmNames(node: TesseraHandle): Promise<string[]> {
  const rows = await node.store.db.selectFrom('vms').select('name').where('source', '=', 'file').orderBy('name').execute();
  return rows.map((r) => r.name);
}

test(`serve --inventory on ${backend}: served at the first request, idempotent on restart, an invalid file writes nothing`, async (t) => {
  const { dir, start } = await ownStore(t);
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, FILE);

  await t.test('the first start applies the file before it listens: its VMs are in the first query', async () => {
    const node = await start(file);
    try {
      assert.deepEqual(node.server.inventory?.summary, FIRST);
      assert.equal(node.server.inventory?.file, file);
      const session = await signIn(node.baseUrl, 'bob', 'acme', DEMO_PASSWORD);
      const res = await http(`${node.baseUrl}/api/query?type=vm&filter=name==ci-web-*&sortAsc=name`, {
        headers: bearer(session, 'application/*+json;version=36.1'),
      });
      assert.equal(res.status, 200, res.text);
      const names = (res.json().record as Array<{ name: string; status: string; numberOfCpus: number; containerName: string }>).map((r) => [
        r.name,
        r.status,
        r.numberOfCpus,
        r.containerName,
      ]);
      assert.deepEqual(names, [
        ['ci-web-1', 'POWERED_ON', 2, 'web'],
        ['ci-web-2', 'POWERED_OFF', 1, 'web'],
      ]);
      const org = await node.store.db.selectFrom('orgs').select('name').where('name', '=', 'initech').executeTakeFirst();
      assert.equal(org?.name, 'initech', 'an org the file names is created');
    } finally {
      await node.server.stop();
    }
  });

  await t.test('a restart with the same file changes nothing', async () => {
    const node = await start(file);
    try {
      assert.deepEqual(node.server.inventory?.summary, AGAIN);
      assert.deepEqual(await fileVmNames(node), ['ci-web-1', 'ci-web-2', 'payroll-db']);
    } finally {
      await node.server.stop();
    }
  });

  await t.test('a file with a wrong reference stops the start; nothing of it is written', async () => {
    const bad = join(dir, 'bad.yaml');
    // A new VM, a new org, and an owner the org does not have: the whole file is refused.
    writeFileSync(
      bad,
      FILE.replace('owner: bob', 'owner: nobody')
        .replace('{ name: ci-web-2, id: ci/vm-web-2 }', '{ name: ci-web-2, id: ci/vm-web-2 }\n              - { name: ci-web-3 }')
        .concat('  - name: umbrella\n'),
    );
    await assert.rejects(start(bad), (error: unknown) => {
      assert.ok(error instanceof InventoryFileError, String(error));
      assert.equal(error.message, `${bad}: 1 problem(s); nothing was changed`);
      assert.deepEqual(error.problemLines, [`${bad}:10:20: /orgs/0/vdcs/0/vapps/0/owner: owner "nobody" is not a user of org "acme"`]);
      return true;
    });
    const node = await start(undefined);
    try {
      assert.equal(node.server.inventory, null);
      assert.deepEqual(await fileVmNames(node), ['ci-web-1', 'ci-web-2', 'payroll-db']);
      const org = await node.store.db.selectFrom('orgs').select('name').where('name', '=', 'umbrella').executeTakeFirst();
      assert.equal(org, undefined);
    } finally {
      await node.server.stop();
    }
  });
});

test(`serve --inventory on ${backend}: a file that is not valid stops the first start before the store is made`, async (t) => {
  const { dir, dataDir, start } = await ownStore(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, FILE.replace('cpus: 2', 'cpus: 0'));
  await assert.rejects(start(bad), (error: unknown) => {
    assert.ok(error instanceof InventoryFileError, String(error));
    assert.equal(error.message, `${bad} is not a valid inventory file (1 problem(s)); nothing was changed`);
    assert.deepEqual(error.problemLines, [`${bad}:12:78: /orgs/0/vdcs/0/vapps/0/vms/0/cpus: must be >= 1`]);
    return true;
  });
  assert.ok(!existsSync(dataDir), 'no data directory was made');
  await assert.rejects(start(join(dir, 'missing.yaml')), new InventoryFileError(`cannot read ${join(dir, 'missing.yaml')}: ENOENT`));
  // Nothing was bootstrapped either: the first start that succeeds is the one that creates the store.
  const node = await start(undefined);
  try {
    assert.equal(node.server.bootstrap.createdSystem, true);
  } finally {
    await node.server.stop();
  }
});

test(
  'tessera serve --inventory with an invalid file prints what `inventory apply` prints and exits 2',
  { skip: backend !== 'sqlite' && 'the real serve binary on SQLite: runs in the SQLite pass (TESSERA_TEST_BACKEND=sqlite)' },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-serve-inventory-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, FILE.replace('cpus: 2', 'cpus: 0'));
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['bin/tessera.js', 'serve', '--http', '--port', '0', '--data-dir', join(dir, 'data'), ...args], {
        env: { ...base, ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
    for (const r of [run(['--inventory', bad]), run([], { TESSERA_INVENTORY: bad })]) {
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        r.stderr,
        `${bad}:12:78: /orgs/0/vdcs/0/vapps/0/vms/0/cpus: must be >= 1\n` +
          `tessera: ${bad} is not a valid inventory file (1 problem(s)); nothing was changed\n`,
      );
    }
    assert.ok(!existsSync(join(dir, 'data')), 'nothing was written');
    const stdin = run(['--inventory', '-']);
    assert.equal(stdin.status, 2, stdin.stderr);
    assert.match(stdin.stderr, /--inventory \(TESSERA_INVENTORY\) cannot be "-" \(standard input\): name a file/);
  },
);

test(
  'two nodes started together on one PostgreSQL database apply the file one after the other',
  {
    skip:
      backend !== 'postgres' && 'PostgreSQL only (two nodes on one database): runs in the PostgreSQL pass (TESSERA_TEST_BACKEND=postgres)',
  },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-serve-inventory-pg-'));
    const database = await createTestDatabase();
    t.after(async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    const file = join(dir, 'inventory.yaml');
    writeFileSync(file, FILE);
    const nodes = await Promise.all(
      ['a', 'b'].map((n) =>
        startTessera({ backend, dataDir: join(dir, n), databaseUrl: database.url, demo: true, config: { inventory: file } }),
      ),
    );
    try {
      const created = nodes.map((n) => n.server.inventory!.summary.created).sort((x, y) => x - y);
      assert.deepEqual(created, [0, FIRST.created], 'one node created everything, the other found nothing to change');
      assert.deepEqual(await fileVmNames(nodes[0]!), ['ci-web-1', 'ci-web-2', 'payroll-db']);
    } finally {
      for (const n of nodes) await n.server.stop();
    }
  },
);
