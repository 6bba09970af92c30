import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntryView, AuditPageView } from '../src/contracts/audit.js';
import { allRoutes } from '../src/contracts/routes.js';
import { auditCsvColumns } from '../src/server/services/audit.service.js';
import { tarGz } from './factories/archive.factory.js';
import { inventoryFactory, manifestFactory, sha256 } from './factories/update.factory.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import type { FuzzContext } from './support/fuzz-requests.js';
import { fuzzServer } from './support/fuzz-server.js';
import type { TestServer } from './support/test-server.js';

type Call = {
  route: string;
  params?: string[];
  body?: unknown;
  raw?: string | Buffer;
  query?: string;
};

/** Every mutating admin route, as declared: a new one fails the test until it is driven. */
const mutating = Object.entries(allRoutes)
  .filter(([, r]) => r.auth === 'admin' && r.method !== 'GET' && r.permission !== 'child')
  .map(([name]) => name)
  .sort();

for (const engine of ENGINES) {
  describe(`the audit log of the admin API on ${engine}`, () => {
    let server: TestServer;
    let context: FuzzContext;
    /** Every entry so far, read behind the API's back (a read through it is recorded). */
    const entries = async (): Promise<AuditEntryView[]> =>
      (await server.services.audit.list({ limit: 1000 })).items;
    const newest = async () => (await entries())[0]?.id ?? 0;
    const since = async (id: number) => (await entries()).filter((e) => e.id > id).reverse();

    const send = (call: Call, headers: Record<string, string> = server.adminHeaders) => {
      const r = allRoutes[call.route];
      if (!r) throw new Error(`no route ${call.route}`);
      let i = 0;
      const url =
        r.path.replace(/:[A-Za-z0-9_]+/g, () => encodeURIComponent(call.params?.[i++] ?? '')) +
        (call.query ?? '');
      if (call.raw !== undefined) {
        return injectChecked(server.app, {
          method: r.method,
          url,
          headers: { ...headers, 'content-type': 'application/octet-stream' },
          payload: call.raw,
        });
      }
      return injectChecked(server.app, {
        method: r.method,
        url,
        headers,
        ...(call.body === undefined ? {} : { payload: call.body as object }),
      });
    };

    beforeAll(async () => {
      ({ server, context } = await fuzzServer(engine));
    });
    afterAll(async () => {
      await server.stop();
    });

    /** Two computers whose re-image is claimed: one to approve, one to refuse. */
    async function claimedReimages(): Promise<string[]> {
      const token = (
        await send({ route: 'createEnrollment', body: { group: 'pilots', uses: 10 } })
      ).json<{ token: string }>().token;
      const ids: string[] = [];
      for (let i = 0; i < 2; i += 1) {
        const inventory = inventoryFactory();
        const enroll = (nonce: string) =>
          server.app.inject({
            method: 'POST',
            url: '/agent/v1/enroll',
            payload: { enrollmentToken: token, inventory, nonce },
          });
        const nonce = () => `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll('-', '');
        expect((await enroll(nonce())).statusCode).toBe(201);
        const claim = await enroll(nonce());
        ids.push(claim.json<{ details: { reimageRequestId: string } }>().details.reimageRequestId);
      }
      return ids;
    }

    it('leaves exactly one entry per call of every mutating admin route, with the right actor, action and outcome', async () => {
      const [approve, refuse] = await claimedReimages();
      const [deploymentId, computerId] = context.params.id ?? [];
      const s = context.samples;
      // The canary phase opens, so its manual gate can be promoted.
      await server.services.engine.run();
      const bundle = await server.app.inject({
        method: 'GET',
        url: `/api/v1/deployments/${deploymentId ?? ''}/bundle`,
        headers: server.adminHeaders,
      });
      expect(bundle.statusCode, bundle.body).toBe(200);
      const calls: Call[] = [
        { route: 'uploadContent', params: [sha256('true\n')], raw: 'true\n' },
        { route: 'createUpdate', body: s.createUpdate },
        {
          route: 'importUpdateArchive',
          raw: await tarGz([
            { name: 'update.json', content: JSON.stringify(manifestFactory()) },
            { name: 'install.sh', content: 'true\n' },
          ]),
        },
        { route: 'createEnrollment', body: s.createEnrollment },
        { route: 'revokeEnrollment', params: ['(created)'] },
        { route: 'createGroup', body: s.createGroup },
        { route: 'addGroupMembers', params: ['pilots'], body: s.addGroupMembers },
        { route: 'setGroupWindows', params: ['pilots'], body: s.setGroupWindows },
        { route: 'setGroupPolicy', params: ['pilots'], body: s.setGroupPolicy },
        { route: 'setGroupOwnerEmail', params: ['pilots'], body: s.setGroupOwnerEmail },
        { route: 'dryRunDeployment', body: s.dryRunDeployment },
        { route: 'createDeployment', body: s.createDeployment },
        { route: 'promoteDeployment', params: [deploymentId ?? ''] },
        { route: 'haltDeployment', params: [deploymentId ?? ''], body: s.haltDeployment },
        { route: 'resumeDeployment', params: [deploymentId ?? ''], body: s.resumeDeployment },
        { route: 'redeployDeployment', params: [deploymentId ?? ''], body: s.redeployDeployment },
        { route: 'rollbackDeployment', params: [deploymentId ?? ''], body: s.rollbackDeployment },
        { route: 'setDeploymentSla', params: [deploymentId ?? ''], body: s.setDeploymentSla },
        {
          route: 'checkReviewItem',
          params: [deploymentId ?? '', 'risks'],
          body: s.checkReviewItem,
        },
        { route: 'uncheckReviewItem', params: [deploymentId ?? '', 'risks'] },
        { route: 'revokeDeployment', params: ['(created)'], body: s.revokeDeployment },
        { route: 'approveReimage', params: [approve ?? ''] },
        { route: 'refuseReimage', params: [refuse ?? ''] },
        { route: 'revokeComputer', params: [computerId ?? ''] },
        {
          route: 'createUser',
          body: { name: 'audited', role: 'viewer', password: 'correct horse battery' },
        },
        { route: 'setUser', params: ['audited'], body: { role: 'operator' } },
        { route: 'createToken', body: { user: 'audited', name: 'audited token' } },
        { route: 'revokeToken', params: ['(created)'] },
        { route: 'requestScan', body: { group: 'pilots' } },
        { route: 'previewGroup', body: { query: 'os = "linux"' } },
        { route: 'rotateRoot', body: {} },
        { route: 'exportRoot', body: { remove: false } },
        { route: 'importBundle', raw: bundle.rawPayload, query: '?dryRun=true' },
        { route: 'createBaseline', body: s.createBaseline },
        { route: 'addBaselineUpdates', params: ['pilots-baseline'], body: s.addBaselineUpdates },
        {
          route: 'removeBaselineUpdates',
          params: ['pilots-baseline'],
          body: s.removeBaselineUpdates,
        },
        { route: 'setBaseline', params: ['pilots-baseline'], body: s.setBaseline },
        { route: 'removeBaseline', params: ['pilots-baseline'] },
        {
          route: 'setNotificationTemplate',
          params: ['approved'],
          body: s.setNotificationTemplate,
        },
        { route: 'createWebhook', body: s.createWebhook },
        { route: 'removeWebhook', params: ['(created)'] },
        { route: 'registerPoint', body: { site: 'tokyo', url: 'http://dp.example:8081' } },
        { route: 'removePoint', params: ['(created)'] },
        { route: 'addSiteRule', body: s.addSiteRule },
        { route: 'removeSiteRule', params: ['(created)'] },
        { route: 'addChild', body: { name: 'audited-child' } },
        {
          route: 'enableChild',
          params: ['audited-child'],
          body: { deployment: deploymentId ?? '' },
        },
        { route: 'holdChild', params: ['audited-child'], body: { all: true } },
      ];
      expect(calls.map((c) => c.route).sort()).toEqual(mutating);

      let created: string | undefined;
      const outcomes: string[] = [];
      for (const call of calls) {
        const params = call.params?.map((p) => (p === '(created)' ? (created ?? '') : p));
        const before = await newest();
        const res = await send({ ...call, ...(params ? { params } : {}) });
        outcomes.push(`${call.route} ${res.statusCode}`);
        expect(res.statusCode, `${call.route}: ${res.body}`).toBeLessThan(300);
        if (
          [
            'createEnrollment',
            'createDeployment',
            'createToken',
            'createWebhook',
            'registerPoint',
            'addSiteRule',
          ].includes(call.route)
        ) {
          created = res.json<{ id: string }>().id;
        }
        const left = await since(before);
        expect(left, call.route).toHaveLength(1);
        expect(left[0], call.route).toMatchObject({
          actor: 'first admin',
          role: 'admin',
          action: call.route,
          method: allRoutes[call.route]?.method,
          status: res.statusCode,
          error: null,
        });
        expect(left[0]?.tokenId).toMatch(/^tok_/);
      }
      expect(outcomes).toHaveLength(mutating.length);
    });

    it('records before → after, and names the deployment event of the same action', async () => {
      const deploymentId = context.params.id?.[0] ?? '';
      const all = await entries();
      const halt = all.find((e) => e.action === 'haltDeployment' && e.status === 200);
      expect(halt).toMatchObject({
        target: { id: deploymentId },
        body: { reason: 'looks wrong' },
        before: { state: 'active' },
        after: { state: 'halted', event: { type: 'halt' } },
      });
      const events = (await send({ route: 'listDeploymentEvents', params: [deploymentId] })).json<{
        items: { id: string; type: string; actor: string }[];
      }>().items;
      const event = events.find(
        (e) => e.id === (halt?.after as { event: { id: string } }).event.id,
      );
      expect(event).toMatchObject({ type: 'halt', actor: 'first admin' });

      expect(all.find((e) => e.action === 'revokeComputer')).toMatchObject({
        before: { revoked: false },
        after: { revoked: true },
      });
      expect(all.find((e) => e.action === 'revokeEnrollment')).toMatchObject({
        before: { revoked: false },
        after: { revoked: true },
      });
      expect(all.find((e) => e.action === 'approveReimage')).toMatchObject({
        before: { state: 'pending' },
        after: { state: 'approved', decidedBy: 'first admin' },
      });
      expect(all.find((e) => e.action === 'setGroupPolicy')).toMatchObject({
        target: { name: 'pilots' },
        before: { policy: null },
        after: { policy: 'auto-download' },
      });
      expect(all.find((e) => e.action === 'setGroupOwnerEmail')).toMatchObject({
        target: { name: 'pilots' },
        before: { ownerEmail: null },
        after: { ownerEmail: 'pilots-team@example.test' },
      });
      expect(all.find((e) => e.action === 'addSiteRule')).toMatchObject({
        body: { cidr: '10.77.0.0/16', site: 'tokyo' },
        after: { cidr: '10.77.0.0/16', site: 'tokyo', moved: 0 },
      });
      expect(all.find((e) => e.action === 'removeSiteRule')).toMatchObject({
        before: { cidr: '10.77.0.0/16', site: 'tokyo' },
        after: { cidr: '10.77.0.0/16', moved: 0 },
      });
      expect(all.find((e) => e.action === 'setGroupWindows')).toMatchObject({
        before: { windows: [] },
        after: { windows: [expect.objectContaining({ cron: '0 22 * * 1-5' })] },
      });
      const manifestId = context.params.id?.[3] ?? '';
      expect(all.find((e) => e.action === 'removeBaselineUpdates')).toMatchObject({
        target: { name: 'pilots-baseline' },
        before: { groups: ['pilots'], updateCount: 1, updates: [manifestId] },
        after: { updateCount: 0, updates: [] },
      });
      expect(all.find((e) => e.action === 'setBaseline')).toMatchObject({
        target: { name: 'pilots-baseline' },
        before: { name: 'pilots-baseline', description: null, groups: ['pilots'] },
        after: { description: 'what the pilots must have', groups: ['fleet', 'pilots'] },
      });
      expect(all.find((e) => e.action === 'removeBaseline')).toMatchObject({
        target: { name: 'pilots-baseline' },
        before: { name: 'pilots-baseline', groups: ['fleet', 'pilots'], updateCount: 0 },
        after: { removed: true },
      });
      // The secret of a new enrollment token is in its answer only, never in the log.
      const enrollment = all.find((e) => e.action === 'createEnrollment' && e.status === 201);
      expect(enrollment?.after).toMatchObject({ group: 'pilots' });
      expect(JSON.stringify(all)).not.toMatch(/rm_enroll|"token":"[^[]/);
    });

    it('records refused calls too: no token, a bad body, an unknown target, a secret redacted', async () => {
      const before = await newest();
      const noToken = await send({ route: 'haltDeployment', params: ['dep_x'], body: {} }, {});
      expect(noToken.statusCode).toBe(401);
      const badBody = await send({
        route: 'createGroup',
        body: { name: 'a\u0000b', password: 'hunter2' },
      });
      expect(badBody.statusCode).toBe(400);
      const unknown = await send({ route: 'haltDeployment', params: ['dep_missing'], body: {} });
      expect(unknown.statusCode).toBe(404);
      // A read is not recorded, unless it reads the audit log.
      await send({ route: 'listDeployments' });
      const left = await since(before);
      expect(left.map((e) => [e.action, e.status, e.actor, e.error])).toEqual([
        ['haltDeployment', 401, null, 'unauthorized'],
        ['createGroup', 400, 'first admin', 'validation-error'],
        ['haltDeployment', 404, 'first admin', 'not-found'],
      ]);
      expect(left[0]).toMatchObject({ tokenId: null, target: { id: 'dep_x' }, before: null });
      expect(left[1]?.body).toEqual({ name: 'a\u0000b', password: '[redacted]' });
      expect(left[1]?.message).toMatch(/name/);
      expect(left[2]).toMatchObject({ before: null, after: null });
    });

    it('never fails a call because of the audit: a failed write or loader is logged, the answer stands', async () => {
      const { audit, groups } = server.services;
      const record = audit.record.bind(audit);
      const show = groups.show.bind(groups);
      audit.record = () => Promise.reject(new Error('disk full'));
      try {
        const res = await send({ route: 'createGroup', body: { name: `unaudited-${engine}` } });
        expect(res.statusCode).toBe(201);
      } finally {
        audit.record = record;
      }
      groups.show = () => Promise.reject(new Error('cannot read'));
      try {
        const before = await newest();
        const res = await send({
          route: 'setGroupPolicy',
          params: [`unaudited-${engine}`],
          body: { policy: 'notify' },
        });
        expect(res.statusCode).toBe(200);
        expect(await since(before)).toEqual([
          expect.objectContaining({ action: 'setGroupPolicy', status: 200, before: null }),
        ]);
      } finally {
        groups.show = show;
      }
    });

    it('lists with filters and cursor pages, and records each read of the log', async () => {
      const before = await newest();
      let reads = 0;
      const page = async (query: string) => {
        reads += 1;
        const res = await injectChecked(server.app, {
          method: 'GET',
          url: `/api/v1/audit${query}`,
          headers: server.adminHeaders,
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<AuditPageView>();
      };
      const halts = await page('?action=haltDeployment');
      expect(halts.items.length).toBeGreaterThanOrEqual(3);
      expect(halts.items.every((e) => e.action === 'haltDeployment')).toBe(true);
      const seen: number[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const got: AuditPageView = await page(
          `?actor=${encodeURIComponent('first admin')}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(got.items.length).toBeLessThanOrEqual(2);
        seen.push(...got.items.map((e) => e.id));
        cursor = got.nextCursor;
      }
      const ids = (await entries())
        .filter((e) => e.id <= before && e.actor === 'first admin')
        .map((e) => e.id);
      expect(seen.filter((id) => id <= before)).toEqual(ids);
      expect((await page(`?target=${encodeURIComponent('pilots')}`)).items.length).toBeGreaterThan(
        2,
      );
      const future = await page('?since=2999-01-01T00:00:00Z');
      expect(future).toEqual({ items: [], nextCursor: null });
      const recorded = (await since(before)).filter((e) => e.action === 'listAudit');
      expect(recorded).toHaveLength(reads);
      expect(recorded[0]).toMatchObject({ status: 200, body: { action: 'haltDeployment' } });
      // Bad filters are a 400 naming the field, and recorded.
      const bad = await injectChecked(server.app, {
        method: 'GET',
        url: '/api/v1/audit?limit=0&cursor=abc&since=yesterday',
        headers: server.adminHeaders,
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toMatch(/limit/);
      expect(bad.body).toMatch(/cursor/);
      expect(bad.body).toMatch(/since/);
      expect((await entries())[0]).toMatchObject({ action: 'listAudit', status: 400 });
    });

    it('exports CSV that parses back to the same entries as the JSON listing', async () => {
      const res = await injectChecked(server.app, {
        method: 'GET',
        url: '/api/v1/audit.csv',
        headers: server.adminHeaders,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const rows = parse<Record<string, string>>(res.body, { columns: true });
      expect(Object.keys(rows[0] ?? {})).toEqual([...auditCsvColumns]);
      const last = Number(rows[rows.length - 1]?.id);
      const listed = (await entries()).filter((e) => e.id <= last).reverse();
      const json = ['target', 'body', 'before', 'after'];
      const back = rows.map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [
            k,
            json.includes(k)
              ? v === ''
                ? null
                : JSON.parse(v)
              : k === 'id' || k === 'status'
                ? Number(v)
                : v === '' && k !== 'path'
                  ? null
                  : v,
          ]),
        ),
      );
      expect(back).toEqual(listed);
      const exported = (await entries())[0];
      expect(exported).toMatchObject({ action: 'exportAudit', status: 200 });
    });
  });
}
