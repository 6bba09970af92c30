import { describe, expect, it } from 'vitest';
import { untrustedServer } from './tls.js';

const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('untrustedServer', () => {
  it('explains a refused certificate, and says which trust refused it', () => {
    const error = tlsError(
      'SELF_SIGNED_CERT_IN_CHAIN',
      'self-signed certificate in certificate chain',
    );
    expect(untrustedServer(error, true)).toBe(
      "the server's TLS certificate is not trusted by the pinned CA (--ca): " +
        'self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)',
    );
    expect(untrustedServer(error, false)).toContain('give the one that signed it with --ca');
    expect(untrustedServer(tlsError('ERR_TLS_CERT_ALTNAME_INVALID', 'wrong host'))).toContain(
      'wrong host (ERR_TLS_CERT_ALTNAME_INVALID)',
    );
  });

  it('finds the code on the cause, as fetch-style errors carry it', () => {
    const error = new Error('fetch failed', { cause: tlsError('CERT_HAS_EXPIRED', 'expired') });
    expect(untrustedServer(error, true)).toContain('(CERT_HAS_EXPIRED)');
  });

  it('is null for anything else: a refused connection is not a certificate problem', () => {
    expect(untrustedServer(tlsError('ECONNREFUSED', 'connect ECONNREFUSED'), true)).toBeNull();
    expect(untrustedServer(new Error('no code'), true)).toBeNull();
    expect(untrustedServer('a string', true)).toBeNull();
  });
});
