/**
 * Prints the scenario JSON a conformance client expects, for running a client by hand against a server you
 * started yourself (docs/conformance.md, "Debugging"):
 *
 *   TESSERA_CONFORMANCE_PASSWORD=... node --import tsx test/conformance/scenario.ts govcd acme alice > alice.json
 *   TESSERA_CONFORMANCE_PASSWORD=... node --import tsx test/conformance/scenario.ts govcd System administrator > admin.json
 *   TESSERA_CONFORMANCE_PASSWORD=... node --import tsx test/conformance/scenario.ts pyvcloud acme alice > py.json
 */
import { demoWorld, govcdScenario, pyvcloudScenario } from './expect.js';

const [client, org, user] = process.argv.slice(2);
const password = process.env.TESSERA_CONFORMANCE_PASSWORD;
if ((client !== 'govcd' && client !== 'pyvcloud') || !org || !user || !password) {
  console.error('usage: TESSERA_CONFORMANCE_PASSWORD=... scenario.ts govcd|pyvcloud ORG USER');
  process.exit(2);
}
const world = demoWorld();
const scenario =
  client === 'govcd'
    ? govcdScenario(world, { org, user, password, sysadmin: org.toLowerCase() === 'system' })
    : pyvcloudScenario(world, { org, user, password });
console.log(JSON.stringify(scenario, null, 2));
