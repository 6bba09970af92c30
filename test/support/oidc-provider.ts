import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person the provider knows, by subject (`sub`). */
export type OidcAccount = { email: string; name: string };

export type OidcProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * Registers Ringmaster's client with its redirect URL. Separate from the start because
   * the issuer must be known before the server starts, and the redirect URL may name the
   * server's port.
   */
  allow(redirectUrl: string): void;
  close(): Promise<void>;
};

/**
 * A real OpenID Connect provider (oidc-provider, with its development sign-in and
 * consent forms: any password) on loopback, issuing ID tokens for `accounts`.
 */
export async function startOidcProvider(
  accounts: Record<string, OidcAccount>,
): Promise<OidcProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => unknown = (_req, res) => {
    res.statusCode = 503;
    res.end('no client registered yet');
  };
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'ringmaster';
  const clientSecret = 'a-client-secret';
  return {
    issuer,
    clientId,
    clientSecret,
    allow(redirectUrl) {
      const oidc = new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: [redirectUrl],
            response_types: ['code'],
            grant_types: ['authorization_code'],
          },
        ],
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        findAccount: (_ctx, id) => ({
          accountId: id,
          claims: () => ({
            sub: id,
            email: accounts[id]?.email,
            email_verified: true,
            name: accounts[id]?.name,
          }),
        }),
        cookies: { keys: ['test-cookie-key'] },
      });
      const callback = oidc.callback();
      handler = (req, res) => callback(req, res);
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
