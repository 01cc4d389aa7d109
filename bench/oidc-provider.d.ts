// The subset of node-oidc-provider's API the peer benchmark uses (bench/peer-server.ts; the package ships no types).
declare module 'oidc-provider' {
  import type { Server } from 'node:http';
  interface Model {
    save(): Promise<string>;
  }
  interface GrantModel extends Model {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
  }
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    listen(port: number, host: string, callback: () => void): Server;
    Client: { find(id: string): Promise<object | undefined> };
    Grant: new (fields: Record<string, unknown>) => GrantModel;
    RefreshToken: new (fields: Record<string, unknown>) => Model;
  }
}
