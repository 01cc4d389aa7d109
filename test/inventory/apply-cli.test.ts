/**
 * `tessera inventory apply` as a user runs it (the real binary, a child process): dry run, apply, the second
 * apply that changes nothing and says so, stdin, prune, problems printed as FILE:LINE:COL, and the refusal while
 * a server holds the SQLite file. The store is made by a real server start, then the server is stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTessera } from '../helpers/tessera.js';
import { runCli } from '../cli/run-cli.js';

const FILE = `version: 1
orgs:
  - name: acme
    vdcs:
      - name: cli-vdc
        vapps:
          - name: cli-app
            owner: bob
            vms:
              - { name: cli-vm-1, status: POWERED_ON }
              - { name: cli-vm-2 }
  - name: cli-new-org
`;

test('tessera inventory apply on a SQLite data directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-inventory-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, FILE);
  const first = await startTessera({ backend: 'sqlite', dataDir: dir, demo: true });

  await t.test('refused while the server runs', async () => {
    const refused = await runCli(['inventory', 'apply', file, '--data-dir', dir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /server is running on this data directory/);
  });
  await first.stop();

  await t.test('dry run, apply, and an apply that changes nothing', async () => {
    const dry = await runCli(['inventory', 'apply', file, '--dry-run', '--data-dir', dir]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /create org cli-new-org/);
    assert.match(dry.stdout, /create VM acme\/cli-vdc\/cli-app\/cli-vm-1/);
    assert.match(dry.stdout, /Plan \(dry run, nothing written\): 5 created, 0 updated, 0 deleted, 1 unchanged/);
    const applied = await runCli(['inventory', 'apply', file, '--data-dir', dir]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^5 created, 0 updated, 0 deleted, 1 unchanged in [\d.]+ s$/m);
    const again = await runCli(['inventory', 'apply', '-', '--data-dir', dir], { input: FILE });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^0 created, 0 updated, 0 deleted, 6 unchanged \(nothing to change\)/m);
  });

  await t.test('an invalid file prints FILE:LINE:COL problems, exits 2 and changes nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, FILE.replace('owner: bob', 'owner: nobody').replace('{ name: cli-vm-2 }', '{ name: cli-vm-2, cpus: 0 }'));
    const schema = await runCli(['inventory', 'apply', bad, '--data-dir', dir]);
    assert.equal(schema.code, 2);
    assert.match(schema.stderr, new RegExp(`${bad.replace(/[.]/g, '\\.')}:11:\\d+: /orgs/0/vdcs/0/vapps/0/vms/1/cpus: must be >= 1`));
    writeFileSync(bad, FILE.replace('owner: bob', 'owner: nobody'));
    const refs = await runCli(['inventory', 'apply', bad, '--data-dir', dir, '--prune']);
    assert.equal(refs.code, 2);
    assert.match(refs.stderr, /bad\.yaml:8:20: \/orgs\/0\/vdcs\/0\/vapps\/0\/owner: owner "nobody" is not a user of org "acme"/);
    assert.match(refs.stderr, /nothing was changed/);
  });

  await t.test('a file that is not YAML or JSON prints its first syntax error as FILE:LINE:COLUMN: message, exits 2', async () => {
    const bad = join(dir, 'syntax.yaml');
    // Tab indentation: the parser reports dozens of errors; the first is the one to fix.
    writeFileSync(bad, FILE.replace(/ {2}/g, '\t'));
    const yaml = await runCli(['inventory', 'apply', bad, '--data-dir', dir]);
    assert.equal(yaml.code, 2, yaml.stderr);
    const lines = yaml.stderr.split('\n').filter((l) => l.startsWith(bad));
    assert.deepEqual(lines, [`${bad}:3:1: not valid YAML: Tabs are not allowed as indentation`], yaml.stderr);
    assert.match(yaml.stderr, /\(1 problem\(s\)\); nothing was changed/);
    const json = await runCli(['inventory', 'apply', '-', '--data-dir', dir], { input: '{\n  "version": 1,\n  "orgs": [}\n}\n' });
    assert.equal(json.code, 2, json.stderr);
    assert.match(json.stderr, /^<stdin>:3:12: not valid JSON: Unexpected token '\}'$/m);
    assert.doesNotMatch(json.stderr, /\(document\)/);
  });

  await t.test('--prune deletes what the file dropped', async () => {
    writeFileSync(file, FILE.replace('              - { name: cli-vm-2 }\n', ''));
    const pruned = await runCli(['inventory', 'apply', file, '--prune', '--data-dir', dir]);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /delete VM cli-vm-2 \(acme\/cli-vdc\/cli-app\/cli-vm-2\)/);
    assert.match(pruned.stdout, /0 created, 0 updated, 1 deleted, 5 unchanged/);
    const server = await startTessera({ backend: 'sqlite', dataDir: dir, demo: true });
    t.after(() => server.stop());
    const vms = await server.store.db.selectFrom('vms').select('name').where('source', '=', 'file').execute();
    assert.deepEqual(
      vms.map((v) => v.name),
      ['cli-vm-1'],
    );
  });

  await t.test('usage errors', async () => {
    assert.equal((await runCli(['inventory', 'apply', join(dir, 'missing.yaml'), '--data-dir', dir])).code, 2);
    assert.equal((await runCli(['inventory', 'apply', file, '--source', 'Bad Name', '--data-dir', dir])).code, 2);
    assert.equal((await runCli(['inventory', 'apply', file, '--data-dir', join(dir, 'nowhere')])).code, 2);
  });
});

/**
 * docs/inventory.md's "A first file", as a newcomer copies it: the YAML block applied to a `--demo` store gives the
 * three summaries the console block next to it shows. Until 2026-12-05 nothing ran it, and a metadata rule made
 * the file fail (exit 2: PRIVATE visibility in the GENERAL domain).
 */
test('the first file of docs/inventory.md applies as the docs show', async (t) => {
  const doc = readFileSync('docs/inventory.md', 'utf8');
  const section = doc.slice(doc.indexOf('## A first file'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
  const consoleBlock = /```console\n([\s\S]*?)```/.exec(section)![1]!;
  const summaries = consoleBlock
    .split('\n')
    .filter((line) => /\d+ created, \d+ updated, \d+ deleted, \d+ unchanged/.test(line))
    .map((line) => line.replace(/ in [\d.]+ s/, ''));
  assert.equal(summaries.length, 3, consoleBlock);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-inventory-doc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, yaml);
  await (await startTessera({ backend: 'sqlite', dataDir: dir, demo: true })).stop();
  const runs = [
    ['inventory', 'apply', file, '--dry-run', '--data-dir', dir],
    ['inventory', 'apply', file, '--data-dir', dir],
    ['inventory', 'apply', file, '--data-dir', dir],
  ];
  for (const [i, args] of runs.entries()) {
    const run = await runCli(args);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    assert.ok(run.stdout.replace(/ in [\d.]+ s/, '').includes(summaries[i]!), `${summaries[i]} in:\n${run.stdout}`);
  }
});

/**
 * The commands that open the store find it through serve's configuration file too (`--config`, TESSERA_CONFIG):
 * until 2026-12-05 they ignored it and looked in ./.tessera, and their message named --data-dir only.
 */
test('inventory apply and admin backup read data_dir from --config or TESSERA_CONFIG, as serve does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-inventory-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  await (await startTessera({ backend: 'sqlite', dataDir, demo: true })).stop();
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, FILE);
  const toml = join(dir, 'tessera.toml');
  writeFileSync(toml, `data_dir = "${dataDir}"\nport = 9443\n`);
  const elsewhere = { cwd: dir };
  const none = await runCli(['inventory', 'apply', file, '--dry-run'], elsewhere);
  assert.equal(none.code, 2);
  assert.match(
    none.stderr,
    /No Tessera database at .*: name the data directory with --data-dir, or the store with --database-url or --config/,
  );
  const byFlag = await runCli(['inventory', 'apply', file, '--dry-run', '--config', toml], elsewhere);
  assert.equal(byFlag.code, 0, byFlag.stderr);
  assert.match(byFlag.stdout, /Plan \(dry run, nothing written\): 5 created/);
  const byEnv = await runCli(['inventory', 'apply', file, '--dry-run'], { ...elsewhere, env: { TESSERA_CONFIG: toml } });
  assert.equal(byEnv.code, 0, byEnv.stderr);
  const backup = await runCli(['admin', 'backup', join(dir, 'copy.db'), '--config', toml], elsewhere);
  assert.equal(backup.code, 0, backup.stderr);
  // A flag still wins over the file; a bad file is reported as serve reports it.
  const flagWins = await runCli(['inventory', 'apply', file, '--dry-run', '--config', toml, '--data-dir', join(dir, 'nowhere')], elsewhere);
  assert.equal(flagWins.code, 2);
  writeFileSync(toml, 'data_dri = "x"\n');
  const bad = await runCli(['inventory', 'apply', file, '--dry-run', '--config', toml], elsewhere);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown setting "data_dri" in .*: did you mean "data_dir"\?/);
});
