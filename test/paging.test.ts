import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './support/engines.js';
import { injectChecked } from './support/declared-response.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { inventoryFactory, manifestFactory } from './factories/update.factory.js';
import type { NewComputer } from '../src/store/computer.repository.js';
import type { createRepositories } from '../src/store/repositories.js';

/** Every list is paged by keyset: the same rows once each, filters and sorts on both engines. */

type Page<T> = { items: T[]; nextCursor: string | null; total: number };
type Computer = {
  id: string;
  hostname: string;
  os: string;
  site: string | null;
  health: { state: string };
};

const NOW = Date.now();
const HOUR = 3_600_000;
const id = (i: number) => `cmp_${String(i).padStart(4, '0')}`;

/** 120 computers: hostnames repeat (ties break by id), three OSes, two sites, mixed health. */
function fleet(from: number, count: number): NewComputer[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      ...inventoryFactory({
        hostname: `host${String(i % 50).padStart(3, '0')}`,
        os: ['linux', 'windows', 'macos'][i % 3] as 'linux',
        site: i % 2 === 0 ? 'tokyo' : 'osaka',
      }),
      id: id(i),
      credentialHash: `hash-${i}`,
      enrolledAt: NOW - i * 1000,
      // Every 4th never seen, every 4th + 1 seen a day ago (offline), the rest just now.
      lastSeenAt: i % 4 === 0 ? null : i % 4 === 1 ? NOW - 24 * HOUR : NOW,
    };
  });
}

for (const engine of ENGINES) {
  describe(`paged lists on ${engine}`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(engine);
      const { createRepositories } = await import('../src/store/repositories.js');
      await createRepositories(server.store.db).computers.insertMany(fleet(0, 120));
    });
    afterAll(async () => {
      await server.stop();
    });

    const admin = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      injectChecked(server.app, {
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload }),
      });

    async function page<T>(url: string): Promise<Page<T>> {
      const res = await admin('GET', url);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Page<T>>();
    }

    /** Every page of a list, `limit` rows at a time; `between` runs before each next page. */
    async function walk<T>(url: string, limit: number, between?: () => Promise<void>) {
      const items: T[] = [];
      const sep = url.includes('?') ? '&' : '?';
      let cursor: string | null = null;
      let pages = 0;
      do {
        const next: Page<T> = await page<T>(
          `${url}${sep}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        );
        expect(next.items.length).toBeLessThanOrEqual(limit);
        items.push(...next.items);
        cursor = next.nextCursor;
        pages += 1;
        if (cursor !== null && between) await between();
      } while (cursor !== null);
      return { items, pages };
    }

    it('answers the first page with the total and a cursor', async () => {
      const first = await page<Computer>('/api/v1/computers');
      expect(first.items).toHaveLength(50);
      expect(first.total).toBe(120);
      expect(first.nextCursor).toEqual(expect.any(String));
    });

    for (const sort of ['hostname', 'id', 'enrolledAt', 'os'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        it(`walks every computer exactly once, sorted by ${sort} ${order}`, async () => {
          const { items, pages } = await walk<Computer & { enrolledAt: string }>(
            `/api/v1/computers?sort=${sort}&order=${order}`,
            7,
          );
          expect(pages).toBe(Math.ceil(120 / 7));
          const ids = items.map((c) => c.id);
          expect(new Set(ids).size).toBe(120);
          expect(ids).toHaveLength(120);
          // Ordered by the sort field, ties by id, in the asked order.
          const key = (c: (typeof items)[number]) =>
            sort === 'enrolledAt' ? Date.parse(c.enrolledAt) : c[sort];
          const sign = order === 'asc' ? 1 : -1;
          for (let i = 1; i < items.length; i++) {
            const [a, b] = [items[i - 1], items[i]] as [
              (typeof items)[number],
              (typeof items)[number],
            ];
            const [ka, kb] = [key(a), key(b)];
            if (ka === kb) expect(sign * a.id.localeCompare(b.id)).toBeLessThan(0);
            else if (typeof ka === 'number')
              expect(sign * ((kb as number) - ka)).toBeGreaterThan(0);
            else expect(sign * ka.localeCompare(kb as string)).toBeLessThan(0);
          }
        });
      }
    }

    it('keeps its place while rows are inserted between pages (keyset, not offset)', async () => {
      const { createRepositories } = await import('../src/store/repositories.js');
      const repos = createRepositories(server.store.db);
      let next = 1000;
      const before = new Set(
        (await walk<Computer>('/api/v1/computers?sort=id', 500)).items.map((c) => c.id),
      );
      // Before each page, a computer sorts ahead of every row (cmp_0000a…) and one after.
      const { items } = await walk<Computer>('/api/v1/computers?sort=id', 9, async () => {
        const [a, b] = fleet(next, 2) as [NewComputer, NewComputer];
        await repos.computers.insertMany([
          { ...a, id: `cmp_0000a${next}` },
          { ...b, id: `cmp_9${next}` },
        ]);
        next += 2;
      });
      const ids = items.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const seen of before) expect(ids).toContain(seen);
      // Rows inserted behind the cursor are not seen; those ahead of it are.
      expect(ids.filter((i) => i.startsWith('cmp_0000a'))).toEqual([]);
      expect(ids.filter((i) => i.startsWith('cmp_9')).length).toBeGreaterThan(0);
    });

    it('filters computers by os, site, health, text and group, with totals', async () => {
      const onlyFleet = (p: Page<Computer>) => p.items.filter((c) => /^cmp_\d{4}$/.test(c.id));
      const linux = await page<Computer>('/api/v1/computers?os=linux&limit=500');
      expect(onlyFleet(linux)).toHaveLength(40);
      expect(linux.items.every((c) => c.os === 'linux')).toBe(true);
      const tokyoLinux = await page<Computer>('/api/v1/computers?os=linux&site=tokyo&limit=500');
      expect(onlyFleet(tokyoLinux)).toHaveLength(20);
      const never = await page<Computer>('/api/v1/computers?health=never-seen&limit=500');
      expect(onlyFleet(never)).toHaveLength(30);
      expect(never.items.every((c) => c.health.state === 'never-seen')).toBe(true);
      const offline = await page<Computer>('/api/v1/computers?health=offline&limit=500');
      expect(onlyFleet(offline)).toHaveLength(30);
      expect(offline.items.every((c) => c.health.state === 'offline')).toBe(true);
      const online = await page<Computer>('/api/v1/computers?health=online&limit=500');
      expect(online.items.every((c) => c.health.state === 'online')).toBe(true);
      // host007 is computers 7, 57 and 107; `HOST007` matches in any case.
      // (the computers the keyset test inserted have ids of another shape).
      const host = await page<Computer>('/api/v1/computers?q=HOST007');
      expect(
        onlyFleet(host)
          .map((c) => c.id)
          .sort(),
      ).toEqual([id(7), id(57), id(107)]);
      expect(host.total).toBe(host.items.length);
      const byId = await page<Computer>('/api/v1/computers?q=CMP_0107');
      expect(byId.items.map((c) => c.id)).toEqual([id(107)]);
      // LIKE wildcards in the text are taken literally.
      expect((await page<Computer>('/api/v1/computers?q=%25')).total).toBe(0);
      expect((await page<Computer>('/api/v1/computers?q=_')).total).toBeGreaterThan(0);

      expect((await admin('POST', '/api/v1/groups', { name: 'few' })).statusCode).toBe(201);
      const added = await admin('POST', '/api/v1/groups/few/members', {
        computers: [id(3), id(4), id(5)],
      });
      expect(added.statusCode).toBe(200);
      const members = await walk<Computer>('/api/v1/computers?group=few', 2);
      expect(members.items.map((c) => c.id).sort()).toEqual([id(3), id(4), id(5)]);
      const none = await page<Computer>('/api/v1/computers?group=nobody');
      expect(none).toEqual({ items: [], nextCursor: null, total: 0 });
    });

    it('matches text in any case and takes % and _ literally, in hostnames stored in mixed case', async () => {
      const { createRepositories } = await import('../src/store/repositories.js');
      const [a, b, c] = fleet(9000, 3) as [NewComputer, NewComputer, NewComputer];
      await createRepositories(server.store.db).computers.insertMany([
        { ...a, id: 'mix-a', hostname: 'Web-Box_01' },
        { ...b, id: 'mix-b', hostname: 'webXbox101' },
        { ...c, id: 'mix-c', hostname: 'Sale50%Off' },
      ]);
      const ids = async (q: string) =>
        (await page<Computer>(`/api/v1/computers?q=${encodeURIComponent(q)}`)).items
          .map((x) => x.id)
          .filter((x) => x.startsWith('mix-'))
          .sort();
      expect(await ids('WEB-BOX')).toEqual(['mix-a']);
      expect(await ids('web-box')).toEqual(['mix-a']);
      expect(await ids('wEbXbOx')).toEqual(['mix-b']);
      // As wildcards, `box_0` would match `box10` and `50%off` `50…off` in any hostname.
      expect(await ids('box_0')).toEqual(['mix-a']);
      expect(await ids('box_')).toEqual(['mix-a']);
      expect(await ids('50%OFF')).toEqual(['mix-c']);
      expect(await ids('e50%o')).toEqual(['mix-c']);
      expect(await ids('b%1')).toEqual([]);
      expect(await ids('MIX-C')).toEqual(['mix-c']);
    });

    it('refuses a bad limit, sort, order, filter or cursor with a 400 naming the field', async () => {
      const fieldOf = async (url: string) => {
        const res = await admin('GET', url);
        expect(res.statusCode, url).toBe(400);
        return res
          .json<{ details: { issues: { field: string }[] } }>()
          .details.issues.map((i) => i.field);
      };
      expect(await fieldOf('/api/v1/computers?limit=0')).toEqual(['limit']);
      expect(await fieldOf('/api/v1/computers?limit=501')).toEqual(['limit']);
      expect(await fieldOf('/api/v1/computers?limit=ten')).toEqual(['limit']);
      expect(await fieldOf('/api/v1/computers?limit=1.5')).toEqual(['limit']);
      expect(await fieldOf('/api/v1/computers?sort=ram')).toEqual(['sort']);
      expect(await fieldOf('/api/v1/computers?order=up')).toEqual(['order']);
      expect(await fieldOf('/api/v1/computers?health=sleepy')).toEqual(['health']);
      expect(await fieldOf('/api/v1/computers?cursor=not-a-cursor')).toEqual(['cursor']);
      expect(
        await fieldOf(`/api/v1/computers?cursor=${btoa('{"s":"id","o":"asc","k":[{}]}')}`),
      ).toEqual(['cursor']);
      const byHost = await page<Computer>('/api/v1/computers?limit=5');
      const cursor = encodeURIComponent(byHost.nextCursor ?? '');
      // A cursor made for one sort is refused with another.
      expect(await fieldOf(`/api/v1/computers?sort=id&cursor=${cursor}`)).toEqual(['cursor']);
      expect(await fieldOf(`/api/v1/computers?order=desc&cursor=${cursor}`)).toEqual(['cursor']);
      expect(await fieldOf('/api/v1/updates?sort=size')).toEqual(['sort']);
      expect(await fieldOf('/api/v1/deployments?limit=-1')).toEqual(['limit']);
      expect(await fieldOf('/api/v1/groups?cursor=x')).toEqual(['cursor']);
      expect(await fieldOf('/api/v1/enrollments?order=sideways')).toEqual(['order']);
      expect(await fieldOf('/api/v1/reimage-requests?state=maybe')).toEqual(['state']);
    });

    it('pages groups, enrollments and re-image requests the same way', async () => {
      for (let i = 0; i < 5; i++) {
        expect((await admin('POST', '/api/v1/groups', { name: `g${i}` })).statusCode).toBe(201);
        expect((await admin('POST', '/api/v1/enrollments', {})).statusCode).toBe(201);
      }
      const groups = await walk<{ name: string }>('/api/v1/groups', 2);
      const names = groups.items.map((g) => g.name);
      expect(names).toEqual(expect.arrayContaining(['g0', 'g1', 'g2', 'g3', 'g4', 'few']));
      expect(new Set(names).size).toBe(names.length);
      const desc = await walk<{ name: string }>('/api/v1/groups?order=desc', 3);
      expect(desc.items.map((g) => g.name)).toEqual([...names].reverse());
      const tokens = await walk<{ id: string; createdAt: string }>('/api/v1/enrollments', 2);
      expect(tokens.items).toHaveLength(5);
      expect(new Set(tokens.items.map((t) => t.id)).size).toBe(5);
      const times = tokens.items.map((t) => Date.parse(t.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(await page('/api/v1/reimage-requests?state=pending')).toEqual({
        items: [],
        nextCursor: null,
        total: 0,
      });
    });
  });
}

for (const engine of ENGINES) {
  describe(`paged lists on ${engine}: the total is counted once per walk`, () => {
    let server: TestServer;
    let repos: ReturnType<typeof createRepositories>;

    beforeAll(async () => {
      server = await startTestServer(engine);
      const repositories = await import('../src/store/repositories.js');
      repos = repositories.createRepositories(server.store.db);
      await repos.computers.insertMany(fleet(0, 120));
    });
    afterAll(async () => {
      await server.stop();
    });

    async function page<T>(url: string): Promise<Page<T>> {
      const res = await injectChecked(server.app, {
        method: 'GET',
        url,
        headers: server.adminHeaders,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Page<T>>();
    }
    const after = (url: string, cursor: string | null) =>
      `${url}${url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor ?? '')}`;

    it('the pages after the first carry its total; a new walk counts again', async () => {
      const first = await page<Computer>('/api/v1/computers?limit=50');
      expect(first.total).toBe(120);
      await repos.computers.insertMany(fleet(5000, 2));
      const second = await page<Computer>(after('/api/v1/computers?limit=50', first.nextCursor));
      expect(second.items).toHaveLength(50);
      // What matched when the walk began, not a second count.
      expect(second.total).toBe(120);
      const again = await page<Computer>('/api/v1/computers?limit=50');
      expect(again.total).toBe(122);
      // A first page that is the whole list counts itself.
      const all = await page<Computer>('/api/v1/computers?limit=500');
      expect(all).toMatchObject({ nextCursor: null, total: 122 });
      expect(all.items).toHaveLength(122);
      const linux = await page<Computer>('/api/v1/computers?os=linux&limit=500');
      expect(linux.total).toBe(linux.items.length);
    });

    it('refuses a cursor whose total is not a count', async () => {
      for (const t of [-1, 1.5, '"12"']) {
        const cursor = Buffer.from(`{"s":"hostname","o":"asc","k":["a","b"],"t":${t}}`).toString(
          'base64url',
        );
        const res = await injectChecked(server.app, {
          method: 'GET',
          url: `/api/v1/computers?cursor=${cursor}`,
          headers: server.adminHeaders,
        });
        expect(res.statusCode).toBe(400);
        expect(res.json<{ details: { issues: { field: string }[] } }>().details.issues).toEqual([
          expect.objectContaining({ field: 'cursor' }),
        ]);
      }
    });

    it('pages a large group from the sort index: every member once, in order, with its size as total', async () => {
      await repos.computers.insertMany(fleet(1000, 1100));
      await repos.groups.insert({ id: 'grp_big', name: 'big', query: null, createdAt: NOW });
      // Computers 0–119 and 1000–2099 minus every 11th: 1,200+ members, over the threshold.
      const ids = [
        ...Array.from({ length: 120 }, (_, i) => i),
        ...Array.from({ length: 1100 }, (_, k) => 1000 + k),
      ]
        .filter((i) => i % 11 !== 0)
        .map(id);
      await repos.groups.addMembers('grp_big', ids);
      for (const [sort, order] of [
        ['hostname', 'asc'],
        ['enrolledAt', 'desc'],
      ] as const) {
        const url = `/api/v1/computers?group=big&sort=${sort}&order=${order}&limit=200`;
        const seen: Computer[] = [];
        let cursor: string | null = null;
        do {
          const next: Page<Computer> = await page<Computer>(
            cursor === null ? url : after(url, cursor),
          );
          expect(next.total).toBe(ids.length);
          seen.push(...next.items);
          cursor = next.nextCursor;
        } while (cursor !== null);
        expect(seen.map((c) => c.id).sort()).toEqual([...ids].sort());
        if (sort === 'hostname') {
          const keys = seen.map((c) => `${c.hostname} ${c.id}`);
          expect(keys).toEqual([...keys].sort());
        }
      }
      // With another filter the total is counted, over the members that match it.
      const linux = await page<Computer>('/api/v1/computers?group=big&os=linux&limit=500');
      const linuxMembers = ids.filter((c) => Number(c.slice(4)) % 3 === 0);
      expect(linux.total).toBe(linuxMembers.length);
      expect(linux.items.map((c) => c.id).sort()).toEqual([...linuxMembers].sort());
    });
  });
}

for (const engine of ENGINES) {
  describe(`paged lists on ${engine}: updates, deployments and groups filtered by the server`, () => {
    let server: TestServer;

    const admin = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      injectChecked(server.app, {
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload }),
      });
    async function page<T>(url: string): Promise<Page<T>> {
      const res = await admin('GET', url);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Page<T>>();
    }
    /** Every row of a list, `limit` at a time, in the order the server gives. */
    async function walk<T>(url: string, limit: number): Promise<T[]> {
      const items: T[] = [];
      let cursor: string | null = null;
      do {
        const sep = url.includes('?') ? '&' : '?';
        const next: Page<T> = await page<T>(
          `${url}${sep}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        );
        items.push(...next.items);
        cursor = next.nextCursor;
      } while (cursor !== null);
      return items;
    }
    const fieldsOf = async (url: string) => {
      const res = await admin('GET', url);
      expect(res.statusCode, url).toBe(400);
      return res
        .json<{ details: { issues: { field: string }[] } }>()
        .details.issues.map((i) => i.field);
    };
    const upd = (i: number) => `UPD-${String(i).padStart(2, '0')}`;

    beforeAll(async () => {
      server = await startTestServer(engine);
      const { createRepositories } = await import('../src/store/repositories.js');
      await createRepositories(server.store.db).computers.insertMany(fleet(0, 6));
      // 12 updates: even ones a critical security kernel fix, odd ones a low driver patch.
      for (let i = 0; i < 12; i++) {
        const even = i % 2 === 0;
        const manifest = manifestFactory({
          id: upd(i),
          title: even ? `Kernel fix ${i}` : `Printer patch ${i}`,
          severity: even ? 'critical' : 'low',
          classification: even ? 'security' : 'driver',
          files: [],
          install: { command: 'true', timeoutSeconds: 60 },
          uninstall: undefined,
        });
        const created = await admin('POST', '/api/v1/updates', { manifest, files: [] });
        expect(created.statusCode, created.body).toBe(201);
      }
      // Groups: two static (one named paris-…), two by query.
      for (const g of [
        { name: 'paris-desks' },
        { name: 'tokyo-desks' },
        { name: 'paris-linux', query: 'os = "linux"' },
        { name: 'all-windows', query: 'os = "windows"' },
      ]) {
        const created = await admin('POST', '/api/v1/groups', g);
        expect(created.statusCode, created.body).toBe(201);
      }
      // Six deployments: UPD-00..05, the even ones to paris-linux, the odd to all-windows.
      for (let i = 0; i < 6; i++) {
        const created = await admin('POST', '/api/v1/deployments', {
          update: upd(i),
          group: i % 2 === 0 ? 'paris-linux' : 'all-windows',
        });
        expect(created.statusCode, created.body).toBe(201);
      }
    });
    afterAll(async () => {
      await server.stop();
    });

    it('filters updates by text, severity and classification, every page the same', async () => {
      type Update = { id: string; title: string; severity: string; classification: string };
      const kernel = await walk<Update>('/api/v1/updates?q=KERNEL', 2);
      expect(kernel.map((u) => u.id).sort()).toEqual([0, 2, 4, 6, 8, 10].map(upd));
      const byId = await page<Update>('/api/v1/updates?q=upd-1');
      expect(byId.items.map((u) => u.id).sort()).toEqual([10, 11].map(upd));
      const low = await walk<Update>('/api/v1/updates?severity=low&sort=title&order=asc', 4);
      expect(low.map((u) => u.title)).toEqual(
        [1, 3, 5, 7, 9, 11].map((i) => `Printer patch ${i}`).sort(),
      );
      const both = await page<Update>('/api/v1/updates?severity=critical&classification=driver');
      expect(both).toEqual({ items: [], nextCursor: null, total: 0 });
      const first = await page<Update>('/api/v1/updates?classification=security&limit=4');
      expect(first.total).toBe(6);
      expect(first.items).toHaveLength(4);
      expect(await fieldsOf('/api/v1/updates?severity=urgent')).toEqual(['severity']);
      expect(await fieldsOf('/api/v1/updates?classification=hotfix')).toEqual(['classification']);
      expect(await fieldsOf('/api/v1/updates?q=')).toEqual(['q']);
      expect(await fieldsOf('/api/v1/updates?q=a%00b')).toEqual(['q']);
    });

    it('filters deployments by text (its id or an update it carries), state and group', async () => {
      type Deployment = { id: string; updates: string[]; groups: string[]; state: string };
      const all = await walk<Deployment>('/api/v1/deployments', 4);
      expect(all).toHaveLength(6);
      const byUpdate = await walk<Deployment>('/api/v1/deployments?q=upd-03', 1);
      expect(byUpdate.map((d) => d.updates)).toEqual([[upd(3)]]);
      const someId = all[2]?.id ?? '';
      const byId = await page<Deployment>(`/api/v1/deployments?q=${someId.toUpperCase()}`);
      expect(byId.items.map((d) => d.id)).toEqual([someId]);
      const windows = await walk<Deployment>(
        '/api/v1/deployments?group=all-windows&sort=id&order=asc',
        2,
      );
      expect(windows.map((d) => d.updates[0]).sort()).toEqual([1, 3, 5].map(upd));
      expect(windows.map((d) => d.id)).toEqual(windows.map((d) => d.id).sort());
      expect((await page('/api/v1/deployments?group=nobody')).total).toBe(0);
      const active = await page<Deployment>('/api/v1/deployments?state=active&q=upd');
      expect(active.total).toBe(6);
      expect((await page('/api/v1/deployments?state=halted')).total).toBe(0);
      const mixed = await page<Deployment>('/api/v1/deployments?q=UPD-0&group=paris-linux');
      expect(mixed.items.map((d) => d.updates[0]).sort()).toEqual([0, 2, 4].map(upd));
      expect(await fieldsOf('/api/v1/deployments?state=paused')).toEqual(['state']);
      expect(await fieldsOf(`/api/v1/deployments?q=${'x'.repeat(201)}`)).toEqual(['q']);
      expect(await fieldsOf('/api/v1/deployments?group=a%00')).toEqual(['group']);
    });

    it('filters groups by text and kind, sorted either way', async () => {
      type Group = { name: string; kind: string };
      const paris = await walk<Group>('/api/v1/groups?q=PARIS', 1);
      expect(paris.map((g) => g.name)).toEqual(['paris-desks', 'paris-linux']);
      const query = await walk<Group>('/api/v1/groups?kind=query&order=desc', 1);
      expect(query.map((g) => g.name)).toEqual(['paris-linux', 'all-windows']);
      const staticParis = await page<Group>('/api/v1/groups?kind=static&q=paris');
      expect(staticParis).toMatchObject({ total: 1, items: [{ name: 'paris-desks' }] });
      const byCreated = await walk<Group>('/api/v1/groups?kind=static&sort=createdAt', 1);
      expect(byCreated.map((g) => g.name)).toEqual(['paris-desks', 'tokyo-desks']);
      // LIKE wildcards in the text are taken literally.
      expect((await page('/api/v1/groups?q=%25')).total).toBe(0);
      expect((await page('/api/v1/groups?q=s_d')).total).toBe(0);
      expect(await fieldsOf('/api/v1/groups?kind=dynamic')).toEqual(['kind']);
      expect(await fieldsOf('/api/v1/groups?q=%00')).toEqual(['q']);
    });
  });
}
