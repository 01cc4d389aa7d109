/**
 * Starts one Tessera node: config -> store (migrations) -> services -> first-start bootstrap -> HTTP(S).
 */
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import type net from 'node:net';
import type pino from 'pino';
import type { Config } from './config.js';
import { openStore, StoreOpenError } from './store/index.js';
import { sqliteFileFailure } from './store/open-errors.js';
import { MIGRATION_NAMES } from './store/migrate.js';
import type { Store } from './store/store.js';
import { createServices, lastNodeAccessTokenTtl, LONGEST_NODE_TTL_META_KEY, NODE_TTL_META_KEY, type RunningServices } from './services.js';
import { bootstrap, createOrgWithRoles, type BootstrapResult } from './auth/bootstrap.js';
import type { ParsedInventoryFile } from './inventory/declarative/file.js';
import type { PlanSummary } from './inventory/declarative/plan.js';
import { buildApp } from './http/app.js';
import { createLogger } from './logging.js';
import { Metrics } from './metrics.js';
import { loadOperatorCertificate, loadOrCreateCertificate, TLS_CIPHERS, type TlsMaterial } from './tls.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  services: RunningServices;
  url: string;
  bootstrap: BootstrapResult;
  certPath: string | null;
  /** What HTTPS serves (null with --http): the operator's certificate or the generated one, and until when. */
  tls: { certPath: string; generated: boolean; validTo: Date } | null;
  /**
   * SIGHUP's path: reads --tls-cert and --tls-key again and serves them to new connections (a renewed certificate
   * without a restart). Throws, keeping the pair it had, when the files are not a servable pair; null without an
   * operator certificate.
   */
  reloadTls: (() => { certPath: string; validTo: Date }) | null;
  /**
   * The access-token lifetime the node started before this one on the same store used, when it differs from this
   * node's (nodes of a cluster should share one; the start banner says so); null when the same or unknown.
   */
  otherNodesTtlSeconds: number | null;
  /** The metrics listener's URL (http://127.0.0.1:9464/metrics), when --metrics-port is set. */
  metricsUrl: string | null;
  /** What --inventory's file changed at this start (0 created on a restart with the same file); null without one. */
  inventory: { file: string; summary: PlanSummary; seconds: number } | null;
  stop(): Promise<void>;
  /**
   * SIGTERM's path: /health/ready turns 503 (for `shutdownDrainSeconds` the node keeps serving), the listener
   * closes, in-flight requests finish; `shutdownGraceSeconds` after the listener closed, the connections still
   * open are cut (forced: true, logged at error).
   */
  shutdown(): Promise<{ forced: boolean; cutConnections: number }>;
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

/**
 * Says what opening the store changed in its schema: the log is where an operator who upgraded looks for whether
 * the store followed (until 2026-12-05 nothing said so; only `admin backup` showed the level).
 */
function logSchemaChanges(logger: { info(o: object, m: string): void }, applied: readonly string[]): void {
  if (applied.length === 0) return;
  const last = applied.at(-1)!;
  if (applied[0] === MIGRATION_NAMES[0]) logger.info({ migrations: applied.length, schema: last }, `created the store's schema (${last})`);
  else
    logger.info({ migrations: applied, schema: last }, `upgraded the store's schema to ${last} (${applied.length} migration(s) applied)`);
}

/**
 * --inventory's file, read and checked for its shape before the store is opened: a file that cannot be read or is
 * not valid stops the start having written nothing, not even a new data directory (InventoryFileError).
 */
async function readInventoryOption(file: string): Promise<ParsedInventoryFile> {
  const { readInventoryText, parseInventoryFile } = await import('./inventory/declarative/file.js');
  return parseInventoryFile(file, readInventoryText(file));
}

export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = createLogger(config, options.logDestination);
  const inventoryFile = config.inventory === null ? null : await readInventoryOption(config.inventory);
  const metrics = config.metricsPort === null ? null : new Metrics();
  const store =
    options.store ??
    (await openStore(
      {
        databaseUrl: config.databaseUrl,
        databaseUrlSource: config.databaseUrlSource,
        listenUrl: config.databaseListenUrl,
        listenUrlSource: config.databaseListenUrlSource,
        sqliteFile: join(config.dataDir, 'tessera.db'),
        poolSize: config.databasePoolSize,
        preparedStatements: config.databasePreparedStatements,
        sqliteCacheMb: config.sqliteCacheMb,
        revocationFeedMaxLagMs: config.revocationFeedMaxLagMs,
        ...(metrics ? { onQuery: metrics.onQuery } : {}),
      },
      logger,
    ));
  logSchemaChanges(logger, store.migrationsApplied);
  // A start that fails half-way (port in use, bad certificate, metrics port taken) closes what it opened: the
  // SQLite lock with it.
  let services: RunningServices | null = null;
  let app: FastifyInstance | null = null;
  let bootstrapResult: BootstrapResult;
  let tls: TlsMaterial | null;
  let metricsUrl: string | null = null;
  let otherNodesTtlSeconds: number | null = null;
  let inventory: RunningServer['inventory'] = null;
  const readiness = { draining: false };
  try {
    services = await createServices(config, store, logger);
    // Nodes of a cluster should share --access-token-ttl (docs/security.md): say so when the last node started on
    // this store had another, and record this node's for the next (services keep revocations for the longer).
    const lastNodeTtl = await lastNodeAccessTokenTtl(store);
    if (lastNodeTtl !== null && lastNodeTtl !== config.accessTokenTtlSeconds) {
      otherNodesTtlSeconds = lastNodeTtl;
      logger.warn(
        { accessTokenTtlSeconds: config.accessTokenTtlSeconds, lastNodeAccessTokenTtlSeconds: lastNodeTtl },
        'the node started before this one on this store used another access-token lifetime: nodes of a cluster should share one',
      );
    }
    await store.setMeta(NODE_TTL_META_KEY, String(config.accessTokenTtlSeconds));
    // And the longest lifetime any node of this store has started with, before this node makes a session: every node's
    // revocations are kept at least that long (AccessTokenService.recordedRevocationRelevantUntil), the nodes started
    // before this one included. Only ever raised, atomically (two nodes starting at once leave the greater).
    await store.raiseMetaInteger(LONGEST_NODE_TTL_META_KEY, config.accessTokenTtlSeconds);
    const earlier = await store.getMeta(UNCONFIRMED_PASSWORDS_KEY);
    const { users } = services;
    bootstrapResult = await store.oneNodeAtATime(() => bootstrap(store, config, users));
    const generated = [
      ...(bootstrapResult.generatedAdminPassword ? ['administrator@System'] : []),
      ...(bootstrapResult.generatedDemoPassword ? ['alice@acme', 'bob@acme', 'hank@globex'] : []),
    ];
    bootstrapResult.passwordsOfFailedStart = earlier ? (JSON.parse(earlier) as string[]) : [];
    if (generated.length > 0) {
      await store.setMeta(UNCONFIRMED_PASSWORDS_KEY, JSON.stringify([...bootstrapResult.passwordsOfFailedStart, ...generated]));
    }
    options.onBootstrap?.(bootstrapResult);
    if (inventoryFile) {
      // As `tessera inventory apply FILE` does (source "file", no prune), in one transaction; its references are checked
      // against the store, demo orgs included. Under the bootstrap's lock: nodes started together on one database
      // apply one after the other, and the second finds nothing to change.
      const { applyInventoryFile } = await import('./inventory/declarative/file.js');
      const { summaryLine } = await import('./inventory/declarative/plan.js');
      const started = Date.now();
      const { summary } = await store.oneNodeAtATime(() =>
        applyInventoryFile(store, inventoryFile, {
          source: 'file',
          prune: false,
          createOrg: (org, ex) =>
            createOrgWithRoles(store, { id: org.id, name: org.name, fullName: org.fullName, description: org.description }, ex),
        }),
      );
      inventory = { file: inventoryFile.displayName, summary, seconds: (Date.now() - started) / 1000 };
      logger.info(
        { inventory: inventoryFile.displayName, ...summary, seconds: inventory.seconds },
        `inventory file applied: ${summaryLine(summary)}`,
      );
    }
    tls = config.http
      ? null
      : config.tlsCert !== null && config.tlsKey !== null
        ? loadOperatorCertificate(config.tlsCert, config.tlsKey)
        : await loadOrCreateCertificate(config.dataDir, config.host, config.publicUrl);
    // At level silent fastify gets no logger at all: a child logger per request costs ~10 µs even when it never
    // writes (measured on the token exchange).
    app = await buildApp({
      services,
      https: tls ? { key: tls.key, cert: tls.cert } : null,
      logger: config.logLevel === 'silent' ? undefined : logger,
      readiness,
      requestLog: config.requestLog,
      ...(metrics
        ? {
            instrument: (a: FastifyInstance) => metrics.instrument(a),
            onConnectionRefused: metrics.connectionRefused,
            onConnectionCut: metrics.connectionCut,
            onProxyProtocolRefused: metrics.proxyProtocolRefused,
          }
        : {}),
    });
    await app.listen({ host: config.host, port: config.port });
    if (metrics && config.metricsPort !== null) {
      const running = services;
      store.bus.observe(metrics.watchRevocationFeed(() => running.revocations.healthy()));
      metrics.watchNode({
        liveSessions: () => running.accessTokens.sessions.live(),
        pool: store.poolStats,
        clockSkewMs: store.dialect === 'postgres' ? () => running.clockSkew.skewMs : null,
      });
      const metricsPort = await metrics.listen(config.metricsHost, config.metricsPort);
      const metricsHost = config.metricsHost.includes(':') ? `[${config.metricsHost}]` : config.metricsHost;
      metricsUrl = `http://${metricsHost}:${metricsPort}/metrics`;
    }
    if (earlier !== undefined || generated.length > 0) {
      await store.db.deleteFrom('meta').where('key', '=', UNCONFIRMED_PASSWORDS_KEY).execute();
    }
  } catch (err) {
    await app?.close().catch(() => {});
    await metrics?.close().catch(() => {});
    await services?.stop().catch(() => {});
    await store.close().catch(() => {});
    // SQLite meets a damaged page or a read-only file at the first read or write that reaches it, which may come
    // after the open (the signing key, the bootstrap): the same one line as at the open, not a stack trace.
    const reason = config.databaseUrl ? null : sqliteFileFailure(err, join(config.dataDir, 'tessera.db'));
    throw reason ? new StoreOpenError(reason, { cause: err }) : err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.http ? 'http' : 'https'}://${host}:${port}`;
  let stopped = false;
  const connections = new Set<net.Socket>();
  app.server.on('connection', (socket: net.Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // The sockets HTTP is spoken on: for HTTPS the TLS sockets (the raw ones above carry no request), tracked per
  // connection so that the drain can reach the requests already in flight without a per-request hook.
  const httpSockets = config.http ? connections : new Set<net.Socket>();
  // The TCP connections whose TLS handshake has completed (`_parent`: the TCP socket under the TLS one, as
  // client-errors.ts reads it).
  const secured = new WeakSet<object>();
  if (!config.http) {
    app.server.on('secureConnection', (socket: net.Socket) => {
      httpSockets.add(socket);
      socket.once('close', () => httpSockets.delete(socket));
      const raw = (socket as net.Socket & { _parent?: object | null })._parent;
      if (raw) secured.add(raw);
    });
  }
  // At the stop, the connections that have not sent a byte of a request: still in their TLS handshake, or connected
  // (and through the handshake) without a request. Node's close counts a connection idle only after its first request,
  // so until 2026-12-06 each of these held a graceful stop until its handshake timeout (10 s) or head timeout (20 s),
  // past the grace: a client that connected and sent nothing made the stop forced (exit 1). They have nothing in flight.
  const closeWithoutRequest = (): void => {
    if (!config.http) for (const socket of connections) if (!secured.has(socket)) socket.destroy();
    for (const socket of httpSockets) {
      if (socket.bytesRead === 0 && !(socket as net.Socket & { _httpMessage?: unknown })._httpMessage) socket.destroy();
    }
  };
  // The onRequest hook says `Connection: close` to requests that begin once draining has started; a request already
  // in flight then (its body still arriving, or its handler running) had passed it, was answered keep-alive and its
  // idle connection held the shutdown until the grace ran out (exit 1; until 2026-12-05). Its response, not yet
  // begun, is told here not to keep the connection alive: Node then writes `Connection: close` and ends the socket
  // after the answer. Nothing of this runs before a shutdown.
  const beginDraining = (): void => {
    readiness.draining = true;
    for (const socket of httpSockets) {
      const response = (socket as net.Socket & { _httpMessage?: { headersSent: boolean; shouldKeepAlive: boolean } | null })._httpMessage;
      if (response && !response.headersSent) response.shouldKeepAlive = false;
    }
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    beginDraining();
    // Node closes the connections that are idle when the listener closes, once; one whose answer had already begun
    // when the drain started still ends keep-alive and turns idle later. Closing idle connections again until the
    // server has closed ends the shutdown as soon as the last in-flight request is answered, not at the grace.
    // Connections without a request (closeWithoutRequest) are closed with the idle ones.
    const closeIdle = setInterval(() => (app.server.closeIdleConnections(), closeWithoutRequest()), 50);
    closeIdle.unref();
    try {
      const closing = app.close();
      closeWithoutRequest();
      await closing;
    } finally {
      clearInterval(closeIdle);
    }
    await metrics?.close();
    await services.stop();
    await store.close();
  };
  return {
    app,
    store,
    services,
    url,
    bootstrap: bootstrapResult,
    certPath: tls?.certPath ?? null,
    tls: tls ? { certPath: tls.certPath, generated: tls.generated, validTo: tls.validTo } : null,
    otherNodesTtlSeconds,
    reloadTls:
      config.tlsCert !== null && config.tlsKey !== null
        ? () => {
            let fresh: ReturnType<typeof loadOperatorCertificate>;
            try {
              fresh = loadOperatorCertificate(config.tlsCert!, config.tlsKey!);
            } catch (err) {
              // In the log too, not only on stderr: alerting on the structured log must see a failed renewal.
              logger.warn(
                { certPath: config.tlsCert, err: (err as Error).message },
                'TLS certificate not reloaded; the previous one is still served',
              );
              throw err;
            }
            // The ciphers again: Node's setSecureContext falls back to its defaults for an option not given.
            (app.server as unknown as { setSecureContext(o: { key: string; cert: string; ciphers: string }): void }).setSecureContext({
              key: fresh.key,
              cert: fresh.cert,
              ciphers: TLS_CIPHERS,
            });
            logger.info({ certPath: fresh.certPath, validTo: fresh.validTo.toISOString() }, 'TLS certificate reloaded');
            return { certPath: fresh.certPath, validTo: fresh.validTo };
          }
        : null,
    metricsUrl,
    inventory,
    stop,
    async shutdown() {
      // Draining: /health/ready answers 503 while the node still serves everything, so that a balancer that
      // checks it stops sending new connections before the listener closes. Closing a listener resets the
      // connections still in its accept queue, and a balancer cannot tell whether those requests were served.
      beginDraining();
      if (config.shutdownDrainSeconds > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainSeconds * 1000));
      let forced = false;
      let cutConnections = 0;
      const timer = setTimeout(() => {
        forced = true;
        cutConnections = connections.size;
        // With no connection left, what still runs is the flush of "last used" and audit records to the store.
        logger.error(
          { graceSeconds: config.shutdownGraceSeconds, connections: cutConnections },
          cutConnections > 0
            ? 'shutdown grace ran out; closing the connections still open'
            : 'shutdown grace ran out while writing the last records to the store (is it reachable?)',
        );
        app.server.closeAllConnections();
        for (const socket of connections) socket.destroy();
      }, config.shutdownGraceSeconds * 1000);
      try {
        await stop();
      } finally {
        clearTimeout(timer);
      }
      return { forced, cutConnections };
    },
  };
}
