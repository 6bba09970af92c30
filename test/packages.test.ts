import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './support/engines.js';
import { injectChecked } from './support/declared-response.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { inventoryFactory } from './factories/update.factory.js';
import type { Inventory, PackageInventory } from '../src/contracts/inventory.js';

const hashOf = (c: string) => c.repeat(64);

for (const engine of ENGINES) {
  describe(`installed packages in the inventory on ${engine}`, () => {
    let server: TestServer;
    const inject = (options: Parameters<typeof injectChecked>[1]) =>
      injectChecked(server.app, options);
    const admin = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
      inject({
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    type Pc = { computerId: string; credential: string; inventory: Inventory };
    async function enroll(): Promise<Pc> {
      const inventory = inventoryFactory();
      const token = await admin('POST', '/api/v1/enrollments', {});
      const res = await inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: { enrollmentToken: token.json<{ token: string }>().token, inventory },
      });
      expect(res.statusCode).toBe(201);
      return { ...res.json<{ computerId: string; credential: string }>(), inventory };
    }
    const checkin = (pc: Pc, packages: PackageInventory) =>
      inject({
        method: 'POST',
        url: `/agent/v1/computers/${pc.computerId}/checkin`,
        headers: { authorization: `Bearer ${pc.credential}` },
        payload: { inventory: pc.inventory, packages },
      });
    const members = async (group: string) =>
      (await admin('GET', `/api/v1/groups/${group}`))
        .json<{ members: { id: string }[] }>()
        .members.map((m) => m.id)
        .sort();
    const stored = async (pc: Pc) =>
      await server.store.db
        .selectFrom('computer_packages')
        .select(['name', 'arch', 'version', 'manager'])
        .where('computer_id', '=', pc.computerId)
        .orderBy('name')
        .execute();

    let old: Pc;
    let fresh: Pc;
    let rpmPc: Pc;

    beforeAll(async () => {
      server = await startTestServer(engine);
      old = await enroll();
      fresh = await enroll();
      rpmPc = await enroll();
      // A group made before any list arrives: the check-ins put computers in it.
      expect(
        (
          await admin('POST', '/api/v1/groups', {
            name: 'old-openssl',
            query: 'package "openssl" < "3.0.15"',
          })
        ).statusCode,
      ).toBe(201);
    });
    afterAll(async () => {
      await server.stop();
    });

    it('stores a list, answers for its hash, and asks again when the hash is not its own', async () => {
      const items = [
        { name: 'openssl', version: '3.0.11-1~deb12u2', arch: 'amd64' },
        { name: 'libc6', version: '2.36-9', arch: 'amd64' },
        { name: 'libc6', version: '2.36-9', arch: 'i386' },
      ];
      const first = await checkin(old, { manager: 'dpkg', hash: hashOf('a'), items });
      expect(first.statusCode).toBe(200);
      expect(first.json<{ sendPackages?: boolean }>().sendPackages).toBeUndefined();
      expect(await stored(old)).toHaveLength(3);

      // The same hash without the list: nothing to do.
      const same = await checkin(old, { manager: 'dpkg', hash: hashOf('a') });
      expect(same.json<{ sendPackages?: boolean }>().sendPackages).toBeUndefined();
      // A hash the server has not got: the answer asks for the list.
      const other = await checkin(old, { manager: 'dpkg', hash: hashOf('b') });
      expect(other.json<{ sendPackages?: boolean }>().sendPackages).toBe(true);
    });

    it('puts computers in query groups by package and version, by the manager rules', async () => {
      expect(
        (
          await checkin(fresh, {
            manager: 'dpkg',
            hash: hashOf('c'),
            items: [{ name: 'openssl', version: '3.0.15-1~deb12u1', arch: 'amd64' }],
          })
        ).statusCode,
      ).toBe(200);
      expect(
        (
          await checkin(rpmPc, {
            manager: 'rpm',
            hash: hashOf('d'),
            items: [{ name: 'openssl', version: '1:3.0.7-27.el9', arch: 'x86_64' }],
          })
        ).statusCode,
      ).toBe(200);
      // dpkg: 3.0.11-1~deb12u2 < 3.0.15, but 3.0.15-1~deb12u1 is not; rpm: epoch 1 wins.
      expect(await members('old-openssl')).toEqual([old.computerId]);

      // A group made afterwards is filled from the stored lists; so is a preview.
      await admin('POST', '/api/v1/groups', { name: 'has-openssl', query: 'package "openssl"' });
      expect(await members('has-openssl')).toEqual(
        [old.computerId, fresh.computerId, rpmPc.computerId].sort(),
      );
      const preview = await admin('POST', '/api/v1/groups/preview', {
        query: 'package "libc6" >= "2.36" and not package "openssl" >= "3.0.15"',
      });
      expect(preview.json<{ members: { id: string }[] }>().members.map((m) => m.id)).toEqual([
        old.computerId,
      ]);

      // An upgrade leaves the group at the next check-in.
      await checkin(old, {
        manager: 'dpkg',
        hash: hashOf('e'),
        items: [{ name: 'openssl', version: '3.0.16-1', arch: 'amd64' }],
      });
      expect(await stored(old)).toEqual([
        { name: 'openssl', arch: 'amd64', version: '3.0.16-1', manager: 'dpkg' },
      ]);
      expect(await members('old-openssl')).toEqual([]);
    });

    it('refuses a bad list and a bad package query, naming the field', async () => {
      const nul = await checkin(old, {
        manager: 'dpkg',
        hash: hashOf('f'),
        items: [{ name: 'open\u0000ssl', version: '1', arch: 'amd64' }],
      });
      expect(nul.statusCode).toBe(400);
      expect(JSON.stringify(nul.json())).toContain('packages.items.0.name');
      const badHash = await checkin(old, { manager: 'dpkg', hash: 'nothex' });
      expect(badHash.statusCode).toBe(400);
      for (const query of ['package openssl', 'package "openssl" < 3.0', 'package "openssl" <']) {
        const res = await admin('POST', '/api/v1/groups/preview', { query });
        expect(res.statusCode, query).toBe(400);
      }
    });
  });
}
