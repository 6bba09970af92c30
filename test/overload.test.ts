import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SheddingLimits } from '../src/server/shedding/admission.js';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** One slot per agent class and no queue: a slot held by the test fills the class. */
const LIMITS: SheddingLimits = {
  checkin: { inFlight: 1, queued: 0, maxLagMs: null },
  report: { inFlight: 1, queued: 0, maxLagMs: null },
  admin: { inFlight: 8, queued: 8, maxLagMs: null },
  queueWaitMs: 60_000,
  retryAfterSeconds: 7,
};

const COMPUTERS = 12;

for (const engine of ENGINES) {
  describe(`overload on ${engine}: a full route class is shed, the others are served`, () => {
    let server: TestServer;
    let fleet: ReturnType<typeof fleetDriver>;

    beforeAll(async () => {
      server = await startTestServer(engine, undefined, { engineIntervalMs: 0, shedding: LIMITS });
      fleet = fleetDriver(server);
    });
    afterAll(async () => {
      await server.stop();
    });

    const checkin = (c: { computerId: string; credential: string; inventory: unknown }) =>
      server.app.inject({
        method: 'POST',
        url: `/agent/v1/computers/${c.computerId}/checkin`,
        headers: { authorization: `Bearer ${c.credential}` },
        payload: { inventory: c.inventory } as Record<string, unknown>,
      });
    const report = (
      c: { computerId: string; credential: string },
      seq: number,
      a: { updateId: string; deploymentId: string },
      state: 'installing' | 'installed',
    ) =>
      server.app.inject({
        method: 'POST',
        url: `/agent/v1/computers/${c.computerId}/reports`,
        headers: { authorization: `Bearer ${c.credential}` },
        payload: {
          reports: [{ seq, ...a, state, at: new Date().toISOString(), exitCode: 0 }],
        },
      });
    const expectShed = (res: Awaited<ReturnType<typeof checkin>>) => {
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.json()).toMatchObject({ error: 'overloaded', requestId: expect.any(String) });
    };

    it('sheds check-ins and then reports with Retry-After, and applies every report retried', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      const group = `flood-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const computers = await fleet.enroll(COMPUTERS, group, group);
      const created = await fleet.admin<{ id: string }>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }] },
      });
      expect(created.status).toBe(201);
      await server.services.engine.run();
      const assignments: { updateId: string; deploymentId: string }[] = [];
      for (const c of computers) {
        const res = await checkin(c);
        expect(res.statusCode).toBe(200);
        const [a] = res.json<{ assignments: { updateId: string; deploymentId: string }[] }>()
          .assignments;
        assignments.push(a!);
      }

      // Check-ins are full: every one of the flood is shed at once, with the advice.
      const checkins = server.shedder.gate('checkin');
      expect(await checkins.enter()).toBe(true);
      const flood = await Promise.all(computers.map((c) => checkin(c)));
      flood.forEach(expectShed);
      // …while reports, admin calls and health are served.
      for (const [i, c] of computers.entries()) {
        expect((await report(c, 1, assignments[i]!, 'installing')).statusCode).toBe(200);
      }
      expect((await fleet.admin('GET', '/api/v1/computers')).status).toBe(200);
      expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      checkins.leave();

      // Reports are full: each batch is shed and stays with its agent; check-ins are served.
      const reports = server.shedder.gate('report');
      expect(await reports.enter()).toBe(true);
      const shed = await Promise.all(
        computers.map((c, i) => report(c, 2, assignments[i]!, 'installed')),
      );
      shed.forEach(expectShed);
      expect((await checkin(computers[0]!)).statusCode).toBe(200);
      reports.leave();

      // The flood is over: the agents send the same batches again, and every one is applied.
      for (const [i, c] of computers.entries()) {
        expect((await report(c, 2, assignments[i]!, 'installed')).statusCode).toBe(200);
      }
      const shown = await fleet.admin<{ counts: Record<string, number> }>(
        'GET',
        `/api/v1/deployments/${created.body.id}`,
      );
      expect(shown.body.counts.installed).toBe(COMPUTERS);
      expect(checkins.inFlight + reports.inFlight).toBe(0);
    });
  });
}

for (const engine of ENGINES) {
  describe(`overload on ${engine}: the rate rule sheds check-ins past their rate at once`, () => {
    let server: TestServer;
    let fleet: ReturnType<typeof fleetDriver>;

    // Two check-ins in a burst, then one per 1,000 s: however slow the machine, the rest
    // of this test is past the rate.
    const limits: SheddingLimits = {
      ...LIMITS,
      checkin: { inFlight: 100, queued: 0, maxLagMs: null, rate: { perSecond: 0.001, burst: 2 } },
      report: { inFlight: 100, queued: 0, maxLagMs: null },
    };

    beforeAll(async () => {
      server = await startTestServer(engine, undefined, { engineIntervalMs: 0, shedding: limits });
      fleet = fleetDriver(server);
    });
    afterAll(async () => {
      await server.stop();
    });

    it('serves the burst, sheds the rest with Retry-After while slots are free, and still takes reports', async () => {
      await fleet.admin('POST', '/api/v1/groups', { name: `rated-${engine}` });
      const computers = await fleet.enroll(4, `rated-${engine}`, `rated-${engine}`);
      const statuses: number[] = [];
      for (const c of computers) {
        const res = await server.app.inject({
          method: 'POST',
          url: `/agent/v1/computers/${c.computerId}/checkin`,
          headers: { authorization: `Bearer ${c.credential}` },
          payload: { inventory: c.inventory } as Record<string, unknown>,
        });
        statuses.push(res.statusCode);
        if (res.statusCode === 503) expect(res.headers['retry-after']).toBe('7');
      }
      expect(statuses).toEqual([200, 200, 503, 503]);
      expect(server.shedder.gate('checkin').inFlight).toBe(0);
      const res = await server.app.inject({
        method: 'POST',
        url: `/agent/v1/computers/${computers[3]!.computerId}/reports`,
        headers: { authorization: `Bearer ${computers[3]!.credential}` },
        payload: { reports: [] },
      });
      expect(res.statusCode).not.toBe(503);
    });
  });
}
