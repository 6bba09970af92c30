import { describe, expect, it } from 'vitest';
import { tlsFailure } from './tls.js';

const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('tlsFailure', () => {
  it('explains a refused certificate, and says which trust refused it', () => {
    const error = tlsError(
      'SELF_SIGNED_CERT_IN_CHAIN',
      'self-signed certificate in certificate chain',
    );
    expect(tlsFailure(error, true)).toBe(
      "the server's TLS certificate is not trusted by the pinned CA (--ca): " +
        'self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)',
    );
    expect(tlsFailure(error, false)).toContain('give the one that signed it with --ca');
    expect(tlsFailure(tlsError('ERR_TLS_CERT_ALTNAME_INVALID', 'wrong host'))).toContain(
      'wrong host (ERR_TLS_CERT_ALTNAME_INVALID)',
    );
  });

  it('finds the code on the cause, as fetch-style errors carry it', () => {
    const error = new Error('fetch failed', { cause: tlsError('CERT_HAS_EXPIRED', 'expired') });
    expect(tlsFailure(error, true)).toContain('(CERT_HAS_EXPIRED)');
  });

  it('says when an https:// URL reached a plain HTTP server', () => {
    const error = tlsError('ERR_SSL_WRONG_VERSION_NUMBER', 'ssl3_get_record:wrong version number');
    expect(tlsFailure(error, false)).toContain('the server does not speak TLS');
  });

  it('is null for anything else: a refused connection is not a certificate problem', () => {
    expect(tlsFailure(tlsError('ECONNREFUSED', 'connect ECONNREFUSED'), true)).toBeNull();
    expect(tlsFailure(new Error('no code'), true)).toBeNull();
    expect(tlsFailure('a string', true)).toBeNull();
  });
});
