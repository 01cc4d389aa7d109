/**
 * The server's logger: pino with the redactions and serializers of src/http/log-redaction.ts, writing JSON lines to stdout
 * (`--log-format json`, the default, for a log collector) or one readable line per entry (`--log-format pretty`,
 * for a terminal; a small formatter here rather than pino-pretty's worker thread and its dependencies).
 */
import pino from 'pino';
import type { Config } from './config.js';
import { LOG_REDACTIONS, LOG_SERIALIZERS } from './http/log-redaction.js';

/** `out`: where the lines go (default stdout); tests pass a stream to capture them. */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, out?: { write(s: string): unknown }) {
  // Serializers too: redaction paths cannot reach a secret inside the request URL's query string.
  const options = { level: config.logLevel, redact: { paths: LOG_REDACTIONS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS };
  if (config.logFormat === 'pretty') {
    const to = out ?? process.stdout;
    return pino(options, { write: (line: string) => to.write(formatPretty(line)) });
  }
  return out ? pino(options, out as pino.DestinationStream) : pino(options);
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One pino JSON line -> `12:34:56.789 INFO  message GET /url -> 200 (1.2 ms) key=value ...`, plus an error's stack. */
export function formatPretty(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : line + '\n';
  }
  const { level, time, msg, pid: _pid, hostname: _host, req, res, responseTime, err, ...rest } = entry;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  let text = `${when} ${(LEVEL_NAMES[level as number] ?? String(level)).padEnd(5)} ${typeof msg === 'string' ? msg : ''}`;
  if (req && typeof req === 'object') {
    const r = req as { method?: string; url?: string };
    text += ` ${r.method ?? ''} ${r.url ?? ''}`;
  }
  if (res && typeof res === 'object') text += ` -> ${(res as { statusCode?: number }).statusCode ?? ''}`;
  if (typeof responseTime === 'number') text += ` (${responseTime.toFixed(1)} ms)`;
  for (const [key, value] of Object.entries(rest)) text += ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
  if (err && typeof err === 'object') {
    const e = err as { message?: string; stack?: string };
    text += `\n  ${(e.stack ?? e.message ?? '').replace(/\n/g, '\n  ')}`;
  }
  return text + '\n';
}
