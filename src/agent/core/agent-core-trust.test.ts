import { beforeEach, describe, expect, it } from 'vitest';
import {
  fakeCore,
  FakeHost,
  FakeServer,
  makeAssignment,
  PAYLOAD,
  sha,
} from '../agent-core.test-support.js';
import { TestSigner } from '../trust.test-support.js';
import { nodeTrustCrypto } from '../trust-crypto.js';

describe('AgentCore with signed metadata', () => {
  let host: FakeHost;
  let server: FakeServer;
  let clock: number;
  const verifier = nodeTrustCrypto();
  const core = () => fakeCore(host, server, () => new Date((clock += 1000)), { verifier });

  beforeEach(() => {
    host = new FakeHost();
    server = new FakeServer();
    clock = Date.parse('2026-12-03T10:00:00Z');
    server.signer = new TestSigner(() => clock);
    server.content.set(sha(PAYLOAD), PAYLOAD);
    host.commands.set('sh setup.sh', (_spec, h) => {
      h.files.set('/opt/app/1.2', 'ok');
      return { exitCode: 0 };
    });
  });

  it('installs nothing from a refused answer, tells the rejection until an answer verifies, and remembers versions across restarts', async () => {
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    const old = server.signer?.sign('c-1', [makeAssignment()]);
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    server.assignments = [makeAssignment()];
    server.tamper = (answer) => ({ ...answer, ...(old ? { metadata: old } : {}) });
    // A new core: what it accepted before is on disk, so the older answer is a rollback.
    const refused = await core().runCycle();
    expect(refused).toMatchObject({
      outcome: 'failed',
      message: expect.stringContaining('rollback'),
    });
    expect(host.ran).toHaveLength(0);
    expect(server.applied).toHaveLength(0);
    // Refused again: the first rejection is retold, a second one kept.
    await core().runCycle();
    expect(server.checkins.at(-1)?.rejections).toHaveLength(1);
    server.tamper = null;
    expect(await core().runCycle()).toMatchObject({
      outcome: 'ok',
      assignments: [{ end: 'installed' }],
    });
    expect(server.checkins.at(-1)?.rejections).toHaveLength(2);
    await core().runCycle();
    expect(server.checkins.at(-1)?.rejections).toBeUndefined();
  });

  it('walks a rotated root chain, and pins root 1 when enrolled before signing', async () => {
    const signer = server.signer;
    server.signer = null;
    // An agent from before signed metadata, against a server from before it.
    const before = fakeCore(host, server, () => new Date((clock += 1000)));
    expect(await before.runCycle()).toMatchObject({ outcome: 'ok' });
    server.signer = signer;
    signer?.rotate({ replaceOnline: true });
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    expect(JSON.parse(host.storage.values.get('trust') ?? '{}')).toMatchObject({
      root: { signed: { version: 2 } },
    });
  });
});
