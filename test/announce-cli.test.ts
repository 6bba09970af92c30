import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, runProgram } from '../src/cli/cli.test-support.js';
import { smtpMailer } from '../src/server/announce/mailer.js';
import { manifestFactory } from './factories/update.factory.js';
import { fleetDriver } from './support/fleet.js';
import { startMailSink, type MailSink } from './support/mail.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';

const io = captureOutput();

/** `ringmaster notification …` and `ringmaster webhook …` against a real server. */
describe('ringmaster notification and webhook, against a server', () => {
  let server: TestServer;
  let sink: MailSink;
  let url = '';
  const cli = async (...args: string[]) => {
    io.out = '';
    io.err = '';
    return runProgram(...args, '--url', url, '--token', ADMIN_TOKEN);
  };

  beforeAll(async () => {
    sink = await startMailSink();
    server = await startTestServer('sqlite', undefined, {
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
        defaultTimeZone: 'Asia/Tokyo',
        reminderBeforeSeconds: 3600,
        intervalMs: 0,
      },
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await server.stop();
    await sink.close();
  });

  it('sets a template from files, refuses an unknown placeholder, and lists what was sent', async () => {
    const file = path.join(server.dataDir, 'approved.txt');
    await writeFile(file, 'Hi! {{updates}} at {{when}} ({{timezone}}).\n{{action}}\n');
    expect(await cli('notification', 'template', 'set', 'approved', '--text-file', file)).toBe(0);
    expect(io.out).toContain('Custom');
    expect(io.out).toContain('Hi! {{updates}}');

    await writeFile(file, 'Hi {{name}}\n');
    expect(await cli('notification', 'template', 'set', 'approved', '--text-file', file)).not.toBe(
      0,
    );
    expect(io.err).toContain('{{name}}');
    expect(await cli('notification', 'template', 'set', 'approved')).toBe(2);

    const fleet = fleetDriver(server);
    await fleet.admin('POST', '/api/v1/groups', { name: 'tokyo' });
    await fleet.enroll(1, 'tokyo', 'tokyo', () => ({ ownerEmail: 'kenji@example.test' }));
    const manifest = manifestFactory();
    await fleet.importUpdate(manifest);
    const created = await fleet.admin<{ id: string }>('POST', '/api/v1/deployments', {
      update: manifest.id,
      group: 'tokyo',
      plan: { phases: [{ name: 'all', percent: 100 }] },
    });
    await server.services.announcer.run();
    const [mail] = await sink.to('kenji@example.test');
    expect(mail?.text).toMatch(/^Hi! /);

    expect(await cli('notification', 'list', '--deployment', created.body.id)).toBe(0);
    expect(io.out).toMatch(/kenji@example\.test \(owner\)\s+sent/);
    expect(io.out).toMatch(/ops@example\.test \(admin\)\s+sent/);
    expect(io.out).toContain('showing 2 of 2');

    expect(await cli('notification', 'list', '--deployment', created.body.id, '--json')).toBe(0);
    const page = JSON.parse(io.out) as { items: { id: string; recipient: string }[] };
    const id = page.items.find((n) => n.recipient === 'kenji@example.test')?.id ?? '';
    expect(await cli('notification', 'show', id, '--ics')).toBe(0);
    expect(io.out).toMatch(/^BEGIN:VCALENDAR/);
    expect(io.out).toContain('BEGIN:VALARM');

    expect(await cli('notification', 'template', 'set', 'approved', '--reset')).toBe(0);
    expect(io.out).toContain('no (built in)');
  });

  it('creates, lists and removes a webhook, showing its failed deliveries', async () => {
    expect(await cli('webhook', 'create', 'http://127.0.0.1:9/x', '--secret', 'short')).not.toBe(0);
    expect(io.err).toContain('secret');
    expect(
      await cli(
        'webhook',
        'create',
        'http://127.0.0.1:9/hook',
        '--secret',
        'a-long-enough-secret',
        '--event',
        'created',
        '--event',
        'halted',
        '--json',
      ),
    ).toBe(0);
    const hook = JSON.parse(io.out) as { id: string; events: string[] };
    expect(hook.events).toEqual(['created', 'halted']);

    const fleet = fleetDriver(server);
    const manifest = manifestFactory();
    await fleet.importUpdate(manifest);
    await fleet.admin('POST', '/api/v1/deployments', {
      update: manifest.id,
      group: 'tokyo',
      plan: { phases: [{ name: 'all', percent: 100 }] },
    });
    await server.services.announcer.run();

    expect(await cli('webhook', 'list')).toBe(0);
    expect(io.out).toContain(hook.id);
    expect(io.out).toContain('1 queued');
    expect(await cli('webhook', 'deliveries', hook.id)).toBe(0);
    expect(io.out).toMatch(/created\s+dep_\w+\s+queued\s+1/);
    expect(await cli('webhook', 'remove', hook.id)).toBe(0);
    expect(io.out).toContain(`Webhook ${hook.id} removed`);
    expect(await cli('webhook', 'list')).toBe(0);
    expect(io.out).not.toContain(hook.id);
    expect(await cli('webhook', 'remove', hook.id)).not.toBe(0);
  });
});
