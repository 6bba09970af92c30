import { createHmac } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import ical from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpMailer } from '../src/server/announce/mailer.js';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startMailSink, type MailSink } from './support/mail.js';
import { startTestServer, type TestServer } from './support/test-server.js';

type Page<T> = { items: T[]; nextCursor: string | null; total: number };
type Notification = { id: string; recipient: string; kind: string; state: string; sendAt: string };
type Delivery = {
  state: string;
  attempts: number;
  lastStatus: number | null;
  nextAttemptAt: string;
};

/** The events of an .ics, parsed back with a calendar parser. */
function eventsOf(ics: string) {
  return Object.values(ical.sync.parseICS(ics)).filter(
    (c): c is ical.VEvent => c?.type === 'VEVENT',
  );
}

function icsOf(mail: { attachments: { contentType: string; content: Buffer }[] }): string {
  const a = mail.attachments.find((x) => x.contentType.startsWith('text/calendar'));
  if (!a) throw new Error('no calendar attachment');
  return a.content.toString('utf8');
}

for (const engine of ENGINES) {
  describe(`telling people the rollout schedule on ${engine}`, () => {
    // Friday 29 May 2026, noon UTC; the deployment is available on Saturday at 10:00 UTC.
    let now = Date.parse('2026-05-29T12:00:00Z');
    let server: TestServer;
    let sink: MailSink;
    let fleet: ReturnType<typeof fleetDriver>;

    beforeAll(async () => {
      sink = await startMailSink();
      server = await startTestServer(
        engine,
        { now: () => now },
        {
          engineIntervalMs: 0,
          announce: {
            mailer: smtpMailer({
              host: '127.0.0.1',
              port: sink.port,
              secure: false,
              requireTls: false,
              from: 'ringmaster@example.test',
            }),
            admins: ['ops@example.test'],
            defaultTimeZone: 'UTC',
            reminderBeforeSeconds: 3600,
            intervalMs: 0,
          },
        },
      );
      fleet = fleetDriver(server, () => now);
    });
    afterAll(async () => {
      await server.stop();
      await sink.close();
    });

    it('e-mails the admins and the owners at approval, with a calendar event in their time zone, and reminds them before the window', async () => {
      const { admin } = fleet;
      await admin('POST', '/api/v1/groups', { name: 'paris' });
      const windows = await admin('PUT', '/api/v1/groups/paris/windows', {
        windows: [{ cron: '30 16 * * *', durationMinutes: 600, timezone: 'Europe/Paris' }],
      });
      expect(windows.status).toBe(200);
      const owners = ['alice@example.test', 'bob@example.test', null];
      await fleet.enroll(3, 'paris', 'paris', (i) => ({ ownerEmail: owners[i] ?? null }));
      const manifest = manifestFactory({ title: 'Browser fix' });
      expect((await fleet.importUpdate(manifest)).status).toBe(201);

      const created = await admin<{ id: string }>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'paris',
        plan: { availableAt: '2026-05-30T10:00:00Z', phases: [{ name: 'all', percent: 100 }] },
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      await server.services.announcer.run();

      // Each owner: the first window after availability, 16:30 in Paris (14:30 UTC).
      const [alice] = await sink.to('alice@example.test');
      if (!alice) throw new Error('no mail to alice');
      expect(alice.subject).toContain(manifest.id);
      expect(alice.text).toContain('Leave your computer on overnight on 30 May from 16:30');
      expect(alice.text).toContain('Europe/Paris');
      expect(alice.html).toContain('<strong>What to do:</strong>');
      const [event] = eventsOf(icsOf(alice));
      expect(event?.start.toISOString()).toBe('2026-05-30T14:30:00.000Z');
      expect((event?.start as Date & { tz?: string }).tz).toBe('Europe/Paris');
      expect(icsOf(alice)).toMatch(/BEGIN:VTIMEZONE\r?\nTZID:Europe\/Paris/);
      expect(icsOf(alice)).toMatch(/BEGIN:VALARM[\s\S]*TRIGGER:-PT1H[\s\S]*END:VALARM/);
      await sink.to('bob@example.test');
      // The admins: the phase's opening, in their (default) time zone.
      const [ops] = await sink.to('ops@example.test');
      if (!ops) throw new Error('no mail to ops');
      expect(eventsOf(icsOf(ops))[0]?.start.toISOString()).toBe('2026-05-30T10:00:00.000Z');
      expect(ops.text).toContain('all (3 computers)');
      // Nobody else: the third computer has no owner's e-mail.
      expect(sink.mails).toHaveLength(3);

      const listed = await admin<Page<Notification>>(
        'GET',
        `/api/v1/notifications?deployment=${id}&sort=createdAt`,
      );
      expect(listed.body.total).toBe(6);
      const states = listed.body.items.map((n) => `${n.kind}:${n.state}`).sort();
      expect(states).toEqual([
        'approved:sent',
        'approved:sent',
        'approved:sent',
        'reminder:queued',
        'reminder:queued',
        'reminder:queued',
      ]);
      const aliceReminder = listed.body.items.find(
        (n) => n.kind === 'reminder' && n.recipient === 'alice@example.test',
      );
      expect(aliceReminder?.sendAt).toBe('2026-05-30T13:30:00.000Z');

      // Nothing more until an hour before each one's time: the phase opening for the
      // admins (10:00 UTC), the window for the owners (14:30 UTC).
      now = Date.parse('2026-05-30T08:59:00Z');
      await server.services.announcer.run();
      expect(sink.mails).toHaveLength(3);
      now = Date.parse('2026-05-30T09:00:00Z');
      await server.services.announcer.run();
      const opsMails = await sink.to('ops@example.test', 2);
      expect(opsMails[1]?.subject).toMatch(/^Reminder: /);
      expect(sink.mails).toHaveLength(4);
      now = Date.parse('2026-05-30T13:29:00Z');
      await server.services.announcer.run();
      expect(sink.mails).toHaveLength(4);
      now = Date.parse('2026-05-30T13:30:00Z');
      await server.services.announcer.run();
      const aliceMails = await sink.to('alice@example.test', 2);
      expect(aliceMails[1]?.subject).toMatch(/^Reminder: /);
      expect(aliceMails[1]?.text).toContain('16:30');
      await sink.to('bob@example.test', 2);
      expect(sink.mails).toHaveLength(6);

      const detail = await admin<{ ics: string; text: string }>(
        'GET',
        `/api/v1/notifications/${aliceReminder?.id}`,
      );
      expect(detail.status).toBe(200);
      expect(detail.body.text).toContain('Leave your computer on');
    });

    it("tells a group's owner e-mail the schedule of its computers that report none", async () => {
      const { admin } = fleet;
      await admin('POST', '/api/v1/groups', { name: 'lyon' });
      const bad = await admin<{ fields?: { field: string }[] }>(
        'PUT',
        '/api/v1/groups/lyon/owner-email',
        { ownerEmail: 'not an address' },
      );
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('ownerEmail');
      const set = await admin<{ ownerEmail: string | null }>(
        'PUT',
        '/api/v1/groups/lyon/owner-email',
        { ownerEmail: 'lyon-team@example.test' },
      );
      expect(set.body.ownerEmail).toBe('lyon-team@example.test');
      const owners = ['carol@example.test', null, null];
      await fleet.enroll(3, 'lyon', 'lyon', (i) => ({ ownerEmail: owners[i] ?? null }));
      const manifest = manifestFactory({ title: 'Lyon fix' });
      await fleet.importUpdate(manifest);
      await admin('POST', '/api/v1/deployments', { update: manifest.id, group: 'lyon' });
      await server.services.announcer.run();
      const [team] = await sink.to('lyon-team@example.test');
      expect(team?.subject).toContain(manifest.id);
      const [carol] = await sink.to('carol@example.test');
      expect(carol?.subject).toContain(manifest.id);
      // One message for the two computers without an owner of their own.
      expect(await sink.to('lyon-team@example.test')).toHaveLength(1);
      const cleared = await admin<{ ownerEmail: string | null }>(
        'PUT',
        '/api/v1/groups/lyon/owner-email',
        { ownerEmail: null },
      );
      expect(cleared.body.ownerEmail).toBeNull();
    });

    it("keeps the owner's e-mail the agent tells, changed at check-in, and refuses one that is not an address", async () => {
      await fleet.admin('POST', '/api/v1/groups', { name: 'owned' });
      const [c] = await fleet.enroll(1, 'owned', 'owned', () => ({
        ownerEmail: 'eve@example.test',
      }));
      if (!c) throw new Error('not enrolled');
      const shown = await fleet.admin<{ ownerEmail: string | null }>(
        'GET',
        `/api/v1/computers/${c.computerId}`,
      );
      expect(shown.body.ownerEmail).toBe('eve@example.test');
      c.inventory = { ...c.inventory, ownerEmail: 'eve.new@example.test' };
      await fleet.checkin(c);
      const changed = await fleet.admin<{ ownerEmail: string | null }>(
        'GET',
        `/api/v1/computers/${c.computerId}`,
      );
      expect(changed.body.ownerEmail).toBe('eve.new@example.test');
      const bad = await server.app.inject({
        method: 'POST',
        url: `/agent/v1/computers/${c.computerId}/checkin`,
        headers: { authorization: `Bearer ${c.credential}` },
        payload: { inventory: { ...c.inventory, ownerEmail: 'not an address' } },
      });
      expect(bad.statusCode).toBe(400);
      expect(
        bad.json<{ details: { issues: { field: string }[] } }>().details.issues[0]?.field,
      ).toBe('inventory.ownerEmail');
    });

    it('retries an e-mail the SMTP server refused, with backoff, and shows the error meanwhile', async () => {
      const { admin } = fleet;
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      sink.refuse(true);
      const before = sink.mails.length;
      const created = await admin<{ id: string }>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'paris',
        allowDuplicate: true,
        plan: { phases: [{ name: 'all', percent: 100 }] },
      });
      await server.services.announcer.run();
      const failed = await admin<Page<Notification & { lastError: string; attempts: number }>>(
        'GET',
        `/api/v1/notifications?deployment=${created.body.id}&kind=approved`,
      );
      expect(failed.body.items).toHaveLength(3);
      for (const n of failed.body.items) {
        expect(n).toMatchObject({ state: 'queued', attempts: 1 });
        expect(n.lastError).toMatch(/451/);
      }
      sink.refuse(false);
      await server.services.announcer.run();
      expect(sink.mails.length).toBe(before); // not due yet: the first retry is 30 s later
      now += 30_000;
      await server.services.announcer.run();
      await waitForMails(sink, before + 3);
      const sent = await admin<Page<Notification>>(
        'GET',
        `/api/v1/notifications?deployment=${created.body.id}&state=sent`,
      );
      expect(sent.body.total).toBe(3);
    });

    it('lets the admin edit a template, refusing a placeholder it does not know', async () => {
      const { admin } = fleet;
      const bad = await admin<{ details: { issues: { field: string; message: string }[] } }>(
        'PUT',
        '/api/v1/notification-templates/approved',
        { text: 'Hello {{hostname}}' },
      );
      expect(bad.status).toBe(400);
      expect(bad.body.details.issues[0]?.field).toBe('text');
      expect(bad.body.details.issues[0]?.message).toContain('{{hostname}}');

      const set = await admin<{ subject: string; custom: boolean; text: string }>(
        'PUT',
        '/api/v1/notification-templates/approved',
        { subject: 'Heads up: {{updates}} on {{when}}', html: '<p>{{schedule}}</p>' },
      );
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({
        subject: 'Heads up: {{updates}} on {{when}}',
        custom: true,
      });
      expect(set.body.text).toContain('What to do');

      const manifest = manifestFactory({ title: '<script>alert(1)</script>' });
      await fleet.importUpdate(manifest);
      const before = sink.mails.length;
      await admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'paris',
        allowDuplicate: true,
        plan: { phases: [{ name: 'all', percent: 100 }] },
      });
      await server.services.announcer.run();
      await waitForMails(sink, before + 3);
      const mail = sink.mails[sink.mails.length - 1];
      expect(mail?.subject).toMatch(/^Heads up: /);
      expect(mail?.text).toContain('<script>alert(1)</script>');

      const all = sink.mails.slice(before);
      expect(all.every((m) => !String(m.html).includes('<script>'))).toBe(true);

      const reset = await admin<{ custom: boolean; subject: string }>(
        'PUT',
        '/api/v1/notification-templates/approved',
        { reset: true },
      );
      expect(reset.body).toMatchObject({
        custom: false,
        subject: 'Planned: {{updates}} from {{when}}',
      });
      expect((await admin('GET', '/api/v1/notification-templates/weekly')).status).toBe(400);
    });

    it('POSTs deployment events to a webhook, signed, retried after a 500', async () => {
      const received: { headers: IncomingHttpHeaders; body: string }[] = [];
      let answer = 500;
      const receiver = createHttpServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(answer).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      try {
        const { admin } = fleet;
        const secret = 'a-shared-secret-of-the-receiver';
        const badUrl = await admin<{ details: { issues: { field: string }[] } }>(
          'POST',
          '/api/v1/webhooks',
          { url: 'ftp://example.test/', secret },
        );
        expect(badUrl.status).toBe(400);
        expect(badUrl.body.details.issues[0]?.field).toBe('url');
        const hook = await admin<{ id: string }>('POST', '/api/v1/webhooks', {
          url,
          secret,
          events: ['created'],
        });
        expect(hook.status).toBe(201);

        const manifest = manifestFactory();
        await fleet.importUpdate(manifest);
        const created = await admin<{ id: string }>('POST', '/api/v1/deployments', {
          update: manifest.id,
          group: 'paris',
          allowDuplicate: true,
          plan: { phases: [{ name: 'all', percent: 100 }] },
        });
        await server.services.announcer.run();
        expect(received).toHaveLength(1);
        let deliveries = await admin<Page<Delivery>>(
          'GET',
          `/api/v1/webhooks/${hook.body.id}/deliveries`,
        );
        expect(deliveries.body.items[0]).toMatchObject({
          state: 'queued',
          attempts: 1,
          lastStatus: 500,
        });
        const listed = await admin<Page<{ id: string; lastError: string | null }>>(
          'GET',
          '/api/v1/webhooks',
        );
        expect(listed.body.items.find((w) => w.id === hook.body.id)?.lastError).toBe('HTTP 500');

        answer = 204;
        now += 30_000;
        await server.services.announcer.run();
        expect(received).toHaveLength(2);
        deliveries = await admin<Page<Delivery>>(
          'GET',
          `/api/v1/webhooks/${hook.body.id}/deliveries`,
        );
        expect(deliveries.body.items[0]).toMatchObject({
          state: 'delivered',
          attempts: 2,
          lastStatus: 204,
        });

        // The receiver checks the signature over the raw body with the shared secret.
        for (const r of received) {
          const expected = `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;
          expect(r.headers['x-ringmaster-signature']).toBe(expected);
          expect(r.headers['x-ringmaster-event']).toBe('created');
        }
        expect(received[1]?.body).toBe(received[0]?.body);
        expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({
          type: 'created',
          deploymentId: created.body.id,
        });

        // A halt is not one of its events; once removed it is sent nothing.
        await admin('POST', `/api/v1/deployments/${created.body.id}/halt`, { reason: 'test' });
        await server.services.announcer.run();
        expect(received).toHaveLength(2);
        expect((await admin('POST', `/api/v1/webhooks/${hook.body.id}/remove`)).status).toBe(200);
        const after = await admin<Page<{ id: string }>>('GET', '/api/v1/webhooks');
        expect(after.body.items.map((w) => w.id)).not.toContain(hook.body.id);
      } finally {
        await new Promise<void>((r) => receiver.close(() => r()));
      }
    });
  });
}

async function waitForMails(sink: MailSink, count: number): Promise<void> {
  const { waitFor } = await import('./support/wait.js');
  await waitFor(`${count} mails`, () => sink.mails.length >= count, 30_000, 20);
}
