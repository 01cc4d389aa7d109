/**
 * docs/testing-with-tessera.md's "Start, wait, stop" block must run as written, with `tessera` on PATH as a CI job
 * has it: taken from the page itself, run with bash in a scratch directory. A newcomer ran it before writing the
 * page's inventory.yaml (the next section): the server stopped at once (cannot read inventory.yaml) and the wait
 * loop polled an empty banner forever (2026-12-07). Now a server that stops is reported and fails the block.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireTools, runBash } from '../helpers/bash.js';
import { BIN } from '../cli/run-cli.js';

const PAGE = readFileSync(new URL('../../docs/testing-with-tessera.md', import.meta.url), 'utf8');

/** The body of the page's one ```lang block that holds `marker`. */
function block(lang: string, marker: string): string {
  const found = [...PAGE.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!).filter((b) => b.includes(marker));
  assert.equal(found.length, 1, `exactly one ${lang} block of the page holds ${marker}`);
  return found[0]!;
}

describe("docs/testing-with-tessera.md's start block, run as written", { timeout: 150_000 }, () => {
  let dir: string;
  let start: string;

  before(() => {
    requireTools('curl');
    dir = mkdtempSync(join(tmpdir(), 'tessera-doc-start-'));
    // `tessera` as the installed package provides it: a command on PATH (here the checkout's bin/tessera.js).
    writeFileSync(join(dir, 'tessera'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(join(dir, 'tessera'), 0o755);
    // TMPDIR: the block's `mktemp -d` data directory lands in the scratch directory, removed after.
    const scratch = JSON.stringify(dir);
    start = `export PATH=${scratch}:"$PATH" TMPDIR=${scratch}\ncd ${scratch}\n${block('sh', 'DATA=$(mktemp -d)')}`;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('without inventory.yaml it fails at once with the server\'s message, rather than waiting forever', async () => {
    const result = await runBash(`${start}\necho "not reached"\n`);
    assert.equal(result.status, 1, `exit ${result.status}\n${result.stderr}`);
    assert.match(result.stderr, /^tessera: cannot read inventory\.yaml: ENOENT/m);
    assert.equal(result.stdout, '');
  });

  test("with the page's inventory.yaml the server is ready, has applied it, and stops with exit code 0", async () => {
    writeFileSync(join(dir, 'inventory.yaml'), block('yaml', '# inventory.yaml'));
    const result = await runBash(
      `${start}\ncurl -sS --cacert "$DATA/tls-cert.pem" "$URL/health/ready"; echo\n` +
        `grep '^  Inventory:' "$DATA/banner.txt"\nkill -TERM $PID; wait $PID; echo "exit=$?"\n`,
    );
    assert.equal(result.status, 0, `exit ${result.status}\n${result.stderr}`);
    assert.match(result.stdout, /^\{"status":"ready"\}\n {2}Inventory: inventory\.yaml applied: 8 created, 0 updated, 0 deleted, 1 unchanged/);
    assert.match(result.stdout, /\nexit=0\n$/);
  });
});
