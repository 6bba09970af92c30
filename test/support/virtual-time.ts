import { afterAll, beforeAll } from 'vitest';
import type { EngineName } from './engines.js';
import { fleetDriver } from './fleet.js';
import { startTestServer, type TestServer } from './test-server.js';

/** A deployment as the admin API answers it: the fields the virtual-time suites read. */
export type DeploymentAnswer = {
  id: string;
  state: string;
  stateReason: string | null;
  counts: Record<string, number>;
  phases: { name: string; openedAt: string | null; size: number }[];
};

export type VirtualTimeServer = {
  readonly server: TestServer;
  readonly fleet: ReturnType<typeof fleetDriver>;
  /** Moves the server's clock on; it stands still otherwise. */
  advance(ms: number): void;
};

/**
 * A test server for one suite on `engine`, started before its tests and stopped after
 * them, whose clock stands at `start` until a test advances it, with the engine's loop
 * off: a test runs each tick itself (`server.services.engine.run()`).
 */
export function virtualTimeServer(
  engine: EngineName,
  start = Date.parse('2026-06-01T00:00:00Z'),
): VirtualTimeServer {
  let now = start;
  let running: { server: TestServer; fleet: ReturnType<typeof fleetDriver> } | undefined;
  const started = (): NonNullable<typeof running> => {
    if (running === undefined) throw new Error('the virtual-time server starts in beforeAll');
    return running;
  };
  beforeAll(async () => {
    const server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: 0 });
    running = { server, fleet: fleetDriver(server, () => now) };
  });
  afterAll(async () => {
    await running?.server.stop();
  });
  return {
    get server() {
      return started().server;
    },
    get fleet() {
      return started().fleet;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
