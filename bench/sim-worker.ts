/**
 * One simulator process of the benchmark (measurements 2 and 3), forked by
 * bench/lib/sim-procs.ts: runs `startSim` from src/sim against the server, apart from the
 * server's process, and answers the parent's requests over IPC.
 */
import { parseFaults } from '../src/sim/faults.js';
import { startSim, type SimRun } from '../src/sim/run.js';
import type { SimReply, SimRequest } from './lib/sim-protocol.js';

let run: SimRun | null = null;

const send = (message: SimReply): void => {
  process.send?.(message);
};

async function handle(request: SimRequest): Promise<SimReply> {
  switch (request.type) {
    case 'start': {
      const o = request.options;
      run = await startSim({
        serverUrl: o.serverUrl,
        enrollmentToken: o.enrollmentToken,
        agents: o.agents,
        seed: o.seed,
        sites: [],
        faults: parseFaults(o.faults),
        installSeconds: o.installSeconds,
        timeScale: o.timeScale,
        durationSeconds: undefined,
        horizonSeconds: o.horizonSeconds,
        rampSeconds: o.rampSeconds,
        concurrency: o.concurrency,
        connections: o.connections,
        truthFile: o.truthFile,
        hostnamePrefix: o.hostnamePrefix,
        summaryEverySeconds: 0,
        push: o.push,
      });
      return { type: 'started', id: request.id, startMs: run.fleet.startMs };
    }
    case 'stats': {
      const s = requireRun().fleet.stats();
      const p = requireRun().fleet.pushStats();
      return {
        type: 'stats',
        id: request.id,
        online: s.online,
        checkins: s.checkins,
        errors: s.errors,
        lastError: s.lastError,
        pushConnected: p?.connected ?? 0,
        pushHolding: p?.holding ?? 0,
      };
    }
    case 'reset':
      requireRun().fleet.resetPushStats();
      return { type: 'ok', id: request.id };
    case 'push': {
      const p = requireRun().fleet.pushStats();
      return {
        type: 'push',
        id: request.id,
        holdingAtFirstWake: p?.holdingAtFirstWake ?? 0,
        holding: p?.holding ?? 0,
        startedAt: p ? Array.from(p.realStartedAt) : [],
        installedAt: p ? Array.from(p.realInstalledAt) : [],
      };
    }
    case 'runs':
      return {
        type: 'runs',
        id: request.id,
        computers: requireRun().fleet.computers.map((c) => ({
          hostname: c.hostname,
          installRuns: c.installRuns,
        })),
      };
    case 'timeline': {
      const fleet = requireRun().fleet;
      const steps = fleet.timeline();
      return {
        type: 'timeline',
        id: request.id,
        computers: fleet.computers.map((c, i) => ({ hostname: c.hostname, ...steps[i]! })),
      };
    }
    case 'stop':
      if (run) await run.stop();
      run = null;
      return { type: 'ok', id: request.id };
  }
}

function requireRun(): SimRun {
  if (!run) throw new Error('the simulator has not started');
  return run;
}

process.on('message', (request: SimRequest) => {
  handle(request).then(send, (error: unknown) =>
    send({
      type: 'error',
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
    }),
  );
});
process.on('disconnect', () => {
  void (run?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
send({ type: 'ready', id: 0 });
