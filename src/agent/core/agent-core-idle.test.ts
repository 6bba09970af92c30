import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckinInput, CheckinResponse } from '../../contracts/agent-protocol.js';
import { inventoryHash } from '../../contracts/inventory-hash.js';
import { fakeCore, FakeHost, FakeServer } from '../agent-core.test-support.js';
import { TestSigner } from '../trust.test-support.js';
import { nodeTrustCrypto } from '../trust-crypto.js';
import { ServerCallError, type AgentCredential } from './server-client.js';

const DAY = 86_400_000;
const TAG = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A server that tags its idle answers and answers 204 to the tag, as the real one does. */
class TaggingServer extends FakeServer {
  requests: CheckinInput[] = [];
  /** Set: this check-in's answer asks for the whole inventory. */
  askInventory = false;
  /** Set: a server before 0.2, which wants the inventory and tags nothing. */
  old = false;

  override async checkin(
    auth: AgentCredential,
    request: CheckinInput,
  ): Promise<CheckinResponse | 'unchanged'> {
    this.requests.push(request);
    if (this.old) {
      if (!request.inventory) throw new ServerCallError('inventory: required (HTTP 400)', 400, 'x');
      return super.checkin(auth, request);
    }
    if (this.askInventory) {
      const asked = (await super.checkin(auth, request)) as CheckinResponse;
      return { ...asked, sendInventory: true };
    }
    if (request.answerTag === TAG) return 'unchanged';
    const answer = (await super.checkin(auth, request)) as CheckinResponse;
    return { ...answer, answerTag: TAG };
  }
}

describe('AgentCore on idle check-ins', () => {
  let host: FakeHost;
  let server: TaggingServer;
  let clock: number;
  const verifier = nodeTrustCrypto();
  const core = () => fakeCore(host, server, () => new Date(clock), { verifier });

  beforeEach(() => {
    host = new FakeHost();
    server = new TaggingServer();
    clock = Date.parse('2026-12-03T10:00:00Z');
    server.signer = new TestSigner(() => clock);
  });

  it('sends the hash of the inventory the server took, and the whole of it when the server asks or it changed (a restart)', async () => {
    await core().runCycle();
    const inventory = await host.inventory();
    expect(server.requests[0]?.inventory).toEqual(inventory);
    await core().runCycle();
    expect(server.requests[1]).toMatchObject({ inventoryHash: inventoryHash(inventory) });
    expect(server.requests[1]?.inventory).toBeUndefined();
    // The server lost it: the next check-in carries it all again.
    server.askInventory = true;
    await core().runCycle();
    server.askInventory = false;
    await core().runCycle();
    expect(server.requests[3]?.inventory).toEqual(inventory);
    // A few MB of free disk is no change; a site is.
    host.free += 50;
    await core().runCycle();
    expect(server.requests[4]?.inventory).toBeUndefined();
    host.boot = '2025-02-01T00:00:00.000Z';
    await core().runCycle();
    expect(server.requests[5]?.inventory?.bootTime).toBe(host.boot);
  });

  it('acts on the answer it holds when the server answers 204, and refuses it once it expired', async () => {
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok', nextCheckinSeconds: 300 });
    expect(server.requests[0]?.answerTag).toBeUndefined();
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok', nextCheckinSeconds: 300 });
    expect(server.requests[1]?.answerTag).toBe(TAG);
    // Two days on, the held timestamp has expired: refused as a freeze, and forgotten.
    clock += 2 * DAY;
    expect(await core().runCycle()).toMatchObject({ outcome: 'failed' });
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    expect(server.requests[3]?.answerTag).toBeUndefined();
    expect(server.requests[3]?.rejections?.[0]?.reason).toBe('freeze');
  });

  it('sends the whole inventory every time to a server before 0.2, once it refused the hash', async () => {
    await core().runCycle();
    server.old = true;
    expect(await core().runCycle()).toMatchObject({ outcome: 'failed' });
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    expect(server.requests.slice(2).map((r) => r.inventory !== undefined)).toEqual([true, true]);
    // Upgraded again: an idle answer with a tag, and the hash goes again.
    server.old = false;
    await core().runCycle();
    await core().runCycle();
    expect(server.requests.at(-1)?.inventory).toBeUndefined();
  });
});
