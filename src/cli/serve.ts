/**
 * `tessera serve`: starts a node. Every flag has a TESSERA_* environment equivalent, and every setting a key
 * in an optional TOML file (--config): flag > environment > file > default. Bad values stop the start with
 * one message listing each problem.
 */
import type { Command } from 'commander';
import {
  ConfigError,
  DEFAULTS,
  loadConfig,
  loadConfigFile,
  passwordInArgumentWarning,
  secretsInReadableFileWarning,
  unknownEnvironmentWarnings,
  type ConfigFile,
  type RawConfig,
} from '../config.js';
import type { BootstrapResult } from '../auth/bootstrap.js';
import { selfCommand } from './self-command.js';
import { storeLocationHint } from './store-config.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Start a Tessera server (SQLite in --data-dir by default, HTTPS with a self-signed certificate)')
    .option('--host <address>', `listen address (TESSERA_HOST, default ${DEFAULTS.host})`)
    .option('--port <port>', `listen port (TESSERA_PORT, default ${DEFAULTS.httpsPort}, or ${DEFAULTS.httpPort} with --http)`)
    .option('--http', 'plain HTTP, for running behind a TLS-terminating proxy (TESSERA_HTTP)')
    .option('--data-dir <dir>', `directory for the SQLite file and the certificate (TESSERA_DATA_DIR, default ${DEFAULTS.dataDir})`)
    .option('--tls-cert <file>', 'your certificate (PEM, chain after it) instead of the generated self-signed one (TESSERA_TLS_CERT)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM, unencrypted); SIGHUP re-reads both (TESSERA_TLS_KEY)')
    .option('--database-url <url>', 'postgres://user@host:port/db to use PostgreSQL instead of SQLite (TESSERA_DATABASE_URL)')
    .option('--demo', 'on first start, add the demo orgs acme and globex with users and VMs (TESSERA_DEMO)')
    .option(
      '--inventory <file>',
      'at every start, before listening, apply this inventory file as `tessera inventory apply FILE` does; invalid: exit 2 (TESSERA_INVENTORY)',
    )
    .option(
      '--github-secret-scanning-keys <file>',
      "GitHub's secret scanning public keys (api.github.com/meta/public_keys/secret_scanning, saved as JSON): enables POST /oauth/secret-scanning/github, which revokes leaked tokens GitHub reports; SIGHUP re-reads it (TESSERA_GITHUB_SECRET_SCANNING_KEYS, default off)",
    )
    .option('--public-url <url>', 'public base URL used in hrefs, e.g. https://vcd.example.com (TESSERA_PUBLIC_URL)')
    .option(
      '--trust-proxy <addresses>',
      'comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-* headers are believed (TESSERA_TRUST_PROXY, default none)',
    )
    .option(
      '--proxy-protocol-from <addresses>',
      'comma-separated addresses/CIDRs of TCP load balancers (TLS passthrough) that send a PROXY protocol v1/v2 header (TESSERA_PROXY_PROTOCOL_FROM, default none)',
    )
    .option(
      '--revocation-feed-max-lag <ms>',
      `PostgreSQL: refuse requests when the revocation feed is not proven live within this bound (TESSERA_REVOCATION_FEED_MAX_LAG_MS, default ${DEFAULTS.revocationFeedMaxLagMs})`,
    )
    .option('--access-token-ttl <seconds>', `access token lifetime (TESSERA_ACCESS_TOKEN_TTL, default ${DEFAULTS.accessTokenTtlSeconds})`)
    .option('--log-level <level>', `fatal|error|warn|info|debug|trace|silent (TESSERA_LOG_LEVEL, default ${DEFAULTS.logLevel})`)
    .option(
      '--log-format <format>',
      `json|pretty: pretty is one readable line per entry, for a terminal (TESSERA_LOG_FORMAT, default json)`,
    )
    .option(
      '--request-log <mode>',
      `off|errors|all: which requests are logged, see docs/configuration.md (TESSERA_REQUEST_LOG, default errors)`,
    )
    .option(
      '--database-pool-size <n>',
      `PostgreSQL connections per node (TESSERA_DATABASE_POOL_SIZE, default ${DEFAULTS.databasePoolSize})`,
    )
    .option(
      '--shutdown-grace <seconds>',
      `on SIGTERM, time for in-flight requests before the rest are cut (TESSERA_SHUTDOWN_GRACE_SECONDS, default ${DEFAULTS.shutdownGraceSeconds})`,
    )
    .option(
      '--shutdown-drain <seconds>',
      `on SIGTERM, keep serving this long with /health/ready at 503 before closing the listener (TESSERA_SHUTDOWN_DRAIN_SECONDS, default 0)`,
    )
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://<metrics-host>:<port>/metrics (TESSERA_METRICS_PORT, default off)')
    .option('--metrics-host <address>', `address of the metrics listener (TESSERA_METRICS_HOST, default ${DEFAULTS.metricsHost})`)
    .option('--config <file>', 'TOML file with settings, keys named like the variables without TESSERA_ (TESSERA_CONFIG)')
    .addHelpText(
      'after',
      `
Examples:
  $ tessera serve --demo                                   # HTTPS on https://127.0.0.1:8443 with demo data
  $ tessera serve --port 0 --data-dir "$(mktemp -d)" --inventory inventory.yaml   # a throw-away VCD for tests
  $ tessera serve --http --port 8080 --public-url https://vcd.example.com --trust-proxy 10.0.0.5
  $ TESSERA_DATABASE_URL=postgres://tessera@db:5432/tessera tessera serve --host 0.0.0.0
  $ tessera serve --config /etc/tessera/tessera.toml       # with port = 8080, http = true, database_url = "..."

Passwords: TESSERA_ADMIN_PASSWORD sets the System administrator's on first start (else one is generated
and printed once, before anything else can fail); TESSERA_DEMO_PASSWORD sets the demo users'. Lost one:
tessera admin reset-password administrator@System.`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const flags: RawConfig = {
        host: opts.host,
        port: opts.port,
        http: opts.http,
        dataDir: opts.dataDir,
        tlsCert: opts.tlsCert,
        tlsKey: opts.tlsKey,
        databaseUrl: opts.databaseUrl,
        demo: opts.demo,
        inventory: opts.inventory,
        githubSecretScanningKeys: opts.githubSecretScanningKeys,
        publicUrl: opts.publicUrl,
        trustProxy: opts.trustProxy,
        proxyProtocolFrom: opts.proxyProtocolFrom,
        revocationFeedMaxLagMs: opts.revocationFeedMaxLag,
        accessTokenTtlSeconds: opts.accessTokenTtl,
        logLevel: opts.logLevel,
        logFormat: opts.logFormat,
        requestLog: opts.requestLog,
        databasePoolSize: opts.databasePoolSize,
        shutdownGraceSeconds: opts.shutdownGrace,
        shutdownDrainSeconds: opts.shutdownDrain,
        metricsPort: opts.metricsPort,
        metricsHost: opts.metricsHost,
      };
      let config;
      const configPath = typeof opts.config === 'string' ? opts.config : process.env.TESSERA_CONFIG || null;
      try {
        const file: ConfigFile | null = configPath ? loadConfigFile(configPath) : null;
        // Before the settings are judged: a misspelled variable may be why a bad value below is in force.
        for (const warning of unknownEnvironmentWarnings(process.env)) process.stderr.write(`tessera: warning: ${warning}\n`);
        const readable = file ? secretsInReadableFileWarning(file) : null;
        if (readable !== null) process.stderr.write(`tessera: warning: ${readable}\n`);
        const shown = passwordInArgumentWarning('--database-url', typeof opts.databaseUrl === 'string' ? opts.databaseUrl : undefined);
        if (shown !== null) process.stderr.write(`tessera: warning: ${shown}\n`);
        config = loadConfig(flags, process.env, file);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`tessera: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      // Loaded here, not at the top: `tessera scan` in a pre-commit hook must not load the whole server.
      const { startServer } = await import('../server.js');
      const { DataDirLockedError } = await import('../store/sqlite-lock.js');
      const { TlsMaterialError, operatorKeyExposure } = await import('../tls.js');
      const { StoreOpenError } = await import('../store/open-errors.js');
      const { NewerStoreError } = await import('../store/migrate.js');
      const { InventoryFileError } = await import('../inventory/declarative/file.js');
      // The start banner, with the one-time passwords, goes to the terminal (stderr) apart from the log lines
      // (stdout, JSON for a collector): a password never enters the log pipeline.
      const out = (line: string) => process.stderr.write(line + '\n');
      const resetHint = (who: string) => `${selfCommand()} admin reset-password ${who} ${storeLocationHint(config, configPath)}`;
      // On SQLite the reset needs the file to itself; on PostgreSQL it runs beside the nodes (docs/cli.md).
      const whenToReset = config.databaseUrl ? '(beside the running nodes)' : '(with this server stopped)';
      // Printed the moment they exist, before the certificate and the port can fail: a first start that fails
      // has still shown them, and they stay valid for the next start.
      let printedPasswords = false;
      const onBootstrap = (result: BootstrapResult) => {
        if (result.generatedAdminPassword) {
          out(`First start: System administrator administrator@System, password ${result.generatedAdminPassword} (shown once)`);
          printedPasswords = true;
        }
        if (result.createdDemo) {
          out(`First start: demo users alice@acme (Organization Administrator), bob@acme (vApp Author), hank@globex`);
          if (result.generatedDemoPassword) {
            out(`  Demo password: ${result.generatedDemoPassword} (shown once)`);
            printedPasswords = true;
          }
        }
        // A chosen password is used only when its user is created: say so rather than leave a sign-in failing. The
        // user's own password again (a CI job exporting it before each start of a copied data directory) is silent.
        if (result.adminPasswordIgnored) {
          out(
            `tessera: warning: TESSERA_ADMIN_PASSWORD is ignored: the store already has its administrator. To change the password: ${resetHint('administrator@System')} ${whenToReset}`,
          );
        }
        if (result.demoPasswordIgnored) {
          out('tessera: warning: TESSERA_DEMO_PASSWORD is ignored: the demo users already exist (it is used only when they are created)');
        }
        const earlier = result.passwordsOfFailedStart ?? [];
        if (earlier.length > 0) {
          out(`An earlier first start printed generated passwords for ${earlier.join(', ')} and then failed.`);
          out(`  If they were not kept, set new ones ${whenToReset}: ${resetHint(earlier.length === 1 ? earlier[0]! : 'USER@ORG')}`);
        }
      };
      let server;
      try {
        server = await startServer(config, { onBootstrap });
      } catch (err) {
        // Another server owns the SQLite file: say who, and that several servers are PostgreSQL's job.
        if (err instanceof DataDirLockedError) {
          process.stderr.write(`tessera: ${err.message}\n`);
          process.exit(1);
        }
        const { code, syscall } = err as NodeJS.ErrnoException;
        // --inventory's file: the lines and the message of `tessera inventory apply FILE`, and its exit code 2.
        let exitCode = 1;
        if (err instanceof InventoryFileError) {
          for (const line of err.problemLines) process.stderr.write(`${line}\n`);
          process.stderr.write(`tessera: ${err.message}\n`);
          exitCode = 2;
        } else if (err instanceof TlsMaterialError) {
          // The generated pair's problems are the data directory's, not the flags'.
          process.stderr.write(`tessera: ${err.message}${config.tlsCert !== null ? ' (--tls-cert, --tls-key)' : ''}\n`);
        } else if (err instanceof StoreOpenError || err instanceof NewerStoreError) {
          process.stderr.write(`tessera: ${err.message}\n`);
        } else if (syscall === 'listen' && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
          // The API's listener or the metrics' (opened after it): the error's own port tells which, and so which flag
          // to change (until 2026-12-06 a busy metrics port was reported as the API's, with --port to change).
          const metricsListener =
            config.metricsPort !== null && (err as { port?: number }).port === config.metricsPort && config.metricsPort !== config.port;
          const [host, port, flags] = metricsListener
            ? [config.metricsHost, config.metricsPort, ['--metrics-host', '--metrics-port']]
            : [config.host, config.port, ['--host', '--port']];
          const other =
            code === 'EADDRNOTAVAIL' ? `choose another with ${flags[0]}` : `choose another with ${flags[1]} (0 picks a free one)`;
          process.stderr.write(`tessera: cannot listen on ${host}:${port}: ${(err as Error).message}; ${other}\n`);
        } else {
          process.stderr.write(`tessera: the server did not start: ${(err as Error).stack ?? String(err)}\n`);
        }
        if (printedPasswords) {
          out('The data directory is initialized: the passwords printed above stay valid for the next start.');
          out(`  If they were not kept: ${resetHint('administrator@System')}`);
        }
        process.exit(exitCode);
      }
      // A renewed certificate (certbot, cert-manager) is served to new connections without a restart. Listened for
      // before the banner says the server is up, so a SIGHUP sent on seeing it is never the default (exit).
      // Without an operator certificate there is nothing to reload, but SIGHUP still does not end the server (a
      // daemon's convention; its default action would).
      const reloadTls = server.reloadTls;
      // GitHub rotates its secret scanning keys: the operator downloads the list again and sends SIGHUP.
      const githubKeys = server.services.githubScanningKeys;
      process.on('SIGHUP', () => {
        if (!reloadTls && !githubKeys) return out('Received SIGHUP: nothing to reload (no --tls-cert, no --github-secret-scanning-keys)');
        if (reloadTls) {
          try {
            const fresh = reloadTls();
            out(`Received SIGHUP: TLS certificate ${fresh.certPath} reloaded, valid until ${fresh.validTo.toISOString()}`);
          } catch (err) {
            out(`Received SIGHUP: the TLS certificate was not reloaded, the previous one is still served: ${(err as Error).message}`);
          }
        }
        if (githubKeys) {
          try {
            out(`Received SIGHUP: ${githubKeys.reload()} GitHub secret scanning key(s) read from ${githubKeys.path}`);
          } catch (err) {
            out(
              `Received SIGHUP: the GitHub secret scanning keys were not reloaded, the previous ones are still trusted: ${(err as Error).message}`,
            );
          }
        }
      });
      out(`Tessera is listening on ${server.url}`);
      if (server.tls?.generated) out(`  TLS: self-signed certificate ${server.certPath} (clients need --insecure / -k)`);
      else if (server.tls) {
        const days = Math.floor((server.tls.validTo.getTime() - Date.now()) / 86_400_000);
        const when = days < 0 ? 'EXPIRED' : `${days} day${days === 1 ? '' : 's'} left`;
        out(`  TLS: certificate ${server.tls.certPath}, valid until ${server.tls.validTo.toISOString()} (${when}; SIGHUP reloads it)`);
        const exposed = config.tlsKey !== null ? operatorKeyExposure(config.tlsKey) : null;
        if (exposed !== null) out(`  warning: ${exposed}`);
      }
      out(`  Storage: ${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}`);
      if (server.inventory) {
        const { summaryLine } = await import('../inventory/declarative/plan.js');
        const { file, summary, seconds } = server.inventory;
        const nothing = summary.created + summary.updated + summary.deleted === 0 ? ' (nothing to change)' : '';
        out(`  Inventory: ${file} applied: ${summaryLine(summary)}${nothing} in ${seconds.toFixed(1)} s`);
      }
      if (server.otherNodesTtlSeconds !== null) {
        out(
          `  Warning: the node started before this one on this store had --access-token-ttl ${server.otherNodesTtlSeconds}, this one ${config.accessTokenTtlSeconds}: ` +
            'give every node of a cluster the same (a node ends sessions one of its own lifetimes after they were made; docs/security.md)',
        );
      }
      // --http used to trust every X-Forwarded-For; say so, or every client behind a proxy shares its address.
      if (config.http && config.trustProxy.length === 0) {
        out('  Proxy: X-Forwarded-* headers are ignored; name your proxies with --trust-proxy to use them');
      } else if (config.trustProxy.length > 0) {
        out(`  Proxy: X-Forwarded-* believed from ${config.trustProxy.join(', ')}`);
      }
      if (config.proxyProtocolFrom.length > 0) {
        out(`  Proxy: PROXY protocol header required from ${config.proxyProtocolFrom.join(', ')}`);
      }
      if (printedPasswords) out(`  Lost a generated password? ${resetHint('USER@ORG')} ${whenToReset}`);
      // The demo's tenant portal only where the demo data is asked for; the provider's portal always exists.
      // Behind a proxy the addresses to give users are the public URL's, not the listener's (until 2026-12-06 the
      // banner named the backend's http://127.0.0.1:8080 even with --public-url https://vcd.example.com).
      const site = config.publicUrl ?? server.url;
      const portal = config.demo ? `${site}/tenant/acme (provider: /provider)` : `${site}/provider (tenants: /tenant/ORG)`;
      out(`  Portal: ${portal}   API: ${site}/api/versions`);
      if (server.metricsUrl) out(`  Metrics: ${server.metricsUrl}`);
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        const grace = config.shutdownGraceSeconds;
        const drain = config.shutdownDrainSeconds;
        // With --shutdown-drain the node first goes on serving while /health/ready fails, so a load balancer stops
        // sending before the listener closes: said, or the operator reads the wait as a hang (until 2026-12-06).
        const drainNote = drain > 0 ? `readiness fails and requests are still served for ${drain} s, then ` : '';
        out(`Received ${signal}, shutting down (${drainNote}in-flight requests get up to ${grace} s)`);
        // Last resort if closing the store itself hangs once the connections are cut: after the drain, the grace and 5 s
        // (until 2026-12-06 it counted the grace only, so a drain longer than the grace plus 5 s ended in exit 1).
        const limit = drain + grace + 5;
        setTimeout(() => {
          out(`Shutdown did not finish within ${limit} s; exiting`);
          process.exit(1);
        }, limit * 1000).unref();
        const { forced, cutConnections } = await server.shutdown();
        if (forced) {
          out(`Shutdown grace of ${grace} s ran out: closed ${cutConnections} connection(s) still open; exiting with code 1`);
          process.exit(1);
        }
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
