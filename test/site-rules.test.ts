import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputerDetailView } from '../src/contracts/api.js';
import type { Inventory } from '../src/contracts/inventory.js';
import type { SiteRuleChange, SiteRuleView } from '../src/contracts/site-rules.js';
import { PLACE_BATCH } from '../src/server/services/site.service.js';
import { createRepositories } from '../src/store/repositories.js';
import { inventoryFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

type Agent = { computerId: string; credential: string; inventory: Inventory };
type Issues = { details: { issues: { field: string; message: string }[] } };

/** A computer's site from the address the server sees it at, on both engines. */
for (const engine of ENGINES) {
  describe(`site rules on ${engine}`, () => {
    let server: TestServer;
    let enrollToken = '';

    beforeAll(async () => {
      server = await startTestServer(engine, undefined, { engineIntervalMs: 0 });
      enrollToken = (await admin<{ token: string }>('POST', '/api/v1/enrollments', { uses: 100 }))
        .body.token;
    });
    afterAll(async () => {
      await server.stop();
    });

    async function admin<T = unknown>(
      method: 'GET' | 'POST' | 'DELETE',
      url: string,
      payload?: unknown,
    ) {
      const res = await server.app.inject({
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      return { status: res.statusCode, body: res.json<T>() };
    }

    async function enroll(from: string, site: string | null): Promise<Agent> {
      const inventory = inventoryFactory({ site });
      const res = await server.app.inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        remoteAddress: from,
        payload: { enrollmentToken: enrollToken, inventory },
      });
      expect(res.statusCode, res.body).toBe(201);
      return { ...res.json<{ computerId: string; credential: string }>(), inventory };
    }

    async function checkin(agent: Agent, from: string, inventory = agent.inventory) {
      const res = await server.app.inject({
        method: 'POST',
        url: `/agent/v1/computers/${agent.computerId}/checkin`,
        remoteAddress: from,
        headers: { authorization: `Bearer ${agent.credential}` },
        payload: { inventory },
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }

    async function siteOf(agent: Agent) {
      const c = (await admin<ComputerDetailView>('GET', `/api/v1/computers/${agent.computerId}`))
        .body;
      return { site: c.site, source: c.siteSource, reported: c.reportedSite, seen: c.seenAddress };
    }

    const addRule = (cidr: string, site: string) =>
      admin<SiteRuleChange>('POST', '/api/v1/sites/rules', { cidr, site });

    it('refuses a bad subnet or site naming the field, a second rule for a subnet, an unknown rule', async () => {
      for (const [body, field, message] of [
        [{ cidr: '10.1.0.0', site: 'x' }, 'cidr', /ADDRESS\/PREFIX/],
        [{ cidr: '10.1.2.3/16', site: 'x' }, 'cidr', /10\.1\.0\.0\/16/],
        [{ cidr: '10.1.0.0/33', site: 'x' }, 'cidr', /0 to 32/],
        [{ cidr: '2001:db8::/129', site: 'x' }, 'cidr', /0 to 128/],
        [{ cidr: 'not-a-subnet/8', site: 'x' }, 'cidr', /not an IPv4 or IPv6/],
        [{ cidr: '10.0.0.0/8\u0000', site: 'x' }, 'cidr', /./],
        [{ cidr: 42, site: 'x' }, 'cidr', /./],
        [{ cidr: '10.0.0.0/8', site: '' }, 'site', /./],
        [{ cidr: '10.0.0.0/8', site: 'a\u0000b' }, 'site', /NUL|./],
        [{ cidr: '10.0.0.0/8' }, 'site', /./],
      ] as const) {
        const res = await admin<Issues>('POST', '/api/v1/sites/rules', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        const issue = res.body.details.issues.find((i) => i.field === field);
        expect(issue, JSON.stringify(res.body)).toBeDefined();
        expect(issue?.message).toMatch(message);
      }
      const first = await addRule('192.0.2.0/24', 'docs');
      expect(first.status).toBe(201);
      // The same subnet, spelt otherwise, is the same rule.
      const again = await addRule(' 192.0.2.0/24', 'elsewhere');
      expect(again.status).toBe(409);
      const v6 = await addRule('2001:DB8:0:0::/32', 'v6');
      expect(v6.status).toBe(201);
      expect(v6.body.cidr).toBe('2001:db8::/32');
      expect((await addRule('2001:db8::/32', 'v6')).status).toBe(409);
      expect((await admin('DELETE', '/api/v1/sites/rules/srl_missing')).status).toBe(404);
      for (const id of [first.body.id, v6.body.id]) {
        expect((await admin('DELETE', `/api/v1/sites/rules/${id}`)).status).toBe(200);
      }
    });

    it("places a computer by the subnet its check-in comes from, the longest prefix winning, and never over its agent's --site", async () => {
      const roaming = await enroll('10.1.2.3', null);
      const pinned = await enroll('10.1.2.4', 'kyoto');
      expect(await siteOf(roaming)).toEqual({
        site: null,
        source: null,
        reported: null,
        seen: '10.1.2.3',
      });

      const wide = await addRule('10.1.0.0/16', 'tokyo');
      expect(wide.status).toBe(201);
      expect(wide.body).toMatchObject({
        cidr: '10.1.0.0/16',
        site: 'tokyo',
        moved: 1,
        computers: 1,
      });
      expect(await siteOf(roaming)).toMatchObject({
        site: 'tokyo',
        source: 'subnet rule 10.1.0.0/16',
      });
      expect(await siteOf(pinned)).toEqual({
        site: 'kyoto',
        source: 'agent',
        reported: 'kyoto',
        seen: '10.1.2.4',
      });

      const narrow = await addRule('10.1.2.0/24', 'tokyo-lab');
      expect(narrow.body.moved).toBe(1);
      expect(await siteOf(roaming)).toMatchObject({
        site: 'tokyo-lab',
        source: 'subnet rule 10.1.2.0/24',
      });

      // It moves: its next check-in places it by the new address.
      await checkin(roaming, '10.1.9.9');
      expect(await siteOf(roaming)).toMatchObject({ site: 'tokyo', seen: '10.1.9.9' });
      await checkin(roaming, '198.51.100.7');
      expect(await siteOf(roaming)).toMatchObject({ site: null, source: null });
      // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d.
      await checkin(roaming, '::ffff:10.1.2.200');
      expect(await siteOf(roaming)).toMatchObject({ site: 'tokyo-lab' });
      // The agent starts telling a site: it wins; it stops: the rule places it again.
      await checkin(roaming, '10.1.2.200', { ...roaming.inventory, site: 'osaka' });
      expect(await siteOf(roaming)).toMatchObject({ site: 'osaka', source: 'agent' });
      await checkin(roaming, '10.1.2.200', { ...roaming.inventory, site: null });
      expect(await siteOf(roaming)).toMatchObject({
        site: 'tokyo-lab',
        source: 'subnet rule 10.1.2.0/24',
      });

      const listed = await admin<{ items: SiteRuleView[] }>('GET', '/api/v1/sites/rules');
      expect(listed.body.items.map((r) => [r.cidr, r.site, r.computers, r.createdBy])).toEqual([
        ['10.1.0.0/16', 'tokyo', 0, 'first admin'],
        ['10.1.2.0/24', 'tokyo-lab', 1, 'first admin'],
      ]);

      // Removing the narrow rule places its computers by the next match; then by none.
      const removed = await admin<SiteRuleChange>(
        'DELETE',
        `/api/v1/sites/rules/${narrow.body.id}`,
      );
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ cidr: '10.1.2.0/24', moved: 1 });
      expect(await siteOf(roaming)).toMatchObject({
        site: 'tokyo',
        source: 'subnet rule 10.1.0.0/16',
      });
      await admin('DELETE', `/api/v1/sites/rules/${wide.body.id}`);
      expect(await siteOf(roaming)).toMatchObject({ site: null, source: null });
      expect(await siteOf(pinned)).toMatchObject({ site: 'kyoto', source: 'agent' });
    });

    it('places an IPv6 computer at enrollment by the rule it enrolls under', async () => {
      const rule = await addRule('2001:db8:aa::/48', 'v6-site');
      const agent = await enroll('2001:db8:aa::15', null);
      expect(await siteOf(agent)).toMatchObject({
        site: 'v6-site',
        source: 'subnet rule 2001:db8:aa::/48',
      });
      await admin('DELETE', `/api/v1/sites/rules/${rule.body.id}`);
      expect(await siteOf(agent)).toMatchObject({ site: null });
    });

    it('keeps query groups on the effective site', async () => {
      const group = `site-group-${engine}`;
      expect(
        (await admin('POST', '/api/v1/groups', { name: group, query: 'site = "grouped"' })).status,
      ).toBe(201);
      const agent = await enroll('172.16.5.5', null);
      const members = async () =>
        (
          await admin<{ members: { id: string }[] }>('GET', `/api/v1/groups/${group}`)
        ).body.members.map((m) => m.id);
      expect(await members()).not.toContain(agent.computerId);
      const rule = await addRule('172.16.0.0/12', 'grouped');
      expect(await members()).toContain(agent.computerId);
      await admin('DELETE', `/api/v1/sites/rules/${rule.body.id}`);
      expect(await members()).not.toContain(agent.computerId);
    });

    it('places a fleet larger than one page, when a rule is added and when it is removed', async () => {
      const count = PLACE_BATCH * 2 + 7;
      const now = Date.parse('2026-06-01T00:00:00Z');
      const repos = createRepositories(server.store.db);
      await repos.computers.insertMany(
        Array.from({ length: count }, (_, i) => ({
          id: `cmp_fleet_${engine}_${String(i).padStart(5, '0')}`,
          credentialHash: `fleet-${engine}-${i}`,
          ...inventoryFactory({ site: null }),
          enrolledAt: now,
          lastSeenAt: now,
          placedAt: {
            placement: { site: null, source: null, rule: null },
            address: `10.200.${Math.floor(i / 250)}.${(i % 250) + 1}`,
          },
        })),
      );
      const rule = await addRule('10.200.0.0/16', 'big');
      expect(rule.body.moved).toBe(count);
      const sites = await admin<{ items: { name: string; computers: number }[] }>(
        'GET',
        '/api/v1/sites?limit=500',
      );
      expect(sites.body.items.find((s) => s.name === 'big')?.computers).toBe(count);
      const removed = await admin<SiteRuleChange>('DELETE', `/api/v1/sites/rules/${rule.body.id}`);
      expect(removed.body.moved).toBe(count);
      const after = await admin<{ items: { name: string }[] }>('GET', '/api/v1/sites?limit=500');
      expect(after.body.items.map((s) => s.name)).not.toContain('big');
    });
  });
}
