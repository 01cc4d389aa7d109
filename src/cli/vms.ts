/**
 * `tessera vms`: every VM the caller may see, through the query service, streamed page by page as a table,
 * JSON or VCD's own XML records.
 */
import { Option, type Command } from 'commander';
import type { VmRecord } from '../client/types.js';
import { addServerOptions, addTokenFileOption, clientFor, type ConnectionFlags } from './connection.js';
import { StreamingTable, type Column } from './format/table.js';
import { action } from './io.js';
import { usageError } from './exit-codes.js';
import { progressOnStderr } from './progress.js';

interface VmsFlags extends ConnectionFlags {
  output: 'table' | 'json' | 'xml';
  filter?: string;
  sort?: string;
  pageSize?: string;
}

export function registerVmsCommand(program: Command): void {
  const command = program
    .command('vms')
    .description('List VMs through the query service (all pages)')
    .addOption(
      new Option('--output <format>', 'table, json (an array) or xml (VCD QueryResultRecords)')
        .choices(['table', 'json', 'xml'])
        .default('table'),
    )
    .option('--filter <filter>', 'query filter, e.g. "status==POWERED_ON;vdcName==vdc1"')
    .option('--sort <field>', 'sort field: name, -name (descending) or name:desc')
    .option('--page-size <n>', 'records per request, 1-128 (default 128)');
  addTokenFileOption(addServerOptions(command)).addHelpText(
    'after',
    `
Uses an API token (--token-file / TESSERA_API_TOKEN with --endpoint and --org) or the saved session. System
users get adminVM records. A progress line is shown on stderr when it is a terminal.

Examples:
  $ tessera vms
  $ tessera vms --token-file token.json --endpoint https://vcd.example.com --org acme --output json | jq length
  $ tessera vms --filter 'status==POWERED_ON' --sort=-memoryMB
  $ tessera vms --output xml > vms.xml`,
  );
  command.action(action((flags: VmsFlags) => runVms(flags)));
}

const VM_COLUMNS: Column<VmRecord>[] = [
  { header: 'NAME', value: (vm) => vm.name },
  { header: 'STATUS', value: (vm) => vm.status },
  { header: 'VAPP', value: (vm) => vm.containerName },
  { header: 'VDC', value: (vm) => vm.vdcName },
  { header: 'CPUS', value: (vm) => vm.numberOfCpus, right: true },
  { header: 'MEMORY MB', value: (vm) => vm.memoryMB, right: true },
  { header: 'OWNER', value: (vm) => vm.ownerName },
  { header: 'IP', value: (vm) => vm.ipAddress },
];

async function runVms(flags: VmsFlags): Promise<void> {
  const pageSize = flags.pageSize === undefined ? undefined : Number(flags.pageSize);
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 128)) {
    throw usageError(`--page-size must be a whole number from 1 to 128, got "${flags.pageSize}"`);
  }
  const client = await clientFor(flags);
  const options = { filter: flags.filter, sort: flags.sort, pageSize };
  const progress = progressOnStderr();
  const out = process.stdout;
  let seen = 0;
  try {
    if (flags.output === 'xml') {
      let first = true;
      for await (const page of client.queryVmXmlPages(options)) {
        if (first) {
          out.write(
            `<?xml version="1.0" encoding="UTF-8"?>\n<QueryResultRecords xmlns="http://www.vmware.com/vcloud/v1.5" total="${page.total}" name="vm">\n`,
          );
          first = false;
        }
        for (const record of page.items) out.write(`  ${record}\n`);
        seen += page.items.length;
        progress.update(`VMs: ${seen}/${page.total}`);
      }
      out.write('</QueryResultRecords>\n');
      return;
    }
    if (flags.output === 'json') {
      // The `[` waits for the first page, as the XML's head does: a refused exchange or query leaves stdout empty,
      // not a lone `[` for jq to choke on beside the real error (until 2026-12-05 it was written first).
      let opened = false;
      for await (const page of client.queryVmPages(options)) {
        if (!opened) out.write('[');
        opened = true;
        for (const record of page.items) out.write(`${seen++ === 0 ? '\n' : ',\n'}  ${JSON.stringify(record)}`);
        progress.update(`VMs: ${seen}/${page.total}`);
      }
      if (seen > 0) out.write('\n]\n');
      else out.write(opened ? ']\n' : '[]\n');
      return;
    }
    const table = new StreamingTable(VM_COLUMNS);
    let started = false;
    for await (const page of client.queryVmPages(options)) {
      progress.done();
      if (page.items.length > 0) {
        out.write(started ? table.rows(page.items) : table.start(page.items));
        started = true;
      }
      seen += page.items.length;
      progress.update(`VMs: ${seen}/${page.total}`);
    }
    progress.done();
    if (seen === 0) process.stderr.write('No VMs.\n');
  } finally {
    progress.done();
  }
}
