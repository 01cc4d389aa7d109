/**
 * docs/testing-with-tessera.md's go-vcloud-director and pyvcloud examples, run as the page prints them: the start
 * block with the page's inventory.yaml, `tessera token create`, the page's line for API_TOKEN, then the Go program
 * in a module made by the page's `go mod init ... && go get ...` line and the Python script with the venv's pyvcloud
 * (scripts/setup-conformance.sh). Their output must be the page's. Until 2026-12-07 the page said neither how to get
 * the Go module (`go get` of the module alone leaves `go run` failing on missing go.sum entries) nor where
 * $API_TOKEN came from after `tessera token create`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN } from '../cli/run-cli.js';
import { requireTools, runBash } from '../helpers/bash.js';
import { ROOT, SETUP_TIMEOUT_MS, VENV_PYTHON, scratchDir, setupConformance } from './support.js';

const PAGE = readFileSync(join(ROOT, 'docs', 'testing-with-tessera.md'), 'utf8');

/** The body of the page's one ```lang block (```: a plain one) that holds `marker`; fences paired from the top. */
function block(lang: string, marker: string): string {
  const found = [...PAGE.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === lang && m[2]!.includes(marker)).map((m) => m[2]!);
  assert.equal(found.length, 1, `exactly one \`\`\`${lang} block of the page holds ${marker}`);
  return found[0]!;
}

/** The page's one inline command (in backticks, possibly over a line break) that starts with `start`. */
function inline(start: string): string {
  const prose = PAGE.replace(/^```[\s\S]*?^```$/gm, '');
  const found = [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\s*\n\s*/g, ' ')).filter((c) => c.startsWith(start));
  assert.equal(found.length, 1, `exactly one inline command of the page starts with ${start}`);
  return found[0]!;
}

/** The command after `$ ` and the output of the page's output block that holds `marker`. */
function printedRun(marker: string): { command: string; output: string } {
  const [first, ...rest] = block('', marker).split('\n');
  assert.ok(first!.startsWith('$ '), `the block of ${marker} starts with its command`);
  return { command: first!.slice(2), output: rest.join('\n') };
}

describe("docs/testing-with-tessera.md's Go and Python examples, run as printed", { timeout: 25 * 60_000 }, () => {
  const scratch = scratchDir('tessera-doc-examples-');
  let prologue: string;

  before(
    () => {
      requireTools('curl', 'jq');
      assert.equal(spawnSync('go', ['version']).status, 0, 'go is required by this suite (the page runs go run)');
      setupConformance('pyvcloud');
      const dir = scratch.dir;
      // `tessera` as the installed package provides it: a command on PATH (here the checkout's bin/tessera.js).
      writeFileSync(join(dir, 'tessera'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
      chmodSync(join(dir, 'tessera'), 0o755);
      writeFileSync(join(dir, 'inventory.yaml'), block('yaml', '# inventory.yaml'));
      mkdirSync(join(dir, 'go'));
      writeFileSync(join(dir, 'go', 'main.go'), block('go', 'package main'));
      writeFileSync(join(dir, 'list_vms.py'), block('python', 'from pyvcloud'));
      // The venv's python first on PATH: the page's `python list_vms.py` runs the pinned pyvcloud.
      const path = `${JSON.stringify(dir)}:${JSON.stringify(join(VENV_PYTHON, '..'))}`;
      prologue = [
        `export PATH=${path}:"$PATH" TMPDIR=${JSON.stringify(dir)}`,
        `cd ${JSON.stringify(dir)}`,
        block('sh', 'DATA=$(mktemp -d)'),
        "trap 'kill -TERM $PID; wait $PID' EXIT",
        block('sh', 'tessera token create ci'),
        inline('API_TOKEN=$(jq'),
      ].join('\n');
    },
    { timeout: SETUP_TIMEOUT_MS },
  );
  after(() => scratch.remove());

  test('go-vcloud-director: the module made as the page says, go run prints the VMs of web', async () => {
    const { command, output } = printedRun('go run .');
    const result = await runBash(`${prologue}\ncd go\n${inline('go mod init')} 2>&1\n${command}\n`, 10 * 60_000);
    assert.equal(result.status, 0, `exit ${result.status}\n${result.stdout}\n${result.stderr}`);
    assert.ok(result.stdout.endsWith(output), `prints the page's output:\n${output}\ngot:\n${result.stdout}`);
  });

  test('pyvcloud: python list_vms.py prints the vApp and its VMs with their status', async () => {
    const { command, output } = printedRun('python list_vms.py');
    const result = await runBash(`${prologue}\n${command}\n`, 4 * 60_000);
    assert.equal(result.status, 0, `exit ${result.status}\n${result.stdout}\n${result.stderr}`);
    assert.ok(result.stdout.endsWith(output), `prints the page's output:\n${output}\ngot:\n${result.stdout}`);
  });
});
