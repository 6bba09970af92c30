import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { smtpMailer } from '../src/server/announce/mailer.js';
import { createServer, type RunningServer } from '../src/server/server.js';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES, freshDatabase, type TestDatabase } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startMailSink } from './support/mail.js';
import { ADMIN_TOKEN, type TestServer } from './support/test-server.js';

/** A free loopback port with nothing listening on it (yet). */
async function freePort(): Promise<number> {
  const probe = createHttpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

for (const engine of ENGINES) {
  describe(`deliveries across a restart on ${engine}`, () => {
    it('sends after the restart what failed before it: the webhook delivery and the e-mail', async () => {
      const database: TestDatabase = await freshDatabase(engine);
      let now = Date.parse('2026-06-01T00:00:00Z');
      const smtpPort = await freePort();
      const hookPort = await freePort();
      const start = (port: number) =>
        createServer({
          dataDir: database.dataDir,
          databaseUrl: database.databaseUrl,
          databaseSchema: database.schema,
          adminTokenFromEnv: ADMIN_TOKEN,
          clock: { now: () => now },
          engineIntervalMs: 0,
          announce: {
            mailer: smtpMailer({
              host: '127.0.0.1',
              port,
              secure: false,
              requireTls: false,
              from: 'ringmaster@example.test',
            }),
            admins: ['ops@example.test'],
            defaultTimeZone: 'UTC',
            reminderBeforeSeconds: 3600,
            intervalMs: 0,
          },
        });
      const asTest = (s: RunningServer) =>
        ({
          ...s,
          adminHeaders: { authorization: `Bearer ${ADMIN_TOKEN}` },
          dataDir: database.dataDir,
          stop: () => s.close(),
        }) as TestServer;
      let first: RunningServer | null = await start(smtpPort);
      let second: RunningServer | null = null;
      const sink = await startMailSink();
      const received: string[] = [];
      const receiver = createHttpServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          received.push(body);
          res.writeHead(200).end();
        });
      });
      try {
        await first.app.ready();
        const fleet = fleetDriver(asTest(first), () => now);
        await fleet.admin('POST', '/api/v1/groups', { name: 'lab' });
        const hook = await fleet.admin('POST', '/api/v1/webhooks', {
          url: `http://127.0.0.1:${hookPort}/hook`,
          secret: 'a-secret-for-the-restart-test',
        });
        expect(hook.status).toBe(201);
        const manifest = manifestFactory();
        await fleet.importUpdate(manifest);
        await fleet.admin('POST', '/api/v1/deployments', {
          update: manifest.id,
          group: 'lab',
          plan: { phases: [{ name: 'all', percent: 100 }] },
        });
        // Nothing listens yet: both fail once and stay queued in the database.
        await first.services.announcer.run();
        const queued = await fleet.admin<{ items: { state: string; attempts: number }[] }>(
          'GET',
          '/api/v1/notifications',
        );
        expect(queued.body.items).toEqual([
          expect.objectContaining({ state: 'queued', attempts: 1 }),
        ]);
        await first.close();
        first = null;

        // Both peers up; a new server process on the same database, 30 s later.
        await new Promise<void>((r) => receiver.listen(hookPort, '127.0.0.1', r));
        now += 30_000;
        second = await start(sink.port);
        await second.app.ready();
        await second.services.announcer.run();
        expect(received).toHaveLength(1);
        expect(JSON.parse(received[0] ?? '{}')).toMatchObject({ type: 'created' });
        const [mail] = await sink.to('ops@example.test');
        expect(mail?.subject).toContain(manifest.id);
        // And nothing is sent twice.
        now += 3_600_000;
        await second.services.announcer.run();
        expect(received).toHaveLength(1);
        expect(sink.mails).toHaveLength(1);
      } finally {
        await first?.close();
        await second?.close();
        await sink.close();
        await new Promise<void>((r) => receiver.close(() => r()));
        await database.drop();
      }
    });
  });
}
