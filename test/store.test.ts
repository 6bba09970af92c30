import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateManifest } from '../src/contracts/manifest.js';
import { createMigrator, migrateToLatest, openStore, type Store } from '../src/store/db.js';
import { createRepositories, type Repositories } from '../src/store/repositories.js';
import { inventoryFactory, manifestFactory } from './factories/update.factory.js';
import { ENGINES, freshDatabase, type TestDatabase } from './support/engines.js';

function openTestStore(database: TestDatabase): Store {
  return openStore(
    database.databaseUrl
      ? { url: database.databaseUrl, ...(database.schema ? { schema: database.schema } : {}) }
      : { url: `${database.dataDir}/ringmaster.db` },
  );
}

/** The store's boundary: what goes in as a domain record comes back as one, on both engines. */
for (const engine of ENGINES) {
  describe(`repositories on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;
    let repos: Repositories;

    beforeAll(async () => {
      database = await freshDatabase(engine);
      store = openTestStore(database);
      await migrateToLatest(store.db, database.schema);
      repos = createRepositories(store.db);
    });
    afterAll(async () => {
      await store.close();
      await database.drop();
    });

    it('gives a computer back camelCase, with numbers and its ip list as an array', async () => {
      const inventory = inventoryFactory({
        ipAddresses: ['192.0.2.1', 'fe80::1'],
        site: null,
        ownerEmail: 'owner@example.com',
      });
      await repos.computers.insert({
        id: 'cmp_a',
        credentialHash: 'hash-a',
        ...inventory,
        enrolledAt: 1_000,
        lastSeenAt: null,
      });
      expect(await repos.computers.find('cmp_a')).toEqual({
        id: 'cmp_a',
        credentialHash: 'hash-a',
        ...inventory,
        enrolledAt: 1_000,
        lastSeenAt: null,
        reportSeq: 0,
        reimagedAt: null,
        reimageCount: 0,
        revokedAt: null,
        revokedBy: null,
        scannedAt: null,
        packagesHash: null,
        inventoryHash: null,
        reportedSite: null,
        siteSource: null,
        siteRule: null,
        seenAddress: null,
      });

      await repos.computers.reimage('cmp_a', 'hash-b', { ...inventory, freeDiskMB: 12.5 }, 2_000);
      const reimaged = await repos.computers.findByCredentialHash('hash-b');
      expect(reimaged).toMatchObject({
        freeDiskMB: 12.5,
        lastSeenAt: 2_000,
        reimagedAt: 2_000,
        reimageCount: 1,
      });
      await repos.computers.recordCheckin('cmp_a', null, 3_000);
      expect((await repos.computers.find('cmp_a'))?.lastSeenAt).toBe(3_000);
    });

    it('gives an update back with its manifest parsed and its files sized in numbers', async () => {
      const manifest = updateManifest.parse(manifestFactory());
      const files = [{ path: 'install.sh', sha256: 'a'.repeat(64), size: 146 }];
      await repos.blobs.record(files[0]!.sha256, 146, 1_000);
      expect(
        await repos.updates.insert({
          id: manifest.id,
          manifest,
          contentHash: 'h',
          createdAt: 5,
          files,
        }),
      ).toBe(true);
      // A fresh repository reads from the database, not from the one that inserted.
      const found = await createRepositories(store.db).updates.find(manifest.id);
      expect(found).toEqual({
        id: manifest.id,
        title: manifest.title,
        severity: manifest.severity,
        classification: manifest.classification,
        manifest,
        contentHash: 'h',
        createdAt: 5,
        files,
      });
      const listed = await createRepositories(store.db).updates.page(
        {},
        { limit: 50, sort: 'createdAt', order: 'desc' },
      );
      expect(listed.items.find((u) => u.id === manifest.id)?.manifest.install.timeoutSeconds).toBe(
        300,
      );
    });

    it('gives a group back with parsed windows, its policy or null, and a numeric count', async () => {
      await repos.groups.insert({ id: 'grp_p', name: 'pilot', query: null, createdAt: 7 });
      const window = { cron: '0 1 * * 6', durationMinutes: 240, timezone: 'UTC' };
      await repos.groups.setWindows('grp_p', [window]);
      await repos.groups.addMembers('grp_p', ['cmp_a']);
      expect(await repos.groups.findByName('pilot')).toEqual({
        id: 'grp_p',
        name: 'pilot',
        query: null,
        windows: [window],
        policy: null,
        ownerEmail: null,
        createdAt: 7,
        memberCount: 1,
      });
      await repos.groups.setOwnerEmail('grp_p', 'pilots@example.test');
      expect((await repos.groups.findByName('pilot'))?.ownerEmail).toBe('pilots@example.test');
      await repos.groups.setPolicy('grp_p', 'notify');
      expect((await repos.groups.groupsOf('cmp_a')).map((g) => [g.name, g.policy])).toEqual([
        ['pilot', 'notify'],
      ]);
      await repos.groups.setPolicy('grp_p', null);
      expect((await repos.groups.list()).find((g) => g.id === 'grp_p')?.policy).toBeNull();
    });

    it('gives an enrollment token back camelCase, with its group name', async () => {
      await repos.enrollments.insert({
        id: 'enr_1',
        tokenHash: 'th',
        groupId: 'grp_p',
        expiresAt: 10_000,
        usesLeft: 1,
        createdAt: 9,
      });
      expect(await repos.enrollments.consume('enr_1', 9_000)).toBe(true);
      expect(await repos.enrollments.findByHash('th')).toEqual({
        id: 'enr_1',
        tokenHash: 'th',
        groupId: 'grp_p',
        groupName: 'pilot',
        expiresAt: 10_000,
        usesLeft: 0,
        uses: 1,
        createdAt: 9,
        revokedAt: null,
        revokedBy: null,
      });
      await repos.enrollments.revoke('enr_1', 'ops', 9_500);
      await repos.enrollments.revoke('enr_1', 'someone later', 9_600);
      expect(await repos.enrollments.find('enr_1')).toMatchObject({
        revokedAt: 9_500,
        revokedBy: 'ops',
      });
    });

    it('keeps absences in the absences table, newest first, and each computer’s latest', async () => {
      const absence = (id: string, from: number, to: number) => ({
        id,
        computerId: 'cmp_a',
        kind: 'agent-stopped' as const,
        from,
        to,
        detail: null,
        receivedAt: to + 1,
      });
      await repos.absences.add([absence('abs_1', 100, 200), absence('abs_2', 300, 400)]);
      expect((await repos.absences.forComputer('cmp_a')).map((a) => a.id)).toEqual([
        'abs_2',
        'abs_1',
      ]);
      expect((await repos.absences.latest(['cmp_a'])).get('cmp_a')).toEqual(
        absence('abs_2', 300, 400),
      );
      const rows = await store.db.selectFrom('absences').select('id').execute();
      expect(rows).toHaveLength(2);
    });

    it('gives a token back camelCase', async () => {
      await repos.tokens.insert({
        id: 'tok_1',
        name: 'first',
        tokenHash: 'tk',
        role: 'admin',
        createdAt: 11,
      });
      expect(await repos.tokens.findByHash('tk')).toEqual({
        id: 'tok_1',
        name: 'first',
        tokenHash: 'tk',
        role: 'admin',
        createdAt: 11,
        userId: null,
        kind: 'api',
        expiresAt: null,
        revokedAt: null,
        revokedBy: null,
      });
    });

    it('gives a user back camelCase, with its group scope as an array', async () => {
      const user = {
        id: 'usr_1',
        name: 'alice',
        displayName: 'Alice',
        email: null,
        role: 'operator',
        groupScope: ['tokyo'],
        passwordHash: null,
        disabledAt: null,
        disabledBy: null,
        createdAt: 12,
      };
      expect(await repos.users.insert(user)).toBe(true);
      expect(await repos.users.insert({ ...user, id: 'usr_2' })).toBe(false);
      expect(await repos.users.findByName('alice')).toEqual(user);
      await repos.users.update('usr_1', { groupScope: null, disabled: { at: 13, by: 'bob' } });
      expect(await repos.users.find('usr_1')).toMatchObject({
        groupScope: null,
        disabledAt: 13,
        disabledBy: 'bob',
      });
    });
  });
}

for (const engine of ENGINES) {
  describe(`migrating a database of the previous release on ${engine}`, () => {
    it('keeps what computer_events held as absences, and gives old groups no policy', async () => {
      const database = await freshDatabase(engine);
      const store = openTestStore(database);
      try {
        const migrator = createMigrator(store.db, database.schema);
        const before = await migrator.migrateTo('2026-11-25-0002-phased-rollout');
        expect(before.error).toBeUndefined();
        await sql`insert into computers (id, credential_hash, hostname, os, os_version, arch, hardware_id, free_disk_mb, agent_version, ip_addresses, enrolled_at) values ('cmp_old', 'h', 'old', 'linux', '6', 'x64', 'hw', 1, '0.1.0', '[]', 1)`.execute(
          store.db,
        );
        await sql`insert into computer_events (id, computer_id, kind, from_at, to_at, detail, received_at) values ('cev_1', 'cmp_old', 'offline', 10, 20, 'gone', 21)`.execute(
          store.db,
        );
        await sql`insert into groups (id, name, query, created_at) values ('grp_old', 'old', null, 1)`.execute(
          store.db,
        );

        expect(await migrateToLatest(store.db, database.schema)).toEqual(
          expect.arrayContaining(['2026-12-02-0001-group-policy', '2026-12-02-0002-absences']),
        );
        const repos = createRepositories(store.db);
        expect(await repos.absences.forComputer('cmp_old')).toEqual([
          {
            id: 'cev_1',
            computerId: 'cmp_old',
            kind: 'offline',
            from: 10,
            to: 20,
            detail: 'gone',
            receivedAt: 21,
          },
        ]);
        expect((await repos.groups.findByName('old'))?.policy).toBeNull();
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}

describe('migrating two PostgreSQL schemas of one database', () => {
  it('creates the migration tables in the second schema although the first has them', async () => {
    const first = await freshDatabase('postgres');
    const second = await freshDatabase('postgres');
    const stores = [openTestStore(first), openTestStore(second)];
    try {
      await migrateToLatest(stores[0]!.db, first.schema);
      const applied = await migrateToLatest(stores[1]!.db, second.schema);
      expect(applied).toContain('2026-11-25-0001-foundation');
      expect(await createRepositories(stores[1]!.db).tokens.count()).toBe(0);
    } finally {
      for (const store of stores) await store.close();
      await first.drop();
      await second.drop();
    }
  });
});
