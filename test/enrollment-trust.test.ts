import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../src/contracts/inventory.js';
import { EnrollmentService } from '../src/server/services/enrollment.service.js';
import type { MembershipService } from '../src/server/services/membership.service.js';
import { createRepositories, transactor } from '../src/store/repositories.js';
import { inventoryFactory } from './factories/update.factory.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** A nonce as the agent makes one: random, kept on disk before the first try. */
const nonce = () => `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll('-', '');

type Auth = { computerId: string; credential: string };

for (const engine of ENGINES) {
  describe(`trusted enrollment on ${engine}`, () => {
    let server: TestServer;
    let time = Date.parse('2026-12-01T00:00:00Z');
    const clock = { now: () => time };

    beforeAll(async () => {
      server = await startTestServer(engine, clock, { reimageAutoApproveAfterSeconds: 3600 });
    });
    afterAll(async () => {
      await server.stop();
    });

    const inject = (options: Parameters<typeof injectChecked>[1]) =>
      injectChecked(server.app, options);
    const admin = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      inject({
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload }),
      });

    async function createToken(payload: Record<string, unknown> = {}) {
      const res = await admin('POST', '/api/v1/enrollments', payload);
      expect(res.statusCode).toBe(201);
      return res.json<{ id: string; token: string }>();
    }
    const enroll = (token: string, inventory: Inventory, agentNonce?: string) =>
      inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: {
          enrollmentToken: token,
          inventory,
          ...(agentNonce ? { nonce: agentNonce } : {}),
        },
      });
    const checkin = (auth: Auth, inventory: Inventory) =>
      inject({
        method: 'POST',
        url: `/agent/v1/computers/${auth.computerId}/checkin`,
        headers: { authorization: `Bearer ${auth.credential}` },
        payload: { inventory },
      });
    async function usesOf(id: string): Promise<number> {
      const list = (await admin('GET', '/api/v1/enrollments?limit=500')).json<{
        items: { id: string; uses: number }[];
      }>();
      return list.items.find((e) => e.id === id)?.uses ?? -1;
    }
    async function computersNamed(hostname: string) {
      const list = (
        await admin('GET', `/api/v1/computers?q=${encodeURIComponent(hostname)}&limit=500`)
      ).json<{ items: { id: string; hostname: string }[] }>();
      return list.items.filter((c) => c.hostname === hostname);
    }
    /** A status the computer reported, so a takeover would have something to wipe. */
    async function giveStatus(computerId: string) {
      const db = server.store.db;
      const updateId = `RM-TRUST-${computerId}`;
      await db
        .insertInto('updates')
        .values({
          id: updateId,
          title: 't',
          severity: 'low',
          classification: 'security',
          manifest: '{}',
          content_hash: 'x',
          created_at: time,
        })
        .execute();
      await db
        .insertInto('statuses')
        .values({
          computer_id: computerId,
          update_id: updateId,
          state: 'installed',
          updated_at: time,
        })
        .execute();
    }
    const statusCount = async (id: string) =>
      (await admin('GET', `/api/v1/computers/${id}`)).json<{ statuses: unknown[] }>().statuses
        .length;

    it('a claimed re-image waits for an admin; the real computer keeps its credential and statuses', async () => {
      const token = await createToken();
      const inventory = inventoryFactory({ hostname: `victim-${engine}` });
      const first = await enroll(token.token, inventory, nonce());
      expect(first.statusCode).toBe(201);
      const victim = first.json<Auth>();
      await giveStatus(victim.computerId);

      // Anyone with any valid token and the victim's hostname and hardware id.
      const attacker = nonce();
      const claim = await enroll(token.token, inventory, attacker);
      expect(claim.statusCode).toBe(409);
      const body = claim.json<{ error: string; details: { reimageRequestId: string } }>();
      expect(body.error).toBe('reimage-pending');
      expect((await checkin(victim, inventory)).statusCode).toBe(200);
      expect(await statusCount(victim.computerId)).toBe(1);
      const shown = (await admin('GET', `/api/v1/computers/${victim.computerId}`)).json<{
        reimageRequests: { id: string; state: string }[];
      }>();
      expect(shown.reimageRequests).toEqual([
        expect.objectContaining({ id: body.details.reimageRequestId, state: 'pending' }),
      ]);

      // Asking again is the same request, not another use of the token.
      const uses = await usesOf(token.id);
      expect((await enroll(token.token, inventory, attacker)).statusCode).toBe(409);
      expect(await usesOf(token.id)).toBe(uses);

      const refused = await admin(
        'POST',
        `/api/v1/reimage-requests/${body.details.reimageRequestId}/refuse`,
      );
      expect(refused.json()).toMatchObject({ state: 'refused', decidedBy: 'first admin' });
      const again = await enroll(token.token, inventory, attacker);
      expect(again.statusCode).toBe(403);
      expect((await checkin(victim, inventory)).statusCode).toBe(200);
      expect(await statusCount(victim.computerId)).toBe(1);
      expect(await computersNamed(inventory.hostname)).toHaveLength(1);
    });

    it('an approved re-image keeps the id, takes the new credential and says its statuses went', async () => {
      const token = await createToken();
      const inventory = inventoryFactory({ hostname: `reimaged-${engine}` });
      const old = (await enroll(token.token, inventory, nonce())).json<Auth>();
      await giveStatus(old.computerId);
      const fresh = nonce();
      const claim = await enroll(token.token, inventory, fresh);
      const requestId = claim.json<{ details: { reimageRequestId: string } }>().details
        .reimageRequestId;

      const approved = await admin('POST', `/api/v1/reimage-requests/${requestId}/approve`);
      expect(approved.json()).toMatchObject({ state: 'approved', decidedBy: 'first admin' });
      const twice = await admin('POST', `/api/v1/reimage-requests/${requestId}/approve`);
      expect(twice.statusCode).toBe(409);

      const picked = await enroll(token.token, inventory, fresh);
      expect(picked.statusCode).toBe(201);
      const now = picked.json<Auth>();
      expect(now.computerId).toBe(old.computerId);
      expect((await checkin(now, inventory)).statusCode).toBe(200);
      expect((await checkin(old, inventory)).statusCode).toBe(401);
      const shown = (await admin('GET', `/api/v1/computers/${old.computerId}`)).json<{
        statuses: unknown[];
        reimageCount: number;
        absences: { kind: string; detail: string }[];
      }>();
      expect(shown.statuses).toEqual([]);
      expect(shown.reimageCount).toBe(1);
      expect(shown.absences[0]).toMatchObject({ kind: 'reimaged' });
      expect(shown.absences[0]?.detail).toMatch(/approved by first admin; 1 status\(es\) cleared/);
    });

    it('auto-approves only with a token of a group the computer is in, after the silence', async () => {
      const group = `lab-${engine}`;
      expect((await admin('POST', '/api/v1/groups', { name: group })).statusCode).toBe(201);
      const grouped = await createToken({ group });
      const anyToken = await createToken();
      const inventory = inventoryFactory({ hostname: `lab-pc-${engine}` });
      const old = (await enroll(grouped.token, inventory, nonce())).json<Auth>();

      // Silent for less than the threshold: waits, even with the group's token.
      time += 1000 * 60;
      expect((await enroll(grouped.token, inventory, nonce())).statusCode).toBe(409);
      time += 1000 * 3600;
      // Silent long enough, but a token of no group proves nothing.
      expect((await enroll(anyToken.token, inventory, nonce())).statusCode).toBe(409);
      const auto = await enroll(grouped.token, inventory, nonce());
      expect(auto.statusCode).toBe(201);
      expect(auto.json<Auth>().computerId).toBe(old.computerId);
      const requests = (await admin('GET', '/api/v1/reimage-requests')).json<{
        items: { computerId: string; state: string; decidedBy: string | null }[];
      }>();
      expect(
        requests.items.filter((r) => r.computerId === old.computerId).map((r) => r.decidedBy),
      ).toContain('auto-approve');
    });

    it('refuses a malformed nonce with a 400 naming the field', async () => {
      const token = await createToken();
      const res = await enroll(token.token, inventoryFactory(), 'short');
      expect(res.statusCode).toBe(400);
      expect(res.json<{ details: { issues: { field: string }[] } }>().details.issues).toEqual([
        expect.objectContaining({ field: 'nonce' }),
      ]);
    });

    it('an old agent without a nonce cannot take over an enrolled computer', async () => {
      const token = await createToken();
      const inventory = inventoryFactory({ hostname: `legacy-${engine}` });
      const old = (await enroll(token.token, inventory)).json<Auth>();
      const uses = await usesOf(token.id);
      const res = await enroll(token.token, inventory);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: 'already-enrolled' });
      expect(await usesOf(token.id)).toBe(uses);
      expect((await checkin(old, inventory)).statusCode).toBe(200);
    });

    it('a retry with the same nonce gets the same computer and spends no use, even in parallel', async () => {
      const token = await createToken({ uses: 1 });
      const inventory = inventoryFactory({ hostname: `retry-${engine}` });
      const agentNonce = nonce();
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => enroll(token.token, inventory, agentNonce)),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(201));
      const auths = answers.map((a) => a.json<Auth>());
      expect(new Set(auths.map((a) => a.computerId)).size).toBe(1);
      expect(new Set(auths.map((a) => a.credential)).size).toBe(1);
      // The only use is spent, yet the same agent's retry still gets its answer.
      const late = await enroll(token.token, inventory, agentNonce);
      expect(late.json<Auth>()).toEqual(auths[0]);
      expect(await usesOf(token.id)).toBe(1);
      expect(await computersNamed(inventory.hostname)).toHaveLength(1);
      expect((await checkin(late.json<Auth>(), inventory)).statusCode).toBe(200);
    });

    it('a crash inside enrollment spends nothing and leaves no computer', async () => {
      const token = await createToken({ uses: 1 });
      const inventory = inventoryFactory({ hostname: `crash-${engine}` });
      const real = transactor(server.store.db);
      // The server dies after the token use is spent, before the computer is stored.
      const crashing = new EnrollmentService(
        createRepositories(server.store.db),
        (work) =>
          real((repos) =>
            work({
              ...repos,
              computers: Object.assign(Object.create(repos.computers) as typeof repos.computers, {
                insert: () => Promise.reject(new Error('killed')),
              }),
            }),
          ),
        { refreshComputer: () => Promise.resolve() } as unknown as MembershipService,
        server.services.sites,
        clock,
        { reimageAutoApproveAfterSeconds: null },
      );
      const agentNonce = nonce();
      await expect(
        crashing.enroll({ enrollmentToken: token.token, inventory, nonce: agentNonce }),
      ).rejects.toThrow('killed');
      expect(await usesOf(token.id)).toBe(0);
      expect(await computersNamed(inventory.hostname)).toHaveLength(0);
      // The agent's retry after the restart is a plain first enrollment, not a re-image.
      const retry = await enroll(token.token, inventory, agentNonce);
      expect(retry.statusCode).toBe(201);
      expect(await usesOf(token.id)).toBe(1);
    });

    it('a revoked enrollment token enrolls no one, at once, and stays listed with who and when', async () => {
      const token = await createToken();
      const revoked = await admin('POST', `/api/v1/enrollments/${token.id}/revoke`);
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json()).toMatchObject({
        revokedBy: 'first admin',
        revokedAt: new Date(time).toISOString(),
      });
      const res = await enroll(token.token, inventoryFactory(), nonce());
      expect(res.statusCode).toBe(401);
      expect(res.json<{ message: string }>().message).toMatch(/revoked/);
      const listed = (await admin('GET', '/api/v1/enrollments')).json<{
        items: { id: string; revokedAt: string | null }[];
      }>();
      expect(listed.items.find((e) => e.id === token.id)?.revokedAt).not.toBeNull();
      expect((await admin('POST', '/api/v1/enrollments/enr_nope/revoke')).statusCode).toBe(404);
    });

    it('a revoked computer credential gets a 401 at its next call, and enrolling again does not bring it back', async () => {
      const token = await createToken();
      const inventory = inventoryFactory({ hostname: `stolen-${engine}` });
      const agentNonce = nonce();
      const auth = (await enroll(token.token, inventory, agentNonce)).json<Auth>();
      expect((await checkin(auth, inventory)).statusCode).toBe(200);
      const revoked = await admin('POST', `/api/v1/computers/${inventory.hostname}/revoke`);
      expect(revoked.json()).toMatchObject({ id: auth.computerId, revokedBy: 'first admin' });
      const refused = await checkin(auth, inventory);
      expect(refused.statusCode).toBe(401);
      expect(refused.json<{ message: string }>().message).toMatch(/revoked .* by first admin/);
      expect((await enroll(token.token, inventory, agentNonce)).statusCode).toBe(401);
    });
  });
}
