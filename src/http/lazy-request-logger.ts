/**
 * Each request's logger, made when the request first writes a line. fastify gives every request a pino child bound
 * to its request id (`logger.child({ reqId })`), and with the server's redactions and serializers that child cost the
 * token exchange about 6 µs of server CPU at the default log level (info), where nearly no request writes a line
 * (73.2 against 67.1 µs per exchange with `--log-level silent`, medians of five interleaved rounds, 2026-12-07).
 *
 * `lazyChildLogger` is fastify's `childLoggerFactory`: it returns a stand-in whose methods check the level first
 * and, for a line that is written, make the very child fastify would have made (same parent, bindings and options)
 * and write through it, so the lines are byte for byte what they were (`test/http/lazy-request-logger.test.ts`).
 * A child with options of its own (a route's log level or serializers: Tessera sets none) is made at once, as before.
 *
 * fastify itself is given no logger (app.ts): given one, it also put two listeners on every response and read the
 * clock twice, for its own request lines, which Tessera turns off. That and the child were 4.7 µs of the exchange's
 * server CPU at the default level (69.8 against 65.1 µs per exchange, medians of six interleaved rounds, 2026-12-07).
 * `lazyChildLoggerOf(logger)` is the factory for that case: the parent is Tessera's logger, not the one fastify
 * passes (its silent stand-in).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

type LogMethod = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

class LazyRequestLogger {
  private made: Logger | null = null;
  private readonly parent: Logger;
  private readonly bindingsOfChild: Bindings;
  private readonly options: ChildLoggerOptions;

  constructor(parent: Logger, bindingsOfChild: Bindings, options: ChildLoggerOptions) {
    this.parent = parent;
    this.bindingsOfChild = bindingsOfChild;
    this.options = options;
  }

  /** The pino child, made on first use. */
  private get real(): Logger {
    return (this.made ??= this.parent.child(this.bindingsOfChild, this.options));
  }

  /** A child made now has the parent's level (no level option), so until then the parent answers for it. */
  get level(): string {
    return (this.made ?? this.parent).level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  private write(method: LogMethod, args: unknown[]): void {
    if (!this.isLevelEnabled(method)) return;
    (this.real[method] as (...a: unknown[]) => void)(...args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, options);
  }

  bindings(): Bindings {
    return this.real.bindings();
  }
}

export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const parent = logger as unknown as Logger;
  if (options.level !== undefined || options.serializers !== undefined)
    return parent.child(bindings, options) as unknown as FastifyBaseLogger;
  return new LazyRequestLogger(parent, bindings, options) as unknown as FastifyBaseLogger;
}

/** fastify's `childLoggerFactory` when fastify has no logger of its own: each request's child is one of `logger`'s. */
export function lazyChildLoggerOf(logger: Logger) {
  const parent = logger as unknown as FastifyBaseLogger;
  return (_fastifys: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger =>
    lazyChildLogger(parent, bindings, options);
}
