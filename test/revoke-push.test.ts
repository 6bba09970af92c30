import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait.js';

/** A revoked credential must lose the push channel at once, not at its next request. */
describe.each(ENGINES)('revoking a computer ends its push stream (%s)', (engine) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('the open stream ends when the computer is revoked; another computer keeps its own', async () => {
    server = await startTestServer(engine);
    const fleet = fleetDriver(server);
    await fleet.admin('POST', '/api/v1/groups', { name: 'push' });
    const [revoked, kept] = await fleet.enroll(2, 'push', 'revoke-push');
    if (!revoked || !kept) throw new Error('enrollment failed');
    const base = await server.app.listen({ port: 0, host: '127.0.0.1' });

    const open = async (c: { computerId: string; credential: string }) => {
      const res = await request(`${base}/agent/v1/computers/${c.computerId}/wake`, {
        headers: { authorization: `Bearer ${c.credential}` },
      });
      expect(res.statusCode).toBe(200);
      let ended = false;
      res.body.on('data', () => undefined);
      res.body.on('end', () => (ended = true));
      res.body.on('error', () => (ended = true));
      return { ended: () => ended, close: () => res.body.destroy() };
    };
    const first = await open(revoked);
    const second = await open(kept);
    await waitFor('both streams connected', () => server?.services.hub.connected === 2, 20_000);

    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/computers/${revoked.computerId}/revoke`,
      headers: server.adminHeaders,
    });
    expect(res.statusCode).toBe(200);

    await waitFor('the revoked computer’s stream ended', () => first.ended(), 20_000);
    await waitFor('one stream left', () => server?.services.hub.connected === 1, 20_000);
    expect(second.ended()).toBe(false);
    second.close();
  });
});
