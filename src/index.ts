/**
 * Tessera as a library: start a node from code (tests, embedding) with the same config the CLI builds.
 *
 *   import { loadConfig, startServer } from '@tessera-vcd/server';
 *   const server = await startServer(loadConfig({ http: true, port: 0, demo: true }));
 *
 * The SDK for talking to a server (or to a real VCD) is `@tessera-vcd/server/client`.
 */
export { loadConfig, ConfigError, DEFAULTS, type Config, type RawConfig } from './config.js';
export { startServer, type RunningServer } from './server.js';
export { generateApiToken, isWellFormedApiToken, maskApiToken, API_TOKEN_LENGTH } from './domain/api-token-format.js';
// New tokens have no prefix (32 base62 characters); `tsr_` names only the first format, still accepted.
export { LEGACY_API_TOKEN_PREFIX } from './domain/api-token-legacy.js';
