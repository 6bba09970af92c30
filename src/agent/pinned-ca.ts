import { X509Certificate } from 'node:crypto';
import { checkCaPem, readCaFile } from '../client/tls.js';
import { FileStore } from './host/fs-store.js';

/** The state-dir key of the pinned CA: `server-ca.json`. */
const KEY = 'server-ca';

export type PinnedCa = { pem: string; subject: string; fingerprint: string; stored: boolean };

/**
 * The CA the agent trusts for its server. `--ca FILE` (or RINGMASTER_CA) is read,
 * checked and stored in the state dir, replacing any earlier pin; without it, the pin
 * stored at an earlier start (the enrollment) is used. Null: none given, none stored
 * (an https:// server is then checked against the system's CAs).
 *
 * A pin with an http:// server (any of the list) is refused: nothing would check it.
 * The pin is the same for every server of the list, and each one's certificate must
 * chain to it and name that server's host.
 */
export async function pinnedCa(options: {
  stateDir: string;
  caFile: string | undefined;
  /** Every server the agent knows: each one is checked against the pin. */
  serverUrls: readonly string[];
}): Promise<PinnedCa | null> {
  const store = new FileStore(options.stateDir);
  let pem: string;
  let stored = false;
  if (options.caFile) {
    pem = readCaFile('--ca', options.caFile);
    await store.put(KEY, `${JSON.stringify({ pem }, null, 2)}\n`);
    stored = true;
  } else {
    const saved = await store.get(KEY);
    if (saved === null) return null;
    pem = storedPem(saved);
    checkCaPem('the pinned CA', `${options.stateDir}/${KEY}.json`, pem);
  }
  const plain = options.serverUrls.find((url) => !url.startsWith('https://'));
  if (plain !== undefined) {
    throw new Error(
      `a CA is pinned for this agent but the server URL ${plain} is not https://: ` +
        'the agent talks to its servers over TLS only once a CA is pinned',
    );
  }
  const cert = new X509Certificate(pem);
  return {
    pem,
    subject: cert.subject.replace(/\n/g, ', '),
    fingerprint: cert.fingerprint256,
    stored,
  };
}

function storedPem(saved: string): string {
  try {
    const value = JSON.parse(saved) as { pem?: unknown };
    if (typeof value.pem === 'string') return value.pem;
  } catch {
    // Damaged: said below.
  }
  throw new Error(`the pinned CA (${KEY}.json in the state dir) is damaged: give --ca again`);
}
