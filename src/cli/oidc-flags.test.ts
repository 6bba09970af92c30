import { afterEach, describe, expect, it, vi } from 'vitest';
import { oidcSettings } from './oidc-flags.js';

describe('the server OIDC flags', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('are off without --oidc-issuer, and refuse its companions alone', () => {
    expect(oidcSettings({}, 'http://h:1')).toBeNull();
    expect(() => oidcSettings({ oidcClientId: 'x' }, 'http://h:1')).toThrow(/need --oidc-issuer/);
  });

  it('take the secret from the environment and default the redirect to this server', () => {
    vi.stubEnv('RINGMASTER_OIDC_CLIENT_SECRET', 's3cret');
    expect(
      oidcSettings(
        { oidcIssuer: 'https://id.example.com', oidcClientId: 'rm', oidcDefaultRole: 'viewer' },
        'https://rm.example.com:8443',
      ),
    ).toEqual({
      issuer: 'https://id.example.com/',
      clientId: 'rm',
      clientSecret: 's3cret',
      redirectUrl: 'https://rm.example.com:8443/api/v1/auth/oidc/callback',
      defaultRole: 'viewer',
    });
  });

  it('refuse a missing secret, a bad URL and an unknown role with exit 2', () => {
    vi.stubEnv('RINGMASTER_OIDC_CLIENT_SECRET', '');
    const base = { oidcIssuer: 'https://id.example.com', oidcClientId: 'rm' };
    expect(() => oidcSettings(base, 'http://h:1')).toThrow(/--oidc-client-secret/);
    expect(() =>
      oidcSettings({ ...base, oidcClientSecret: 's', oidcIssuer: 'id.example.com' }, 'http://h:1'),
    ).toThrow(/not an http\(s\) URL/);
    expect(() =>
      oidcSettings({ ...base, oidcClientSecret: 's', oidcDefaultRole: 'root' }, 'http://h:1'),
    ).toThrow(/not one of admin, operator, viewer, auditor/);
  });
});
