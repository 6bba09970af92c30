import { createHash, randomBytes } from 'node:crypto';

/** A new random secret: `<prefix>_<43 base64url chars>` (256 bits). */
export function generateSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Secrets are 256-bit random values, so a plain SHA-256 is enough to store them:
 * nothing to brute-force, and cheap enough for every check-in.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * The credential of the agent that enrolled with this nonce. Derived, so that a retry
 * with the same nonce gets the same credential without the server keeping either.
 */
export function credentialFromNonce(nonce: string): string {
  const digest = createHash('sha256').update(`ringmaster credential\0${nonce}`).digest();
  return `rm_computer_${digest.toString('base64url')}`;
}

/** A short id for people to type: `<prefix>_<10 base32 chars>`. */
export function newId(prefix: string): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(12);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return `${prefix}_${id}`;
}

let sequence = 0;

/**
 * An id that sorts by creation time within and across processes (to the
 * millisecond), for events whose order matters: `<prefix>_<time><counter><random>`.
 */
export function newSortableId(prefix: string, now: number): string {
  sequence = (sequence + 1) % 1_679_616;
  const time = Math.max(0, Math.floor(now)).toString(36).padStart(9, '0');
  return `${prefix}_${time}${sequence.toString(36).padStart(4, '0')}${newId('').slice(1, 7)}`;
}
