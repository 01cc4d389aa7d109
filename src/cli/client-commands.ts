/**
 * The client side of the `tessera` command, registered beside `serve` by index.ts: login/logout, token,
 * service-account, headers, vms, scan, admin. Each command is a thin layer over `src/client` (the SDK).
 */
import { Help, type Command } from 'commander';
import { EXIT } from './exit-codes.js';
import { registerAdminCommands } from './admin.js';
import { registerHeadersCommand } from './headers.js';
import { registerLoginCommands } from './login.js';
import { registerScanCommand } from './scan.js';
import { registerServiceAccountCommands } from './service-account.js';
import { registerTokenCommands } from './token.js';
import { registerVmsCommand } from './vms.js';

export function registerClientCommands(program: Command): void {
  registerLoginCommands(program);
  registerTokenCommands(program);
  registerServiceAccountCommands(program);
  registerHeadersCommand(program);
  registerVmsCommand(program);
  registerScanCommand(program);
  registerAdminCommands(program);
}

/**
 * Usage errors (unknown option, missing argument, bad choice, a command group without its subcommand) exit 2,
 * as documented, instead of commander's 1, which `scan` uses for "tokens found". Help and --version exit 0.
 * They read `tessera: unknown option '--prot'` like every other error of the command (docs/cli.md), not
 * commander's `error: ...`; the lines after it (a "Did you mean" suggestion, the --help hint) are kept.
 * Call after every command is registered: it walks the whole tree (a subcommand copies its parent's settings
 * only when it is created, so setting them on the program alone would miss every subcommand).
 */
export function applyUsageExitCode(command: Command): void {
  command.exitOverride((error) => {
    // `command.error(message, { exitCode })` from a command's own code keeps the code it chose.
    if (error.code === 'commander.error') process.exit(error.exitCode);
    process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
  });
  command.configureOutput({ outputError: (message, write) => write(withCommandPrefix(message)) });
  for (const sub of command.commands) applyUsageExitCode(sub);
}

/** commander's `error: unknown option ...` as `tessera: unknown option ...`. */
function withCommandPrefix(message: string): string {
  return `tessera: ${message.replace(/^error: /, '')}`;
}

/**
 * `(required)` after the description of a required option (`--in <org>`, `--token-file <file>` of `service-account
 * token`, ...): commander's help does not mark them, so a newcomer learnt it only from the error. Walks the tree.
 */
export function showRequiredOptions(command: Command): void {
  const plain = new Help();
  command.configureHelp({
    optionDescription: (option) => `${plain.optionDescription(option)}${option.mandatory ? ' (required)' : ''}`,
  });
  for (const sub of command.commands) showRequiredOptions(sub);
}
