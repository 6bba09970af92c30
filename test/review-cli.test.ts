import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, runProgram, useTempDir } from '../src/cli/cli.test-support.js';
import type { ReviewView } from '../src/contracts/review.js';
import { manifestFactory } from './factories/update.factory.js';
import { fleetDriver } from './support/fleet.js';
import { pdfText } from './support/pdf-text.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';

const io = captureOutput();
const tmp = useTempDir('ringmaster-review-');

/** `ringmaster review`, `review check` and `deployment set --sla` against a real server. */
describe('ringmaster review, against a server', () => {
  let server: TestServer;
  let url = '';
  let id = '';
  const cli = (...args: string[]) => runProgram(...args, '--url', url, '--token', ADMIN_TOKEN);

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const fleet = fleetDriver(server);
    const manifest = manifestFactory({ id: 'RM-REVIEW-1' });
    await fleet.importUpdate(manifest);
    await fleet.admin('POST', '/api/v1/groups', { name: 'office' });
    const computers = await fleet.enroll(4, 'office', 'office');
    const created = await fleet.admin<{ id: string }>('POST', '/api/v1/deployments', {
      update: manifest.id,
      group: 'office',
      sla: { percent: 95, hours: 48 },
    });
    id = created.body.id;
    await server.services.engine.run();
    await fleet.cycle(computers, (c) => (c === computers[0] ? 'failed' : 'installed'));
  });
  afterAll(async () => {
    await server.stop();
  });

  it('sets and clears the SLA; refuses a bad one before sending anything', async () => {
    expect(await cli('deployment', 'set', id, '--sla', '90%@2d'), io.err).toBe(0);
    expect(io.out).toContain('SLA 90% installed within 48h');
    const review = (await server.services.reviews.review(id)).sla;
    expect(review).toMatchObject({ percent: 90, hours: 48 });
    expect(await cli('deployment', 'set', id, '--sla', '120%@2d')).toBe(2);
    expect(io.err).toContain('--sla: "120%@2d"');
    expect(await cli('deployment', 'set', id)).toBe(2);
    io.out = '';
    expect(await cli('deployment', 'set', id, '--clear-sla', '--json'), io.err).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ deploymentId: id, sla: null });
  });

  it('prints the review as Markdown, writes HTML and PDF, and JSON as sent', async () => {
    const costs = ['--downtime-cost-per-hour', '120', '--recovery-cost-per-hour', '80'];
    expect(await cli('review', id, ...costs), io.err).toBe(0);
    expect(io.out).toContain(`# Post-implementation review of ${id}`);
    expect(io.out).toContain('| install-error | 1 |');
    expect(io.out).toContain('Recovery cost: 40.00');

    const html = join(tmp.dir, 'review.html');
    expect(await cli('review', id, '--format', 'html', '--out', html, ...costs), io.err).toBe(0);
    expect(await readFile(html, 'utf8')).toContain('Recovery cost: 40.00');

    const pdf = join(tmp.dir, 'review.pdf');
    expect(await cli('review', id, '--format', 'pdf', '--out', pdf, ...costs), io.err).toBe(0);
    const text = (await pdfText(await readFile(pdf))).replace(/\s+/g, ' ');
    expect(text).toContain('Recovery cost: 40.00');
    expect(text).toContain('install-error');

    io.out = '';
    expect(await cli('review', id, '--json'), io.err).toBe(0);
    const json = JSON.parse(io.out) as ReviewView;
    expect(json.failures.total).toBe(1);
    expect(json.recovery).toMatchObject({ computers: 1, cost: null });

    expect(await cli('review', id, '--downtime-cost-per-hour', 'lots')).toBe(2);
    expect(io.err).toContain('--downtime-cost-per-hour: "lots"');
    expect(await cli('review', id, '--format', 'docx')).not.toBe(0);
  });

  it('marks checklist items done by the signed-in admin, with a note, and not done again', async () => {
    expect(
      await cli('review', 'check', id, 'build-images', '--note', 'golden image 2026-06'),
      io.err,
    ).toBe(0);
    expect(io.out).toMatch(/build-images\s+yes\s+first admin\s+golden image 2026-06/);
    const marks = (await server.services.reviews.review(id)).checklist;
    expect(marks.find((c) => c.item === 'build-images')).toMatchObject({
      done: true,
      doneBy: 'first admin',
      note: 'golden image 2026-06',
    });
    expect(await cli('review', 'uncheck', id, 'build-images'), io.err).toBe(0);
    expect(io.out).toMatch(/build-images\s+no/);
    expect(await cli('review', 'check', id, 'risks', '--json'), io.err).toBe(0);
    expect(await cli('review', 'check', id, 'coffee')).toBe(2);
    expect(io.err).toContain('item: "coffee" must be one of scan-baselines');
  });
});
