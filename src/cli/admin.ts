/**
 * `tessera admin org create|list|disable|enable|delete` and `tessera admin user create|list|disable|enable|
 * set-password|delete`: orgs (the provider's) and org users (an org administrator's, in their own org) for
 * scripts, thin over the SDK's AdminApi (src/client/admin.ts), so they work against a real VCD as well.
 * Connection as every client command: the saved session (`tessera login`), or an API token with --endpoint/--org.
 * User management needs a password session (API-token sessions may not manage users, as in VCD).
 */
import { Option, type Command } from 'commander';
import { AdminApi, type EntityRef, type UserSummary } from '../client/admin.js';
import { VcdApiError } from '../client/errors.js';
import type { OrgEntity } from '../client/types.js';
import { addServerOptions, addTokenFileOption, clientFor, type ConnectionFlags } from './connection.js';
import { StreamingTable, type Column } from './format/table.js';
import { action, describeError } from './io.js';
import { CliError, EXIT, exitCodeFor, usageError } from './exit-codes.js';
import { canPrompt, promptLine, readAllStdin } from './prompt.js';
import { registerStoreAdminCommands } from './store-admin.js';

interface OutputFlags extends ConnectionFlags {
  output: 'table' | 'json';
}

interface OrgCreateFlags extends ConnectionFlags {
  fullName?: string;
  description?: string;
  disabled?: boolean;
}

interface OrgDeleteFlags extends ConnectionFlags {
  recursive?: boolean;
  force?: boolean;
}

interface UserFlags extends ConnectionFlags {
  in: string;
}

interface UserCreateFlags extends UserFlags {
  role: string;
  fullName?: string;
  email?: string;
  disabled?: boolean;
  passwordStdin?: boolean;
}

interface PasswordFlags extends UserFlags {
  passwordStdin?: boolean;
  revokeApiTokens?: boolean;
}

const connection = (command: Command) => addTokenFileOption(addServerOptions(command));
const outputOption = () => new Option('--output <format>', 'table or json').choices(['table', 'json']).default('table');

export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      'Manage organizations (System administrator) and their users through VCD’s admin API; reset a password, back up and restore on the store itself',
    );

  // ---------------------------------------------------------------- orgs
  const org = admin.command('org').description('Create, list, disable, enable and delete organizations (System administrator)');
  connection(
    org
      .command('create')
      .argument('<name>', 'the org name (letters, digits, "-", "_", "."; it appears in URLs)')
      .description('Create an organization with the predefined roles')
      .option('--full-name <text>', 'display name (default: the name)')
      .option('--description <text>', 'description')
      .option('--disabled', 'create it disabled'),
  )
    .addHelpText('after', '\nExamples:\n  $ tessera admin org create acme --full-name "Acme Corporation"')
    .action(action((name: string, flags: OrgCreateFlags) => runOrgCreate(name, flags)));
  connection(org.command('list').description('List the organizations you can see').addOption(outputOption())).action(
    action((flags: OutputFlags) => runOrgList(flags)),
  );
  for (const verb of ['disable', 'enable'] as const) {
    connection(
      org
        .command(verb)
        .argument('<name>', 'the org name')
        .description(
          verb === 'disable'
            ? 'Disable an organization: its users cannot sign in, their sessions end and their API tokens stop working'
            : 'Enable an organization again (its users sign in anew)',
        ),
    ).action(action((name: string, flags: ConnectionFlags) => runOrgEnabled(name, verb === 'enable', flags)));
  }
  connection(
    org
      .command('delete')
      .argument('<name>', 'the org name')
      .description('Delete a disabled organization')
      .option('--recursive', 'also delete its users, VDCs and vApps (refused without it when it holds any)')
      .option('--force', 'with --recursive, also delete deployed vApps'),
  )
    .addHelpText('after', '\nExamples:\n  $ tessera admin org disable acme && tessera admin org delete acme --recursive --force')
    .action(action((name: string, flags: OrgDeleteFlags) => runOrgDelete(name, flags)));

  // ---------------------------------------------------------------- users
  const user = admin.command('user').description('Create, list, disable, enable and delete the users of an organization');
  const inOrg = (command: Command, description = 'the organization the user belongs to') =>
    command.requiredOption('--in <org>', description);
  connection(
    inOrg(
      user
        .command('create')
        .argument('<name>', 'the user name')
        .description('Create a user with a role of the org')
        .requiredOption('--role <name>', 'a role of the org, e.g. "Organization Administrator"')
        .option('--full-name <text>', 'full name')
        .option('--email <address>', 'email address')
        .option('--disabled', 'create the user disabled')
        .option('--password-stdin', 'read the password from standard input (else TESSERA_NEW_PASSWORD, else a prompt)'),
    ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ pass show acme/oa | tessera admin user create oa --in acme --role "Organization Administrator" --password-stdin',
    )
    .action(action((name: string, flags: UserCreateFlags) => runUserCreate(name, flags)));
  connection(
    inOrg(
      user.command('list').description("List an organization's users").addOption(outputOption()),
      'the organization whose users to list',
    ),
  ).action(action((flags: OutputFlags & UserFlags) => runUserList(flags)));
  for (const verb of ['disable', 'enable'] as const) {
    connection(
      inOrg(
        user
          .command(verb)
          .argument('<name>', 'the user name')
          .description(verb === 'disable' ? 'Disable a user: sessions end, API tokens are revoked' : 'Enable a user again'),
      ),
    ).action(action((name: string, flags: UserFlags) => runUserEnabled(name, verb === 'enable', flags)));
  }
  connection(
    inOrg(
      user
        .command('set-password')
        .argument('<name>', 'the user name')
        .description("Set a user's password (ends that user's sessions; their API tokens keep working unless --revoke-api-tokens)")
        .option('--password-stdin', 'read the password from standard input (else TESSERA_NEW_PASSWORD, else a prompt)')
        .option(
          '--revoke-api-tokens',
          'also revoke every API token of the user (a compromised account: the new password alone leaves them working)',
        ),
    ),
  ).action(action((name: string, flags: PasswordFlags) => runSetPassword(name, flags)));
  connection(
    inOrg(
      user
        .command('delete')
        .argument('<name>', 'the user name')
        .description('Delete a user (their vApps and VMs are left without an owner)'),
    ),
  ).action(action((name: string, flags: UserFlags) => runUserDelete(name, flags)));

  // ---------------------------------------------------------------- on the store itself (store-admin.ts)
  registerStoreAdminCommands(admin);
}

async function api(flags: ConnectionFlags): Promise<AdminApi> {
  return new AdminApi(await clientFor(flags));
}

/** Not found is exit 4 ("forbidden or not found"), like a 403 from the server. */
async function found<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof Error && /^No (organization|user|role) named/.test(error.message))
      throw new CliError(error.message, EXIT.FORBIDDEN);
    throw error;
  }
}

async function newPassword(flags: { passwordStdin?: boolean }, question: string): Promise<string> {
  if (flags.passwordStdin) {
    if (process.stdin.isTTY) throw usageError('--password-stdin needs the password piped in, not a terminal');
    // Nothing piped in (an empty secret store entry, a variable that was unset): a usage error, nothing sent.
    const piped = await readAllStdin();
    if (piped === '') throw usageError('--password-stdin read an empty password from standard input');
    return piped;
  }
  const fromEnv = process.env.TESSERA_NEW_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!canPrompt()) throw usageError('No terminal to ask for the password: set TESSERA_NEW_PASSWORD or use --password-stdin');
  const first = await promptLine(question, { hidden: true });
  if ((await promptLine('Again: ', { hidden: true })) !== first) throw usageError('The passwords differ');
  return first;
}

function print<T>(rows: T[], flags: OutputFlags, columns: Column<T>[], empty: string): void {
  if (flags.output === 'json') {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) process.stderr.write(`${empty}\n`);
  else process.stdout.write(new StreamingTable(columns).start(rows));
}

async function runOrgCreate(name: string, flags: OrgCreateFlags): Promise<void> {
  const created = await (
    await api(flags)
  ).createOrg({ name, fullName: flags.fullName, description: flags.description, enabled: !flags.disabled });
  process.stdout.write(`${created.id}\n`);
  process.stderr.write(`Created organization "${created.name}" (urn:vcloud:org:${created.id})${flags.disabled ? ', disabled' : ''}.\n`);
}

const ORG_COLUMNS: Column<OrgEntity>[] = [
  { header: 'NAME', value: (o) => o.name },
  { header: 'ID', value: (o) => o.id, whole: true },
  { header: 'FULL NAME', value: (o) => o.displayName ?? '' },
  { header: 'ENABLED', value: (o) => (o.isEnabled === false ? 'no' : 'yes') },
];

async function runOrgList(flags: OutputFlags): Promise<void> {
  const client = await clientFor(flags);
  const orgs: OrgEntity[] = [];
  for await (const o of client.listOrgs()) orgs.push(o);
  print(orgs, flags, ORG_COLUMNS, 'No organizations.');
}

async function runOrgEnabled(name: string, enabled: boolean, flags: ConnectionFlags): Promise<void> {
  const admin = await api(flags);
  const org = await found(admin.findOrg(name));
  await admin.setOrgEnabled(org, enabled);
  process.stderr.write(`${enabled ? 'Enabled' : 'Disabled'} organization "${org.name}".\n`);
}

async function runOrgDelete(name: string, flags: OrgDeleteFlags): Promise<void> {
  const admin = await api(flags);
  const org = await found(admin.findOrg(name));
  try {
    await admin.deleteOrg(org, { force: flags.force ?? false, recursive: flags.recursive ?? false });
  } catch (error) {
    // The API's words name its query parameters; here they are the flags. VCD's request-id prefix is dropped: the
    // sentence is the whole answer.
    if (error instanceof VcdApiError && /pass (recursive|force)=true/.test(error.serverMessage)) {
      const said = error.serverMessage
        .replace(/^\[ [^\]]* \] /, '')
        .replace('pass recursive=true', 'pass --recursive')
        .replace('pass force=true', 'pass --force');
      throw new CliError(`Cannot delete organization "${org.name}": ${said}`, EXIT.FAILED);
    }
    // VCD deletes only a disabled org: say which command comes first, as the portal's delete page does.
    if (error instanceof VcdApiError && /must be disabled before it can be deleted/.test(error.serverMessage)) {
      throw new CliError(`${describeError(error)}\n  Disable it first: tessera admin org disable ${org.name}`, exitCodeFor(error));
    }
    throw error;
  }
  process.stderr.write(`Deleted organization "${org.name}".\n`);
}

async function orgAndUser(flags: UserFlags, name: string): Promise<{ admin: AdminApi; org: EntityRef; user: EntityRef }> {
  const admin = await api(flags);
  const org = await found(admin.findOrg(flags.in));
  return { admin, org, user: await found(admin.findUser(org, name)) };
}

async function runUserCreate(name: string, flags: UserCreateFlags): Promise<void> {
  const admin = await api(flags);
  const org = await found(admin.findOrg(flags.in));
  const password = await newPassword(flags, `Password for ${name}@${org.name}: `);
  const created = await found(
    admin.createUser(org, {
      name,
      password,
      roleName: flags.role,
      fullName: flags.fullName,
      email: flags.email,
      enabled: !flags.disabled,
    }),
  );
  process.stdout.write(`${created.id}\n`);
  process.stderr.write(`Created user "${created.name}" in ${org.name} with the role "${flags.role}".\n`);
}

const USER_COLUMNS: Column<UserSummary>[] = [
  { header: 'NAME', value: (u) => u.name },
  { header: 'ID', value: (u) => u.id, whole: true },
  { header: 'ROLE', value: (u) => u.roleName ?? '' },
  { header: 'FULL NAME', value: (u) => u.fullName },
  { header: 'ENABLED', value: (u) => (u.enabled ? 'yes' : 'no') },
];

async function runUserList(flags: OutputFlags & UserFlags): Promise<void> {
  const admin = await api(flags);
  const org = await found(admin.findOrg(flags.in));
  print(await admin.listUsers(org), flags, USER_COLUMNS, 'No users.');
}

async function runUserEnabled(name: string, enabled: boolean, flags: UserFlags): Promise<void> {
  const { admin, org, user } = await orgAndUser(flags, name);
  await admin.setUserEnabled(user, enabled);
  process.stderr.write(`${enabled ? 'Enabled' : 'Disabled'} user "${user.name}" in ${org.name}.\n`);
}

async function runSetPassword(name: string, flags: PasswordFlags): Promise<void> {
  const { admin, org, user } = await orgAndUser(flags, name);
  const revokeApiTokens = flags.revokeApiTokens === true;
  await admin.setUserPassword(user, await newPassword(flags, `New password for ${user.name}@${org.name}: `), { revokeApiTokens });
  process.stderr.write(
    revokeApiTokens
      ? `Set the password of "${user.name}" in ${org.name}; their sessions have ended and their API tokens are revoked.\n`
      : `Set the password of "${user.name}" in ${org.name}; their sessions have ended. Their API tokens still work: add --revoke-api-tokens to revoke them too.\n`,
  );
}

async function runUserDelete(name: string, flags: UserFlags): Promise<void> {
  const { admin, org, user } = await orgAndUser(flags, name);
  await admin.deleteUser(user);
  process.stderr.write(`Deleted user "${user.name}" from ${org.name}.\n`);
}
