import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { stopChild } from '../../bench/lib/server-process.js';
import { cliEntry, freePort } from './processes.js';
import { waitFor } from './wait.js';

export type Pki = { caCert: string; otherCaCert: string; serverCert: string; serverKey: string };

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A CA, a server certificate it signs for 127.0.0.1 and localhost, and another CA
 * that signed nothing of ours: made with the openssl CLI in `dir`, at test time.
 */
export function makePki(dir: string): Pki {
  const file = (name: string) => path.join(dir, name);
  for (const ca of ['ca', 'other-ca']) {
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=Ringmaster test ${ca}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }
  writeFileSync(
    file('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' +
      'basicConstraints=CA:FALSE\n',
  );
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  ]);
  return {
    caCert: file('ca.pem'),
    otherCaCert: file('other-ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
  };
}

export type HttpsServer = {
  url: string;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
};

/** `ringmaster server --tls-cert --tls-key` on loopback, once /healthz answers over TLS. */
export async function startHttpsServer(options: {
  dataDir: string;
  adminToken: string;
  pki: Pki;
  caPem: string;
}): Promise<HttpsServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      cliEntry,
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--data',
      options.dataDir,
      '--tls-cert',
      options.pki.serverCert,
      '--tls-key',
      options.pki.serverKey,
    ],
    {
      env: { ...process.env, RINGMASTER_ADMIN_TOKEN: options.adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `https://127.0.0.1:${port}`;
  const dispatcher = new Agent({ connect: { ca: options.caPem } });
  try {
    await waitFor(
      `${url}/healthz`,
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited:\n${output}`);
        const res = await request(`${url}/healthz`, { dispatcher });
        await res.body.dump();
        return res.statusCode === 200;
      },
      30_000,
      100,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output}`);
  } finally {
    await dispatcher.close();
  }
  return { url, child, log: () => output, stop: () => stopChild(child, 10_000) };
}
