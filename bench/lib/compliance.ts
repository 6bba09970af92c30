/**
 * Pure helpers of measurements 2 and 3: how fast a share of the fleet was reached, and
 * the earliest time a phased rollout could possibly reach 95% installed on a fleet with
 * an online schedule (the lower bound the measured time is divided by).
 */
import { downAt, onlineAt, type ComputerFaults, type Window } from '../../src/sim/faults.js';

/**
 * Seconds from `sinceMs` until `share` of `of` computers had a time (epoch ms; 0: never),
 * i.e. the ceil(share × of)-th earliest non-zero time; null when fewer got there.
 */
export function reachSeconds(
  times: ArrayLike<number>,
  of: number,
  sinceMs: number,
  share = 0.95,
): number | null {
  if (of <= 0) return null;
  const need = Math.max(1, Math.ceil(share * of - 1e-9));
  const got = Float64Array.from(times)
    .filter((t) => t !== 0)
    .sort();
  const t = got[need - 1];
  return t === undefined ? null : Math.round(t - sinceMs) / 1000;
}

/** One computer of the truth file (`ringmaster sim --truth`), as far as the bound needs. */
export type TruthComputer = {
  hostname: string;
  faults: Record<string, unknown>[];
  /** Its boot: its agent starts this long after it comes on (absent in older truth files). */
  bootSeconds?: number;
};

/**
 * The computer's fault model back from its truth-file description: only what takes it
 * away (offline schedule, re-image, agent stopped, network cut) matters to the bound.
 */
export function faultsFromTruth(described: readonly Record<string, unknown>[]): ComputerFaults {
  const f: ComputerFaults = {};
  for (const d of described) {
    switch (d.kind) {
      case 'offline':
        f.offline = {
          schedule: d.schedule as 'intermittent' | 'nights' | 'laptop',
          windows: (d.windows as Window[] | undefined) ?? [],
        };
        break;
      case 'reimage':
        f.reimage = { atSeconds: Number(d.atSeconds), downSeconds: Number(d.downSeconds) };
        break;
      case 'agent-stopped':
        f.agentStopped = {
          from: Number(d.from),
          to: d.to === null ? null : Number(d.to),
          detail: String(d.detail),
        };
        break;
      case 'server-unreachable':
        f.serverUnreachable = { from: Number(d.from), to: Number(d.to) };
        break;
    }
  }
  return f;
}

/**
 * The earliest moment (seconds since the simulation started) at or after `fromSeconds`
 * when the computer can have finished an install of `durationSeconds`: the start of its
 * first online span that holds the whole install, once its agent runs. With
 * `bootSeconds`, an agent runs no sooner than that long after its computer came back
 * from an off window or a re-image (the simulator's shortest boot); the computers on
 * since the simulation started count as running. Infinity when none comes.
 */
export function earliestCompletion(
  faults: ComputerFaults | null,
  fromSeconds: number,
  durationSeconds: number,
  startEpochMs: number,
  options: { bootSeconds?: number } = {},
): number {
  const boot = options.bootSeconds ?? 0;
  let t = fromSeconds;
  for (let guard = 0; guard < 10_000; guard++) {
    if (faults?.offline) t = onlineAt(faults.offline, t, startEpochMs);
    if (!Number.isFinite(t)) return Number.POSITIVE_INFINITY;
    t = agentUpAt(faults, t, boot);
    const away = downAt(faults, t, startEpochMs);
    if (away - t >= durationSeconds) return t + durationSeconds;
    // Away now (another fault) or too soon: try again after it comes back.
    t = away <= t ? nextBack(faults, t, startEpochMs) : away;
    if (!Number.isFinite(t)) return Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * When the agent of a computer on at `t` runs: `t`, or the end of the boot that follows
 * the off window or re-image it came back from less than `boot` seconds before.
 */
function agentUpAt(faults: ComputerFaults | null, t: number, boot: number): number {
  if (boot <= 0 || !faults) return t;
  const backs = (faults.offline?.windows ?? []).flatMap((w) => (w.to === null ? [] : [w.to]));
  if (faults.reimage) backs.push(faults.reimage.atSeconds + faults.reimage.downSeconds);
  // A boot that ends after another came-back moment: that one's boot counts too.
  let up = t;
  for (let moved = true; moved;) {
    moved = false;
    for (const at of backs)
      if (at > 0 && at <= up && at + boot > up) {
        up = at + boot;
        moved = true;
      }
  }
  return up;
}

/** When a computer that is away at `t` (for a non-offline fault) is back. */
function nextBack(faults: ComputerFaults | null, t: number, startEpochMs: number): number {
  if (!faults) return t;
  let back = t;
  const spans: [number, number | null][] = [];
  if (faults.reimage)
    spans.push([faults.reimage.atSeconds, faults.reimage.atSeconds + faults.reimage.downSeconds]);
  if (faults.agentStopped) spans.push([faults.agentStopped.from, faults.agentStopped.to]);
  if (faults.serverUnreachable)
    spans.push([faults.serverUnreachable.from, faults.serverUnreachable.to]);
  for (const [from, to] of spans) {
    if (t >= from && (to === null || t < to)) back = Math.max(back, to ?? Infinity);
  }
  if (back === t && faults.offline) {
    const on = onlineAt(faults.offline, t + 1, startEpochMs);
    return on;
  }
  return back === t ? t + 1 : back;
}

export type BoundInput = {
  /**
   * Each target computer: its faults, the index of the phase it belongs to, and its
   * boot (its agent starts that long after it comes on; default minBootSeconds).
   */
  computers: readonly { faults: ComputerFaults | null; phase: number; bootSeconds?: number }[];
  phases: number;
  /** When the deployment was created (seconds since the simulation started). */
  createdSeconds: number;
  soakSeconds: number;
  /** The gate: this share (%) of a phase installed before the next one may open. */
  gatePercent: number;
  /** The shortest an install can take (the simulator jitters installs ±50%). */
  minInstallSeconds: number;
  /**
   * The shortest time from a computer coming on (after an off window or a re-image) to
   * its agent running, for the computers without their own bootSeconds; default 0.
   */
  minBootSeconds?: number;
  /** The share of the target that counts as compliant (0.95). */
  share: number;
  startEpochMs: number;
};

export type Bound = {
  /** Seconds from creation until `share` installed at the earliest; null: never. */
  seconds: number | null;
  /** When each phase opens at the earliest, seconds after creation. */
  phaseOpensSeconds: number[];
};

/**
 * The earliest possible time to `share` installed: phase 0 opens at creation; phase k+1
 * at max(phase k open + soak, the moment `gatePercent` of phase k can have installed);
 * each computer installs as soon as its phase is open and it is online long enough.
 * No check-in interval, boot delay, engine tick or network time counts.
 */
export function complianceLowerBound(input: BoundInput): Bound {
  const { computers, createdSeconds: t0 } = input;
  const done = new Float64Array(computers.length).fill(Number.POSITIVE_INFINITY);
  const opens: number[] = [];
  let open = t0;
  for (let k = 0; k < input.phases; k++) {
    opens.push(open - t0);
    const mine: number[] = [];
    computers.forEach((c, i) => {
      if (c.phase !== k) return;
      done[i] = earliestCompletion(c.faults, open, input.minInstallSeconds, input.startEpochMs, {
        bootSeconds: c.bootSeconds ?? input.minBootSeconds,
      });
      mine.push(done[i]);
    });
    mine.sort((a, b) => a - b);
    const need = Math.ceil((input.gatePercent / 100) * mine.length - 1e-9);
    const gate = need <= 0 ? open : (mine[need - 1] ?? Number.POSITIVE_INFINITY);
    open = Math.max(open + input.soakSeconds, gate);
    if (!Number.isFinite(open)) {
      for (let j = k + 1; j < input.phases; j++) opens.push(Number.POSITIVE_INFINITY);
      break;
    }
  }
  const sorted = done.sort();
  const need = Math.max(1, Math.ceil(input.share * computers.length - 1e-9));
  const at = sorted[need - 1];
  return {
    seconds: at === undefined || !Number.isFinite(at) ? null : Math.round((at - t0) * 10) / 10,
    phaseOpensSeconds: opens,
  };
}
