import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkinResponse, enrollResponse } from '../src/contracts/agent-protocol.js';
import type { CheckinResponse } from '../src/contracts/agent-protocol.js';
import { advanceRoot, pinRoot, verifyCheckin, type TrustState } from '../src/agent/core/trust.js';
import { nodeTrustCrypto } from '../src/agent/trust-crypto.js';
import type { SignedEnvelope } from '../src/contracts/metadata.js';
import { ENGINES } from './support/engines.js';
import { injectChecked } from './support/declared-response.js';
import { waitFor } from './support/wait.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { inventoryFactory, manifestFactory, sha256 } from './factories/update.factory.js';

const crypto = nodeTrustCrypto();
const script = 'echo signed\n';

for (const engine of ENGINES) {
  describe(`signed metadata on ${engine}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => {
      await server.stop();
    });

    const inject = (options: Parameters<typeof injectChecked>[1]) =>
      injectChecked(server.app, options);
    const admin = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      inject({ method, url, headers: server.adminHeaders, ...(payload ? { payload } : {}) });

    async function enroll(hostname: string, group: string) {
      const token = await admin('POST', '/api/v1/enrollments', { group });
      const res = await inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: {
          enrollmentToken: token.json<{ token: string }>().token,
          inventory: inventoryFactory({ hostname }),
        },
      });
      expect(res.statusCode).toBe(201);
      return enrollResponse.parse(res.json());
    }

    async function checkin(
      who: { computerId: string; credential: string },
      hostname: string,
      extra: Record<string, unknown> = {},
    ): Promise<CheckinResponse> {
      const res = await inject({
        method: 'POST',
        url: `/agent/v1/computers/${who.computerId}/checkin`,
        headers: { authorization: `Bearer ${who.credential}` },
        payload: { inventory: inventoryFactory({ hostname }), ...extra },
      });
      expect(res.statusCode).toBe(200);
      // As the agent reads it: through the protocol's schema.
      return checkinResponse.parse(res.json());
    }

    async function deploy(group: string) {
      const manifest = manifestFactory();
      const files = [{ path: 'install.sh', sha256: sha256(script), size: script.length }];
      await inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(script)}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: script,
      });
      expect((await admin('POST', '/api/v1/updates', { manifest, files })).statusCode).toBe(201);
      const dep = await admin('POST', '/api/v1/deployments', { update: manifest.id, group });
      expect(dep.statusCode).toBe(201);
      const id = dep.json<{ id: string }>().id;
      await waitFor(
        'the first phase to open',
        async () =>
          (await admin('GET', `/api/v1/deployments/${id}`)).json<{
            phases: { openedAt: string | null }[];
          }>().phases[0]?.openedAt != null,
        10_000,
      );
      return manifest.id;
    }

    const verify = (state: TrustState, answer: CheckinResponse, computerId: string) =>
      verifyCheckin({
        state,
        rootChanged: false,
        metadata: answer.metadata,
        assignments: answer.assignments,
        computerId,
        now: Date.now(),
        crypto,
      });

    it('signs each answer so the agent verifies it, reuses the signatures while nothing changes, and refuses a replay', async () => {
      const group = `signed-${engine}`;
      expect((await admin('POST', '/api/v1/groups', { name: group })).statusCode).toBe(201);
      const a = await enroll(`sig-a-${engine}`, group);
      expect(a.root).toBeDefined();
      const pinned = pinRoot(a.root!, crypto);
      expect(pinned.ok).toBe(true);
      if (!pinned.ok) return;

      const empty = await checkin(a, `sig-a-${engine}`);
      const first = verify(pinned.state, empty, a.computerId);
      expect(first).toMatchObject({ ok: true });
      if (!first.ok) return;

      const again = await checkin(a, `sig-a-${engine}`);
      // Nothing changed: the same signed documents, not signed again.
      expect(again.metadata).toEqual(empty.metadata);

      const updateId = await deploy(group);
      const assigned = await checkin(a, `sig-a-${engine}`);
      expect(assigned.assignments.map((x) => x.updateId)).toEqual([updateId]);
      const second = verify(first.state, assigned, a.computerId);
      expect(second).toMatchObject({ ok: true });
      if (!second.ok) return;
      expect(second.state.targets!.version).toBeGreaterThan(first.state.targets!.version);

      // The empty answer again, after the one with the assignment: a rollback.
      expect(verify(second.state, empty, a.computerId)).toMatchObject({
        ok: false,
        reason: 'rollback',
        role: 'timestamp',
      });
      // Another computer's signed answer: refused.
      const b = await enroll(`sig-b-${engine}`, group);
      const forB = await checkin(b, `sig-b-${engine}`);
      expect(verify(second.state, forB, a.computerId)).toMatchObject({
        ok: false,
        reason: 'mix-and-match',
      });
    });

    it('stores the rejections an agent tells, once each, and shows them with the computer', async () => {
      const group = `told-${engine}`;
      await admin('POST', '/api/v1/groups', { name: group });
      const c = await enroll(`told-${engine}`, group);
      const rejection = {
        id: 'rej0123456789',
        reason: 'rollback',
        role: 'timestamp',
        detail: 'timestamp version 3 is older than 4, accepted before',
        at: new Date().toISOString(),
      };
      await checkin(c, `told-${engine}`, { rejections: [rejection] });
      await checkin(c, `told-${engine}`, { rejections: [rejection] });
      const shown = await admin('GET', `/api/v1/computers/${c.computerId}`);
      expect(shown.json<{ rejections: unknown[] }>().rejections).toEqual([
        expect.objectContaining({
          reason: 'rollback',
          role: 'timestamp',
          detail: rejection.detail,
        }),
      ]);

      const bad = await inject({
        method: 'POST',
        url: `/agent/v1/computers/${c.computerId}/checkin`,
        headers: { authorization: `Bearer ${c.credential}` },
        payload: {
          inventory: inventoryFactory({ hostname: `told-${engine}` }),
          rejections: [{ ...rejection, reason: 'boredom' }],
        },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ message: string }>().message).toContain('rejections.0.reason');
    });

    it('exports and removes the root key, rotates the root with it, and agents walk the chain', async () => {
      const group = `rotate-${engine}`;
      await admin('POST', '/api/v1/groups', { name: group });
      const c = await enroll(`rotate-${engine}`, group);
      const pinned = pinRoot(c.root!, crypto);
      if (!pinned.ok) throw new Error('root 1 did not pin');
      const shown = await admin('GET', '/api/v1/keys');
      expect(shown.statusCode).toBe(200);
      const before = shown.json<{
        rootVersion: number;
        roles: { role: string; keys: { onServer: boolean }[] }[];
      }>();
      expect(before.roles.find((r) => r.role === 'root')?.keys[0]?.onServer).toBe(true);

      const exported = await admin('POST', '/api/v1/keys/root/export', { remove: true });
      expect(exported.statusCode).toBe(200);
      const pem = exported.json<{ privateKey: string }>().privateKey;
      expect(pem).toContain('PRIVATE KEY');
      expect((await admin('POST', '/api/v1/keys/root/export', {})).json()).toMatchObject({
        error: 'root-key-offline',
      });
      expect((await admin('POST', '/api/v1/keys/root/rotate', {})).statusCode).toBe(409);
      const wrongKey = await admin('POST', '/api/v1/keys/root/rotate', { rootKey: 'nonsense' });
      expect(wrongKey.statusCode).toBe(400);
      expect(wrongKey.json<{ message: string }>().message).toContain('rootKey');

      const rotated = await admin('POST', '/api/v1/keys/root/rotate', {
        rootKey: pem,
        replaceOnlineKeys: true,
      });
      expect(rotated.statusCode).toBe(200);
      const version = rotated.json<{ rootVersion: number }>().rootVersion;
      expect(version).toBe(before.rootVersion + 1);

      const answer = await checkin(c, `rotate-${engine}`);
      expect(answer.metadata?.rootVersion).toBe(version);
      // Signed by keys the pinned root does not list: refused until the chain is walked.
      expect(verify(pinned.state, answer, c.computerId)).toMatchObject({ ok: false });
      const chain: SignedEnvelope[] = [];
      for (let v = before.rootVersion + 1; v <= version; v++) {
        const res = await inject({ method: 'GET', url: `/agent/v1/root/${v}` });
        expect(res.statusCode).toBe(200);
        chain.push(res.json<SignedEnvelope>());
      }
      const walked = advanceRoot(pinned.state, chain, crypto);
      expect(walked.ok).toBe(true);
      if (!walked.ok) return;
      expect(
        verifyCheckin({
          state: walked.state,
          rootChanged: true,
          metadata: answer.metadata,
          assignments: answer.assignments,
          computerId: c.computerId,
          now: Date.now(),
          crypto,
        }),
      ).toMatchObject({ ok: true });

      expect((await inject({ method: 'GET', url: '/agent/v1/root/999' })).statusCode).toBe(404);
      expect((await inject({ method: 'GET', url: '/agent/v1/root/zero' })).statusCode).toBe(400);
    });
  });
}
