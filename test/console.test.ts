import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentLiveView, type DeploymentLiveView } from '../src/contracts/api.js';
import { ENGINES } from './support/engines.js';
import { injectChecked } from './support/declared-response.js';
import { fleetDriver } from './support/fleet.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait.js';
import { manifestFactory } from './factories/update.factory.js';

describe('the web console is served at / beside the API', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ringmaster-console-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    server = await startTestServer('sqlite', undefined, { consoleDir: dir });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = (url: string, accept = 'text/html') =>
    server.app.inject({ method: 'GET', url, headers: { accept } });

  it('answers / and every client route with index.html, and the hashed files as files', async () => {
    for (const url of ['/', '/deployments', '/deployments/dep_1', '/groups?x=1']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('<title>console</title>');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    }
    const asset = await get('/assets/app-1.js', '*/*');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('leaves the API, the agent routes and unknown files their JSON 404', async () => {
    for (const url of ['/api/v1/nope', '/agent/v1/nope', '/assets/missing.js']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not-found' });
    }
    // A request that does not ask for a page (a script, curl) gets the 404 too.
    expect((await get('/deployments', 'application/json')).statusCode).toBe(404);
    expect((await get('/healthz', 'application/json')).json()).toMatchObject({ status: 'ok' });
    expect((await get('/openapi.json', 'application/json')).statusCode).toBe(200);
  });

  it('answers the OIDC callback with the console for a browser, JSON for a client', async () => {
    const url = '/api/v1/auth/oidc/callback?code=c&state=s';
    const page = await get(url);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>console</title>');
    // The console's own call asks for JSON and reaches the route (no OIDC here: 404).
    const api = await get(url, 'application/json');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: 'not-found' });
  });

  it('says the sign-in page offers no OIDC when the server has no --oidc-issuer', async () => {
    const methods = await injectChecked(server.app, { method: 'GET', url: '/api/v1/auth/methods' });
    expect(methods.json()).toEqual({ password: true, oidc: false });
  });

  it('is not served when there is no built console', async () => {
    const bare = await startTestServer('sqlite', undefined, { consoleDir: null });
    try {
      expect((await bare.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    } finally {
      await bare.stop();
    }
  });
});

for (const engine of ENGINES) {
  describe(`console routes on ${engine}`, () => {
    let server: TestServer;
    let url: string;
    beforeAll(async () => {
      server = await startTestServer(engine);
      url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await server.stop();
    });
    const admin = (method: 'GET' | 'POST', u: string, payload?: Record<string, unknown>) =>
      injectChecked(server.app, {
        method,
        url: u,
        headers: server.adminHeaders,
        ...(payload ? { payload } : {}),
      });

    it('previews a query group: how many computers, the first by hostname; 400 names a bad query', async () => {
      const fleet = fleetDriver(server);
      await admin('POST', '/api/v1/groups', { name: 'preview-all' });
      await fleet.enroll(3, 'preview-all', 'pv');
      const site = (await admin('GET', '/api/v1/computers')).json<{
        items: { site: string | null }[];
      }>().items[0]?.site;
      const ok = await admin('POST', '/api/v1/groups/preview', { query: `site = "${site}"` });
      expect(ok.statusCode).toBe(200);
      const view = ok.json<{ count: number; members: { hostname: string }[] }>();
      expect(view.count).toBeGreaterThanOrEqual(3);
      const names = view.members.map((m) => m.hostname);
      expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
      const none = await admin('POST', '/api/v1/groups/preview', { query: 'site = "nowhere"' });
      expect(none.json()).toEqual({ count: 0, members: [] });

      const bad = await admin('POST', '/api/v1/groups/preview', { query: 'os = ' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({
        error: 'validation-error',
        details: { issues: [{ field: 'query' }] },
      });
      const missing = await admin('POST', '/api/v1/groups/preview', {});
      expect(missing.statusCode).toBe(400);
      expect(missing.json<{ message: string }>().message).toContain('query');
    });

    it('streams a deployment live: the detail at once, then each change without asking', async () => {
      const fleet = fleetDriver(server);
      const manifest = manifestFactory();
      expect((await fleet.importUpdate(manifest)).status).toBe(201);
      await admin('POST', '/api/v1/groups', { name: 'live' });
      await fleet.enroll(2, 'live', 'lv');
      const created = await admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'live',
      });
      const id = created.json<{ id: string }>().id;

      const seen: DeploymentLiveView[] = [];
      const abort = new AbortController();
      const res = await fetch(`${url}/api/v1/deployments/${id}/live`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const parser = createParser({
        onEvent: (e) => {
          if (e.event === 'deployment') seen.push(deploymentLiveView.parse(JSON.parse(e.data)));
        },
      });
      const reading = (async () => {
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: '' }));
          if (done) return;
          parser.feed(value);
        }
      })();
      try {
        await waitFor('the first event', () => seen.length >= 1, 20_000);
        expect(seen[0]?.deployment).toMatchObject({ id, state: 'active' });
        expect(seen[0]?.events.length).toBeGreaterThan(0);

        await admin('POST', `/api/v1/deployments/${id}/halt`, { reason: 'watching it live' });
        const halted = await waitFor(
          'the halt to arrive',
          () => seen.find((v) => v.deployment.state === 'halted'),
          20_000,
        );
        expect(halted.deployment.stateReason).toContain('watching it live');
        expect(halted.events.at(-1)).toMatchObject({ type: 'halt', actor: expect.any(String) });
      } finally {
        abort.abort();
        await reading;
      }
    });

    it('answers a 404 for an unknown deployment and a 401 without a token, before any stream', async () => {
      const unknown = await fetch(`${url}/api/v1/deployments/nope/live`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(unknown.status).toBe(404);
      const anonymous = await fetch(`${url}/api/v1/deployments/nope/live`);
      expect(anonymous.status).toBe(401);
    });
  });
}
