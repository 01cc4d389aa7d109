/**
 * Starts one Tessera node: config -> store (migrations) -> services -> first-start bootstrap -> HTTP(S).
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { join } from 'node:path';
import type { Config } from './config.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';
import { createServices, type RunningServices } from './services.js';
import { bootstrap, type BootstrapResult } from './auth/bootstrap.js';
import { buildApp, LOG_REDACTIONS, LOG_SERIALIZERS } from './http/app.js';
import { loadOrCreateCertificate, servesGeneratedCertificate } from './tls.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  services: RunningServices;
  url: string;
  bootstrap: BootstrapResult;
  certPath: string | null;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  store?: Store;
  /** Where log lines go (default stdout); tests capture them to search for secrets. */
  logDestination?: pino.DestinationStream;
  /**
   * Called as soon as the first-start data is committed, before anything else can fail (certificate, port):
   * `serve` prints the generated passwords here, so a start that then fails has still shown them.
   */
  onBootstrap?: (result: BootstrapResult) => void;
}

/**
 * meta key: the users whose generated password a start printed before it failed (JSON array of USER@ORG).
 * Cleared once a start serves; the next start reminds the operator how to reset them.
 */
export const UNCONFIRMED_PASSWORDS_KEY = 'generated_passwords_unconfirmed';

export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  // Serializers too: redaction paths cannot reach a secret inside the request URL's query string.
  const loggerOptions = { level: config.logLevel, redact: { paths: LOG_REDACTIONS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS };
  const logger = options.logDestination ? pino(loggerOptions, options.logDestination) : pino(loggerOptions);
  const store =
    options.store ??
    (await openStore(
      {
        databaseUrl: config.databaseUrl,
        sqliteFile: join(config.dataDir, 'tessera.db'),
        revocationFeedMaxLagMs: config.revocationFeedMaxLagMs,
      },
      logger,
    ));
  // A start that fails half-way (port in use, bad certificate) closes what it opened: the SQLite lock with it.
  let services: RunningServices | null = null;
  let app: FastifyInstance | null = null;
  let bootstrapResult: BootstrapResult;
  let tls: Awaited<ReturnType<typeof loadOrCreateCertificate>> | null;
  try {
    services = await createServices(config, store, logger);
    const earlier = await store.getMeta(UNCONFIRMED_PASSWORDS_KEY);
    bootstrapResult = await bootstrap(store, config, services.users);
    const generated = [
      ...(bootstrapResult.generatedAdminPassword ? ['administrator@System'] : []),
      ...(bootstrapResult.generatedDemoPassword ? ['alice@acme', 'bob@acme', 'hank@globex'] : []),
    ];
    bootstrapResult.passwordsOfFailedStart = earlier ? (JSON.parse(earlier) as string[]) : [];
    if (generated.length > 0) {
      await store.setMeta(UNCONFIRMED_PASSWORDS_KEY, JSON.stringify([...bootstrapResult.passwordsOfFailedStart, ...generated]));
    }
    options.onBootstrap?.(bootstrapResult);
    tls = servesGeneratedCertificate(config) ? await loadOrCreateCertificate(config.dataDir, config.host) : null;
    // At level silent fastify gets no logger at all: a child logger per request costs ~10 µs even when it never
    // writes (measured on the token exchange).
    app = await buildApp({
      services,
      https: tls ? { key: tls.key, cert: tls.cert } : null,
      logger: config.logLevel === 'silent' ? undefined : logger,
    });
    await app.listen({ host: config.host, port: config.port });
    if (earlier !== undefined || generated.length > 0) {
      await store.db.deleteFrom('meta').where('key', '=', UNCONFIRMED_PASSWORDS_KEY).execute();
    }
  } catch (err) {
    await app?.close().catch(() => {});
    await services?.stop().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.http ? 'http' : 'https'}://${host}:${port}`;
  let stopped = false;
  return {
    app,
    store,
    services,
    url,
    bootstrap: bootstrapResult,
    certPath: tls?.certPath ?? null,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await services.stop();
      await store.close();
    },
  };
}
