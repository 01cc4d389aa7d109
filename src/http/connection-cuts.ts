/**
 * Connections the server closes after accepting them, for what the client did on them (connection-limits.ts refuses
 * at accept; these are later): logged at warn at most once a minute per client address block, with how many since
 * the last line, the way refusals are, and counted for the metrics.
 *
 * - `pipeline_overflow`: more requests pipelined past the in-flight bound than pipelining.ts holds (HELD_LIMIT).
 * - `write_stall`: answers queued that the client took none of for TESSERA_WRITE_STALL_TIMEOUT_SECONDS (write-stall.ts).
 */
import { addressBlock } from '../domain/address-block.js';
import { KeyedRefusalLogs } from './connection-limits.js';

export type ConnectionCut = 'pipeline_overflow' | 'write_stall';
export const CONNECTION_CUTS: readonly ConnectionCut[] = ['pipeline_overflow', 'write_stall'];

const WHY: Record<ConnectionCut, string> = {
  pipeline_overflow: 'it pipelined more requests than the server holds for one connection',
  write_stall: 'it took none of its queued answers within TESSERA_WRITE_STALL_TIMEOUT_SECONDS',
};

export type CutReporter = (remoteAddress: string | undefined, reason: ConnectionCut) => void;

export function connectionCutReporter(
  log: { warn(o: object, m: string): void },
  onCut?: (reason: ConnectionCut) => void,
  now: () => number = Date.now,
): CutReporter {
  const logs = new KeyedRefusalLogs();
  return (remoteAddress, reason) => {
    onCut?.(reason);
    const block = remoteAddress === undefined ? 'unknown' : addressBlock(remoteAddress);
    const noted = logs.note(`${reason} ${block}`, now());
    if (noted.log) {
      log.warn(
        { addressBlock: block, reason, closed: noted.since },
        `connection from ${block} closed: ${WHY[reason]}; logged at most once a minute per address`,
      );
    }
  };
}
