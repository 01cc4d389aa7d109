/**
 * SQLite's temporary files (statement journals, large sorts) go to the first writable of SQLITE_TMPDIR, TMPDIR,
 * /var/tmp, /usr/tmp, /tmp and the working directory; when none is writable (a container with a read-only root file
 * system and only the data directory writable), to the data directory. Until 2026-12-06 such a container could not
 * load the demo's inventory at start, and every inventory write was refused as "full or read-only".
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { temporaryDirectoryFor } from '../../src/store/sqlite.js';

test('the data directory only when no usual temporary directory can be written', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-tmpdirs-'));
  try {
    const aFile = join(scratch, 'not-a-directory');
    writeFileSync(aFile, '');
    const missing = join(scratch, 'missing');
    const writable = mkdtempSync(join(scratch, 'writable-'));
    assert.equal(temporaryDirectoryFor('/data', [undefined, missing, aFile]), '/data', 'none usable: the data directory');
    assert.equal(temporaryDirectoryFor('/data', [missing, writable]), null, 'a usable one: SQLite finds it itself');
    if (process.getuid?.() !== 0) {
      // Root writes anywhere: the mode check means something only for another user.
      const readOnly = mkdtempSync(join(scratch, 'read-only-'));
      chmodSync(readOnly, 0o555);
      assert.equal(temporaryDirectoryFor('/data', [readOnly]), '/data');
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
