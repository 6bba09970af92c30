import { isRole, personRoles as roles, type Role } from '../domain/access.js';
import { CliError } from './output.js';

export type OidcFlags = {
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  oidcRedirectUrl?: string;
  oidcDefaultRole?: string;
};

export type OidcSettings = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  defaultRole: Role | null;
};

function url(flag: string, value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.toString();
  } catch {
    // told below
  }
  throw new CliError(`--${flag}: "${value}" is not an http(s) URL`, 2);
}

/**
 * The OIDC settings from the server's flags, or null without --oidc-issuer. The secret
 * may come from RINGMASTER_OIDC_CLIENT_SECRET, so it need not show in the process list.
 * The redirect URL defaults to this server's own callback at `base`.
 */
export function oidcSettings(flags: OidcFlags, base: string): OidcSettings | null {
  const secret = flags.oidcClientSecret ?? process.env.RINGMASTER_OIDC_CLIENT_SECRET;
  if (flags.oidcIssuer === undefined) {
    const stray = flags.oidcClientId ?? flags.oidcRedirectUrl ?? flags.oidcDefaultRole;
    if (stray !== undefined) throw new CliError('the --oidc-* flags need --oidc-issuer', 2);
    return null;
  }
  if (!flags.oidcClientId) throw new CliError('--oidc-issuer needs --oidc-client-id', 2);
  if (!secret) {
    throw new CliError(
      '--oidc-issuer needs --oidc-client-secret (or RINGMASTER_OIDC_CLIENT_SECRET)',
      2,
    );
  }
  const role = flags.oidcDefaultRole;
  if (role !== undefined && (!isRole(role) || role === 'child')) {
    throw new CliError(`--oidc-default-role: "${role}" is not one of ${roles.join(', ')}`, 2);
  }
  return {
    issuer: url('oidc-issuer', flags.oidcIssuer),
    clientId: flags.oidcClientId,
    clientSecret: secret,
    redirectUrl: url(
      'oidc-redirect-url',
      flags.oidcRedirectUrl ?? `${base}/api/v1/auth/oidc/callback`,
    ),
    defaultRole: role ?? null,
  };
}
