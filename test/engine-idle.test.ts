import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

type Deployment = {
  id: string;
  state: string;
  phases: { name: string; openedAt: string | null }[];
};

const second = 1000;
const minute = 60 * second;

/** Counts every row the database updates in `deployments`, whichever code path writes it. */
async function countDeploymentWrites(server: TestServer): Promise<() => Promise<number>> {
  const db = server.store.db;
  await sql`create table deployment_writes (n integer not null)`.execute(db);
  await sql`insert into deployment_writes values (0)`.execute(db);
  if (server.store.postgres) {
    await sql
      .raw(
        `create function count_deployment_write() returns trigger language plpgsql as
         $$ begin update deployment_writes set n = n + 1; return null; end $$`,
      )
      .execute(db);
    await sql`create trigger count_deployment_writes after update on deployments
      for each row execute function count_deployment_write()`.execute(db);
  } else {
    await sql`create trigger count_deployment_writes after update on deployments
      begin update deployment_writes set n = n + 1; end`.execute(db);
  }
  return async () => {
    const { rows } = await sql<{ n: number }>`select n from deployment_writes`.execute(db);
    return Number(rows[0]?.n);
  };
}

for (const engine of ENGINES) {
  describe(`the engine on ${engine} sleeps when nothing is due, in virtual time`, () => {
    let server: TestServer;
    let now = Date.parse('2026-06-01T00:00:00Z');
    let fleet: ReturnType<typeof fleetDriver>;
    const tick = () => server.services.engine.run();

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: 0 });
      fleet = fleetDriver(server, () => now);
    });
    afterAll(async () => {
      await server.stop();
    });

    // 100 deployments and 600 ticks: a generous bound, as a busy machine may take 30 s.
    it(
      '100 idle deployments cost no deployment-row writes for 10 minutes; a report or an action moves one at the next tick',
      { timeout: 180_000 },
      async () => {
        const manifest = manifestFactory();
        await fleet.importUpdate(manifest);
        await fleet.admin('POST', '/api/v1/groups', { name: 'fleet' });
        const computers = await fleet.enroll(2, 'fleet', 'idle');
        const ids = computers.map((c) => c.computerId);
        const plan = {
          phases: [
            { name: 'pilot', percent: 50 },
            { name: 'broad', percent: 100 },
          ],
          soakSeconds: 0,
        };
        const deploy = async (i: number, extra: object = {}) => {
          await fleet.admin('POST', '/api/v1/groups', { name: `g-${i}` });
          await fleet.admin('POST', `/api/v1/groups/g-${i}/members`, { computers: ids });
          const res = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
            update: manifest.id,
            group: `g-${i}`,
            plan: { ...plan, ...extra },
          });
          expect(res.status).toBe(201);
          return res.body;
        };
        // 60 wait for their pilot computer, 39 for an available time days away, and
        // one was halted before its first phase opened.
        const waiting: Deployment[] = [];
        for (let i = 0; i < 60; i++) waiting.push(await deploy(i));
        for (let i = 60; i < 99; i++) {
          await deploy(i, { availableAt: new Date(now + 3 * 86_400 * second).toISOString() });
        }
        const halted = await deploy(99);
        const halt = await fleet.admin<Deployment>(
          'POST',
          `/api/v1/deployments/${halted.id}/halt`,
          {
            reason: 'not yet',
          },
        );
        expect(halt.body.state).toBe('halted'); // the request answers the change it made
        await tick();
        await tick();

        const writes = await countDeploymentWrites(server);
        for (let t = 0; t <= 10 * minute; t += 5 * second) {
          now += 5 * second;
          await tick(); // the first tick after 10 minutes is a safety-net sweep too
        }
        expect(await writes()).toBe(0);

        // A report: a pilot computer installs; the next tick opens broad where it reported.
        const reporter = computers[0];
        if (!reporter) throw new Error('no computer');
        const [assignment] = (await fleet.checkin(reporter)).assignments;
        if (!assignment) throw new Error('the pilot computer was told nothing');
        const moved = assignment.deploymentId;
        expect(waiting.map((d) => d.id)).toContain(moved);
        await fleet.report(reporter, manifest.id, moved, 'installed', { exitCode: 0 });
        const show = async (id: string) =>
          (await fleet.admin<Deployment>('GET', `/api/v1/deployments/${id}`)).body;
        expect((await show(moved)).phases[1]?.openedAt).toBeNull();
        now += second;
        await tick();
        expect((await show(moved)).phases[1]?.openedAt).not.toBeNull();

        // An action: resume; the next tick opens the first phase.
        const resumed = await fleet.admin<Deployment>(
          'POST',
          `/api/v1/deployments/${halted.id}/resume`,
          {},
        );
        expect(resumed.body.state).toBe('active');
        expect(resumed.body.phases[0]?.openedAt).toBeNull();
        now += second;
        await tick();
        expect((await show(halted.id)).phases[0]?.openedAt).not.toBeNull();
      },
    );
  });
}
