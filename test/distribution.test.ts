import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContentStatusView, PointView, SiteView } from '../src/contracts/distribution.js';
import { manifestFactory, sha256 } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

type Page<T> = { items: T[]; nextCursor: string | null; total: number };

/** Sites, distribution points and the readiness gate, through the API, on both engines. */
for (const engine of ENGINES) {
  describe(`distribution points on ${engine}`, () => {
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

    const asPoint = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
      server.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });

    it('refuses bad input naming the field', async () => {
      for (const [body, field] of [
        [{ site: 'x', url: 'ftp://host/files' }, 'url'],
        [{ site: 'x', url: 'http://host/files?a=1' }, 'url'],
        [{ site: '', url: 'http://host/' }, 'site'],
        [{ site: 'a\u0000b', url: 'http://host/' }, 'site'],
        [{ site: 'x', url: 'http://host/', order: -1 }, 'order'],
        [{ site: 'x', url: 'http://host/', order: 2 ** 40 }, 'order'],
        [{ site: 'x', url: 'http://host/', kind: 'other' }, 'kind'],
      ] as const) {
        const res = await fleet.admin<{ details: { issues: { field: string }[] } }>(
          'POST',
          '/api/v1/distribution-points',
          body,
        );
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.details.issues.map((d) => d.field)).toContain(field);
      }
      expect((await fleet.admin('GET', '/api/v1/distribution-points?limit=0')).status).toBe(400);
      expect((await fleet.admin('POST', '/api/v1/distribution-points/nope/remove')).status).toBe(
        404,
      );
      expect((await fleet.admin('GET', '/api/v1/content-status?deployment=nope')).status).toBe(404);
    });

    it('holds a phase until the points of its sites have staged its files, then tells agents where to download', async () => {
      const group = `dp-${engine}`;
      const tokyo = `tokyo-${engine}`;
      const osaka = `osaka-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const [t] = await fleet.enroll(1, group, `t-${engine}`, () => ({ site: tokyo }));
      const [o] = await fleet.enroll(1, group, `o-${engine}`, () => ({ site: osaka }));
      const [n] = await fleet.enroll(1, group, `n-${engine}`, () => ({ site: null }));
      if (!t || !o || !n) throw new Error('enrollment failed');

      const managed = await fleet.admin<PointView>('POST', '/api/v1/distribution-points', {
        site: tokyo,
        url: 'http://tokyo-dp.example:8081/',
      });
      expect(managed.status).toBe(201);
      expect(managed.body).toMatchObject({ site: tokyo, kind: 'managed', order: 0 });
      expect(managed.body.url).toBe('http://tokyo-dp.example:8081');
      const token = managed.body.token ?? '';
      expect(token).not.toBe('');
      const second = await fleet.admin<PointView>('POST', '/api/v1/distribution-points', {
        site: osaka,
        url: 'http://osaka-files.example/',
        kind: 'static',
      });
      expect(second.status).toBe(201);

      const listed = await fleet.admin<Page<PointView>>(
        'GET',
        `/api/v1/distribution-points?site=${tokyo}`,
      );
      expect(listed.body.total).toBe(1);
      expect(listed.body.items[0]).not.toHaveProperty('token');
      const pageOne = await fleet.admin<Page<PointView>>(
        'GET',
        '/api/v1/distribution-points?limit=1',
      );
      expect(pageOne.body.items).toHaveLength(1);
      expect(pageOne.body.nextCursor).not.toBeNull();
      const sites = await fleet.admin<Page<SiteView>>('GET', '/api/v1/sites?limit=500');
      expect(sites.body.items).toEqual(
        expect.arrayContaining([
          { name: tokyo, computers: 1, points: 1 },
          { name: osaka, computers: 1, points: 1 },
        ]),
      );

      const content = `echo staged ${engine}\n`;
      const hash = sha256(content);
      const update = manifestFactory();
      expect((await fleet.importUpdate(update, content)).status).toBe(201);
      const created = await fleet.admin<{ id: string }>('POST', '/api/v1/deployments', {
        updates: [update.id],
        group,
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      await server.services.engine.run();

      const waiting = await fleet.admin<{
        waitingFor: string | null;
        phases: { openedAt: string | null }[];
      }>('GET', `/api/v1/deployments/${id}`);
      expect(waiting.body.waitingFor).toContain('is waiting for content');
      expect(waiting.body.waitingFor).toContain(
        `site ${tokyo}: ${managed.body.id} lacks install.sh (not-reported)`,
      );
      expect(waiting.body.waitingFor).not.toContain(osaka);
      expect((await fleet.checkin(t)).assignments).toEqual([]);
      const events = await fleet.admin<Page<{ type: string; message: string }>>(
        'GET',
        `/api/v1/deployments/${id}/events`,
      );
      expect(events.body.items.map((e) => e.type)).toContain('waiting-for-content');

      const status = await fleet.admin<ContentStatusView>(
        'GET',
        `/api/v1/content-status?deployment=${id}`,
      );
      const bySite = new Map(status.body.deployments[0]?.sites.map((s) => [s.site, s]));
      expect(status.body.deployments[0]?.ready).toBe(false);
      expect(bySite.get(tokyo)).toMatchObject({ servedBy: 'points', computers: 1 });
      expect(bySite.get(tokyo)?.gaps).toEqual([
        expect.objectContaining({ pointId: managed.body.id, sha256: hash, state: 'not-reported' }),
      ]);
      expect(bySite.get(osaka)).toMatchObject({ servedBy: 'static-points', gaps: [] });
      expect(bySite.get(null)).toMatchObject({ servedBy: 'server', gaps: [] });

      // The point's own protocol: its credential only, the files its site needs only.
      expect(
        (
          await asPoint(
            server.adminHeaders.authorization.slice(7),
            'GET',
            '/agent/v1/distribution-point/needs',
          )
        ).statusCode,
      ).toBe(401);
      const needs = await asPoint(token, 'GET', '/agent/v1/distribution-point/needs');
      expect(needs.statusCode).toBe(200);
      expect(needs.json()).toMatchObject({ site: tokyo, files: [{ sha256: hash, state: null }] });
      const whole = await asPoint(token, 'GET', `/agent/v1/distribution-point/content/${hash}`);
      expect(whole.statusCode).toBe(200);
      expect(whole.body).toBe(content);
      const part = await server.app.inject({
        method: 'GET',
        url: `/agent/v1/distribution-point/content/${hash}`,
        headers: { authorization: `Bearer ${token}`, range: 'bytes=3-' },
      });
      expect(part.statusCode).toBe(206);
      expect(part.body).toBe(content.slice(3));
      expect(
        (await asPoint(token, 'GET', `/agent/v1/distribution-point/content/${'e'.repeat(64)}`))
          .statusCode,
      ).toBe(404);
      const bad = await asPoint(token, 'POST', '/agent/v1/distribution-point/staging', {
        files: [{ sha256: 'xyz', state: 'staged' }],
      });
      expect(bad.statusCode).toBe(400);
      expect(JSON.stringify(bad.json())).toContain('files');

      // Corrupt first: still waiting, and the reason is told.
      expect(
        (
          await asPoint(token, 'POST', '/agent/v1/distribution-point/staging', {
            files: [
              { sha256: hash, state: 'corrupt', actualSha256: 'a'.repeat(64), detail: 'bad disk' },
            ],
          })
        ).statusCode,
      ).toBe(200);
      await server.services.engine.run();
      const corrupt = await fleet.admin<{ waitingFor: string | null }>(
        'GET',
        `/api/v1/deployments/${id}`,
      );
      expect(corrupt.body.waitingFor).toContain('install.sh (corrupt)');

      const staged = await asPoint(token, 'POST', '/agent/v1/distribution-point/staging', {
        files: [{ sha256: hash, state: 'staged' }],
      });
      expect(staged.json()).toEqual({ recorded: 1 });
      await server.services.engine.run();
      const open = await fleet.admin<{ phases: { openedAt: string | null }[] }>(
        'GET',
        `/api/v1/deployments/${id}`,
      );
      expect(open.body.phases.every((p) => p.openedAt !== null)).toBe(true);
      const ready = await fleet.admin<ContentStatusView>('GET', `/api/v1/content-status`);
      expect(ready.body.deployments.find((d) => d.id === id)?.ready).toBe(true);

      const told = await fleet.checkin(t);
      expect(told.assignments.map((a) => a.updateId)).toEqual([update.id]);
      expect((told as { distributionPoints?: unknown }).distributionPoints).toEqual([
        { id: managed.body.id, url: 'http://tokyo-dp.example:8081' },
      ]);
      const toldOsaka = (await fleet.checkin(o)) as { distributionPoints?: unknown };
      expect(toldOsaka.distributionPoints).toEqual([
        { id: second.body.id, url: 'http://osaka-files.example' },
      ]);
      expect((await fleet.checkin(n)) as object).not.toHaveProperty('distributionPoints');

      // An agent that found the copy bad: kept with the computer, the point told to check.
      const problem = (body: object, c = t) =>
        server.app.inject({
          method: 'POST',
          url: `/agent/v1/computers/${c.computerId}/content-problems`,
          headers: { authorization: `Bearer ${c.credential}` },
          payload: body,
        });
      const wrongSite = await problem(
        { pointId: managed.body.id, sha256: hash, problem: 'corrupt' },
        o,
      );
      expect(wrongSite.statusCode).toBe(400);
      expect(JSON.stringify(wrongSite.json())).toContain('pointId');
      const told2 = await problem({
        pointId: managed.body.id,
        sha256: hash,
        problem: 'corrupt',
        detail: 'expected sha256 …',
      });
      expect(told2.statusCode).toBe(200);
      const shown = await fleet.admin<{ contentProblems: { pointId: string; problem: string }[] }>(
        'GET',
        `/api/v1/computers/${t.computerId}`,
      );
      expect(shown.body.contentProblems).toEqual([
        expect.objectContaining({ pointId: managed.body.id, problem: 'corrupt', sha256: hash }),
      ]);
      const recheck = await asPoint(token, 'GET', '/agent/v1/distribution-point/needs');
      expect(recheck.json()).toMatchObject({ files: [{ sha256: hash, state: 'corrupt' }] });

      const removed = await fleet.admin<PointView>(
        'POST',
        `/api/v1/distribution-points/${managed.body.id}/remove`,
      );
      expect(removed.status).toBe(200);
      expect((await asPoint(token, 'GET', '/agent/v1/distribution-point/needs')).statusCode).toBe(
        401,
      );
    });
  });
}
