/**
 * Time-to-compliance: a server and a simulator on one virtual clock (--time-scale,
 * --clock-origin); a fleet with an online schedule (`offline=0.3:intermittent`); a
 * phased plan (pilot 5% → broad 100%, soak, 90% gate); the virtual seconds from the
 * creation until 95% installed (the server's installedAt of each computer), divided by
 * the lower bound computed from the sim's truth file and the plan (compliance.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allItems } from '../../src/client/paging.js';
import {
  complianceLowerBound,
  faultsFromTruth,
  reachSeconds,
  type TruthComputer,
} from './compliance.js';
import {
  complianceBreakdown,
  describeBreakdown,
  type BreakdownComputer,
} from './compliance-breakdown.js';
import { importBenchUpdate, withServer } from './scenario-server.js';
import type { NotMeasured, ScenarioContext, TimeToCompliance } from './scenario-types.js';
import { SimProcess } from './sim-procs.js';
import { waitFor } from './wait.js';

/** A Monday 08:00 UTC: the intermittent schedule does not depend on the date, nights would. */
const CLOCK_ORIGIN = '2026-11-30T08:00:00.000Z';

export async function measureTimeToCompliance(
  ctx: ScenarioContext,
): Promise<TimeToCompliance | NotMeasured> {
  // `horizon`: bounds the waits (enrolment within it, 95% within 1.5× it, virtual); the
  // fault schedules cover twice it (intermittent windows are shares of that).
  // The time scale turns every real second the server and the simulator take into that
  // many virtual seconds, and multiplies the fleet's check-in rate (600 computers every
  // 300 virtual s are 100 check-ins per real second at ×50, 300 at ×150): on a small
  // shared machine ×150 measured the machine's queues more than the rollout.
  const defaults = ctx.quick
    ? { agents: 120, timeScale: 500, horizon: 1.5 * 3600, soak: 600 }
    : { agents: 600, timeScale: 50, horizon: 4 * 3600, soak: 900 };
  const s = { ...defaults, timeScale: ctx.complianceTimeScale ?? defaults.timeScale };
  const faults = 'offline=0.3:intermittent';
  const checkin = 300;
  const installSeconds = 30;
  const gatePercent = 90;
  const phases = [
    { name: 'pilot', percent: 5 },
    { name: 'broad', percent: 100 },
  ];
  ctx.log(
    `\n[${ctx.engine} · time-to-compliance · ${s.agents} agents, ${faults}, ×${s.timeScale}]`,
  );
  try {
    return await withServer(
      ctx,
      [
        '--checkin-interval',
        String(checkin),
        '--time-scale',
        String(s.timeScale),
        '--clock-origin',
        CLOCK_ORIGIN,
      ],
      async (server, api, dataDir) => {
        const realStart = Date.now();
        await importBenchUpdate(api, dataDir, 'BENCH-PHASED');
        await api.createGroup({ name: 'everyone', query: 'os = "linux"' });
        const enrollment = await api.createEnrollment({ expiresInSeconds: 30 * 86_400 });
        const truthFile = path.join(dataDir, 'truth.json');
        const sim = await SimProcess.fork(ctx.simWorker);
        try {
          if (ctx.priority !== null) ctx.setPriority([sim.pid], ctx.priority);
          const startMs = await sim.start({
            serverUrl: server.origin,
            enrollmentToken: enrollment.token ?? '',
            agents: s.agents,
            seed: 7,
            faults,
            installSeconds,
            timeScale: s.timeScale,
            horizonSeconds: s.horizon * 2,
            rampSeconds: 60,
            concurrency: 256,
            connections: 32,
            truthFile,
            hostnamePrefix: 'ttc',
            // As real agents do by default (docs/agent.md): the push channel held, so a
            // phase that opens wakes its computers instead of waiting for their check-in.
            push: true,
          });
          // The intermittent computers start switched off: create the deployment once
          // every computer has enrolled, so that the whole fleet is its target.
          await waitFor(
            `all ${s.agents} computers to enroll`,
            async () => (await api.listComputers({ limit: 1 })).total >= s.agents,
            (s.horizon / s.timeScale) * 1000,
            250,
          );
          const created = await api.createDeployment({
            update: 'BENCH-PHASED',
            group: 'everyone',
            plan: { phases, soakSeconds: s.soak, gate: { minSuccessPercent: gatePercent } },
          });
          const createdMs = Date.parse(created.createdAt);
          // Not 95% within 1.5× the horizon: the figures below say how far it got.
          const detail = await waitFor(
            '95% installed',
            async () => {
              const d = await api.getDeployment(created.id);
              return d.total > 0 && (d.counts.installed ?? 0) >= Math.ceil(0.95 * d.total) && d;
            },
            ((s.horizon * 1.5) / s.timeScale) * 1000,
            500,
          ).catch(() => api.getDeployment(created.id));
          const computers = await allItems((cursor) =>
            api.listDeploymentComputers(created.id, { cursor, limit: 500 }),
          );
          const installedTimes = computers
            .map((c) => (c.state === 'installed' && c.installedAt ? Date.parse(c.installedAt) : 0))
            .filter((t) => t > 0);
          const reached = reachSeconds(installedTimes, detail.total, createdMs);
          const measuredSeconds = reached === null ? null : Math.round(reached * 10) / 10;

          const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as {
            computers: TruthComputer[];
            bootSeconds?: { min: number };
          };
          // Each computer's own boot is in the truth file; the shortest for any without.
          const minBootSeconds = truth.bootSeconds?.min ?? 0;
          const steps = new Map((await sim.timeline()).map((t) => [t.hostname, t]));
          const byHost = new Map(truth.computers.map((c) => [c.hostname, c]));
          const phaseIndex = new Map(phases.map((p, i) => [p.name, i]));
          const bound = complianceLowerBound({
            computers: computers.map((c) => ({
              faults: faultsFromTruth(byHost.get(c.hostname)?.faults ?? []),
              phase: phaseIndex.get(c.phase ?? '') ?? phases.length - 1,
              bootSeconds: byHost.get(c.hostname)?.bootSeconds,
            })),
            phases: phases.length,
            createdSeconds: (createdMs - startMs) / 1000,
            soakSeconds: s.soak,
            gatePercent,
            minInstallSeconds: installSeconds * 0.5,
            minBootSeconds,
            share: 0.95,
            startEpochMs: startMs,
          });
          // The timeline: when each gate was met by the server's own installedAt
          // (the engine can open the next phase no sooner), against when it opened.
          const gateMetSeconds = phases.slice(0, -1).map((p) => {
            const mine = computers.filter((c) => c.phase === p.name);
            const t = reachSeconds(
              mine.map((c) =>
                c.state === 'installed' && c.installedAt ? Date.parse(c.installedAt) : 0,
              ),
              mine.length,
              createdMs,
              gatePercent / 100,
            );
            return t === null ? null : Math.round(t);
          });
          const sinceCreation = (ms: number | undefined): number | null =>
            ms ? (ms - createdMs) / 1000 : null;
          const breakdown = complianceBreakdown({
            computers: computers.map((c): BreakdownComputer => {
              const t = steps.get(c.hostname);
              return {
                phase: phaseIndex.get(c.phase ?? '') ?? phases.length - 1,
                faults: faultsFromTruth(byHost.get(c.hostname)?.faults ?? []),
                bootSeconds: byHost.get(c.hostname)?.bootSeconds,
                installedAt:
                  c.state === 'installed' && c.installedAt
                    ? sinceCreation(Date.parse(c.installedAt))
                    : null,
                cameOnAt: sinceCreation(t?.cameOnAt),
                agentStartedAt: sinceCreation(t?.agentStartedAt),
                wokenAt: sinceCreation(t?.wokenAt),
                cycleStartedAt: sinceCreation(t?.cycleStartedAt),
                checkedInAt: sinceCreation(t?.checkedInAt),
                cycles: t?.cycles ?? 0,
                installStartedAt: sinceCreation(t?.installStartedAt),
                installEndedAt: sinceCreation(t?.installEndedAt),
              };
            }),
            phases: phases.map((p, k) => {
              const opened = detail.phases[k]?.openedAt;
              return {
                name: p.name,
                openedAt: opened ? sinceCreation(Date.parse(opened)) : null,
                boundOpensAt: bound.phaseOpensSeconds[k] ?? Number.POSITIVE_INFINITY,
                gateMetAt: gateMetSeconds[k] ?? null,
              };
            }),
            soakSeconds: s.soak,
            createdSeconds: (createdMs - startMs) / 1000,
            startEpochMs: startMs,
            minInstallSeconds: installSeconds * 0.5,
            minBootSeconds,
            share: 0.95,
          });
          const result: TimeToCompliance = {
            measured: true,
            agents: s.agents,
            faults,
            timeScale: s.timeScale,
            clockOrigin: CLOCK_ORIGIN,
            checkinIntervalSeconds: checkin,
            plan: { phases, soakSeconds: s.soak, gatePercent },
            installSeconds,
            minBootSeconds,
            secondsTo95Installed: measuredSeconds,
            lowerBoundSeconds: bound.seconds,
            ratio:
              measuredSeconds !== null && bound.seconds
                ? Math.round((measuredSeconds / bound.seconds) * 100) / 100
                : null,
            phaseOpenedSeconds: detail.phases.map((p) =>
              p.openedAt ? Math.round((Date.parse(p.openedAt) - createdMs) / 1000) : null,
            ),
            lowerBoundPhaseOpensSeconds: bound.phaseOpensSeconds.map((x) => Math.round(x)),
            gateMetSeconds,
            target: detail.total,
            installed: detail.counts.installed ?? 0,
            realSeconds: Math.round((Date.now() - realStart) / 1000),
            breakdown,
          };
          ctx.log(
            `  95% installed after ${measuredSeconds} virtual s; lower bound ${bound.seconds} s; ratio ${result.ratio} (phases opened at ${result.phaseOpenedSeconds.join(', ')} s; earliest ${result.lowerBoundPhaseOpensSeconds.join(', ')} s; gates met at ${gateMetSeconds.join(', ')} s, soak ${s.soak} s)`,
          );
          for (const line of describeBreakdown(breakdown)) ctx.log(line);
          return result;
        } finally {
          await sim.stop();
        }
      },
    );
  } catch (error) {
    ctx.log(`  time-to-compliance failed: ${(error as Error).message}`);
    return { measured: false, reason: `failed: ${(error as Error).message}` };
  }
}
