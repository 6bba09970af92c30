import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type Pki } from '../../test/support/tls.js';
import { pinnedCa } from './pinned-ca.js';

describe('the pinned CA in the agent state dir', () => {
  let work: string;
  let pki: Pki;
  const url = 'https://ringmaster.example:8443';

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-pin-'));
    pki = makePki(work);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is none until --ca is given; then kept, private, and used without the flag', async () => {
    const stateDir = path.join(work, 'state-1');
    expect(await pinnedCa({ stateDir, caFile: undefined, serverUrls: [url] })).toBeNull();

    const given = await pinnedCa({ stateDir, caFile: pki.caCert, serverUrls: [url] });
    expect(given).toMatchObject({ stored: true, pem: readFileSync(pki.caCert, 'utf8') });
    expect(given?.subject).toContain('Ringmaster test ca');
    expect(statSync(path.join(stateDir, 'server-ca.json')).mode & 0o077).toBe(0);

    const kept = await pinnedCa({ stateDir, caFile: undefined, serverUrls: [url] });
    expect(kept).toMatchObject({ stored: false, pem: given?.pem, fingerprint: given?.fingerprint });
  });

  it('is replaced by a new --ca (rotation)', async () => {
    const stateDir = path.join(work, 'state-2');
    await pinnedCa({ stateDir, caFile: pki.caCert, serverUrls: [url] });
    await pinnedCa({ stateDir, caFile: pki.otherCaCert, serverUrls: [url] });
    const kept = await pinnedCa({ stateDir, caFile: undefined, serverUrls: [url] });
    expect(kept?.pem).toBe(readFileSync(pki.otherCaCert, 'utf8'));
  });

  it('refuses an http:// server, a file that is no certificate, and a damaged pin', async () => {
    const stateDir = path.join(work, 'state-3');
    await expect(
      pinnedCa({ stateDir, caFile: pki.caCert, serverUrls: ['http://ringmaster.example'] }),
    ).rejects.toThrow('is not https://');
    // One plain replica among the servers is as bad as all of them.
    await expect(
      pinnedCa({
        stateDir,
        caFile: pki.caCert,
        serverUrls: [url, 'http://replica-2.example', 'https://replica-3.example'],
      }),
    ).rejects.toThrow('the server URL http://replica-2.example is not https://');
    // The pin was kept all the same: a later run without --ca is not downgraded either.
    await expect(
      pinnedCa({ stateDir, caFile: undefined, serverUrls: ['http://ringmaster.example'] }),
    ).rejects.toThrow('is not https://');

    await expect(pinnedCa({ stateDir, caFile: pki.serverKey, serverUrls: [url] })).rejects.toThrow(
      `--ca: ${pki.serverKey} is not a PEM certificate`,
    );
    await expect(
      pinnedCa({ stateDir, caFile: path.join(work, 'missing.pem'), serverUrls: [url] }),
    ).rejects.toThrow('--ca: cannot read');

    writeFileSync(path.join(stateDir, 'server-ca.json'), '{"pem":');
    await expect(pinnedCa({ stateDir, caFile: undefined, serverUrls: [url] })).rejects.toThrow(
      'is damaged: give --ca again',
    );
  });
});
