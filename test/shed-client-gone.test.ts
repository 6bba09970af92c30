import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SheddingLimits } from '../src/server/shedding/admission.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait.js';

/**
 * A check-in whose agent goes away before its answer (a timeout, a closed laptop, the
 * load generator stopping) gives its slot back. Node answers neither `finish` nor an
 * abort for a request whose body was read: before, such a slot was held for good, and
 * once every slot was held each check-in was shed, however idle the server.
 */
const LIMITS: SheddingLimits = {
  checkin: { inFlight: 1, queued: 1, maxLagMs: null },
  report: { inFlight: 8, queued: 8, maxLagMs: null },
  admin: { inFlight: 8, queued: 8, maxLagMs: null },
  queueWaitMs: 60_000,
  retryAfterSeconds: 7,
};

type Deferred = { promise: Promise<void>; resolve: () => void };
function deferred(): Deferred {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

for (const engine of ENGINES) {
  describe(`shedding on ${engine}: a check-in whose agent left gives its slot back`, () => {
    let server: TestServer;
    let port: number;
    let computer: { computerId: string; credential: string; inventory: unknown };

    beforeAll(async () => {
      server = await startTestServer(engine, undefined, { engineIntervalMs: 0, shedding: LIMITS });
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      const address = server.app.server.address();
      port = typeof address === 'object' && address ? address.port : 0;
      const fleet = fleetDriver(server);
      await fleet.admin('POST', '/api/v1/groups', { name: 'gone' });
      const [enrolled] = await fleet.enroll(1, 'gone', 'gone');
      if (!enrolled) throw new Error('no computer enrolled');
      computer = enrolled;
    });
    afterAll(async () => {
      vi.restoreAllMocks();
      await server.stop();
    });

    /** Sends one whole check-in over its own connection; the answer is never read. */
    function sendCheckin(): Promise<Socket> {
      const body = JSON.stringify({ inventory: computer.inventory });
      const request = [
        `POST /agent/v1/computers/${computer.computerId}/checkin HTTP/1.1`,
        `host: 127.0.0.1:${port}`,
        `authorization: Bearer ${computer.credential}`,
        'content-type: application/json',
        `content-length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(request, () => resolve(socket)),
        );
        socket.on('error', reject);
      });
    }

    const gate = () => server.shedder.gate('checkin');
    const openConnections = () =>
      new Promise<number>((resolve, reject) =>
        server.app.server.getConnections((error, count) =>
          error ? reject(error) : resolve(count),
        ),
      );
    const serverSawClose = () =>
      waitFor(
        'the server to see the connection closed',
        async () => (await openConnections()) === 0,
        10_000,
        20,
      );
    const freed = () =>
      waitFor('the check-in slot given back', () => gate().inFlight === 0, 10_000, 20);

    it('while it is being answered', async () => {
      const release = deferred();
      let entered = 0;
      const checkin = server.services.agent.checkin.bind(server.services.agent);
      const spy = vi.spyOn(server.services.agent, 'checkin').mockImplementation(async (...args) => {
        entered++;
        await release.promise;
        return checkin(...args);
      });
      const socket = await sendCheckin();
      // Its body is read and the check-in is under way: the agent goes.
      await waitFor('the check-in under way', () => entered === 1, 10_000, 20);
      expect(gate().inFlight).toBe(1);
      socket.destroy();
      await serverSawClose();
      release.resolve();
      await freed();
      spy.mockRestore();
    });

    it('while it waits in the queue', async () => {
      // The only slot is taken: the check-in waits for it, and its agent goes meanwhile.
      expect(await gate().enter()).toBe(true);
      const socket = await sendCheckin();
      await waitFor('the check-in queued', () => gate().queued === 1, 10_000, 20);
      socket.destroy();
      await serverSawClose();
      gate().leave();
      expect(gate().queued).toBe(0);
      await freed();
    });

    it('and the next check-in is served, not shed', async () => {
      const res = await server.app.inject({
        method: 'POST',
        url: `/agent/v1/computers/${computer.computerId}/checkin`,
        headers: { authorization: `Bearer ${computer.credential}` },
        payload: { inventory: computer.inventory } as Record<string, unknown>,
      });
      expect(res.statusCode).toBe(200);
    });
  });
}
