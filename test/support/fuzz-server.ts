import { expect } from 'vitest';
import { inventoryFactory, manifestFactory, sha256 } from '../factories/update.factory.js';
import type { EngineName } from './engines.js';
import type { FuzzContext } from './fuzz-requests.js';
import { startTestServer, type TestServer } from './test-server.js';

const script = 'true\n';

/**
 * A server with something to find: an update in the catalog, a group, a deployment, an
 * enrolled computer with a report applied, and a valid body for every route to mutate.
 */
export async function fuzzServer(
  engine: EngineName,
): Promise<{ server: TestServer; context: FuzzContext }> {
  const server = await startTestServer(engine);
  const admin = async (method: 'POST' | 'PUT', url: string, payload: object, status: number) => {
    const res = await server.app.inject({ method, url, headers: server.adminHeaders, payload });
    expect(res.statusCode, res.body).toBe(status);
    return res.json<Record<string, unknown>>();
  };
  const upload = await server.app.inject({
    method: 'PUT',
    url: `/api/v1/content/${sha256(script)}`,
    headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
    payload: script,
  });
  expect(upload.statusCode).toBe(201);
  const manifest = manifestFactory({ files: ['install.sh'] });
  const files = [{ path: 'install.sh', sha256: sha256(script), size: script.length }];
  await admin('POST', '/api/v1/updates', { manifest, files }, 201);
  await admin('POST', '/api/v1/groups', { name: 'fleet', query: 'os = "linux"' }, 201);
  await admin('POST', '/api/v1/groups', { name: 'pilots' }, 201);
  const token = await admin(
    'POST',
    '/api/v1/enrollments',
    { group: 'pilots', uses: 1_000_000 },
    201,
  );
  const inventory = inventoryFactory();
  const enrolled = await server.app.inject({
    method: 'POST',
    url: '/agent/v1/enroll',
    payload: { enrollmentToken: token.token, inventory },
  });
  expect(enrolled.statusCode).toBe(201);
  const { computerId, credential } = enrolled.json<{ computerId: string; credential: string }>();
  const plan = {
    phases: [
      { name: 'canary', percent: 10, gate: { manual: true } },
      { name: 'rest', percent: 100, start: { afterSeconds: 60 } },
    ],
    soakSeconds: 60,
    deadline: '2027-01-01T00:00:00Z',
    recurrenceByGroup: { pilots: 3600 },
    policy: 'notify',
  };
  const deployment = await admin(
    'POST',
    '/api/v1/deployments',
    { update: manifest.id, groups: ['fleet'], plan },
    201,
  );

  // A baseline the fuzzer reaches by the group names it tries (`fleet`), compliance and all,
  // and one (`pilots`) for it to change and remove, so that `fleet` stays to be read.
  for (const name of ['fleet', 'pilots']) {
    await admin('POST', '/api/v1/baselines', { name, groups: [name], updates: [manifest.id] }, 201);
  }

  const report = {
    seq: 1,
    updateId: manifest.id,
    deploymentId: deployment.id,
    state: 'failed',
    reason: 'install-error',
    exitCode: 1,
    output: 'boom',
    message: 'the install failed',
    at: '2026-12-01T10:00:00.000Z',
  };
  const event = {
    kind: 'agent-stopped',
    from: '2026-12-01T09:00:00.000Z',
    to: '2026-12-01T09:30:00.000Z',
    detail: 'stopped by a user',
  };
  const window = { cron: '0 22 * * 1-5', durationMinutes: 120, timezone: 'Asia/Tokyo' };
  const samples: Record<string, unknown> = {
    enroll: { enrollmentToken: token.token, inventory: inventoryFactory() },
    checkin: { inventory, events: [event] },
    reports: { reports: [report] },
    createUpdate: { manifest: manifestFactory({ files: ['install.sh'] }), files },
    createEnrollment: { group: 'pilots', expiresInSeconds: 3600, uses: 10 },
    createGroup: {
      name: 'web',
      query: 'hostname ~ "web-*" and freeDiskMB > 100',
      policy: 'scheduled',
    },
    addGroupMembers: { computers: [computerId, inventory.hostname] },
    setGroupWindows: { windows: [window] },
    setGroupPolicy: { policy: 'auto-download' },
    setGroupOwnerEmail: { ownerEmail: 'pilots-team@example.test' },
    createDeployment: { update: manifest.id, group: 'pilots', plan },
    dryRunDeployment: { update: manifest.id, groups: ['fleet', 'pilots'], plan },
    haltDeployment: { reason: 'looks wrong' },
    resumeDeployment: { reason: 'fixed' },
    revokeDeployment: { reason: 'withdrawn' },
    rollbackDeployment: { reason: 'broke printing' },
    redeployDeployment: { failedOnly: true, update: manifest.id, reason: 'again' },
    setDeploymentSla: { sla: { percent: 95, hours: 48 } },
    checkReviewItem: { note: 'added to the scan baseline' },
    uncheckReviewItem: {},
    createBaseline: { name: 'pilots-baseline', groups: ['pilots'], updates: [manifest.id] },
    addBaselineUpdates: { updates: [manifest.id], fromDeployment: deployment.id },
    removeBaselineUpdates: { updates: [manifest.id] },
    setBaseline: { description: 'what the pilots must have', groups: ['pilots', 'fleet'] },
    setNotificationTemplate: { subject: 'Planned: {{updates}} from {{when}}' },
    createWebhook: { url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-0123456789' },
    addSiteRule: { cidr: '10.77.0.0/16', site: 'tokyo' },
  };
  const context: FuzzContext = {
    samples,
    params: {
      id: [String(deployment.id), computerId, inventory.hostname, manifest.id],
      'checkin:id': [computerId, inventory.hostname],
      'reports:id': [computerId, inventory.hostname],
      'getComputer:id': [computerId, inventory.hostname],
      'getUpdate:id': [manifest.id],
      name: ['fleet', 'pilots'],
      'setBaseline:name': ['pilots'],
      'removeBaseline:name': ['pilots'],
      sha256: [sha256(script)],
      item: ['scan-baselines', 'risks'],
      kind: ['approved', 'reminder'],
    },
    tokens: {
      admin: server.adminHeaders.authorization.slice('Bearer '.length),
      computer: credential,
    },
  };
  return { server, context };
}
