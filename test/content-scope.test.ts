import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestFactory, sha256 } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** A computer downloads only the files of updates its deployments give it. */
for (const engine of ENGINES) {
  describe(`content scoped to a computer's assignments on ${engine}`, () => {
    let server: TestServer;
    const now = Date.parse('2026-06-01T00:00:00Z');
    let fleet: ReturnType<typeof fleetDriver>;

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: 0 });
      fleet = fleetDriver(server, () => now);
    });
    afterAll(async () => {
      await server.stop();
    });

    type Computer = Awaited<ReturnType<typeof fleet.enroll>>[number];
    const download = (c: Computer, hash: string, range?: string) =>
      server.app.inject({
        method: 'GET',
        url: `/agent/v1/content/${hash}`,
        headers: { authorization: `Bearer ${c.credential}`, ...(range ? { range } : {}) },
      });

    async function enrollOne(group: string, hostname: string): Promise<Computer> {
      const [computer] = await fleet.enroll(1, group, hostname);
      if (!computer) throw new Error(`${hostname} did not enroll`);
      return computer;
    }

    it('serves an assigned computer its update, with Range, and no one else until placed in an open phase', async () => {
      const content = `echo scoped ${engine}\n`;
      const hash = sha256(content);
      const update = manifestFactory();
      expect((await fleet.importUpdate(update, content)).status).toBe(201);
      const target = `scoped-${engine}`;
      const other = `elsewhere-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: target });
      await fleet.admin('POST', '/api/v1/groups', { name: other });
      const a = await enrollOne(target, `${target}-a`);
      const b = await enrollOne(other, `${other}-b`);

      // Before any deployment, not even the computer that will be targeted gets it.
      expect((await download(a, hash)).statusCode).toBe(404);

      const created = await fleet.admin<{ id: string }>('POST', '/api/v1/deployments', {
        updates: [update.id],
        group: target,
      });
      expect(created.status).toBe(201);
      await server.services.engine.run();
      const told = await fleet.checkin(a);
      expect(told.assignments.map((x) => x.updateId)).toEqual([update.id]);

      const whole = await download(a, hash);
      expect(whole.statusCode).toBe(200);
      expect(whole.body).toBe(content);
      const part = await download(a, hash, 'bytes=5-');
      expect(part.statusCode).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 5-${content.length - 1}/${content.length}`);
      expect(part.body).toBe(content.slice(5));

      // B is not targeted: the same 404 as a hash no one stored, so nothing is confirmed.
      const refused = await download(b, hash);
      expect(refused.statusCode).toBe(404);
      expect(refused.json()).toMatchObject({ error: 'not-found' });
      const missing = await download(b, 'f'.repeat(64));
      expect(missing.statusCode).toBe(404);
      expect(Object.keys(missing.json<object>())).toEqual(Object.keys(refused.json<object>()));
      expect((await download(b, hash, 'bytes=5-')).statusCode).toBe(404);

      // B joins the target; once placed in the (open) phase it may download too.
      const joined = await fleet.admin('POST', `/api/v1/groups/${target}/members`, {
        computers: [b.computerId],
      });
      expect(joined.status).toBe(200);
      await server.services.engine.run();
      expect((await fleet.checkin(b)).assignments.map((x) => x.updateId)).toEqual([update.id]);
      const late = await download(b, hash);
      expect(late.statusCode).toBe(200);
      expect(late.body).toBe(content);

      // A halt lets a begun download finish; a revoked deployment gives nothing.
      await fleet.admin('POST', `/api/v1/deployments/${created.body.id}/halt`, {});
      expect((await download(a, hash, 'bytes=5-')).statusCode).toBe(206);
      await fleet.admin('POST', `/api/v1/deployments/${created.body.id}/revoke`, {});
      expect((await download(a, hash)).statusCode).toBe(404);
    });

    it('serves a computer placed in a later phase only once that phase opens', async () => {
      const content = `echo phased ${engine}\n`;
      const hash = sha256(content);
      const update = manifestFactory();
      await fleet.importUpdate(update, content);
      const pilot = `pilot-${engine}`;
      const rest = `rest-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: pilot });
      await fleet.admin('POST', '/api/v1/groups', { name: rest });
      const first = await enrollOne(pilot, pilot);
      const later = await enrollOne(rest, rest);
      const created = await fleet.admin<{ id: string }>('POST', '/api/v1/deployments', {
        updates: [update.id],
        groups: [pilot, rest],
        plan: {
          phases: [
            { name: 'pilot', groups: [pilot] },
            { name: 'rest', percent: 100 },
          ],
          gate: { manual: true },
        },
      });
      expect(created.status).toBe(201);
      await server.services.engine.run();
      expect((await download(first, hash)).statusCode).toBe(200);
      // Placed, but its phase is closed: nothing yet.
      type Shown = { items: { computerId: string; phase: string | null }[] };
      const shown = await fleet.admin<Shown>(
        'GET',
        `/api/v1/deployments/${created.body.id}/computers`,
      );
      expect(shown.body.items.find((c) => c.computerId === later.computerId)?.phase).toBe('rest');
      expect((await fleet.checkin(later)).assignments).toEqual([]);
      expect((await download(later, hash)).statusCode).toBe(404);

      await fleet.cycle([first], () => 'installed');
      const promoted = await fleet.admin('POST', `/api/v1/deployments/${created.body.id}/promote`);
      expect(promoted.status).toBe(200);
      await server.services.engine.run();
      expect((await fleet.checkin(later)).assignments.map((x) => x.updateId)).toEqual([update.id]);
      expect((await download(later, hash)).statusCode).toBe(200);
    });

    it('does not let a computer grant itself content by reporting a status for it', async () => {
      const content = `echo reported ${engine}\n`;
      const update = manifestFactory();
      await fleet.importUpdate(update, content);
      const c = await enrollOne(`scoped-${engine}`, `reporter-${engine}`);
      await fleet.report(c, update.id, 'dep_none', 'downloading');
      expect((await download(c, sha256(content))).statusCode).toBe(404);
    });

    it('leaves the admin upload path as it was', async () => {
      const content = `uploaded only ${engine}\n`;
      const put = await server.app.inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(content)}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: content,
      });
      expect(put.statusCode).toBeLessThan(300);
      expect(put.json()).toMatchObject({ sha256: sha256(content), size: content.length });
      const c = await enrollOne(`scoped-${engine}`, `uploader-${engine}`);
      expect((await download(c, sha256(content))).statusCode).toBe(404);
    });
  });
}
