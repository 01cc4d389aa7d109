/**
 * `tessera serve`: starts a node. Every flag has a TESSERA_* environment equivalent (flag wins); bad values
 * stop the start with one message listing each problem.
 */
import type { Command } from 'commander';
import { ConfigError, DEFAULTS, loadConfig, type RawConfig } from '../config.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Start a Tessera server (SQLite in --data-dir by default, HTTPS with a self-signed certificate)')
    .option('--host <address>', `listen address (TESSERA_HOST, default ${DEFAULTS.host})`)
    .option('--port <port>', `listen port (TESSERA_PORT, default ${DEFAULTS.httpsPort}, or ${DEFAULTS.httpPort} with --http)`)
    .option('--http', 'plain HTTP, for running behind a TLS-terminating proxy (TESSERA_HTTP)')
    .option('--data-dir <dir>', `directory for the SQLite file and the certificate (TESSERA_DATA_DIR, default ${DEFAULTS.dataDir})`)
    .option('--database-url <url>', 'postgres://user@host:port/db to use PostgreSQL instead of SQLite (TESSERA_DATABASE_URL)')
    .option('--demo', 'on first start, add the demo orgs acme and globex with users and VMs (TESSERA_DEMO)')
    .option('--public-url <url>', 'public base URL used in hrefs, e.g. https://vcd.example.com (TESSERA_PUBLIC_URL)')
    .option(
      '--trust-proxy <addresses>',
      'comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-* headers are believed (TESSERA_TRUST_PROXY, default none)',
    )
    .option(
      '--revocation-feed-max-lag <ms>',
      `PostgreSQL: refuse requests when the revocation feed is not proven live within this bound (TESSERA_REVOCATION_FEED_MAX_LAG_MS, default ${DEFAULTS.revocationFeedMaxLagMs})`,
    )
    .option('--access-token-ttl <seconds>', `access token lifetime (TESSERA_ACCESS_TOKEN_TTL, default ${DEFAULTS.accessTokenTtlSeconds})`)
    .option('--log-level <level>', `fatal|error|warn|info|debug|trace|silent (TESSERA_LOG_LEVEL, default ${DEFAULTS.logLevel})`)
    .addHelpText(
      'after',
      `
Examples:
  tessera serve --demo                                   HTTPS on https://127.0.0.1:8443 with demo data
  tessera serve --http --port 8080 --public-url https://vcd.example.com --trust-proxy 10.0.0.5
  TESSERA_DATABASE_URL=postgres://tessera@db:5432/tessera tessera serve --host 0.0.0.0

Passwords: TESSERA_ADMIN_PASSWORD sets the System administrator's on first start (else one is generated
and printed once); TESSERA_DEMO_PASSWORD sets the demo users'.`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const flags: RawConfig = {
        host: opts.host,
        port: opts.port,
        http: opts.http,
        dataDir: opts.dataDir,
        databaseUrl: opts.databaseUrl,
        demo: opts.demo,
        publicUrl: opts.publicUrl,
        trustProxy: opts.trustProxy,
        revocationFeedMaxLagMs: opts.revocationFeedMaxLag,
        accessTokenTtlSeconds: opts.accessTokenTtl,
        logLevel: opts.logLevel,
      };
      let config;
      try {
        config = loadConfig(flags);
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
      let server;
      try {
        server = await startServer(config);
      } catch (err) {
        // Another server owns the SQLite file: say who, and that several servers are PostgreSQL's job.
        if (err instanceof DataDirLockedError) {
          process.stderr.write(`tessera: ${err.message}\n`);
          process.exit(1);
        }
        throw err;
      }
      const out = (line: string) => process.stderr.write(line + '\n');
      out(`Tessera is listening on ${server.url}`);
      if (server.certPath) out(`  TLS: self-signed certificate ${server.certPath} (clients need --insecure / -k)`);
      out(`  Storage: ${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}`);
      // --http used to trust every X-Forwarded-For; say so, or every client behind a proxy shares its address.
      if (config.http && config.trustProxy.length === 0) {
        out('  Proxy: X-Forwarded-* headers are ignored; name your proxies with --trust-proxy to use them');
      } else if (config.trustProxy.length > 0) {
        out(`  Proxy: X-Forwarded-* believed from ${config.trustProxy.join(', ')}`);
      }
      if (server.bootstrap.generatedAdminPassword) {
        out(`  System administrator: administrator@System, password ${server.bootstrap.generatedAdminPassword} (shown once)`);
      }
      if (server.bootstrap.createdDemo) {
        const pw = server.bootstrap.generatedDemoPassword;
        out(`  Demo users: alice@acme (Organization Administrator), bob@acme (vApp Author), hank@globex`);
        if (pw) out(`  Demo password: ${pw} (shown once)`);
      }
      out(`  Portal: ${server.url}/tenant/acme   API: ${server.url}/api/versions`);
      const shutdown = async (signal: string) => {
        out(`Received ${signal}, shutting down`);
        await server.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
