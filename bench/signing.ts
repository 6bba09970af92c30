import { verifyCheckin, pinRoot } from '../src/agent/core/trust.js';
import { nodeTrustCrypto } from '../src/agent/trust-crypto.js';
import type { Assignment } from '../src/contracts/agent-protocol.js';
import type { CheckinMetadata } from '../src/contracts/metadata.js';
import { updateManifest } from '../src/contracts/manifest.js';
import { SigningService } from '../src/server/services/signing.service.js';
import type {
  RootRecord,
  SignedMetadataRecord,
  SigningKeyRecord,
  SigningRepository,
} from '../src/store/signing.repository.js';

/**
 * The CPU cost of signed metadata per check-in, apart from the database: the server's
 * signing (all three documents re-signed, or reused because nothing changed) and the
 * agent's verification. `node dist-bench/bench/signing.js [N]`.
 */
class MemoryRepo {
  keyRows: SigningKeyRecord[] = [];
  roots = new Map<number, RootRecord>();
  rows = new Map<string, SignedMetadataRecord>();
  keys = () => Promise.resolve(this.keyRows);
  addKeys = (k: readonly SigningKeyRecord[]) => Promise.resolve(void this.keyRows.push(...k));
  deleteKeys = () => Promise.resolve();
  removePrivateKey = () => Promise.resolve();
  latestRoot = () => Promise.resolve(this.roots.get(this.roots.size));
  root = (v: number) => Promise.resolve(this.roots.get(v));
  addRoot = (r: RootRecord) => Promise.resolve(void this.roots.set(r.version, r)).then(() => true);
  metadataFor = (id: string) => Promise.resolve(this.rows.get(id));
  saveMetadata = (r: SignedMetadataRecord) =>
    Promise.resolve(void this.rows.set(r.computerId, r)).then(() => true);
}

function assignment(i: number): Assignment {
  return {
    deploymentId: `dep_${i}`,
    updateId: `app-${i}`,
    action: 'install',
    manifest: updateManifest.parse({
      id: `app-${i}`,
      title: `App ${i}`,
      severity: 'important',
      platforms: [{ os: 'linux' }],
      files: ['setup.sh'],
      detect: { type: 'file', path: `/opt/app/${i}` },
      install: { command: 'sh setup.sh' },
    }),
    files: [{ path: 'setup.sh', sha256: 'a'.repeat(64), size: 1234 }],
    policy: 'scheduled',
    installAt: null,
    deadline: null,
    noAutoRestartWhileLoggedOn: false,
    emergency: false,
  };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  let now = Date.parse('2026-12-03T10:00:00Z');
  const service = new SigningService(new MemoryRepo() as unknown as SigningRepository, {
    now: () => now,
  });
  const crypto = nodeTrustCrypto();
  const pinned = pinRoot(await service.latestRoot(), crypto);
  if (!pinned.ok) throw new Error('root');
  const cpu = async (label: string, run: (i: number) => Promise<void>) => {
    for (let i = 0; i < 200; i++) await run(i); // warm-up
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await run(i);
    const used = process.cpuUsage(start);
    const us = (used.user + used.system) / n;
    console.log(`${label}: ${us.toFixed(1)} µs CPU per check-in (${n} check-ins)`);
  };
  // Two assignments, changing every check-in: targets, snapshot and timestamp signed.
  let flip = 0;
  await cpu('server, assignments changed (3 signatures)', async (i) => {
    flip++;
    await service.forCheckin(`cmp_${i % 100}`, [assignment(flip), assignment(flip + 1)], now);
  });
  await cpu('server, nothing changed (signatures reused)', async (i) => {
    await service.forCheckin('cmp_same', [assignment(1), assignment(2)], now + i);
  });
  const assignments = [assignment(1), assignment(2)];
  const answers: CheckinMetadata[] = [];
  for (let i = 0; i < n + 200; i++) {
    now += 1;
    answers.push(await service.forCheckin(`cmp_v${i}`, assignments, now));
  }
  await cpu('agent, verify a new answer (3 signatures)', (i) => {
    const metadata = answers[i];
    const verdict = verifyCheckin({
      state: pinned.state,
      rootChanged: false,
      metadata,
      assignments,
      computerId: `cmp_v${i}`,
      now,
      crypto,
    });
    if (!verdict.ok) throw new Error(verdict.detail);
    return Promise.resolve();
  });
}

void main();
