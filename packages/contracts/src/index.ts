// Public entry point of @sos/contracts. Everything under ./generated/ is produced by
// `npm run generate` from openapi.json; this file only re-exports it and adds one helper.
import { createClient, createConfig, type Client } from './generated/client/index.js';
import type { ClientOptions } from './generated/types.gen.js';

export * from './generated/index.js';
export * from './generated/zod.gen.js';
export { client } from './generated/client.gen.js';
export type { Client, Config, RequestResult } from './generated/client/index.js';

export interface SosClientOptions {
  /** Origin of the backend, e.g. "https://api.sos.example" (paths in the SDK start with /api/v1). */
  baseUrl: string;
  /**
   * Returns the current access token from POST /api/v1/auth/token, or undefined when signed out.
   * Called on every request to an operation that needs the HTTPBearer scheme.
   */
  getToken?: () => string | undefined | Promise<string | undefined>;
  /** A custom fetch (tests, SSR). Defaults to globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
}

/**
 * A client bound to one backend and one token source. Pass it to any SDK function as
 * `{ client }`, or call `client.setConfig(...)` on the shared default `client` instead.
 */
export function createSosClient(options: SosClientOptions): Client {
  const { baseUrl, getToken, fetch } = options;
  return createClient(
    createConfig<ClientOptions>({
      baseUrl,
      ...(getToken ? { auth: async () => await getToken() } : {}),
      ...(fetch ? { fetch } : {}),
    }),
  );
}
