import { Rng } from './rng.js';

/** A realistic mix: most computers are fine, each cause of failure shows up a few times. */
export const DEMO_FAULTS =
  'offline=0.1,disk-space=0.03,install-error=0.04:1603,prerequisite-missing=0.03,' +
  'reboot-required=0.05,agent-stopped=0.02,server-unreachable=0.03,reimage=0.01,' +
  'slow-download=0.05';

/**
 * The fault models of the simulator, one per cause of failure an administrator must tell
 * apart (offline, re-imaged, disk, prerequisite, stopped agent, unreachable server…). A
 * `--faults` spec gives each a rate (the share of computers that get it) and an
 * optional parameter; `planFaults` turns that, the seed and the horizon into what each
 * computer gets. All times are virtual seconds since the simulation started.
 */
export const faultKinds = [
  'offline',
  'reimage',
  'disk-space',
  'agent-stopped',
  'server-unreachable',
  'prerequisite-missing',
  'install-error',
  'reboot-required',
  'slow-download',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** Share of the computers that get it, 0..1. */
  rate: number;
  param: string | null;
}

/** A span of virtual time, in seconds since the start; `to` null: until the end. */
export interface Window {
  from: number;
  to: number | null;
}

export const offlineSchedules = ['intermittent', 'nights', 'laptop'] as const;
export type OfflineSchedule = (typeof offlineSchedules)[number];

/** What one computer gets; the fields present are its faults. */
export interface ComputerFaults {
  offline?: {
    schedule: OfflineSchedule;
    /** intermittent and laptop: when the computer is off. nights: none (see `isOffline`). */
    windows: Window[];
  };
  reimage?: { atSeconds: number; downSeconds: number };
  diskSpace?: { freeDiskMB: number };
  agentStopped?: { from: number; to: number | null; detail: string };
  serverUnreachable?: Window & { to: number };
  prerequisiteMissing?: { updateId: string | null };
  installError?: { exitCode: number };
  rebootRequired?: { restartAfterSeconds: number };
  slowDownload?: { extraSeconds: number };
}

const HOUR = 3600;

/** Parses `offline=0.1,disk-space=0.02,install-error=0.05:1603`. Throws on nonsense. */
export function parseFaults(text: string | undefined): FaultSpec[] {
  if (!text || text.trim() === '') return [];
  const specs: FaultSpec[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const match = /^([a-z-]+)=([0-9.]+)(?::(.+))?$/.exec(item);
    if (!match) throw new Error(`bad fault "${item}": write kind=rate[:param]`);
    const [, kind = '', rateText = '', param] = match;
    if (!(faultKinds as readonly string[]).includes(kind)) {
      throw new Error(`unknown fault "${kind}": one of ${faultKinds.join(', ')}`);
    }
    const rate = Number(rateText);
    if (!(rate >= 0 && rate <= 1)) throw new Error(`fault ${kind}: rate must be 0..1`);
    if (seen.has(kind)) throw new Error(`fault ${kind} given twice`);
    seen.add(kind);
    const spec: FaultSpec = { kind: kind as FaultKind, rate, param: param ?? null };
    validateParam(spec);
    specs.push(spec);
  }
  return specs;
}

function validateParam(spec: FaultSpec): void {
  const { kind, param } = spec;
  if (param === null) return;
  const number = (what: string, integer = false): void => {
    const n = Number(param);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
      throw new Error(`fault ${kind}: the parameter is ${what}, not "${param}"`);
  };
  switch (kind) {
    case 'offline':
      if (!(offlineSchedules as readonly string[]).includes(param))
        throw new Error(`fault offline: the schedule is one of ${offlineSchedules.join(', ')}`);
      return;
    case 'agent-stopped':
      if (param !== 'never' && param !== 'restart')
        throw new Error('fault agent-stopped: the parameter is "never" or "restart"');
      return;
    case 'install-error':
      if (!/^-?\d+$/.test(param)) throw new Error('fault install-error: the exit code is a number');
      return;
    case 'disk-space':
      return number('free disk in MB');
    case 'reboot-required':
      return number('seconds until the restart');
    case 'slow-download':
      return number('seconds the download takes');
    case 'reimage':
      return number('seconds (when it happens)');
    case 'server-unreachable':
      if (!/^\d+(\.\d+)?(\+\d+(\.\d+)?)?$/.test(param))
        throw new Error('fault server-unreachable: the parameter is FROM or FROM+LENGTH seconds');
      return;
    case 'prerequisite-missing':
      return; // the update id whose prerequisites are missing
  }
}

export interface FaultPlanInput {
  seed: number;
  agents: number;
  specs: readonly FaultSpec[];
  /** Virtual seconds the schedules cover (the run's duration, or a week). */
  horizonSeconds: number;
}

/**
 * Who gets what: one seeded shuffle of the computers; each kind, in spec order, takes
 * the next round(rate × N) of them, so each computer has one fault until the rates add
 * up past 1 (then the shuffle wraps and faults overlap). The parameters of each
 * computer's fault come from its own seeded stream.
 */
export function planFaults(input: FaultPlanInput): (ComputerFaults | null)[] {
  const { seed, agents, specs, horizonSeconds: h } = input;
  const plan: (ComputerFaults | null)[] = new Array<ComputerFaults | null>(agents).fill(null);
  if (agents === 0) return plan;
  const order = Rng.derive(seed, 'faults').permutation(agents);
  // One network cut for everyone it hits.
  const cutRng = Rng.derive(seed, 'server-unreachable');
  const cutFrom = Math.round(cutRng.between(0.05, 0.3) * h);
  const cut = { from: cutFrom, to: cutFrom + Math.round(cutRng.between(0.05, 0.2) * h) };
  let cursor = 0;
  for (const spec of specs) {
    const count = Math.round(spec.rate * agents);
    for (let k = 0; k < count; k++) {
      const index = order[cursor % agents] as number;
      cursor++;
      const faults = (plan[index] ??= {});
      const rng = Rng.derive(seed, `fault:${spec.kind}:${index}`);
      applyFault(faults, spec, rng, h, cut);
    }
  }
  return plan;
}

function applyFault(
  faults: ComputerFaults,
  spec: FaultSpec,
  rng: Rng,
  h: number,
  cut: { from: number; to: number },
): void {
  const { param } = spec;
  switch (spec.kind) {
    case 'offline': {
      const schedule = (param ?? 'intermittent') as OfflineSchedule;
      faults.offline = {
        schedule,
        windows:
          schedule === 'nights'
            ? []
            : schedule === 'laptop'
              ? laptopWindows(rng, h)
              : intermittentWindows(rng, h),
      };
      return;
    }
    case 'reimage':
      faults.reimage = {
        atSeconds: param !== null ? Number(param) : Math.round(rng.between(0.1, 0.5) * h),
        downSeconds: Math.round(rng.between(0.02, 0.05) * h),
      };
      return;
    case 'disk-space':
      faults.diskSpace = { freeDiskMB: param !== null ? Number(param) : rng.int(5, 200) };
      return;
    case 'agent-stopped': {
      const from = Math.round(rng.between(0.05, 0.3) * h);
      const restarts = param === 'restart' || (param === null && rng.next() < 0.75);
      faults.agentStopped = {
        from,
        to: restarts ? from + Math.round(rng.between(0.1, 0.3) * h) : null,
        detail: rng.next() < 0.5 ? 'stopped by a user' : 'stopped for maintenance',
      };
      return;
    }
    case 'server-unreachable': {
      if (param === null) {
        faults.serverUnreachable = cut;
        return;
      }
      const [from = 0, length = cut.to - cut.from] = param.split('+').map(Number);
      faults.serverUnreachable = { from, to: from + length };
      return;
    }
    case 'prerequisite-missing':
      faults.prerequisiteMissing = { updateId: param };
      return;
    case 'install-error':
      faults.installError = { exitCode: param !== null ? Number(param) : 1603 };
      return;
    case 'reboot-required':
      faults.rebootRequired = {
        restartAfterSeconds: param !== null ? Number(param) : rng.int(600, 4 * HOUR),
      };
      return;
    case 'slow-download':
      faults.slowDownload = { extraSeconds: param !== null ? Number(param) : rng.int(300, 1800) };
      return;
  }
}

/** Off at the start, then on and off by turns, in shares of the horizon. */
function intermittentWindows(rng: Rng, h: number): Window[] {
  const windows: Window[] = [];
  let t = 0;
  while (t < h) {
    const off = Math.max(1, Math.round(rng.between(0.05, 0.25) * h));
    windows.push({ from: t, to: t + off });
    t += off + Math.max(1, Math.round(rng.between(0.1, 0.3) * h));
  }
  return windows;
}

/** On for a few hours, off for longer, like a laptop taken home. */
function laptopWindows(rng: Rng, h: number): Window[] {
  const windows: Window[] = [];
  let t = rng.next() < 0.5 ? 0 : Math.round(rng.between(1, 5) * HOUR);
  while (t < h) {
    const off = Math.round(rng.between(2, 20) * HOUR);
    windows.push({ from: t, to: t + off });
    t += off + Math.round(rng.between(1, 5) * HOUR);
  }
  return windows;
}

/**
 * When the computer is next on, at or after `seconds` (virtual seconds since the
 * start; `epochMs` is the same moment as a date, for the nights schedule). Returns
 * `seconds` itself when it is on now.
 */
export function onlineAt(
  offline: NonNullable<ComputerFaults['offline']>,
  seconds: number,
  startEpochMs: number,
): number {
  if (offline.schedule === 'nights') {
    const at = startEpochMs + seconds * 1000;
    const back = nightsOnlineAt(at);
    return seconds + (back - at) / 1000;
  }
  for (const w of offline.windows) {
    if (seconds < w.from) return seconds;
    if (w.to === null) return Number.POSITIVE_INFINITY;
    if (seconds < w.to) return w.to;
  }
  return seconds;
}

/** Desktops switched off at night: on 07:00–19:00 UTC, Monday to Friday. */
export function nightsOnlineAt(epochMs: number): number {
  const d = new Date(epochMs);
  const day = d.getUTCDay();
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600;
  const weekday = day >= 1 && day <= 5;
  if (weekday && hour >= 7 && hour < 19) return epochMs;
  // Walk to the next 07:00 UTC on a weekday.
  const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 7));
  if (hour >= 7) next.setUTCDate(next.getUTCDate() + 1);
  while (next.getUTCDay() === 0 || next.getUTCDay() === 6) next.setUTCDate(next.getUTCDate() + 1);
  return next.getTime();
}

/** The truth file's description of one computer's faults, in a fixed order. */
export function describeFaults(faults: ComputerFaults | null): Record<string, unknown>[] {
  if (!faults) return [];
  const out: Record<string, unknown>[] = [];
  if (faults.offline) {
    const { schedule, windows } = faults.offline;
    out.push(
      schedule === 'nights'
        ? { kind: 'offline', schedule, on: 'Mon-Fri 07:00-19:00 UTC' }
        : { kind: 'offline', schedule, windows },
    );
  }
  if (faults.reimage) out.push({ kind: 'reimage', ...faults.reimage });
  if (faults.diskSpace) out.push({ kind: 'disk-space', ...faults.diskSpace });
  if (faults.agentStopped) out.push({ kind: 'agent-stopped', ...faults.agentStopped });
  if (faults.serverUnreachable)
    out.push({ kind: 'server-unreachable', ...faults.serverUnreachable });
  if (faults.prerequisiteMissing)
    out.push({ kind: 'prerequisite-missing', ...faults.prerequisiteMissing });
  if (faults.installError) out.push({ kind: 'install-error', ...faults.installError });
  if (faults.rebootRequired) out.push({ kind: 'reboot-required', ...faults.rebootRequired });
  if (faults.slowDownload) out.push({ kind: 'slow-download', ...faults.slowDownload });
  return out;
}

/**
 * When the computer next goes away, at or after `seconds` (virtual seconds since the
 * start): switched off, its agent stopped, its network cut or its disk re-imaged;
 * `seconds` itself when it is away now, Infinity when the schedules have nothing more.
 * Its push channel is closed then.
 */
export function downAt(
  faults: ComputerFaults | null,
  seconds: number,
  startEpochMs: number,
): number {
  if (!faults) return Number.POSITIVE_INFINITY;
  let at = Number.POSITIVE_INFINITY;
  /** An absence from `from` until `to` (null: for good). */
  const absent = (from: number, to: number | null): void => {
    if (to !== null && seconds >= to) return;
    const t = Math.max(seconds, from);
    if (t < at) at = t;
  };
  const { offline, reimage, agentStopped: stop, serverUnreachable: cut } = faults;
  if (offline?.schedule === 'nights') {
    const now = startEpochMs + seconds * 1000;
    if (nightsOnlineAt(now) !== now) absent(seconds, null);
    else {
      // On, so on a weekday before 19:00 UTC: off at 19:00 the same day.
      const d = new Date(now);
      const off = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 19);
      absent(seconds + (off - now) / 1000, null);
    }
  } else if (offline) {
    for (const w of offline.windows) absent(w.from, w.to);
  }
  if (reimage) absent(reimage.atSeconds, reimage.atSeconds + reimage.downSeconds);
  if (stop) absent(stop.from, stop.to);
  if (cut) absent(cut.from, cut.to);
  return at;
}

/**
 * When the computer is next switched off or re-imaged, at or after `seconds`: its agent
 * stops with it (unlike a stopped agent service or a network cut, which leave the
 * computer on). `seconds` itself when it is off now; Infinity when nothing more comes.
 */
export function switchedOffAt(
  faults: ComputerFaults | null,
  seconds: number,
  startEpochMs: number,
): number {
  if (!faults) return Number.POSITIVE_INFINITY;
  return downAt({ offline: faults.offline, reimage: faults.reimage }, seconds, startEpochMs);
}

/** When a computer switched off (or re-imaged) at `seconds` is on again; Infinity: never. */
export function backOnAt(
  faults: ComputerFaults | null,
  seconds: number,
  startEpochMs: number,
): number {
  let t = seconds;
  for (let guard = 0; guard < 1000 && Number.isFinite(t); guard++) {
    const r = faults?.reimage;
    let back = t;
    if (r && back >= r.atSeconds && back < r.atSeconds + r.downSeconds)
      back = r.atSeconds + r.downSeconds;
    if (faults?.offline) back = onlineAt(faults.offline, back, startEpochMs);
    if (back === t) return t;
    t = back;
  }
  return t;
}
