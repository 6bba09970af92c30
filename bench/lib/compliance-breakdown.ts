/**
 * Where time-to-compliance goes (measurement 3): per phase, the phase's opening against
 * the bound's, and per computer the segments from its phase opening (or its computer
 * coming on, when it was off then) to the server's `installedAt`, from the simulator's
 * own times (`Fleet.timeline()`). Pure: the bench gathers the inputs.
 */
import type { ComputerFaults } from '../../src/sim/faults.js';
import { earliestCompletion } from './compliance.js';
import { percentile } from './stats.js';

/** One target computer, times in virtual seconds since the deployment's creation. */
export type BreakdownComputer = {
  phase: number;
  faults: ComputerFaults | null;
  /** Its boot, as the bound counts it (default: the input's minBootSeconds). */
  bootSeconds?: number;
  /** The server's installedAt; null: not installed. */
  installedAt: number | null;
  /** The simulator's steps of its first install (null: that step did not happen). */
  cameOnAt: number | null;
  agentStartedAt: number | null;
  wokenAt: number | null;
  cycleStartedAt: number | null;
  /** The server answered that cycle's check-in. */
  checkedInAt: number | null;
  /** Cycles from its wake or boot to the install's, that one included (> 1: retried). */
  cycles: number;
  installStartedAt: number | null;
  installEndedAt: number | null;
};

export type BreakdownInput = {
  computers: readonly BreakdownComputer[];
  phases: readonly {
    name: string;
    /** Seconds after creation; null: never opened. */
    openedAt: number | null;
    boundOpensAt: number;
    /** When its gate was met by the server's installedAt (null: not, or the last phase). */
    gateMetAt: number | null;
  }[];
  soakSeconds: number;
  /** Seconds since the simulation started of the creation (the fault schedules' zero). */
  createdSeconds: number;
  startEpochMs: number;
  minInstallSeconds: number;
  /** The agent's start after its computer comes on, for those without their own bootSeconds. */
  minBootSeconds: number;
  share: number;
};

/** Median and max of one segment over the computers it applies to (seconds). */
export type Segment = { n: number; median: number | null; max: number | null };

export type PhaseBreakdown = {
  name: string;
  computers: number;
  installed: number;
  openedAt: number | null;
  boundOpensAt: number;
  /** Opened after the later of its gate and the soak, by this much (null: first phase). */
  openedLateBy: number | null;
  /** Computers on when the phase opened (their agent running): open → cycle started. */
  onAtOpen: {
    n: number;
    /** Phase open → push wake (only those woken). */
    openToWake: Segment;
    /** Phase open → the cycle that installed started. */
    openToCycle: Segment;
  };
  /** Computers off when the phase opened: on → agent started → cycle. */
  cameOnLater: {
    n: number;
    /** The boot: computer on → agent started (the bound counts minBootSeconds of it). */
    boot: Segment;
    /** Agent started → its cycle that installed. */
    agentToCycle: Segment;
  };
  /** Cycles from the wake or boot to the one that installed, it included (> 1: retried). */
  cycles: Segment;
  /** Cycle start → the server's answer to its check-in. */
  checkin: Segment;
  /** Check-in answered → install command start (detect, `installing` report, download). */
  checkinToInstall: Segment;
  /** The install command (the bound counts minInstallSeconds). */
  install: Segment;
  /** Install command end → the server's installedAt (the report). */
  installToReport: Segment;
  /** installedAt − the earliest this computer could have installed after its phase opened. */
  excess: Segment;
};

export type ComplianceBreakdown = {
  phases: PhaseBreakdown[];
  /**
   * Computers installed sooner than the bound's own earliest completion for them: the
   * bound's proof needs none (a cycle the simulator let run on while its computer was
   * off would show here).
   */
  soonerThanBound: number;
  /**
   * The share-th completion: by the bound (the bound's opens), by the same rule over the
   * phases' actual opens (the per-computer bound), and measured. The first gap is the
   * phases' opening; the second the computers' own latency.
   */
  atShare: {
    bound: number | null;
    boundGivenOpens: number | null;
    measured: number | null;
    /** The computer whose installedAt is the share-th: its steps (seconds after creation). */
    markComputer: (BreakdownComputer & { earliest: number | null }) | null;
  };
};

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function segment(values: readonly number[]): Segment {
  if (values.length === 0) return { n: 0, median: null, max: null };
  const sorted = Float64Array.from(values).sort();
  return {
    n: values.length,
    median: round1(percentile(sorted, 50)),
    max: round1(sorted[sorted.length - 1]!),
  };
}

/** Collects b − a over the items with both. */
function diffs<T>(items: readonly T[], a: (x: T) => number | null, b: (x: T) => number | null) {
  const out: number[] = [];
  for (const x of items) {
    const from = a(x);
    const to = b(x);
    if (from !== null && to !== null) out.push(to - from);
  }
  return out;
}

/** The ceil(share × n)-th earliest finite value; null when fewer. */
function shareth(values: readonly number[], n: number, share: number): number | null {
  const need = Math.max(1, Math.ceil(share * n - 1e-9));
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const v = sorted[need - 1];
  return v === undefined ? null : round1(v);
}

export function complianceBreakdown(input: BreakdownInput): ComplianceBreakdown {
  const { computers, createdSeconds: t0 } = input;
  /** The earliest completion after `open` (seconds after creation), as the bound counts it. */
  const earliest = (c: BreakdownComputer, open: number): number =>
    earliestCompletion(c.faults, t0 + open, input.minInstallSeconds, input.startEpochMs, {
      bootSeconds: c.bootSeconds ?? input.minBootSeconds,
    }) - t0;
  const boundDone: number[] = [];
  const givenDone: number[] = [];
  let soonerThanBound = 0;
  const withEarliest = computers.map((c) => {
    const p = input.phases[c.phase];
    const b = p ? earliest(c, p.boundOpensAt) : Infinity;
    boundDone.push(b);
    if (c.installedAt !== null && c.installedAt < b - 0.001) soonerThanBound++;
    const e = p?.openedAt != null ? earliest(c, p.openedAt) : null;
    givenDone.push(e ?? Infinity);
    return { ...c, earliest: e };
  });

  const phases = input.phases.map((p, k): PhaseBreakdown => {
    const mine = withEarliest.filter((c) => c.phase === k && c.installedAt !== null);
    const open = p.openedAt;
    const before = input.phases[k - 1];
    const ready =
      before?.openedAt != null && before.gateMetAt !== null
        ? Math.max(before.gateMetAt, before.openedAt + input.soakSeconds)
        : null;
    // On at the opening: its install's cycle followed no boot after the phase opened.
    const onAtOpen = mine.filter((c) => open !== null && (c.cameOnAt ?? -Infinity) <= open);
    const later = mine.filter((c) => open !== null && (c.cameOnAt ?? -Infinity) > open);
    const awake = onAtOpen.filter((c) => c.wokenAt !== null && open !== null && c.wokenAt >= open);
    return {
      name: p.name,
      computers: computers.filter((c) => c.phase === k).length,
      installed: mine.length,
      openedAt: open,
      boundOpensAt: round1(p.boundOpensAt),
      openedLateBy: k === 0 || open === null || ready === null ? null : round1(open - ready),
      onAtOpen: {
        n: onAtOpen.length,
        openToWake: segment(
          diffs(
            awake,
            () => open,
            (c) => c.wokenAt,
          ),
        ),
        openToCycle: segment(
          diffs(
            onAtOpen,
            () => open,
            (c) => c.cycleStartedAt,
          ),
        ),
      },
      cameOnLater: {
        n: later.length,
        boot: segment(
          diffs(
            later,
            (c) => c.cameOnAt,
            (c) => c.agentStartedAt,
          ),
        ),
        agentToCycle: segment(
          diffs(
            later,
            (c) => c.agentStartedAt,
            (c) => c.cycleStartedAt,
          ),
        ),
      },
      cycles: segment(mine.filter((c) => c.cycles > 0).map((c) => c.cycles)),
      checkin: segment(
        diffs(
          mine,
          (c) => c.cycleStartedAt,
          (c) => c.checkedInAt,
        ),
      ),
      checkinToInstall: segment(
        diffs(
          mine,
          (c) => c.checkedInAt,
          (c) => c.installStartedAt,
        ),
      ),
      install: segment(
        diffs(
          mine,
          (c) => c.installStartedAt,
          (c) => c.installEndedAt,
        ),
      ),
      installToReport: segment(
        diffs(
          mine,
          (c) => c.installEndedAt,
          (c) => c.installedAt,
        ),
      ),
      excess: segment(
        diffs(
          mine,
          (c) => c.earliest,
          (c) => c.installedAt,
        ),
      ),
    };
  });

  const installed = withEarliest
    .filter((c) => c.installedAt !== null)
    .sort((a, b) => (a.installedAt ?? 0) - (b.installedAt ?? 0));
  const need = Math.max(1, Math.ceil(input.share * computers.length - 1e-9));
  const mark = installed[need - 1] ?? null;
  return {
    phases,
    soonerThanBound,
    atShare: {
      bound: shareth(boundDone, computers.length, input.share),
      boundGivenOpens: shareth(givenDone, computers.length, input.share),
      measured: mark?.installedAt ?? null,
      markComputer: mark,
    },
  };
}

const fmt = (s: Segment): string => (s.n === 0 ? '–' : `${s.median} / ${s.max} s (${s.n})`);
const fmtCount = (s: Segment): string => (s.n === 0 ? '–' : `${s.median} / ${s.max}`);

/** The breakdown as lines for people (median / max seconds, and how many computers). */
export function describeBreakdown(b: ComplianceBreakdown): string[] {
  const lines: string[] = [];
  const a = b.atShare;
  lines.push(
    `  where the time went (virtual s; median / max (computers)): 95% installed at ${a.measured} s; bound ${a.bound} s; the same bound over the phases' actual openings ${a.boundGivenOpens} s; computers sooner than their own bound: ${b.soonerThanBound}`,
  );
  for (const p of b.phases) {
    lines.push(
      `  ${p.name}: ${p.installed}/${p.computers} installed; opened at ${p.openedAt} s (bound ${p.boundOpensAt} s)${p.openedLateBy === null ? '' : `, ${p.openedLateBy} s after its gate and soak`}`,
    );
    lines.push(
      `    on at the opening (${p.onAtOpen.n}): open → woken ${fmt(p.onAtOpen.openToWake)}; open → cycle ${fmt(p.onAtOpen.openToCycle)}`,
    );
    lines.push(
      `    came on later (${p.cameOnLater.n}): on → agent started ${fmt(p.cameOnLater.boot)}; agent started → cycle ${fmt(p.cameOnLater.agentToCycle)}`,
    );
    lines.push(
      `    cycles to the install ${fmtCount(p.cycles)}; check-in ${fmt(p.checkin)}; answered → install ${fmt(p.checkinToInstall)}; install ${fmt(p.install)}; install end → installedAt ${fmt(p.installToReport)}; installedAt − its earliest ${fmt(p.excess)}`,
    );
  }
  const m = a.markComputer;
  if (m) {
    const r = (x: number | null): string => (x === null ? '–' : String(round1(x)));
    lines.push(
      `  the 95% mark's computer (phase ${b.phases[m.phase]?.name ?? m.phase}): came on ${r(m.cameOnAt)}, agent ${r(m.agentStartedAt)}, woken ${r(m.wokenAt)}, cycle ${r(m.cycleStartedAt)} (${m.cycles} since), answered ${r(m.checkedInAt)}, install ${r(m.installStartedAt)}–${r(m.installEndedAt)}, installedAt ${r(m.installedAt)}; its earliest ${r(m.earliest)} s`,
    );
  }
  return lines;
}
