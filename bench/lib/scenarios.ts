/**
 * Measurements 2 (emergency reach) and 3 (time-to-compliance) need the fleet simulator
 * (src/sim) and the phased rollout engine. Until they are wired in, the benchmark reports
 * them as not measured, with the reason, so the JSON keeps the same fields.
 *
 * How they slot in (run.ts calls these once per engine, after the check-in runs):
 * - emergency reach: start a server (lib/server-process.ts) on a fresh database, create a
 *   group, an enrollment token and an update through the admin API, start
 *   `startSim({ agents, faults: [], timeScale: 1, … })` from src/sim/run.ts in a forked
 *   process (or two), wait until the fleet has enrolled and is idle, then create an
 *   emergency deployment and poll the deployment's statuses: record the seconds until
 *   95% of online agents are past `pending` and until 95% are `installed`.
 * - time-to-compliance: the same with an online-schedule fault mix and a phased plan on
 *   a shared virtual clock (`--time-scale` on server and sim); the lower bound comes from
 *   the sim's truth file (each computer's online moments) and the plan's windows/gates.
 */

export type NotMeasured = { measured: false; reason: string };

export type EmergencyReach = {
  measured: true;
  agents: number;
  onlineAgents: number;
  /** Seconds from deployment creation until 95% of online agents started / installed. */
  secondsTo95Started: number | null;
  secondsTo95Installed: number | null;
};

export type TimeToCompliance = {
  measured: true;
  agents: number;
  secondsTo95Installed: number | null;
  /** The earliest possible time to 95% given online moments, windows and gates. */
  lowerBoundSeconds: number | null;
  ratio: number | null;
};

export type ScenarioContext = {
  engine: 'sqlite' | 'postgres';
  quick: boolean;
  /** Fleet sizes for the emergency-reach measurement (10k and 100k in full mode). */
  agents: number[];
};

export function measureEmergencyReach(
  _ctx: ScenarioContext,
): Promise<EmergencyReach[] | NotMeasured> {
  return Promise.resolve({
    measured: false,
    reason:
      'not measured yet: needs the fleet simulator (src/sim) and the push channel of the phased engine; the harness slot is bench/lib/scenarios.ts',
  });
}

export function measureTimeToCompliance(
  _ctx: ScenarioContext,
): Promise<TimeToCompliance | NotMeasured> {
  return Promise.resolve({
    measured: false,
    reason:
      'not measured yet: needs the fleet simulator (src/sim) with online schedules and the phased rollout engine; the harness slot is bench/lib/scenarios.ts',
  });
}
