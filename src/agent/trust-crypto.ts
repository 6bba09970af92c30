import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { TrustCrypto } from './core/trust.js';

/** The DER prefix of an ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A raw ed25519 public key (hex) as a node:crypto key. */
export function ed25519PublicKey(publicKeyHex: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/**
 * The agent's crypto for signed metadata, from node:crypto (ed25519 and SHA-256).
 * Public keys are kept once imported: a root lists a handful.
 */
export function nodeTrustCrypto(): TrustCrypto {
  const keys = new Map<string, KeyObject>();
  return {
    verify(publicKeyHex, message, signatureHex) {
      if (!/^[a-f0-9]{64}$/.test(publicKeyHex) || !/^[a-f0-9]{128}$/.test(signatureHex)) {
        return false;
      }
      let key = keys.get(publicKeyHex);
      if (!key) {
        key = ed25519PublicKey(publicKeyHex);
        if (keys.size > 64) keys.clear();
        keys.set(publicKeyHex, key);
      }
      return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signatureHex, 'hex'));
    },
    sha256(text) {
      return createHash('sha256').update(text, 'utf8').digest('hex');
    },
  };
}
