import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { selfCommand } from '../../src/cli/self-command.js';

test('the installed command is spelled tessera', () => {
  assert.equal(selfCommand('/usr/local/bin/tessera', '/home/op'), 'tessera');
  assert.equal(selfCommand('/home/op/proj/node_modules/.bin/tessera', '/home/op/proj'), 'tessera');
  assert.equal(selfCommand('', '/x'), 'tessera');
});

test('a script run from a checkout is spelled as it can be pasted there', () => {
  assert.equal(selfCommand('/srv/tessera/bin/tessera.js', '/srv/tessera'), 'node bin/tessera.js');
  // `npm start` runs the build: its hints name bin/tessera.js beside it, as the README does for a checkout.
  const checkout = (path: string) => path === '/srv/tessera/bin/tessera.js';
  assert.equal(selfCommand('/srv/tessera/dist/cli/main.js', '/srv/tessera', checkout), 'node bin/tessera.js');
  assert.equal(selfCommand('/srv/tessera/dist/cli/main.js', '/tmp', checkout), 'node /srv/tessera/bin/tessera.js');
  // No bin/ beside it (a copied dist/): the script as it was run.
  assert.equal(
    selfCommand('/srv/tessera/dist/cli/main.js', '/srv/tessera', () => false),
    'node dist/cli/main.js',
  );
  // Run from elsewhere: the absolute path, which works from anywhere.
  assert.equal(selfCommand('/srv/tessera/bin/tessera.js', '/tmp'), 'node /srv/tessera/bin/tessera.js');
});

test("this checkout's npm start (node dist/cli/main.js) is spelled node bin/tessera.js, the README's command", () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  assert.equal(selfCommand(`${root}dist/cli/main.js`, root), 'node bin/tessera.js');
});
