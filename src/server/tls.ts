import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';

/** The server's certificate (with any intermediates) and private key, both PEM. */
export type TlsFiles = { cert: Buffer; key: Buffer };

/**
 * Reads `--tls-cert` and `--tls-key`: neither (plain HTTP), or both, readable and a
 * matching pair. Throws an Error whose message names the flag at fault.
 */
export async function readTlsFiles(
  certFile: string | undefined,
  keyFile: string | undefined,
): Promise<TlsFiles | null> {
  if (!certFile && !keyFile) return null;
  if (!certFile) throw new Error('--tls-key needs --tls-cert too (the certificate, PEM)');
  if (!keyFile) throw new Error('--tls-cert needs --tls-key too (its private key, PEM)');
  const cert = await readPem('--tls-cert', certFile);
  const key = await readPem('--tls-key', keyFile);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new Error(
      `--tls-cert ${certFile} and --tls-key ${keyFile} are not a certificate and its key: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
  return { cert, key };
}

async function readPem(flag: string, file: string): Promise<Buffer> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`${flag}: cannot read ${file}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  if (!content.toString('latin1').includes('-----BEGIN ')) {
    throw new Error(`${flag}: ${file} is not a PEM file (no "-----BEGIN" line)`);
  }
  return content;
}
