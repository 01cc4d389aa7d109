/**
 * The portal's pending sign-in (password checked, code due) makes one session across the nodes of one PostgreSQL
 * store: its nonce is claimed in the store when the code step succeeds, so a copy of the pending cookie presented to
 * another node, with another fresh code, is refused as a sign-in that took too long.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../helpers/tessera.js';
import { twoNodes } from './two-nodes.js';
import { newTotpSecret, totpCode } from '../../src/auth/totp.js';
import { PortalClient, csrfFrom } from '../portal/portal-client.js';
import { freshTotpWindow } from '../security/support.js';

test('a copy of the pending cookie, completed on another node with a fresh code, starts no second session', async (t) => {
  const { nodeA, nodeB } = await twoNodes(t);
  const secret = newTotpSecret();
  const acme = (await nodeA.store.getOrgByName('acme'))!;
  const bob = (await nodeA.store.getUserByName(acme.id, 'bob'))!;
  await nodeA.store.updateUser(bob.id, { totp_secret: secret, totp_enabled: 1, totp_last_step: 0 });
  const step = await freshTotpWindow();

  const atA = new PortalClient(nodeA.server.app);
  const first = await atA.submit('/tenant/acme/login', '/tenant/acme/login', { username: 'bob', password: DEMO_PASSWORD });
  assert.equal(first.headers.location, '/tenant/acme/login/code');
  const copied = atA.cookies.get('tessera_pending')!;
  const codePageA = await atA.get('/tenant/acme/login/code');
  const done = await atA.post('/tenant/acme/login/code', { _csrf: csrfFrom(codePageA.body), code: totpCode(secret, step - 15_000) });
  assert.equal(done.headers.location, '/tenant/acme/');

  // Node B reads the copied cookie (the portal secret is in the store) and the claim (the store too): its code page
  // sends the browser back to the sign-in, and a code posted with the copy starts nothing.
  const atB = new PortalClient(nodeB.server.app);
  atB.cookies.set('tessera_pending', copied);
  const codePage = await atB.get('/tenant/acme/login/code');
  assert.equal(codePage.statusCode, 303, 'node B knows the pending sign-in is spent');
  assert.equal(codePage.headers.location, '/tenant/acme/login?notice=code-expired');
  atB.cookies.set('tessera_pending', copied);
  const refused = await atB.post('/tenant/acme/login/code', { _csrf: csrfFrom(codePageA.body), code: totpCode(secret, step + 15_000) });
  assert.equal(refused.statusCode, 303);
  assert.equal(refused.headers.location, '/tenant/acme/login?notice=code-expired');
  assert.equal(atB.cookies.has('tessera_session'), false, 'no second session');
});
