import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectChecked } from './support/declared-response.js';
import { startOidcProvider, type OidcProvider } from './support/oidc-provider.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * A real authorization-code flow: an OpenID Connect provider on loopback, the server
 * configured for it, and the browser's redirects followed by hand (cookies kept).
 */
const redirectUrl = 'http://127.0.0.1:9/api/v1/auth/oidc/callback';
const accounts: Record<string, { email: string; name: string }> = {
  'sub-alice': { email: 'alice@example.com', name: 'Alice' },
  'sub-newbie': { email: 'newbie@example.com', name: 'New Person' },
};

/** A browser: follows redirects by hand and keeps cookies, stopping at the callback. */
async function browse(start: string, login: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = start;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(redirectUrl)) return new URL(url);
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = (pair ?? '').split('=');
      if (k) cookies.set(k.trim(), v.join('='));
    }
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).toString();
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    // The provider's sign-in form, then its consent form: submit each.
    method = 'POST';
    body = html.includes('name="login"')
      ? new URLSearchParams({ prompt: 'login', login, password: 'x' }).toString()
      : new URLSearchParams({ prompt: 'consent' }).toString();
    if (!html.includes('<form'))
      throw new Error(`unexpected page at ${url}: ${html.slice(0, 200)}`);
  }
  throw new Error('too many redirects');
}

describe('OIDC sign-in against a provider on loopback', () => {
  let provider: OidcProvider;
  let server: TestServer;

  beforeAll(async () => {
    provider = await startOidcProvider(accounts);
    provider.allow(redirectUrl);
    server = await startTestServer('sqlite', undefined, {
      oidc: {
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        redirectUrl,
        defaultRole: 'viewer',
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await provider?.close();
  });

  async function signInAs(sub: string) {
    const login = await injectChecked(server.app, {
      method: 'GET',
      url: '/api/v1/auth/oidc/login',
    });
    expect(login.statusCode).toBe(302);
    const back = await browse(String(login.headers.location), sub);
    return injectChecked(server.app, {
      method: 'GET',
      url: `/api/v1/auth/oidc/callback${back.search}`,
    });
  }

  it('says OIDC is offered, for the sign-in page', async () => {
    const methods = await injectChecked(server.app, { method: 'GET', url: '/api/v1/auth/methods' });
    expect(methods.json()).toEqual({ password: true, oidc: true });
  });

  it('signs a pre-created user in by e-mail, with their own role', async () => {
    const created = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: server.adminHeaders,
      payload: { name: 'alice', email: 'alice@example.com', role: 'operator' },
    });
    expect(created.statusCode).toBe(201);
    const session = await signInAs('sub-alice');
    expect(session.statusCode, session.body).toBe(200);
    const token = session.json<{ token: string }>().token;
    const me = await server.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.json()).toMatchObject({ name: 'alice', role: 'operator' });
  });

  it('creates an unknown user at first sign-in, with the default role', async () => {
    const session = await signInAs('sub-newbie');
    expect(session.statusCode, session.body).toBe(200);
    expect(session.json()).toMatchObject({
      user: { name: 'newbie@example.com', role: 'viewer', displayName: 'New Person' },
    });
  });

  it('refuses a callback it did not start', async () => {
    const res = await injectChecked(server.app, {
      method: 'GET',
      url: '/api/v1/auth/oidc/callback?code=x&state=forged',
    });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ message: string }>().message).toMatch(/not started here/);
  });
});
