import { describe, expect, it } from 'vitest';
import type { ReviewView, SlaView } from '../src/contracts/review.js';
import type { ChecklistView } from '../src/contracts/review-routes.js';
import { manifestFactory } from './factories/update.factory.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { pdfText } from './support/pdf-text.js';
import { virtualTimeServer, type DeploymentAnswer } from './support/virtual-time.js';

const hour = 3600_000;
const start = Date.parse('2026-06-01T00:00:00Z');

for (const engine of ENGINES) {
  describe(`the post-implementation review on ${engine}, in virtual time`, () => {
    const vt = virtualTimeServer(engine, start);

    const get = (url: string) =>
      injectChecked(vt.server.app, { method: 'GET', url, headers: vt.server.adminHeaders });

    it('of a deployment with a halt, a redeploy and a rollback: key figures in JSON, HTML and PDF', async () => {
      const { fleet } = vt;
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      const group = `rev-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const computers = await fleet.enroll(10, group, group);
      const created = await fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: {
          phases: [
            { name: 'pilot', percent: 20 },
            { name: 'broad', percent: 100 },
          ],
          gate: { maxFailurePercent: 40 },
          soakSeconds: 3600,
        },
        sla: { percent: 90, hours: 48 },
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      await vt.server.services.engine.run(); // opens the pilot at the start

      // One pilot computer fails: 50% > 40%, the engine halts.
      vt.advance(hour);
      let failedOne: string | undefined;
      await fleet.cycle(computers, (c) => {
        if (failedOne !== undefined) return 'installed';
        failedOne = c.computerId;
        return 'failed';
      });
      const halted = await fleet.admin<DeploymentAnswer>('GET', `/api/v1/deployments/${id}`);
      expect(halted.body.state).toBe('halted');

      // Redeployed to the failed computer, which installs; the soak has passed: broad opens.
      vt.advance(hour);
      await fleet.admin('POST', `/api/v1/deployments/${id}/redeploy`, {
        failedOnly: true,
        reason: 'fixed the disk',
      });
      vt.advance(1000);
      expect(await fleet.cycle(computers, () => 'installed')).toEqual([failedOne]);
      vt.advance(hour);
      await vt.server.services.engine.run();
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(8);
      // One computer needed a restart to finish.
      const restarted = computers.find((c) => c.computerId !== failedOne);
      if (!restarted) throw new Error('no computer');
      await fleet.report(restarted, manifest.id, id, 'pending-reboot');
      vt.advance(60_000);
      await fleet.report(restarted, manifest.id, id, 'installed', { exitCode: 0 });
      await vt.server.services.engine.run();

      // Then it breaks printing: rolled back everywhere.
      vt.advance(hour);
      const rollback = await fleet.admin<DeploymentAnswer>(
        'POST',
        `/api/v1/deployments/${id}/rollback`,
        { reason: 'breaks printing' },
      );
      expect(rollback.status).toBe(200);
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(10);

      const res = await get(
        `/api/v1/deployments/${id}/review?downtimeCostPerHour=120&recoveryCostPerHour=80`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const review = res.json<ReviewView>();
      expect(review.state).toBe('rolled-back');
      expect(review.target).toBe(10);
      expect([review.halts, review.rollbacks, review.redeploys]).toEqual([1, 1, 1]);
      const [pilot, broad] = review.phases;
      expect(pilot).toMatchObject({
        name: 'pilot',
        size: 2,
        plannedStart: '2026-06-01T00:00:00.000Z',
        actualStart: '2026-06-01T00:00:00.000Z',
        plannedEnd: '2026-06-01T01:00:00.000Z',
        installed: 2,
        failed: 1,
        successPercent: 100,
        halts: 1,
        redeploys: 1,
      });
      expect(pilot?.actualEnd).toBe('2026-06-01T02:00:01.000Z');
      expect(broad).toMatchObject({ name: 'broad', size: 8, installed: 8, failed: 0 });
      expect(broad?.actualStart).toBe('2026-06-01T02:00:01.000Z');
      expect(broad?.rollbacks).toBe(1);
      const haltAction = review.actions.find((a) => a.type === 'halted');
      expect(haltAction).toMatchObject({ phase: 'pilot', actor: 'engine' });
      expect(haltAction?.message).toMatch(/50(\.0)?% > 40%/);
      expect(review.actions.find((a) => a.type === 'rollback')?.message).toContain(
        'breaks printing',
      );

      // 90% is the 9th computer, installed when the broad phase ran: 3 h after availability.
      expect(review.installed.map((m) => [m.percent, m.afterSeconds])).toEqual([
        [50, 3 * 3600 + 1],
        [90, 3 * 3600 + 1],
        [95, 3 * 3600 + 1],
      ]);
      expect(review.sla).toMatchObject({ percent: 90, hours: 48, verdict: 'met' });
      expect(review.emergency).toBeNull();

      expect(review.failures.total).toBe(1);
      expect(review.failures.byReason).toEqual([
        {
          reason: 'install-error',
          count: 1,
          resolutions: {
            'redeployed-then-installed': 1,
            'retried-then-installed': 0,
            'rolled-back': 0,
            cancelled: 0,
            'still-failed': 0,
            'in-progress': 0,
          },
        },
      ]);
      expect(review.restarts).toEqual({
        computers: 1,
        minutesPerRestart: 10,
        downtimeMinutes: 10,
        downtimeCostPerHour: 120,
        downtimeCost: 20,
      });
      expect(review.recovery).toMatchObject({ computers: 1, minutes: 30, cost: 40 });
      expect(review.totalCost).toBe(60);

      // The checklist: marked done by the caller, with a note that stays text everywhere.
      const note = 'risk <script>alert(1)</script> & reviewed';
      const checked = await fleet.admin<ChecklistView>(
        'POST',
        `/api/v1/deployments/${id}/review/checklist/risks/check`,
        { note },
      );
      expect(checked.status).toBe(200);
      expect(checked.body.checklist.find((c) => c.item === 'risks')).toMatchObject({
        done: true,
        doneBy: 'first admin',
        note,
        doneAt: new Date(start + 4 * hour + 61_000).toISOString(),
      });
      const audited = (await vt.server.services.audit.list({ limit: 10 })).items.find(
        (e) => e.action === 'checkReviewItem',
      );
      expect(audited).toMatchObject({
        actor: 'first admin',
        target: { id, item: 'risks' },
        before: { done: false },
        after: { done: true, doneBy: 'first admin', note },
      });
      await fleet.admin('POST', `/api/v1/deployments/${id}/review/checklist/baseline/check`, {});
      const unchecked = await fleet.admin<ChecklistView>(
        'POST',
        `/api/v1/deployments/${id}/review/checklist/baseline/uncheck`,
      );
      expect(unchecked.body.checklist.filter((c) => c.done).map((c) => c.item)).toEqual(['risks']);

      const query = '?downtimeCostPerHour=120&recoveryCostPerHour=80';
      const html = await get(`/api/v1/deployments/${id}/review.html${query}`);
      expect(html.statusCode).toBe(200);
      expect(html.headers['content-type']).toMatch(/^text\/html/);
      for (const figure of [
        'Post-implementation review of',
        'install-error',
        'breaks printing',
        'Total cost: 60.00',
        'Downtime cost: 20.00',
        'SLA: 90% installed within 48h',
        ': met',
        'Review the risks',
      ]) {
        expect(html.body, figure).toContain(figure);
      }
      expect(html.body).not.toContain('<script>');
      expect(html.body).toContain('risk &lt;script&gt;alert(1)&lt;/script&gt; &amp; reviewed');

      const md = await get(`/api/v1/deployments/${id}/review.md${query}`);
      expect(md.headers['content-type']).toMatch(/^text\/markdown/);
      expect(md.body).toContain('Total cost: 60.00');
      expect(md.body).not.toContain('<script>');

      const pdf = await get(`/api/v1/deployments/${id}/review.pdf${query}`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      const text = (await pdfText(pdf.rawPayload)).replace(/\s+/g, ' ');
      for (const figure of [
        'Post-implementation review of',
        'install-error',
        'Total cost: 60.00',
        'Downtime cost: 20.00',
        'Review the risks',
        note,
      ]) {
        expect(text, figure).toContain(figure);
      }
    });

    it('keeps an SLA set after creation, and refuses bad input naming the field', async () => {
      const { fleet } = vt;
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      const group = `sla-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      await fleet.enroll(2, group, group);
      const { body } = await fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }], emergency: { reason: 'CVE-2026-1' } },
      });
      const none = await get(`/api/v1/deployments/${body.id}/review`);
      expect(none.json<ReviewView>().sla).toBeNull();
      expect(none.json<ReviewView>().emergency?.reason).toBe('CVE-2026-1');

      const set = await fleet.admin<SlaView>('PUT', `/api/v1/deployments/${body.id}/sla`, {
        sla: { percent: 95, hours: 4 },
      });
      expect(set.body).toMatchObject({ sla: { percent: 95, hours: 4 }, setBy: 'first admin' });
      // Nothing installed and 5 hours gone: missed.
      vt.advance(5 * hour);
      const missed = (await get(`/api/v1/deployments/${body.id}/review`)).json<ReviewView>();
      expect(missed.sla).toMatchObject({
        percent: 95,
        hours: 4,
        verdict: 'missed',
        reachedAt: null,
      });

      const bad = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
        const res = await fleet.admin<{ message: string }>(method, url, payload);
        expect(res.status, url).toBe(400);
        return res.body.message;
      };
      expect(
        await bad('PUT', `/api/v1/deployments/${body.id}/sla`, { sla: { percent: 150, hours: 4 } }),
      ).toContain('sla.percent');
      expect(
        await bad('POST', '/api/v1/deployments', {
          update: manifest.id,
          group,
          sla: { percent: 95, hours: -1 },
          allowDuplicate: true,
        }),
      ).toContain('sla.hours');
      expect(
        await bad('POST', `/api/v1/deployments/${body.id}/review/checklist/nope/check`, {}),
      ).toContain('item');
      expect(
        await bad('GET', `/api/v1/deployments/${body.id}/review?downtimeCostPerHour=-1`),
      ).toContain('downtimeCostPerHour');
      expect(
        await bad('POST', `/api/v1/deployments/${body.id}/review/checklist/risks/check`, {
          note: 'a\u0000b',
        }),
      ).toContain('note');
      const missing = await fleet.admin('GET', '/api/v1/deployments/dep_none/review');
      expect(missing.status).toBe(404);
      const cleared = await fleet.admin<SlaView>('PUT', `/api/v1/deployments/${body.id}/sla`, {
        sla: null,
      });
      expect(cleared.body.sla).toBeNull();
    });
  });
}
