import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { cliEntry, runCli, type CliResult } from './support/processes.js';
import { waitFor } from './support/wait.js';
import { makePki, startHttpsServer, type HttpsServer, type Pki } from './support/tls.js';

const adminToken = 'e2e-tls-admin-token-0123456789';

/** Real processes over HTTPS: the server's certificate, the agent's and the CLI's pin. */
describe('TLS: the server serves HTTPS, agents and the CLI pin its CA', () => {
  let work: string;
  let pki: Pki;
  let server: HttpsServer;

  const said = (run: CliResult) => `exit ${run.code}\n${run.stdout}\n${run.stderr}`;
  const admin = (...args: string[]) =>
    runCli([...args, '--json'], {
      RINGMASTER_URL: server.url,
      RINGMASTER_TOKEN: adminToken,
      RINGMASTER_CA: pki.caCert,
    });
  const computers = async () => {
    const run = await admin('computer', 'list');
    expect(run.code, said(run)).toBe(0);
    return (JSON.parse(run.stdout) as { items: { hostname: string; lastSeenAt: string | null }[] })
      .items;
  };

  const health = async () => {
    const dispatcher = new Agent({ connect: { ca: readFileSync(pki.caCert, 'utf8') } });
    try {
      const res = await request(`${server.url}/healthz`, { dispatcher });
      return (await res.body.json()) as { pushConnected: number };
    } finally {
      await dispatcher.close();
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-tls-'));
    pki = makePki(work);
    server = await startHttpsServer({
      dataDir: path.join(work, 'server'),
      adminToken,
      pki,
      caPem: readFileSync(pki.caCert, 'utf8'),
    });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses to start with half a key pair, an unreadable file or a mismatched pair', async () => {
    const data = path.join(work, 'never');
    const cases: [string[], string][] = [
      [['--tls-cert', pki.serverCert], '--tls-cert needs --tls-key'],
      [['--tls-key', pki.serverKey], '--tls-key needs --tls-cert'],
      [
        ['--tls-cert', pki.serverCert, '--tls-key', path.join(work, 'missing.key')],
        '--tls-key: cannot read',
      ],
      [
        ['--tls-cert', pki.otherCaCert, '--tls-key', pki.serverKey],
        'are not a certificate and its key',
      ],
    ];
    for (const [flags, message] of cases) {
      const run = await runCli(['server', '--port', '1', '--data', data, ...flags]);
      expect(run.code, said(run)).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });

  it('the CLI with --ca lists computers; without it, or with another CA, it refuses', async () => {
    expect(await computers()).toEqual([]);

    const env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
    const unpinned = await runCli(['computer', 'list'], env);
    expect(unpinned.code, said(unpinned)).toBe(1);
    expect(unpinned.stderr).toContain("the server's TLS certificate is not trusted");

    const wrong = await runCli(['computer', 'list', '--ca', pki.otherCaCert], env);
    expect(wrong.code, said(wrong)).toBe(1);
    expect(wrong.stderr).toContain('not trusted by the pinned CA (--ca)');

    const plain = await runCli(['computer', 'list', '--ca', pki.caCert], {
      ...env,
      RINGMASTER_URL: server.url.replace('https:', 'http:'),
    });
    expect(plain.code, said(plain)).toBe(2);
    expect(plain.stderr).toContain('--ca needs an https:// --url');
  });

  it('an agent with another CA is refused and says why; one with the right CA enrolls, keeps the pin and checks in', async () => {
    await admin('group', 'create', 'tls');
    const created = await admin('enrollment', 'create', '--group', 'tls', '--uses', '1');
    expect(created.code, said(created)).toBe(0);
    const token = (JSON.parse(created.stdout) as { token: string }).token;
    const agent = (stateDir: string, ...flags: string[]) =>
      runCli(
        [
          'agent',
          '--server',
          server.url,
          '--state-dir',
          stateDir,
          '--hostname',
          'tls-pc-1',
          '--once',
          ...flags,
        ],
        { RINGMASTER_URL: '', RINGMASTER_CA: '' },
      );

    // Another CA: no enrollment, the token use is not spent, and the log says why.
    const refused = await agent(
      path.join(work, 'agent-wrong'),
      '--ca',
      pki.otherCaCert,
      '--enrollment-token',
      token,
    );
    expect(refused.code, said(refused)).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(
      /enrollment failed: the server's TLS certificate is not trusted by the pinned CA/,
    );
    expect(await computers()).toEqual([]);

    // The right CA: enrolls (with the one token use), and the pin is kept, private.
    const stateDir = path.join(work, 'agent');
    const enrolled = await agent(stateDir, '--ca', pki.caCert, '--enrollment-token', token);
    expect(enrolled.code, said(enrolled)).toBe(0);
    expect(enrolled.stdout).toContain('server CA pinned (kept in the state dir)');
    expect(statSync(path.join(stateDir, 'server-ca.json')).mode & 0o077).toBe(0);
    const first = await computers();
    expect(first.map((c) => c.hostname)).toEqual(['tls-pc-1']);

    // A later run needs no --ca: it uses the kept pin, and checks in.
    const later = await agent(stateDir);
    expect(later.code, said(later)).toBe(0);
    expect(later.stdout).toContain('server CA pinned at enrollment');
    const [seen] = await computers();
    expect(seen?.lastSeenAt).not.toBeNull();
    expect(Date.parse(seen?.lastSeenAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(first[0]?.lastSeenAt ?? ''),
    );

    // In loop mode the push channel (a long-lived stream) holds over TLS too.
    const looping = spawn(
      process.execPath,
      [cliEntry, 'agent', '--server', server.url, '--state-dir', stateDir, '--json'],
      { env: { ...process.env, RINGMASTER_URL: '', RINGMASTER_CA: '' }, stdio: 'ignore' },
    );
    try {
      await waitFor(
        'the agent to hold its push channel',
        async () => (await health()).pushConnected === 1,
        30_000,
      );
    } finally {
      looping.kill('SIGTERM');
      await new Promise((resolve) => looping.once('exit', resolve));
    }

    // The kept pin is never dropped for plain HTTP.
    const downgraded = await runCli(
      [
        'agent',
        '--server',
        server.url.replace('https:', 'http:'),
        '--state-dir',
        stateDir,
        '--once',
      ],
      { RINGMASTER_URL: '', RINGMASTER_CA: '' },
    );
    expect(downgraded.code, said(downgraded)).toBe(2);
    expect(downgraded.stderr).toContain('is not https://');
  });
});
