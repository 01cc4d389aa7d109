#!/usr/bin/env node
// A small inventory agent for Tessera (docs/inventory.md, "The sync API for agents").
//
// Reads a JSON export of the platform — {"vdcs": [...], "vapps": [...], "vms": [...]}, each object with its
// external "id" and its parent's ("org" for a VDC, "vdc" for a vApp, "vapp" for a VM) — and pushes it as one
// full-sync generation: begin, batches of at most 1,000 objects per list (parents before children), commit.
// What the export no longer lists is deleted at the commit.
//
//   TESSERA_URL=https://tessera.example.com TESSERA_BEARER=<access token> \
//     node push-inventory.mjs export.json [--source vcenter-1]
//
// TESSERA_BEARER: an access token of a System-org service account (or administrator) with "Inventory: Sync".
// Node 20+, no dependencies. Set NODE_EXTRA_CA_CERTS for a private CA.
import { readFile } from 'node:fs/promises';

const BATCH = 1000;

function usage(message) {
  process.stderr.write(`${message}\nusage: TESSERA_URL=... TESSERA_BEARER=... node push-inventory.mjs EXPORT.json [--source NAME]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const sourceAt = args.indexOf('--source');
const source = sourceAt >= 0 ? args[sourceAt + 1] : 'agent';
const base = process.env.TESSERA_URL;
const bearer = process.env.TESSERA_BEARER;
if (!file) usage('name the export file');
if (!base || !bearer) usage('set TESSERA_URL and TESSERA_BEARER');
if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(source)) usage('--source: lowercase letters, digits, ".", "_", "-"');

const endpoint = `${base.replace(/\/$/, '')}/cloudapi/x-tessera/inventory/sources/${source}`;

/** Why the request never got an answer, in words (fetch's own message is only "fetch failed"). */
function unreachable(error) {
  const code = error?.cause?.code ?? error?.cause?.message ?? error?.message;
  const untrusted = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(String(code));
  return new Error(
    `cannot reach ${base}: ${code}` +
      (untrusted
        ? '\n  its certificate is not trusted; for the self-signed one `tessera serve` generates, run with ' +
          'NODE_EXTRA_CA_CERTS=<data dir>/tls-cert.pem (./.tessera/tls-cert.pem in the quick start)'
        : ''),
  );
}

async function call(method, path, body) {
  const res = await fetch(`${endpoint}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${bearer}`,
      Accept: 'application/json',
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  }).catch((error) => {
    throw unreachable(error);
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = JSON.parse(text).message ?? text;
    } catch {}
    throw new Error(`${method} ${path || '/'}: HTTP ${res.status}: ${message}`);
  }
  return text ? JSON.parse(text) : {};
}

const exported = JSON.parse(await readFile(file, 'utf8'));
const lists = ['vdcs', 'vapps', 'vms'];
for (const kind of lists) {
  if (exported[kind] !== undefined && !Array.isArray(exported[kind])) usage(`${file}: "${kind}" must be a list`);
}

const { generation } = await call('POST', '/generations').catch((error) => {
  process.stderr.write(`sync not started: ${error.message}\n`);
  process.exit(1);
});
const totals = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
let batches = 0;
try {
  // Parents first: a vApp's VDC must exist (this batch or an earlier one) before the vApp is sent.
  for (const kind of lists) {
    const items = exported[kind] ?? [];
    for (let i = 0; i < items.length; i += BATCH) {
      const result = await call('POST', `/batches?generation=${generation}`, { [kind]: items.slice(i, i + BATCH) });
      batches++;
      for (const k of Object.keys(totals)) totals[k] += result[k];
    }
  }
} catch (error) {
  // Nothing is deleted for an unfinished generation; the next run begins a new one.
  process.stderr.write(`sync failed, generation ${generation} left uncommitted: ${error.message}\n`);
  process.exit(1);
}
const { deleted } = await call('POST', `/generations/${generation}/commit`);
process.stdout.write(
  `generation ${generation}: ${batches} batches, ${totals.created} created, ${totals.updated} updated, ${totals.deleted} deleted, ` +
    `${totals.unchanged} unchanged; commit deleted ${deleted.vms} VMs, ${deleted.vapps} vApps, ${deleted.vdcs} VDCs\n`,
);
