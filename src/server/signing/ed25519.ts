import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { PublicKey, SignedEnvelope } from '../../contracts/metadata.js';
import { canonicalJson } from '../../domain/canonical-json.js';

/** One ed25519 key the server signs with: its id, public half (hex) and private key. */
export interface SigningKey {
  keyid: string;
  publicKey: PublicKey;
  privateKey: KeyObject;
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A key's id: the SHA-256 of the canonical JSON of its public half. */
export function keyIdOf(publicKey: PublicKey): string {
  return sha256Text(canonicalJson(publicKey));
}

/** A private key (PKCS #8 PEM) as a signing key. */
export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not an ed25519 private key');
  const jwk = privateKey.export({ format: 'jwk' });
  const publicKey: PublicKey = {
    keytype: 'ed25519',
    public: Buffer.from(jwk.x ?? '', 'base64url').toString('hex'),
  };
  return { keyid: keyIdOf(publicKey), publicKey, privateKey };
}

export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return signingKeyFromPem(privatePem(privateKey));
}

export function privatePem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** `signed`, signed by each key: ed25519 over its canonical JSON. */
export function signEnvelope(
  signed: Record<string, unknown>,
  keys: readonly SigningKey[],
): SignedEnvelope {
  const message = Buffer.from(canonicalJson(signed), 'utf8');
  return {
    signed,
    signatures: keys.map((k) => ({
      keyid: k.keyid,
      sig: sign(null, message, k.privateKey).toString('hex'),
    })),
  };
}

/** Whether `publicKey` signed the envelope (one of its signatures, by that key's id). */
export function signedBy(envelope: SignedEnvelope, publicKey: PublicKey): boolean {
  const keyid = keyIdOf(publicKey);
  const signature = envelope.signatures.find((s) => s.keyid === keyid);
  if (!signature) return false;
  const key = createPublicKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from(publicKey.public, 'hex').toString('base64url'),
    },
    format: 'jwk',
  });
  const message = Buffer.from(canonicalJson(envelope.signed), 'utf8');
  return verify(null, message, key, Buffer.from(signature.sig, 'hex'));
}
