import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selfCommand } from '../../src/cli/self-command.js';

test('the installed command is spelled tessera', () => {
  assert.equal(selfCommand('/usr/local/bin/tessera', '/home/op'), 'tessera');
  assert.equal(selfCommand('/home/op/proj/node_modules/.bin/tessera', '/home/op/proj'), 'tessera');
  assert.equal(selfCommand('', '/x'), 'tessera');
});

test('a script run from a checkout is spelled as it can be pasted there', () => {
  assert.equal(selfCommand('/srv/tessera/dist/cli/main.js', '/srv/tessera'), 'node dist/cli/main.js');
  assert.equal(selfCommand('/srv/tessera/bin/tessera.js', '/srv/tessera'), 'node bin/tessera.js');
  // Run from elsewhere: the absolute path, which works from anywhere.
  assert.equal(selfCommand('/srv/tessera/bin/tessera.js', '/tmp'), 'node /srv/tessera/bin/tessera.js');
});
