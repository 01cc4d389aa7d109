/**
 * The `tessera` command. `serve` starts a server; the other commands are thin over the SDK (src/client).
 */
import { Command } from 'commander';
import { applyUsageExitCode, registerClientCommands } from './client-commands.js';
import { registerServeCommand } from './serve.js';

export function buildProgram(): Command {
  const program = new Command('tessera')
    .description('Tessera: self-hosted API tokens in the shape of VMware Cloud Director')
    .showHelpAfterError();
  registerServeCommand(program);
  registerClientCommands(program);
  applyUsageExitCode(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}
