import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckinResponse } from '../src/contracts/agent-protocol.js';
import { signEnvelope, signingKeyFromPem } from '../src/server/signing/ed25519.js';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';
import { waitFor } from './support/wait.js';

type Mode = 'pass' | 'capture' | 'replay' | 'expire' | 'mix';

/**
 * A tampering proxy between a real agent process and the real server: it passes
 * everything through, and changes check-in answers as the test says: holds one back
 * (to replay it later), replays it, re-signs the timestamp as expired with the
 * server's own timestamp key, or mixes assignments and files from two answers.
 */
class TamperingProxy {
  mode: Mode = 'pass';
  captured: CheckinResponse | null = null;
  private server: Server | null = null;
  url = '';

  constructor(
    private readonly upstream: string,
    private readonly timestampKey: () => string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.mode !== 'pass' && /\/checkin$/.test(req.url ?? '')) {
      // The proxy wants a whole answer to tamper with, not a 204: it drops the idle tag.
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      delete request.answerTag;
      chunks.splice(0, chunks.length, Buffer.from(JSON.stringify(request)));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    }
    const upstream = await fetch(`${this.upstream}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    const isCheckin = /\/checkin$/.test(req.url ?? '') && upstream.status === 200;
    if (!isCheckin || this.mode === 'pass') {
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      });
      res.end(body);
      return;
    }
    const answer = JSON.parse(body.toString('utf8')) as CheckinResponse;
    if (this.mode === 'capture') {
      // Keep it for a replay; the agent hears that the server is unavailable.
      this.captured = answer;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'unavailable', message: 'held back by the proxy' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(this.tamper(answer)));
  }

  private tamper(answer: CheckinResponse): CheckinResponse {
    const old = this.captured;
    if (!old?.metadata || !answer.metadata) throw new Error('nothing to tamper with');
    if (this.mode === 'replay') return old;
    if (this.mode === 'expire') {
      const key = signingKeyFromPem(this.timestampKey());
      const signed = { ...answer.metadata.timestamp.signed, expires: '2026-01-01T00:00:00.000Z' };
      return {
        ...answer,
        metadata: { ...answer.metadata, timestamp: signEnvelope(signed, [key]) },
      };
    }
    // mix: today's signed metadata, with the assignments of the older answer and one
    // update given the files of another.
    const [first, second] = old.assignments;
    if (!first || !second) throw new Error('the captured answer has two assignments');
    return { ...answer, assignments: [{ ...first, files: second.files }, second] };
  }
}

describe('a tampering proxy between a real agent and the server', () => {
  const adminToken = 'rm_admin_e2e-signing-0123456789';
  let work: string;
  let server: ServerProcess;
  let proxy: TamperingProxy;
  let env: NodeJS.ProcessEnv;

  const cli = async (...args: string[]) => {
    const result = await runCli([...args, '--json'], env);
    if (result.code !== 0) throw new Error(`ringmaster ${args.join(' ')}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as unknown;
  };
  const marker = (id: string) => path.join(work, 'host', `${id}.installed`);

  function updateDir(id: string): string {
    const dir = path.join(work, 'updates', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'install.sh'), `touch "${marker(id)}"\n# ${id}\n`);
    writeFileSync(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id,
        title: `Signed ${id}`,
        severity: 'critical',
        platforms: [{ os: 'linux' }],
        files: ['install.sh'],
        detect: { type: 'file', path: marker(id) },
        install: { command: 'sh install.sh', timeoutSeconds: 60 },
      }),
    );
    return dir;
  }

  /** The server's current timestamp key, from its database (what an attacker who stole it has). */
  function timestampKey(): string {
    const db = new Database(path.join(work, 'server', 'ringmaster.db'), { readonly: true });
    try {
      const root = db
        .prepare('SELECT body FROM root_metadata ORDER BY version DESC LIMIT 1')
        .get() as { body: string };
      const keyid = (
        JSON.parse(root.body) as { signed: { roles: { timestamp: { keyids: string[] } } } }
      ).signed.roles.timestamp.keyids[0];
      const row = db.prepare('SELECT private_key FROM signing_keys WHERE keyid = ?').get(keyid) as {
        private_key: string;
      };
      return row.private_key;
    } finally {
      db.close();
    }
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-signing-'));
    mkdirSync(path.join(work, 'host'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
    proxy = new TamperingProxy(server.url, timestampKey);
    await proxy.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'refuses replayed, expired and mixed answers, installs nothing from them, and the server hears why',
    { timeout: 240_000 },
    async () => {
      for (const id of ['SIGNED-A', 'SIGNED-B']) await cli('update', 'import', updateDir(id));
      await cli('group', 'create', 'signed');
      const { token } = (await cli('enrollment', 'create', '--group', 'signed')) as {
        token: string;
      };
      const stateDir = path.join(work, 'agent-state');
      const agent = () =>
        runCli([
          'agent',
          '--server',
          proxy.url,
          '--enrollment-token',
          token,
          '--state-dir',
          stateDir,
          '--hostname',
          'signed-pc',
          '--no-push',
          '--once',
        ]);

      // Enrolled through the proxy, root pinned; an empty answer accepted.
      const first = await agent();
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(existsSync(path.join(stateDir, 'trust.json'))).toBe(true);

      const ids: Record<string, string> = {};
      for (const id of ['SIGNED-A', 'SIGNED-B']) {
        ids[id] = (
          (await cli('deployment', 'create', '--update', id, '--group', 'signed')) as {
            id: string;
          }
        ).id;
      }
      const opened = async (id: string) =>
        ((await cli('deployment', 'show', id)) as { phases: { openedAt: string | null }[] })
          .phases[0]?.openedAt != null;
      await waitFor(
        'both deployments to open',
        async () => (await opened(ids['SIGNED-A'] ?? '')) && (await opened(ids['SIGNED-B'] ?? '')),
        30_000,
      );

      // The answer with both updates is held back; then both halt and an empty answer is accepted.
      proxy.mode = 'capture';
      expect((await agent()).code).not.toBe(0);
      expect(proxy.captured?.assignments).toHaveLength(2);
      for (const id of Object.values(ids)) await cli('deployment', 'halt', id);
      proxy.mode = 'pass';
      const empty = await agent();
      expect(empty.code, empty.stdout + empty.stderr).toBe(0);

      // (a) Replay of the older answer: a rollback.
      proxy.mode = 'replay';
      const replayed = await agent();
      expect(replayed.code).not.toBe(0);
      expect(replayed.stdout + replayed.stderr).toMatch(/rollback/);

      // (b) Today's answer for SIGNED-A, its timestamp re-signed as expired: a freeze.
      await cli('deployment', 'resume', ids['SIGNED-A'] ?? '');
      proxy.mode = 'expire';
      const expired = await agent();
      expect(expired.code).not.toBe(0);
      expect(expired.stdout + expired.stderr).toMatch(/freeze/);

      // (c) Today's signed metadata with the older answer's assignments and files mixed in.
      proxy.mode = 'mix';
      const mixed = await agent();
      expect(mixed.code).not.toBe(0);
      expect(mixed.stdout + mixed.stderr).toMatch(/mix-and-match/);

      // Nothing of the refused answers ran.
      expect(existsSync(marker('SIGNED-A'))).toBe(false);
      expect(existsSync(marker('SIGNED-B'))).toBe(false);

      // An honest answer again: the rejections reach the server, and SIGNED-A installs.
      proxy.mode = 'pass';
      const honest = await agent();
      expect(honest.code, honest.stdout + honest.stderr).toBe(0);
      expect(existsSync(marker('SIGNED-A'))).toBe(true);
      expect(existsSync(marker('SIGNED-B'))).toBe(false);
      const shown = (await cli('computer', 'show', 'signed-pc')) as {
        rejections: { reason: string; role: string | null }[];
      };
      expect(shown.rejections.map((r) => r.reason).sort()).toEqual([
        'freeze',
        'mix-and-match',
        'rollback',
      ]);
      const text = await runCli(['computer', 'show', 'signed-pc'], env);
      expect(text.stdout).toMatch(/Refused answers/);
    },
  );
});
