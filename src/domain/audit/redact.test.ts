import { describe, expect, it } from 'vitest';
import { MAX_JSON_CHARS, REDACTED, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('replaces the values of fields named as secrets, at any depth', () => {
    expect(
      redactSecrets({
        name: 'alice',
        password: 'hunter2',
        nested: { apiKey: 'k', enrollmentToken: 't', list: [{ credential: 'c' }] },
        clientSecret: 'x',
        private_key: 'pem',
      }),
    ).toEqual({
      name: 'alice',
      password: REDACTED,
      nested: { apiKey: REDACTED, enrollmentToken: REDACTED, list: [{ credential: REDACTED }] },
      clientSecret: REDACTED,
      private_key: REDACTED,
    });
  });

  it('replaces any string shaped like a Ringmaster secret, whatever its field', () => {
    const secret = `rm_admin_${'a'.repeat(43)}`;
    expect(redactSecrets({ note: secret, list: [secret, 'rm_short'] })).toEqual({
      note: REDACTED,
      list: [REDACTED, 'rm_short'],
    });
  });

  it('keeps a null secret field as null (nothing to hide), and non-objects as they are', () => {
    expect(redactSecrets({ password: null })).toEqual({ password: null });
    expect(redactSecrets(3)).toBe(3);
    expect(redactSecrets(undefined)).toBeNull();
  });

  it('keeps a __proto__ key as a plain field', () => {
    const value = redactSecrets(JSON.parse('{"__proto__":{"token":"t"}}')) as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe(`{"__proto__":{"token":"${REDACTED}"}}`);
  });

  it('cuts values nested too deep, and records a huge body by its size', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i += 1) deep = [deep];
    expect(JSON.stringify(redactSecrets(deep))).toContain('[too deep]');
    const huge = redactSecrets({ text: 'x'.repeat(MAX_JSON_CHARS) });
    expect(huge).toEqual({ truncated: true, chars: MAX_JSON_CHARS + 11 });
  });

  it('never keeps a private key: the root key given to a rotation, or a PEM key under any name', () => {
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n';
    expect(redactSecrets({ rootKey: 'abc', replaceOnlineKeys: true })).toEqual({
      rootKey: REDACTED,
      replaceOnlineKeys: true,
    });
    expect(redactSecrets({ note: pem })).toEqual({ note: REDACTED });
  });
});
