import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckinMetadata, RootBody, SignedEnvelope } from '../../contracts/metadata.js';
import { makeAssignment, sha } from '../agent-core.test-support.js';
import { signEnvelope, TestSigner } from '../trust.test-support.js';
import { nodeTrustCrypto } from '../trust-crypto.js';
import {
  advanceRoot,
  checkSignatures,
  pinRoot,
  verifyCheckin,
  type TrustState,
  type Verdict,
} from './trust.js';

const crypto = nodeTrustCrypto();
const T0 = Date.parse('2026-12-03T10:00:00Z');
const HOUR = 3600_000;

describe('signed metadata verification', () => {
  let now: number;
  let signer: TestSigner;
  let state: TrustState;
  const app = makeAssignment();
  const other = makeAssignment(
    { id: 'tool-2.0', title: 'Tool 2.0', files: ['tool.sh'] },
    {
      deploymentId: 'd-2',
      files: [{ path: 'tool.sh', sha256: sha('tool'), size: 4 }],
    },
  );

  const pin = (root: SignedEnvelope): TrustState => {
    const pinned = pinRoot(root, crypto);
    if (!pinned.ok) throw new Error(`root did not pin: ${pinned.detail}`);
    return pinned.state;
  };
  const check = (
    metadata: CheckinMetadata | undefined,
    assignments = [app],
    from: TrustState = state,
    rootChanged = false,
  ): Verdict =>
    verifyCheckin({
      state: from,
      rootChanged,
      metadata,
      assignments,
      computerId: 'c-1',
      now,
      crypto,
    });
  /** Accepts and keeps the new state, as the agent does. */
  const accept = (metadata: CheckinMetadata, assignments = [app]): void => {
    const verdict = check(metadata, assignments);
    expect(verdict).toMatchObject({ ok: true });
    if (verdict.ok) state = verdict.state;
  };

  beforeEach(() => {
    now = T0;
    signer = new TestSigner(() => now);
    state = pin(signer.root);
  });

  it('accepts a signed chain whose targets list exactly the assignments, and keeps the versions', () => {
    accept(signer.sign('c-1', [app]));
    expect(state.timestamp?.version).toBe(1);
    expect(state.targets?.version).toBe(1);
    accept(signer.sign('c-1', [app, other]), [app, other]);
    expect(state.targets?.version).toBe(2);
  });

  it('accepts the same answer again (a retry), while it has not expired', () => {
    const answer = signer.sign('c-1', [app]);
    accept(answer);
    accept(answer);
  });

  it('refuses an answer without metadata', () => {
    expect(check(undefined)).toMatchObject({ ok: false, reason: 'unsigned', role: null });
  });

  describe('signatures', () => {
    it('refuses a document changed after it was signed', () => {
      const answer = signer.sign('c-1', [app]);
      answer.timestamp.signed['expires'] = new Date(T0 + 1000 * HOUR).toISOString();
      expect(check(answer)).toMatchObject({
        ok: false,
        reason: 'bad-signature',
        role: 'timestamp',
      });
    });

    it('refuses a document signed by the wrong role key (targets key on timestamp)', () => {
      const answer = signer.sign('c-1', [app], { keys: { timestamp: [signer.online.targets] } });
      expect(check(answer)).toMatchObject({
        ok: false,
        reason: 'bad-signature',
        role: 'timestamp',
      });
    });

    it('refuses a document signed by a key the root does not list', () => {
      const stranger = new TestSigner(() => now);
      const answer = signer.sign('c-1', [app], { keys: { targets: [stranger.online.targets] } });
      expect(check(answer)).toMatchObject({ ok: false, reason: 'bad-signature', role: 'targets' });
    });

    it('refuses a signature that is not hex, or is another message’s', () => {
      const answer = signer.sign('c-1', [app]);
      const [first] = answer.snapshot.signatures;
      if (!first) throw new Error('unsigned');
      const elsewhere = signer.sign('c-1', [other], {}).snapshot.signatures[0]?.sig ?? '';
      answer.snapshot.signatures = [{ keyid: first.keyid, sig: elsewhere }];
      // The timestamp names the snapshot by hash: a changed signature is another snapshot.
      expect(check(answer)).toMatchObject({ ok: false, reason: 'mix-and-match', role: 'snapshot' });
    });

    it('counts each key once and needs the threshold', () => {
      const two = new TestSigner(() => now, { rootKeys: 2, threshold: 2 });
      const body = two.root.signed as RootBody;
      const [k1, k2] = two.rootKeys;
      if (!k1 || !k2) throw new Error('two keys');
      const once = signEnvelope(body, [k1]);
      expect(checkSignatures(body, 'root', once, crypto)).toMatch(/1 valid signature.*2 needed/);
      const twice = signEnvelope(body, [k1, k1]);
      expect(checkSignatures(body, 'root', twice, crypto)).toMatch(/1 valid signature/);
      expect(checkSignatures(body, 'root', signEnvelope(body, [k1, k2]), crypto)).toBeNull();
      expect(pinRoot(once, crypto)).toMatchObject({ ok: false, reason: 'bad-root' });
    });

    it('refuses to pin a root that is not one, or not signed by its own keys', () => {
      const notRoot = signer.sign('c-1', [app]).timestamp;
      expect(pinRoot(notRoot, crypto)).toMatchObject({ ok: false, reason: 'bad-root' });
      const stranger = new TestSigner(() => now);
      const forged = signEnvelope(signer.root.signed, stranger.rootKeys);
      expect(pinRoot(forged, crypto)).toMatchObject({ ok: false, reason: 'bad-root' });
    });
  });

  describe('rollback', () => {
    it('refuses an older timestamp than one accepted', () => {
      const old = signer.sign('c-1', [app]);
      accept(signer.sign('c-1', [app]));
      expect(check(old)).toMatchObject({ ok: false, reason: 'rollback', role: 'timestamp' });
    });

    it('refuses older targets under a newer timestamp and snapshot', () => {
      accept(signer.sign('c-1', [app], { versions: { targets: 5 } }));
      const older = signer.sign('c-1', [app], { versions: { targets: 4 } });
      expect(check(older)).toMatchObject({ ok: false, reason: 'rollback', role: 'targets' });
    });

    it('refuses an older snapshot', () => {
      accept(signer.sign('c-1', [app], { versions: { snapshot: 9 } }));
      const older = signer.sign('c-1', [app], { versions: { snapshot: 3 } });
      expect(check(older)).toMatchObject({ ok: false, reason: 'rollback', role: 'snapshot' });
    });

    it('refuses a version accepted before with other content', () => {
      accept(signer.sign('c-1', [app], { versions: { timestamp: 7 } }));
      const same = signer.sign('c-1', [other], { versions: { timestamp: 7 } });
      expect(check(same, [other])).toMatchObject({
        ok: false,
        reason: 'rollback',
        role: 'timestamp',
      });
    });
  });

  describe('freeze', () => {
    it('refuses an expired timestamp', () => {
      const answer = signer.sign('c-1', [app], { expires: { timestamp: T0 + HOUR } });
      now = T0 + HOUR;
      expect(check(answer)).toMatchObject({ ok: false, reason: 'freeze', role: 'timestamp' });
    });

    it('refuses the answer it accepted once it has expired', () => {
      const answer = signer.sign('c-1', [app]);
      accept(answer);
      now = T0 + 25 * HOUR;
      expect(check(answer)).toMatchObject({ ok: false, reason: 'freeze', role: 'timestamp' });
    });

    it('refuses expired targets under a fresh timestamp', () => {
      const answer = signer.sign('c-1', [app], { expires: { targets: T0 - 1 } });
      expect(check(answer)).toMatchObject({ ok: false, reason: 'freeze', role: 'targets' });
    });

    it('refuses everything once the trusted root has expired', () => {
      now = T0 + 366 * 24 * HOUR;
      const answer = signer.sign('c-1', [app]);
      expect(check(answer)).toMatchObject({ ok: false, reason: 'freeze', role: 'root' });
    });
  });

  describe('mix-and-match', () => {
    it('refuses an assignment that targets does not list', () => {
      const answer = signer.sign('c-1', [app]);
      expect(check(answer, [app, other])).toMatchObject({
        ok: false,
        reason: 'mix-and-match',
        role: 'targets',
      });
    });

    it('refuses an answer that leaves out a signed assignment', () => {
      expect(check(signer.sign('c-1', [app, other]), [app])).toMatchObject({
        reason: 'mix-and-match',
      });
    });

    it('refuses a file whose hash or size is not the signed one', () => {
      const answer = signer.sign('c-1', [app]);
      const [file] = app.files;
      if (!file) throw new Error('no file');
      const otherHash = { ...app, files: [{ ...file, sha256: sha('evil') }] };
      expect(check(answer, [otherHash])).toMatchObject({
        reason: 'mix-and-match',
        detail: expect.stringContaining('hash or size'),
      });
      const otherSize = { ...app, files: [{ ...file, size: file.size + 1 }] };
      expect(check(answer, [otherSize])).toMatchObject({ reason: 'mix-and-match' });
    });

    it('refuses a changed install command with the same files', () => {
      const answer = signer.sign('c-1', [app]);
      const changed = {
        ...app,
        manifest: { ...app.manifest, install: { ...app.manifest.install, command: 'rm -rf /' } },
      };
      expect(check(answer, [changed])).toMatchObject({
        reason: 'mix-and-match',
        detail: expect.stringContaining('differs from the signed one'),
      });
    });

    it('refuses a snapshot or targets from another signed answer', () => {
      const one = signer.sign('c-1', [app]);
      const two = signer.sign('c-1', [other]);
      expect(check({ ...two, targets: one.targets }, [app])).toMatchObject({
        reason: 'mix-and-match',
        role: 'targets',
      });
      expect(check({ ...two, snapshot: one.snapshot, targets: one.targets }, [app])).toMatchObject({
        reason: 'mix-and-match',
        role: 'snapshot',
      });
    });

    it("refuses another computer's signed answer", () => {
      expect(check(signer.sign('c-2', [app]))).toMatchObject({
        ok: false,
        reason: 'mix-and-match',
        role: 'timestamp',
      });
    });
  });

  describe('root rotation', () => {
    it('walks the chain: each root signed by the one before and by its own keys', () => {
      signer.rotate();
      signer.rotate({ replaceOnline: true });
      const walked = advanceRoot(state, signer.roots.slice(1), crypto);
      expect(walked).toMatchObject({ ok: true });
      if (!walked.ok) return;
      const answer = signer.sign('c-1', [app]);
      // Signed by online keys only root 3 lists: refused on root 1, accepted on root 3.
      expect(check(answer)).toMatchObject({ ok: false, reason: 'bad-root' });
      expect(check(answer, [app], walked.state, true)).toMatchObject({ ok: true });
    });

    it('refuses keys the new root dropped', () => {
      const oldTimestampKey = signer.online.timestamp;
      signer.rotate({ replaceOnline: true });
      const walked = advanceRoot(state, signer.roots.slice(1), crypto);
      if (!walked.ok) throw new Error(walked.detail);
      const answer = signer.sign('c-1', [app], { keys: { timestamp: [oldTimestampKey] } });
      expect(check(answer, [app], walked.state, true)).toMatchObject({
        reason: 'bad-signature',
        role: 'timestamp',
      });
    });

    it('refuses a root signed only by its own new keys, or only by the old ones', () => {
      signer.rotate({ signers: (_old, next) => next });
      expect(advanceRoot(state, signer.roots.slice(1), crypto)).toMatchObject({
        ok: false,
        reason: 'bad-root',
      });
      const again = new TestSigner(() => now);
      const pinned = pin(again.root);
      again.rotate({ signers: (old) => old });
      expect(advanceRoot(pinned, again.roots.slice(1), crypto)).toMatchObject({
        reason: 'bad-root',
      });
    });

    it('refuses a chain that skips a version', () => {
      signer.rotate();
      signer.rotate();
      expect(advanceRoot(state, [signer.roots[2] as SignedEnvelope], crypto)).toMatchObject({
        reason: 'bad-root',
        detail: expect.stringContaining('does not follow'),
      });
    });

    it('refuses an answer naming a root it has not walked to', () => {
      signer.rotate();
      expect(check(signer.sign('c-1', [app]))).toMatchObject({ reason: 'bad-root' });
    });
  });
});
