/**
 * `tessera token create|list|revoke|regenerate`: API tokens of the signed-in user (or, with "API Tokens: Manage All",
 * of the org), on VCD's wire.
 */
import { rename, rm } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ApiTokenEntity } from '../client/types.js';
import { addServerOptions, addTokenFileOption, apiTokenFrom, clientFor, sessionClient, type ConnectionFlags } from './connection.js';
import { parseExpiry, parseGrace } from './format/expiry.js';
import { StreamingTable, type Column } from './format/table.js';
import { action, describeError } from './io.js';
import { CliError, EXIT, exitCodeFor, usageError } from './exit-codes.js';
import { checkOutPath } from './out-file.js';
import { openPrivateTempBeside, type PrivateTempFile } from '../store/private-temp-file.js';
import { requireSession } from './session-file.js';
import { VcdApiError } from '../client/errors.js';
import type { VcdClient } from '../client/vcd-client.js';
import {
  CLI_TOKEN_STATES,
  combinedFiql,
  hasSelection,
  liveFiql,
  unusedDaysArgument,
  type CliTokenState,
  type TokenShorthands,
} from './token-filter.js';

interface CreateFlags {
  expires?: string;
  scope?: string;
  out?: string;
  force?: boolean;
}

interface RegenerateFlags {
  grace: string;
  expires?: string;
  out?: string;
  force?: boolean;
}

interface SelectionFlags {
  filter?: string;
  owner?: string;
  state?: CliTokenState;
  unusedDays?: number;
}

interface ListFlags extends ConnectionFlags, SelectionFlags {
  output: 'table' | 'json';
  sort?: string;
}

interface RevokeFlags extends ConnectionFlags, SelectionFlags {
  yes?: boolean;
  limit?: number;
}

/** The most matches a bulk revoke takes without --limit (the portal's bulk revoke has the same bound a request). */
export const DEFAULT_BULK_LIMIT = 10_000;
const MAX_BULK_LIMIT = 1_000_000;

/** --owner, --state, --unused-days (and --filter, given by the caller), on `token list` and `token revoke`. */
function addSelectionOptions(command: Command, what: string, bulk = false): Command {
  // A bulk revoke refuses `expired` (an expired token already stops by itself): its help says so rather than offer it.
  const expired = bulk ? 'never-used (expired is refused: an expired token already stops working)' : 'expired, never-used';
  const state = new Option(
    '--state <state>',
    `${what} in this state: active (no expiry, or more than 7 days ahead), expiring (within 7 days), ${expired}`,
  );
  // Nor among its choices (until 2026-12-07 the help's list offered `expired` beside the text refusing it); typed
  // anyway, it is refused with the reason rather than as an unknown word.
  if (bulk) state.choices(BULK_REVOKE_STATES).argParser(bulkRevokeState);
  else state.choices([...CLI_TOKEN_STATES]);
  return command
    .option('--owner <user>', `${what} of this user (in any case, as sign-in reads the name)`)
    .addOption(state)
    .addOption(
      new Option(
        '--unused-days <n>',
        `${what} not used for N days (1 to 3650): last used before then, or never used and created before then, and not expired`,
      ).argParser(unusedDaysArgument),
    );
}

/** The states a bulk revoke takes: the live ones. */
const BULK_REVOKE_STATES = CLI_TOKEN_STATES.filter((state) => state !== 'expired');

function bulkRevokeState(value: string): CliTokenState {
  if (value === 'expired') throw new InvalidArgumentError(EXPIRED_NOT_REVOKED);
  const state = BULK_REVOKE_STATES.find((live) => live === value);
  if (state === undefined) throw new InvalidArgumentError(`Allowed choices are ${BULK_REVOKE_STATES.join(', ')}.`);
  return state;
}

const EXPIRED_NOT_REVOKED =
  'An expired token already stops working: a bulk revoke takes live tokens only (token list --state expired lists them).';

/** A bulk revoke's heading and dry-run line, in the singular for one token ("1 live API token matches:"). */
export function bulkMatchWords(count: number): { heading: string; dryRun: string } {
  if (count === 1) {
    return {
      heading: '1 live API token matches:',
      dryRun: 'Dry run: nothing was revoked. To revoke this live API token, run the same command with --yes.',
    };
  }
  return {
    heading: `${count} live API tokens match:`,
    dryRun: `Dry run: nothing was revoked. To revoke these ${count} live API tokens, run the same command with --yes.`,
  };
}

function checkSelection(flags: SelectionFlags): void {
  if (flags.owner !== undefined && flags.owner.trim() === '') throw usageError('--owner needs a user name');
}

export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('Create, list, regenerate and revoke API tokens')
    .addHelpText(
      'after',
      // In this order they run as written on a fresh machine: --out in a directory that exists, --force for the file
      // the create wrote, and no --grace before revoking by name (the old token, live through its grace, has the
      // same name: the revoke would ask for an id). `token regenerate --help` shows --grace.
      `
Examples:
  $ tessera token create ci-pipeline --expires 90d --out ./ci-token.json
  $ tessera token list
  $ tessera token list --unused-days 90
  $ tessera token regenerate ci-pipeline --out ./ci-token.json --force
  $ tessera token revoke ci-pipeline
  $ tessera token revoke --unused-days 90 --yes`,
    );

  token
    .command('create')
    .argument('<name>', 'a name to recognise the token by (unique among your tokens)')
    .description('Create an API token from the signed-in password session; it is shown once')
    .option(
      '--expires <when>',
      "expiry: a duration (30m, 12h, 90d, 2w, 1y) or a date (2027-01-31: through the end of that day, UTC); default: never, as in VCD (or the org's maximum lifetime), and said",
    )
    .option('--scope <scope>', 'least privilege: "read-only", or a role (name or URN) within your own rights; default: all your rights')
    .option('--out <file>', 'write {"refresh_token": "..."} to FILE (mode 0600, the file govcd and Terraform read) instead of printing it')
    .option('--force', 'with --out, replace an existing file')
    .addHelpText(
      'after',
      `
Needs a password session (tessera login): API-token sessions cannot create tokens. The token is printed once on
stdout (details on stderr) or written to --out; the server keeps only its hash.

Examples:
  $ tessera token create laptop
  $ tessera token create terraform --expires 90d --out ./vcd-token.json
  $ tessera token create nightly --expires 30d --out /run/secrets/vcd.json --force
  $ tessera token create dashboards --scope read-only
  $ tessera token create deployer --scope "vApp User"`,
    )
    .action(action((name: string, flags: CreateFlags) => runCreate(name, flags)));

  const list = token
    .command('list')
    .description('List the API tokens you can see')
    .addOption(new Option('--output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .option('--filter <fiql>', 'FIQL filter, e.g. "owner.name==alice"; with the options below, all must match')
    .option('--sort <field>', 'sort field: name, -name (descending) or name:desc');
  addTokenFileOption(addServerOptions(addSelectionOptions(list, 'tokens'))).addHelpText(
    'after',
    `
Uses the saved session, or an API token (--token-file / TESSERA_API_TOKEN) with --endpoint and --org; a token
session sees its own token only. --owner, --state and --unused-days are sent as FIQL (--filter's language, on
owner.name, expirationTimeUtc, lastUsedTimeUtc, createdTimeUtc), so they work against a real VCD too; they count
as the portal's filters do, from this machine's clock. Revoked tokens are never listed.

Examples:
  $ tessera token list
  $ tessera token list --output json | jq -r '.[].name'
  $ tessera token list --filter 'owner.name==bob'
  $ tessera token list --owner bob --state expiring
  $ tessera token list --unused-days 90 --filter 'org.name==acme'`,
  );
  list.action(action((flags: ListFlags) => runList(flags)));

  const revoke = token
    .command('revoke')
    .argument('[token]', 'the token id (urn:vcloud:token:<uuid> or the uuid) or its name; or, instead, --filter and the options below')
    .description('Revoke an API token and end every session made from it, or every live token a filter matches')
    .option('--filter <fiql>', 'bulk: revoke the live tokens this FIQL filter matches (with the options below, all must match)');
  addSelectionOptions(revoke, 'bulk: the live tokens', true)
    .option('--yes', 'bulk: revoke them; without it, only list what would be revoked (a dry run) and change nothing')
    .addOption(
      new Option(
        '--limit <n>',
        `bulk: revoke nothing when more than N tokens match (default ${DEFAULT_BULK_LIMIT.toLocaleString('en-US')}): a guard against a filter wider than meant`,
      ).argParser(limitArgument),
    );
  addTokenFileOption(addServerOptions(revoke)).addHelpText(
    'after',
    `
Bulk revoke: with --filter, --owner, --state or --unused-days instead of a token, the live tokens that match (as
\`token list\` with the same options shows them; expired tokens stop by themselves and are left alone) are counted
and listed on stderr. Without --yes that is all: a dry run, exit 0, nothing changed. With --yes each is revoked (one
DELETE each), with progress on stderr ("revoked 120/400") and each revoked id on stdout; a token revoked meanwhile
is skipped; the first other refusal (403, 5xx) stops the run, saying how many were revoked, with the exit code of
that error. More than ${DEFAULT_BULK_LIMIT.toLocaleString('en-US')} matches (or than --limit N) revokes nothing: a filter that reaches that far is
more likely a mistake than a clean-up, and each token takes a request; narrow the filter, or raise --limit once the
list is what you mean. Needs a password session (tessera login): a session made from an API token may revoke only
its own token.

Examples:
  $ tessera token revoke laptop
  $ tessera token revoke urn:vcloud:token:0a3b7c1e-5d2f-4e8a-9b61-2c4d6e8f0a1b
  $ tessera token revoke --owner bob                                   # dry run: what would be revoked
  $ tessera token revoke --owner bob --yes                             # a stolen laptop
  $ tessera token revoke --unused-days 90 --filter 'org.name==acme' --yes   # a nightly clean-up`,
  );
  revoke.action(action((idOrName: string | undefined, flags: RevokeFlags) => runRevoke(idOrName, flags)));

  token
    .command('regenerate')
    .argument('<token>', 'one of your tokens: its id (urn:vcloud:token:<uuid> or the uuid) or its name')
    .description('A new secret for one of your tokens (same name and scope); the new token is shown once')
    .option('--grace <duration>', 'how long the old token keeps working: 0 (stops at once) or 30m, 12h, 1d, 7d (at most 7 days)', '0')
    .option(
      '--expires <when>',
      "the new token's expiry: a duration (30m, 12h, 90d, 2w, 1y), a date (2027-01-31: through the end of that day, UTC) or never (the org's maximum when it has one); default: the old token's lifetime again from now, never when it had none",
    )
    .option('--out <file>', 'write {"refresh_token": "..."} to FILE (mode 0600) instead of printing it')
    .option('--force', 'with --out, replace an existing file (e.g. the file that held the old token)')
    .addHelpText(
      'after',
      `
Needs a password session (tessera login), as creating does; only the token's owner may regenerate it (an
administrator revokes other users' tokens). The new token keeps the name and scope; a token with an expiry gets
the same lifetime again from now (within the org's maximum), one that never expired still never expires, unless
--expires gives another. The old token and its sessions stop at once, or when the grace ends: give your scripts the
new token before then.

Examples:
  $ tessera token regenerate laptop
  $ tessera token regenerate laptop --expires 90d
  $ tessera token regenerate terraform --grace 1d --out ./vcd-token.json --force`,
    )
    .action(action((idOrName: string, flags: RegenerateFlags) => runRegenerate(idOrName, flags)));
}

async function runCreate(name: string, flags: CreateFlags): Promise<void> {
  const expiresAt = flags.expires === undefined ? undefined : parseExpiry(flags.expires, Date.now());
  if (flags.out !== undefined) await checkOutPath(flags.out, flags.force ?? false);
  const session = await requireSession();
  // A file for --out before minting (the token exists once, it must have somewhere to go): a new 0600 file beside it,
  // renamed over it once written, as regenerate does. Until 2026-12-05 --force wrote into the existing file (keeping
  // its mode, 0644 say) and a failed mint deleted it, with the token it held.
  const staged = flags.out ? await stageOutFile(flags.out, flags.force ?? false) : null;
  let created;
  try {
    created = await sessionClient(session).createToken(name, { expiresAt, scope: flags.scope });
  } catch (error) {
    if (staged) {
      await staged.handle.close();
      await rm(staged.path, { force: true });
    }
    throw error;
  }
  const expiry = created.entity?.expirationTimeUtc ?? expiresAt?.toISOString() ?? null;
  // The API's default stays VCD's (never), but a token that never ends is said, with how to make one that does: the
  // portal offers 30 days by default and warns before "Never" (until 2026-12-06 the CLI said nothing).
  const lifetime = expiry ? `, expires ${expiry}` : ', never expires (pass --expires 90d, say, for one that ends by itself)';
  if (staged) {
    await staged.handle.writeFile(`${JSON.stringify({ refresh_token: created.apiToken })}\n`, 'utf8');
    await staged.handle.sync();
    await staged.handle.close();
    await moveIntoPlace(staged.path, flags.out!);
    process.stderr.write(`Created API token "${name}" (${created.id})${lifetime}; written to ${flags.out}\n`);
    return;
  }
  process.stdout.write(`${created.apiToken}\n`);
  process.stderr.write(
    `Created API token "${name}" (${created.id})${lifetime}.\n` +
      'Copy it now: it is not shown again. Use it with --token-file, TESSERA_API_TOKEN or any VCD client.\n',
  );
}

async function runRegenerate(idOrName: string, flags: RegenerateFlags): Promise<void> {
  if (idOrName.trim() === '') throw usageError('give a token id or name');
  let graceSeconds: number;
  let expiresAt: Date | null | undefined;
  try {
    graceSeconds = parseGrace(flags.grace);
    if (flags.expires !== undefined)
      expiresAt = flags.expires.trim().toLowerCase() === 'never' ? null : parseExpiry(flags.expires, Date.now());
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (flags.out !== undefined) await checkOutPath(flags.out, flags.force ?? false);
  const session = await requireSession();
  const client = sessionClient(session);
  const old = await client.resolveToken(idOrName.trim());
  // The new token is written to a fresh file beside --out and renamed over it only once it is there: with --force
  // onto the file that holds the old token, a failed regeneration leaves that file (and the old token) as it was.
  const staged = flags.out ? await stageOutFile(flags.out, flags.force ?? false) : null;
  let made;
  try {
    made = await client.regenerateToken(old.id, { graceSeconds, expiresAt });
  } catch (error) {
    if (staged) {
      await staged.handle.close();
      await rm(staged.path, { force: true });
    }
    throw error;
  }
  const expiry = made.entity.expirationTimeUtc ? `, expires ${made.entity.expirationTimeUtc}` : ', never expires';
  const oldStops =
    graceSeconds === 0
      ? 'The old token and its sessions have stopped.'
      : // Both tokens carry the name until the grace ends, so a name no longer picks one: give the old one's id.
        `The old token (${old.id}) keeps working until ${made.replacedTokenStopsAt.toISOString()}, then stops; ` +
        `to stop it sooner: tessera token revoke ${old.id}`;
  const what = `Regenerated API token "${made.entity.name}": new id ${made.id}${expiry}. ${oldStops}\n`;
  if (staged) {
    await staged.handle.writeFile(`${JSON.stringify({ refresh_token: made.apiToken })}\n`, 'utf8');
    await staged.handle.sync();
    await staged.handle.close();
    await moveIntoPlace(staged.path, flags.out!);
    process.stderr.write(`${what}Written to ${flags.out}.\n`);
    return;
  }
  process.stdout.write(`${made.apiToken}\n`);
  process.stderr.write(`${what}Copy it now: it is not shown again.\n`);
}

/**
 * The written token file moved onto --out. Should that still fail (the path changed since checkOutPath), the
 * token is not lost: the message says which file holds it.
 */
async function moveIntoPlace(stagedPath: string, out: string): Promise<void> {
  try {
    await rename(stagedPath, out);
  } catch (error) {
    throw new CliError(
      `The token could not be moved to ${out} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ` +
        `it is in ${stagedPath} (mode 0600): move it where it belongs, it is not shown again`,
      EXIT.FAILED,
    );
  }
}

/** A new 0600 file beside `path` (renamed over it later); refuses an existing `path` without --force. */
async function stageOutFile(path: string, force: boolean): Promise<PrivateTempFile> {
  await checkOutPath(path, force);
  try {
    return await openPrivateTempBeside(path);
  } catch (error) {
    throw usageError(`Cannot write beside ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const TOKEN_COLUMNS: Column<ApiTokenEntity>[] = [
  { header: 'NAME', value: (t) => t.name },
  { header: 'ID', value: (t) => t.id, whole: true },
  { header: 'OWNER', value: (t) => `${t.owner?.name ?? '?'}@${t.org?.name ?? '?'}` },
  { header: 'STARTS', value: (t) => (t.tokenStart ? `${t.tokenStart}…` : null) },
  { header: 'CREATED', value: (t) => t.createdTimeUtc },
  { header: 'EXPIRES', value: (t) => t.expirationTimeUtc ?? 'never' },
  { header: 'LAST USED', value: (t) => t.lastUsedTimeUtc ?? 'never' },
  // Least privilege: "all" (the owner's rights), "read-only", or the role URN the token was narrowed to.
  { header: 'SCOPE', value: (t) => t.scope ?? 'all' },
  // "expires soon" seven days ahead (as the portal warns), "expired" after, "not issued" for the caller's own
  // registration whose token was never minted (it has no secret and lapses within 15 minutes: until 2026-12-06 its
  // short window read "expires soon"); blank otherwise. Last, so that scripts cutting the earlier columns are not shifted.
  { header: 'STATUS', value: (t) => tokenListStatus(t.expirationTimeUtc ?? null, Date.now(), !t.tokenStart) },
];

/** Seven days, the portal's "expiring soon" (src/http/portal/token-queries.ts EXPIRING_SOON_MS). */
const EXPIRING_SOON_MS = 7 * 86_400_000;

/** The STATUS column of `token list`: null (blank) for a token far from its expiry or without one. */
export function tokenListStatus(expirationTimeUtc: string | null, now: number, unissued = false): string | null {
  if (unissued) return 'not issued';
  if (expirationTimeUtc === null) return null;
  const at = Date.parse(expirationTimeUtc);
  if (Number.isNaN(at)) return null;
  if (at <= now) return 'expired';
  if (at - now <= EXPIRING_SOON_MS) return 'expires soon';
  return null;
}

async function runList(flags: ListFlags): Promise<void> {
  checkSelection(flags);
  const filter = combinedFiql(selection(flags), Date.now());
  const client = await clientFor(flags);
  const tokens: ApiTokenEntity[] = [];
  for await (const token of client.listTokens({ filter, sort: flags.sort })) tokens.push(token);
  if (flags.output === 'json') {
    process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
    return;
  }
  if (tokens.length === 0) {
    process.stderr.write('No API tokens.\n');
    return;
  }
  process.stdout.write(new StreamingTable(TOKEN_COLUMNS).start(tokens));
}

function selection(flags: SelectionFlags): TokenShorthands {
  return { filter: flags.filter, owner: flags.owner, state: flags.state, unusedDays: flags.unusedDays };
}

function limitArgument(value: string): number {
  if (!/^[0-9]+$/.test(value.trim()) || Number(value) < 1 || Number(value) > MAX_BULK_LIMIT) {
    throw new InvalidArgumentError(`a whole number from 1 to ${MAX_BULK_LIMIT}, got "${value.slice(0, 40)}"`);
  }
  return Number(value);
}

async function runRevoke(idOrName: string | undefined, flags: RevokeFlags): Promise<void> {
  const bulk = hasSelection(selection(flags));
  if (bulk && idOrName !== undefined) throw usageError('give a token, or --filter/--owner/--state/--unused-days, not both');
  if (bulk) return runBulkRevoke(flags);
  if (flags.limit !== undefined) throw usageError('--limit goes with a bulk revoke (--filter, --owner, --state, --unused-days)');
  if (idOrName === undefined || idOrName.trim() === '') {
    throw usageError('give a token id or name, or --filter/--owner/--state/--unused-days for a bulk revoke');
  }
  const client = await clientFor(flags);
  const token = await client.resolveToken(idOrName.trim());
  await client.revokeToken(token.id);
  process.stderr.write(`Revoked API token "${token.name}" (${token.id}) of ${token.owner?.name ?? '?'}@${token.org?.name ?? '?'}.\n`);
}

/**
 * `token revoke --filter/--owner/--state/--unused-days [--yes] [--limit N]`: the live tokens that match, listed on
 * stderr; revoked one DELETE each only with --yes (a dry run otherwise), as many as the caller may see and revoke.
 */
async function runBulkRevoke(flags: RevokeFlags): Promise<void> {
  checkSelection(flags);
  // A session made from an API token lists and may revoke only that token (VCD's rule, domain/policy.ts
  // canTouchApiToken): its "every match" would be itself at most, which is never what a clean-up means.
  if ((await apiTokenFrom(flags)) !== null) {
    throw usageError(
      'a bulk revoke needs a password session (tessera login): a session made from an API token sees and may revoke only ' +
        'its own token. Drop --token-file and unset TESSERA_API_TOKEN to use the saved session.',
    );
  }
  const now = Date.now();
  const filter = combinedFiql(selection(flags), now, [liveFiql(now)]);
  const client = sessionClient(await requireSession(), flags);
  const limit = flags.limit ?? DEFAULT_BULK_LIMIT;
  const matches = new Map<string, ApiTokenEntity>();
  for await (const page of client.cloudapiPages<ApiTokenEntity>('/cloudapi/1.0.0/tokens', { filter })) {
    if (page.total > limit || matches.size + page.items.length > limit) {
      throw usageError(
        `${Math.max(page.total, matches.size + page.items.length)} live API tokens match, more than ${limit}: nothing was revoked. ` +
          'Narrow the filter (token list with the same options shows them), or pass --limit N once that is what you mean.',
      );
    }
    for (const token of page.items) matches.set(token.id, token);
  }
  const tokens = [...matches.values()];
  if (tokens.length === 0) {
    process.stderr.write('No live API tokens match: nothing to revoke.\n');
    return;
  }
  const words = bulkMatchWords(tokens.length);
  process.stderr.write(`${words.heading}\n${new StreamingTable(TOKEN_COLUMNS).start(tokens)}`);
  if (!flags.yes) {
    process.stderr.write(`${words.dryRun}\n`);
    return;
  }
  // A selection by use (--unused-days, never-used, a --filter on lastUsedTimeUtc) is read again before each DELETE: a
  // token used since it was listed (a long run, a script that woke up) no longer matches and is left alone, as the
  // portal's bulk revoke leaves one it saw used. One more request a token, for these selections only.
  const byUse = flags.unusedDays !== undefined || flags.state === 'never-used' || /lastUsedTimeUtc/i.test(flags.filter ?? '');
  const progress = bulkProgress(tokens.length);
  let revoked = 0;
  let skipped = 0;
  let usedSince = 0;
  const notes = () =>
    [
      skipped > 0 ? `${skipped} revoked meanwhile by someone else` : '',
      usedSince > 0 ? `${usedSince} used since listed and left alone` : '',
    ].filter((note) => note !== '');
  for (const token of tokens) {
    try {
      if (byUse && ((await client.getToken(token.id)).lastUsedTimeUtc ?? null) !== (token.lastUsedTimeUtc ?? null)) {
        usedSince += 1;
      } else {
        await client.revokeToken(token.id);
        revoked += 1;
        // On a terminal the id and the progress line share the screen: the line is cleared first, then drawn below.
        progress.clear();
        process.stdout.write(`${token.id}\n`);
      }
    } catch (error) {
      if (!(await revokedMeanwhile(client, token, error))) {
        progress.end();
        const left = tokens.length - revoked - skipped - usedSince;
        const said = notes();
        throw new CliError(
          `${describeError(error)}\n  Stopped after revoking ${revoked} of ${tokens.length} API tokens` +
            `${said.length > 0 ? ` (${said.join(', ')})` : ''}; not revoked: ${left} (this one and the rest).`,
          exitCodeFor(error),
        );
      }
      skipped += 1;
    }
    progress.update(revoked + skipped + usedSince);
  }
  progress.end();
  const said = notes();
  process.stderr.write(`Revoked ${revoked} API token${revoked === 1 ? '' : 's'}${said.length > 0 ? `; ${said.join('; ')}` : ''}.\n`);
}

/**
 * "revoked 120/400" on stderr: redrawn in place on a terminal; in a pipe or a log, a line at each tenth of the way
 * (and the last), so that a cron log of a large clean-up stays short.
 */
function bulkProgress(
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): { update(done: number): void; clear(): void; end(): void } {
  const step = Math.max(1, Math.ceil(total / 10));
  let drawn = false;
  return {
    update(done) {
      if (stream.isTTY) {
        stream.write(`\r\u001b[2Krevoked ${done}/${total}`);
        drawn = true;
      } else if (done % step === 0 || done === total) {
        stream.write(`revoked ${done}/${total}\n`);
      }
    },
    clear() {
      if (drawn) stream.write('\r\u001b[2K');
      drawn = false;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/**
 * Whether a refused DELETE met a token revoked since it was listed (by another administrator, its owner, a policy):
 * VCD answers 403 for a token that is gone as for one out of reach. Gone is a 403 on reading it too, while the list
 * (which the session may still read) no longer has it; anything else is a real refusal.
 */
async function revokedMeanwhile(client: VcdClient, token: ApiTokenEntity, error: unknown): Promise<boolean> {
  if (!(error instanceof VcdApiError) || error.status !== 403) return false;
  try {
    await client.getToken(token.id);
    return false;
  } catch (readError) {
    if (!(readError instanceof VcdApiError) || readError.status !== 403) return false;
  }
  try {
    for await (const page of client.cloudapiPages<ApiTokenEntity>('/cloudapi/1.0.0/tokens', { filter: `id==${token.id}`, pageSize: 1 })) {
      return page.items.length === 0;
    }
    return true;
  } catch {
    return false;
  }
}
