import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The certificate errors of Node's TLS: the server's certificate does not chain to a CA
 * we trust, has expired, or names another host. Any of them means "not this server".
 */
const UNTRUSTED = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What to tell a person when the server's certificate was refused (or an https:// URL
 * reached a plain HTTP server), or null when `error` is not that. We never retry
 * without verification: the message says what to fix.
 */
export function tlsFailure(error: unknown, pinned?: boolean): string | null {
  const code = codeOf(error) ?? codeOf((error as { cause?: unknown } | null)?.cause);
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return `the server does not speak TLS (${code}): is it serving plain HTTP? then use http://, or start it with --tls-cert and --tls-key`;
  }
  if (code === null || !UNTRUSTED.has(code)) return null;
  const message = error instanceof Error ? error.message : String(error);
  const trust =
    pinned === undefined
      ? 'the pinned CA (--ca), or without one by a CA this computer trusts'
      : pinned
        ? 'the pinned CA (--ca)'
        : 'a CA this computer trusts (give the one that signed it with --ca)';
  return `the server's TLS certificate is not trusted by ${trust}: ${message} (${code})`;
}

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : null;
}

/**
 * Reads a CA (or a self-signed server certificate) to pin, PEM. Throws an Error that
 * names `flag` when the file is unreadable or holds no certificate.
 */
export function readCaFile(flag: string, file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const code = codeOf(error);
    throw new Error(`${flag}: cannot read ${file}${code ? ` (${code})` : ''}`);
  }
  checkCaPem(flag, file, pem);
  return pem;
}

/** Throws unless `pem` holds at least one parseable certificate. */
export function checkCaPem(flag: string, file: string, pem: string): void {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  try {
    if (!first) throw new Error('no "-----BEGIN CERTIFICATE-----" block');
    new X509Certificate(first[0]);
  } catch (error) {
    throw new Error(`${flag}: ${file} is not a PEM certificate: ${(error as Error).message}`);
  }
}
