/**
 * `tessera service-account create|list|authorize|grant|token|revoke|delete`: VCD 10.4 service accounts on the
 * wire govcd uses (docs/service-accounts.md). The administrator's commands run on the saved password session
 * (`tessera login`; API-token sessions may not manage service accounts). `token` needs no session: it trades the
 * token file's refresh token for an access token and rewrites the file with the rotated token.
 */
import { Option, type Command } from 'commander';
import { ServiceAccountsApi, pollDeviceToken, type ServiceAccountEntity } from '../client/service-accounts.js';
import { VcdClient } from '../client/vcd-client.js';
import { readTokenFile, writeTokenFile } from '../client/token-file.js';
import {
  addServerOptions,
  checkTokenFileWritable,
  clientFor,
  saveRotatedToken,
  warnIfCleartext,
  type ConnectionFlags,
} from './connection.js';
import { StreamingTable, type Column } from './format/table.js';
import { action } from './io.js';
import { usageError } from './exit-codes.js';
import { checkOutPath } from './out-file.js';
import { requireSession } from './session-file.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface CreateFlags extends ConnectionFlags {
  role: string;
  softwareId: string;
  softwareVersion?: string;
  uri?: string;
}
interface ListFlags extends ConnectionFlags {
  output: 'table' | 'json';
  filter?: string;
}
interface AuthorizeFlags extends ConnectionFlags {
  wait?: boolean;
  out?: string;
  force?: boolean;
}
interface GrantFlags extends ConnectionFlags {
  deny?: boolean;
}
interface TokenFlags extends ConnectionFlags {
  tokenFile?: string;
}

const COLUMNS: Column<ServiceAccountEntity>[] = [
  { header: 'NAME', value: (a) => a.name },
  { header: 'ID', value: (a) => a.id, whole: true },
  { header: 'ROLE', value: (a) => a.role?.name ?? '?' },
  { header: 'STATUS', value: (a) => a.status },
  { header: 'SOFTWARE ID', value: (a) => a.softwareId },
  { header: 'LAST USED', value: (a) => a.lastUsedTimeUtc ?? 'never' },
];

export function registerServiceAccountCommands(program: Command): void {
  const sa = program
    .command('service-account')
    .description('Service accounts (VCD 10.4): create, authorize by device flow, rotate tokens, revoke, delete')
    .addHelpText(
      'after',
      `
Examples:
  $ tessera service-account create ci --role "vApp Author" --software-id 5f1c6f1e-0000-4000-8000-000000000001
  $ tessera service-account authorize ci --wait --out ./ci-token.json
  $ tessera service-account grant BCDF-GHJK          (as an administrator, from another shell)
  $ tessera service-account token --token-file ./ci-token.json --endpoint https://vcd.example.com --org acme`,
    );

  const create = sa
    .command('create')
    .argument('<name>', 'a name unique in the organization')
    .description('Register a service account (status CREATED)')
    .requiredOption('--role <role>', 'the role it acts with: a role name or URN of the org (you must hold all its rights)')
    .requiredOption('--software-id <uuid>', 'a UUID naming the software that will use it')
    .option('--software-version <version>', 'the software version')
    .option('--uri <uri>', 'a URI for the software');
  addServerOptions(create).action(action((name: string, flags: CreateFlags) => runCreate(name, flags)));

  const list = sa
    .command('list')
    .description('List the service accounts you can see')
    .addOption(new Option('--output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .option('--filter <fiql>', 'FIQL filter, e.g. "status==ACTIVE"');
  addServerOptions(list).action(action((flags: ListFlags) => runList(flags)));

  const authorize = sa
    .command('authorize')
    .argument('<account>', 'the service account: its id (client_id or URN) or name')
    .description('Start the device flow: print the user code an administrator grants; with --wait, poll for the first token')
    .option('--wait', 'poll until the request is granted or denied (RFC 8628 interval and slow_down), then write the token')
    .option('--out <file>', 'with --wait: the token file to write (govcd format, mode 0600)')
    .option('--force', 'with --out, replace an existing file');
  addServerOptions(authorize).action(action((account: string, flags: AuthorizeFlags) => runAuthorize(account, flags)));

  const grant = sa
    .command('grant')
    .argument('<user-code>', 'the user code the device showed, e.g. BCDF-GHJK')
    .description('Grant (or with --deny, deny) a pending request of your organization by its user code')
    .option('--deny', 'deny the request instead');
  addServerOptions(grant).action(action((code: string, flags: GrantFlags) => runGrant(code, flags)));

  const token = sa
    .command('token')
    .description("Trade the token file's refresh token for an access token (printed) and save the rotated refresh token")
    .requiredOption('--token-file <file>', 'the service account token file ({"refresh_token": ...}, govcd format)');
  addServerOptions(token).action(
    action((flags: TokenFlags) => runToken(flags), {
      ERR_VCD_INVALID_GRANT:
        "The account's refresh token was revoked, already used (it rotates on every use) or never granted: " +
        'start the device flow again (tessera service-account authorize ACCOUNT --wait --out FILE).',
    }),
  );

  const revoke = sa
    .command('revoke')
    .argument('<account>', 'id or name')
    .description('End every refresh token and session of the account (it returns to CREATED)');
  addServerOptions(revoke).action(action((account: string, flags: ConnectionFlags) => runRevoke(account, flags)));

  const remove = sa.command('delete').argument('<account>', 'id or name').description('Delete the service account');
  addServerOptions(remove).action(action((account: string, flags: ConnectionFlags) => runDelete(account, flags)));
}

/** The administrator's calls: the saved password session (an API token may not manage service accounts). */
async function api(flags: ConnectionFlags): Promise<{ client: VcdClient; accounts: ServiceAccountsApi }> {
  const client = await clientFor(flags);
  return { client, accounts: new ServiceAccountsApi(client) };
}

async function runCreate(name: string, flags: CreateFlags): Promise<void> {
  if (!UUID.test(flags.softwareId)) throw usageError('--software-id must be a UUID');
  const { accounts } = await api(flags);
  const created = await accounts.create({
    name,
    role: flags.role,
    softwareId: flags.softwareId,
    softwareVersion: flags.softwareVersion,
    uri: flags.uri,
  });
  process.stdout.write(`${created.clientId}\n`);
  process.stderr.write(
    `Created service account "${name}" (${created.id}). Next: tessera service-account authorize ${name} --wait --out FILE\n`,
  );
}

async function runList(flags: ListFlags): Promise<void> {
  const { accounts } = await api(flags);
  const items: ServiceAccountEntity[] = [];
  for await (const a of accounts.list({ filter: flags.filter })) items.push(a);
  if (flags.output === 'json') {
    process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
    return;
  }
  if (items.length === 0) {
    process.stderr.write('No service accounts.\n');
    return;
  }
  process.stdout.write(new StreamingTable(COLUMNS).start(items));
}

async function runAuthorize(ref: string, flags: AuthorizeFlags): Promise<void> {
  if (flags.out && !flags.wait) throw usageError('--out needs --wait (the token comes once the request is granted)');
  if (flags.wait && !flags.out) throw usageError('--wait needs --out FILE: the refresh token must be saved, it is shown nowhere else');
  // The first refresh token comes once, when the request is granted: where it goes must be writable before the
  // request is made (until 2026-12-05 a missing directory was found only then, and until 2026-12-06 a directory
  // given as --out with --force, and the token was lost).
  if (flags.out) await checkOutPath(flags.out, flags.force ?? false);
  const { client, accounts } = await api(flags);
  const account = await accounts.resolve(ref);
  const auth = await accounts.authorize(account.id);
  process.stdout.write(`${auth.user_code}\n`);
  process.stderr.write(
    `Service account "${account.name}" asks for access. An administrator of ${account.org?.name ?? client.org} grants it with\n` +
      `  user code ${auth.user_code} at ${auth.verification_uri}\n` +
      `  (the portal's Administration > Access Requests, or: tessera service-account grant ${auth.user_code})\n` +
      `The code expires in ${Math.round(auth.expires_in / 60)} minutes.\n`,
  );
  if (!flags.wait) return;
  const session = await requireSession().catch(() => null);
  const answer = await pollDeviceToken({
    endpoint: client.endpoint,
    org: client.org,
    clientId: account.id,
    deviceCode: auth.device_code,
    intervalSeconds: auth.interval,
    insecure: flags.insecure ?? session?.insecure ?? false,
  });
  await writeTokenFile(flags.out!, answer.refresh_token, 'tessera');
  process.stderr.write(`Granted: the first refresh token is in ${flags.out} (it rotates on every use: keep that file writable).\n`);
}

async function runGrant(code: string, flags: GrantFlags): Promise<void> {
  if (code.trim() === '') throw usageError('give the user code');
  const { accounts } = await api(flags);
  await accounts.decide(code.trim(), !flags.deny);
  process.stderr.write(flags.deny ? `Denied the request ${code.trim()}.\n` : `Granted the request ${code.trim()}.\n`);
}

async function runToken(flags: TokenFlags): Promise<void> {
  const session = await requireSession().catch(() => null);
  const endpoint = flags.endpoint ?? session?.endpoint;
  const org = flags.org ?? session?.org;
  if (!endpoint) throw usageError('--endpoint is required (or set TESSERA_ENDPOINT)');
  if (!org) throw usageError('--org is required (or set TESSERA_ORG)');
  // Before the refresh token is sent, as for every other secret (until 2026-12-06 this command sent it without a word).
  warnIfCleartext(endpoint, "the service account's refresh token");
  const tokenFile = flags.tokenFile!;
  await checkTokenFileWritable(tokenFile);
  const client = new VcdClient({
    endpoint,
    org,
    apiToken: await readTokenFile(tokenFile),
    // Rewritten atomically with the rotated token before the access token is printed; should the write still fail,
    // the new token is printed instead of lost (saveRotatedToken).
    onApiTokenRotated: (rotated) => saveRotatedToken(tokenFile, rotated),
    apiVersion: flags.apiVersion,
    insecure: flags.insecure ?? false,
  });
  process.stdout.write(`${await client.accessToken()}\n`);
  process.stderr.write(`The rotated refresh token is saved in ${flags.tokenFile}.\n`);
}

async function runRevoke(ref: string, flags: ConnectionFlags): Promise<void> {
  const { accounts } = await api(flags);
  const account = await accounts.resolve(ref);
  await accounts.revoke(account.id);
  process.stderr.write(`Revoked service account "${account.name}" (${account.id}): its tokens and sessions ended.\n`);
}

async function runDelete(ref: string, flags: ConnectionFlags): Promise<void> {
  const { accounts } = await api(flags);
  const account = await accounts.resolve(ref);
  await accounts.remove(account.id);
  process.stderr.write(`Deleted service account "${account.name}" (${account.id}).\n`);
}
