import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, postgresUrl } from './support/engines.js';
import { inventoryFactory } from './factories/update.factory.js';
import { adminApi, startServerProcess, type ServerProcess } from './support/processes.js';

/**
 * Issue 8, fault 2, with real crashes: agents enroll in parallel while the server is
 * killed (SIGKILL) again and again; each agent retries with its nonce. Afterwards there
 * is one computer per agent, exactly one token use each, and no re-image at all.
 */
const AGENTS = 60;
const KILLS = 3;
const ADMIN = 'rm_admin_e2e-enroll-crash-0123456789';

const exited = (p: ServerProcess) =>
  p.child.exitCode !== null || p.child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => p.child.once('exit', () => resolve()));

type Auth = { computerId: string; credential: string };
type Agent = { nonce: string; inventory: ReturnType<typeof inventoryFactory>; auth?: Auth };

for (const engine of ENGINES) {
  describe(`enrollment across server kills on ${engine}`, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ringmaster-enroll-crash-'));
    const database = `ringmaster_enroll_${randomBytes(4).toString('hex')}`;
    const url = new URL(postgresUrl);
    url.pathname = `/${database}`;
    let server: ServerProcess | null = null;

    const start = async () => {
      server = await startServerProcess({
        dataDir,
        adminToken: ADMIN,
        ...(engine === 'postgres' ? { databaseUrl: url.toString() } : {}),
      });
      return server;
    };

    afterAll(async () => {
      await server?.stop();
      if (engine === 'postgres') {
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        await client.query(`drop database if exists ${database} with (force)`);
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('gives one computer per agent and spends one use each, whenever the server dies', async () => {
      if (engine === 'postgres') {
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        await client.query(`create database ${database}`);
        await client.end();
      }
      let current = await start();
      const token = await adminApi(current, ADMIN)<{ id: string; token: string }>(
        'POST',
        '/api/v1/enrollments',
        { expiresInSeconds: 3600 },
      );
      const agents: Agent[] = Array.from({ length: AGENTS }, (_, i) => ({
        nonce: randomBytes(24).toString('base64url'),
        inventory: inventoryFactory({ hostname: `crash-${engine}-${i}` }),
      }));
      const answers: Auth[][] = agents.map(() => []);
      let lost = 0;

      const tryAll = (target: ServerProcess, onFirstAnswer = () => {}) => {
        let first = true;
        return agents.map(async (agent, i) => {
          try {
            const res = await fetch(`${target.url}/agent/v1/enroll`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                enrollmentToken: token.token,
                inventory: agent.inventory,
                nonce: agent.nonce,
              }),
            });
            const body = (await res.json()) as Auth & { error?: string };
            expect(res.status, JSON.stringify(body)).toBe(201);
            answers[i]?.push(body);
            agent.auth = body;
            if (first) onFirstAnswer();
            first = false;
          } catch (error) {
            // The server died before answering: the agent will try again.
            if (error instanceof TypeError) return void lost++;
            throw error;
          }
        });
      };

      for (let kill = 0; kill < KILLS; kill++) {
        const target = current;
        // Killed at its first answer of the round: the other enrollments are in flight,
        // some committed and unanswered, some not committed.
        await Promise.all(tryAll(target, () => target.child.kill('SIGKILL')));
        await exited(target);
        current = await start();
      }
      await Promise.all(tryAll(current));
      // The kills did land mid-flight: answers were lost and had to be asked for again.
      expect(lost).toBeGreaterThan(0);

      for (const [i, agent] of agents.entries()) {
        expect(agent.auth, agent.inventory.hostname).toBeDefined();
        // Every answer an agent got, before or after a kill, is the same computer.
        expect(new Set(answers[i]?.map((a) => `${a.computerId} ${a.credential}`)).size).toBe(1);
      }
      const api = adminApi(current, ADMIN);
      const { items: computers } = await api<{
        items: { hostname: string; reimageCount: number }[];
      }>('GET', '/api/v1/computers?limit=500');
      expect(computers).toHaveLength(AGENTS);
      expect(computers.filter((c) => c.reimageCount > 0)).toEqual([]);
      expect((await api<{ items: unknown[] }>('GET', '/api/v1/reimage-requests')).items).toEqual(
        [],
      );
      const { items: tokens } = await api<{ items: { id: string; uses: number }[] }>(
        'GET',
        '/api/v1/enrollments?limit=500',
      );
      expect(tokens.find((t) => t.id === token.id)?.uses).toBe(AGENTS);
    });
  });
}
