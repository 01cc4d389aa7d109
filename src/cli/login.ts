/**
 * `tessera login` and `tessera logout`: a password session (plus TOTP when the server asks) saved for the
 * other commands, and its end.
 */
import { Option, type Command } from 'commander';
import { VcdClient } from '../client/vcd-client.js';
import { VcdApiError } from '../client/errors.js';
import { normalizeEndpoint } from '../client/endpoint.js';
import { addServerOptions, sessionClient, warnIfCleartext, type ConnectionFlags } from './connection.js';
import { action, CliError, describeError, EXIT, type ErrorHints } from './io.js';
import { canPrompt, promptLine, readAllStdin } from './prompt.js';
import { DamagedSessionError, loadSession, removeSession, saveSession, sessionFilePath } from './session-file.js';
import { exitCodeFor, usageError } from './exit-codes.js';

interface LoginFlags extends ConnectionFlags {
  user?: string;
  passwordStdin?: boolean;
}

const TOTP_ATTEMPTS = 3;

/** The general hint for a 401 is to sign in again, which is what just failed. */
const LOGIN_HINTS: ErrorHints = {
  ERR_VCD_UNAUTHORIZED: 'Check the endpoint, the org, the user name (without @org) and the password.',
  // A code signs in once: the one just used (or a paste of it in a script's second login) is refused until the next.
  ERR_VCD_TOTP_INVALID:
    'Give the next code of your authenticator app (each code signs in once; a new one comes every 30 s), or an unused recovery code.',
};

export function registerLoginCommands(program: Command): void {
  const login = program
    .command('login')
    .description('Sign in with a password (and a TOTP code when enrolled); the session is saved for the other commands')
    .addOption(new Option('--user <name>', 'user name, without @org').env('TESSERA_USER'))
    .addOption(new Option('--password-stdin', 'read the password from standard input (else TESSERA_PASSWORD, else a prompt)'));
  addServerOptions(login).addHelpText(
    'after',
    `
The password is asked without echo; TESSERA_PASSWORD or --password-stdin serve scripts. When the account has
TOTP enrolled, the code is asked next (or taken from TESSERA_TOTP). The session is saved, mode 0600, in
$XDG_CONFIG_HOME/tessera/session.json (default ~/.config/tessera/session.json).

Examples:
  $ tessera login --endpoint https://127.0.0.1:8443 --org acme --user alice --insecure
  $ TESSERA_PASSWORD=... TESSERA_TOTP=123456 tessera login --endpoint https://vcd.example.com --org System --user administrator
  $ pass show vcd/alice | tessera login --endpoint https://vcd.example.com --org acme --user alice --password-stdin`,
  );
  login.action(action((flags: LoginFlags) => runLogin(flags), LOGIN_HINTS));

  program
    .command('logout')
    .description('End the saved session on the server and delete the session file')
    .addHelpText('after', '\nExamples:\n  $ tessera logout')
    .action(action(() => runLogout()));
}

async function runLogin(flags: LoginFlags): Promise<void> {
  if (!flags.endpoint) throw usageError('--endpoint is required (or set TESSERA_ENDPOINT)');
  if (!flags.org) throw usageError('--org is required (or set TESSERA_ORG)');
  if (!flags.user) throw usageError('--user is required (or set TESSERA_USER)');
  const user = flags.user.includes('@') ? flags.user.slice(0, flags.user.lastIndexOf('@')) : flags.user;
  if (flags.user.includes('@') && flags.user.slice(flags.user.lastIndexOf('@') + 1).toLowerCase() !== flags.org.toLowerCase()) {
    throw usageError(`--user ${flags.user} names another org than --org ${flags.org}: give the user name alone`);
  }
  const endpoint = normalizeEndpoint(flags.endpoint);
  warnIfCleartext(endpoint, 'the password');
  const password = await obtainPassword(flags, `Password for ${user}@${flags.org}: `);
  const base = { endpoint, org: flags.org, apiVersion: flags.apiVersion, insecure: flags.insecure ?? false, user, password };

  const previous = await loadSession().catch(() => null);
  let signedIn: Awaited<ReturnType<typeof VcdClient.signIn>>;
  try {
    try {
      signedIn = await VcdClient.signIn(base);
    } catch (error) {
      if (!(error instanceof VcdApiError) || error.code !== 'ERR_VCD_TOTP_REQUIRED') throw error;
      signedIn = await signInWithTotp(base);
    }
  } catch (error) {
    // The saved session stays (a mistyped password must not sign anyone out), but say whose it is: the next
    // command would otherwise run as that user without a word (until 2026-12-05 it did).
    if (!previous) throw error;
    // Said only of a session the server still takes: one that expired, or that a password reset or a sign-out ended,
    // is not something the other commands can "keep using" (until 2026-12-07 the line said so all the same).
    const ended = await sessionClient(previous)
      .currentSession()
      .then(
        () => false,
        (check: unknown) => check instanceof VcdApiError && check.code === 'ERR_VCD_UNAUTHORIZED',
      );
    const saved = `${previous.user}@${previous.org} at ${previous.endpoint}`;
    throw new CliError(
      `${describeError(error, LOGIN_HINTS)}\n  ` +
        (ended
          ? `The saved session of ${saved} has ended too (expired, signed out or revoked): the other commands need a tessera login.`
          : `Still signed in as ${saved}: the other commands keep using that session (tessera logout ends it).`),
      exitCodeFor(error),
    );
  }

  if (previous)
    await sessionClient(previous)
      .signOut()
      .catch(() => undefined); // best effort: do not leave it live
  const path = await saveSession({
    endpoint,
    org: signedIn.session.org?.name ?? flags.org,
    user: signedIn.session.user?.name ?? user,
    apiVersion: signedIn.client.apiVersion,
    insecure: flags.insecure ?? false,
    accessToken: signedIn.accessToken,
    sessionId: typeof signedIn.session.id === 'string' ? signedIn.session.id : null,
    signedInAt: new Date().toISOString(),
  });
  const role = signedIn.session.roles?.[0] ?? signedIn.session.roleRefs?.[0]?.name;
  process.stderr.write(
    `Signed in to ${endpoint} as ${signedIn.session.user?.name ?? user}@${signedIn.session.org?.name ?? flags.org}` +
      `${role ? ` (${role})` : ''}. Session saved in ${path}\n`,
  );
}

async function signInWithTotp(base: Parameters<typeof VcdClient.signIn>[0]): Promise<Awaited<ReturnType<typeof VcdClient.signIn>>> {
  const fromEnv = process.env.TESSERA_TOTP?.trim();
  if (fromEnv) return VcdClient.signIn({ ...base, totp: fromEnv });
  if (!canPrompt()) throw new CliError('This account needs a TOTP code: set TESSERA_TOTP or run tessera login in a terminal', EXIT.AUTH);
  for (let attempt = 1; ; attempt++) {
    const totp = (await promptLine('Verification code (TOTP): ', { hidden: false })).trim();
    try {
      return await VcdClient.signIn({ ...base, totp });
    } catch (error) {
      if (error instanceof VcdApiError && error.code === 'ERR_VCD_TOTP_INVALID' && attempt < TOTP_ATTEMPTS) {
        process.stderr.write('That code was wrong or already used; wait for the next one.\n');
        continue;
      }
      throw error;
    }
  }
}

/**
 * The password, never empty: an empty one is refused here, sent nowhere (until 2026-12-06 `--password-stdin </dev/null`
 * sent it, and the 401 counted against the account's sign-in budget).
 */
async function obtainPassword(flags: LoginFlags, question: string): Promise<string> {
  const password = await readPassword(flags, question);
  if (password === '') {
    throw usageError(
      flags.passwordStdin ? '--password-stdin read an empty password: pipe the password in' : 'The password is empty: nothing was sent',
    );
  }
  return password;
}

async function readPassword(flags: LoginFlags, question: string): Promise<string> {
  if (flags.passwordStdin) {
    if (process.stdin.isTTY) throw usageError('--password-stdin needs the password piped in, not a terminal');
    return readAllStdin();
  }
  const fromEnv = process.env.TESSERA_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!canPrompt()) throw usageError('No terminal to ask for the password: set TESSERA_PASSWORD or use --password-stdin');
  return promptLine(question, { hidden: true });
}

async function runLogout(): Promise<void> {
  let session: Awaited<ReturnType<typeof loadSession>>;
  try {
    session = await loadSession();
  } catch (error) {
    // A damaged file names no session to end: remove it, so that login and the other commands work again (until
    // 2026-12-06 logout refused it as they do, and the only way out was deleting the file by hand).
    if (!(error instanceof DamagedSessionError)) throw error;
    await removeSession();
    process.stderr.write(
      `Removed ${error.path}, which ${error.why}. The session it held, if any, could not be ended on the server: ` +
        'it stays valid until it expires (1 hour by default).\n',
    );
    return;
  }
  if (!session) {
    process.stderr.write('Not signed in.\n');
    return;
  }
  try {
    await sessionClient(session).signOut();
    process.stderr.write(`Signed out ${session.user}@${session.org} from ${session.endpoint}.\n`);
  } catch (error) {
    if (error instanceof VcdApiError && error.status === 401) {
      process.stderr.write(`The session of ${session.user}@${session.org} had already ended.\n`);
    } else {
      await removeSession();
      throw new CliError(
        `Removed ${sessionFilePath()}, but could not end the session on the server (${(error as Error).message}); it stays valid until it expires`,
        exitCodeFor(error),
      );
    }
  }
  await removeSession();
}
