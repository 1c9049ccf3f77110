// oidc-provider ships no types (and @types/oidc-provider lags behind v9):
// the little of it dev-provider.ts uses, typed here.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }
  interface GrantClass {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  }
  interface Account {
    accountId: string;
    claims(): Record<string, unknown> | Promise<Record<string, unknown>>;
  }
  interface Context {
    oidc: {
      provider: { Grant: GrantClass };
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
      client?: { clientId: string };
    };
  }
  export interface Configuration {
    clients: { client_id: string; client_secret: string; redirect_uris: string[]; grant_types: string[]; response_types: string[]; require_auth_time?: boolean }[];
    cookies: { keys: string[]; names?: Record<string, string> };
    claims: Record<string, string[]>;
    findAccount(ctx: Context, id: string): Account | undefined | Promise<Account | undefined>;
    loadExistingGrant(ctx: Context): Promise<Grant | undefined>;
    features: { devInteractions: { enabled: boolean } };
    ttl: Record<string, number>;
  }
  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
