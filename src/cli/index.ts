/**
 * The `tessera` command. `serve` starts a server; the other commands are thin over the SDK (src/client).
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { applyUsageExitCode, registerClientCommands, showRequiredOptions } from './client-commands.js';
import { registerSeedCommand } from './seed.js';
import { registerInventoryCommands } from './inventory.js';
import { registerServeCommand } from './serve.js';

/** The version in package.json, read at run time (the same file whether run from a checkout or installed). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('tessera')
    .description('Tessera: self-hosted API tokens in the shape of VMware Cloud Director')
    .version(packageVersion(), '-V, --version', 'print the version')
    // One line after a mistake, not the whole help, which scrolled the error itself out of sight.
    .showHelpAfterError('(add --help for the options)')
    .addHelpText(
      'after',
      `
Examples:
  $ tessera serve --demo
  $ tessera login --endpoint https://127.0.0.1:8443 --org acme --user alice --insecure
  $ tessera token create ci --expires 90d --out token.json
  $ eval "$(tessera headers --token-file token.json --endpoint https://127.0.0.1:8443 --org acme --insecure)"
  $ tessera vms --token-file token.json --endpoint https://127.0.0.1:8443 --org acme --insecure
  $ tessera scan .

Exit codes: 0 ok, 1 failed (scan: tokens found), 2 usage, 3 authentication, 4 forbidden or not found,
5 server unreachable or not VCD-like, 130 interrupted. See docs/cli.md.`,
    );
  registerServeCommand(program);
  registerSeedCommand(program);
  registerInventoryCommands(program);
  registerClientCommands(program);
  applyUsageExitCode(program);
  showRequiredOptions(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}
