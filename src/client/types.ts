/**
 * The wire shapes the SDK reads and writes. They are the server's own (src/schemas/wire.ts); a type-only
 * re-export, so the SDK keeps zero runtime dependencies.
 */
export type * from '../schemas/wire.js';
