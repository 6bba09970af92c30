import type { Gate } from './plan.js';
import type { StatusState } from '../status.js';
import { formatPercent } from './duration.js';

/** What the engine knows of one phase's computers. */
export type PhaseHealth = {
  /** Computers placed in the phase. */
  size: number;
  /** Computers of the phase by status state; missing states count 0. */
  counts: Partial<Record<StatusState, number>>;
  /** Failed computers that will not be retried (maxAttempts reached). */
  exhausted?: number;
};

export type PhaseFigures = {
  size: number;
  succeeded: number;
  failed: number;
  successPercent: number;
  failurePercent: number;
};

/** Success = installed + not applicable; failure = an install that failed (any reason). */
export function phaseFigures(h: PhaseHealth): PhaseFigures {
  const c = (s: StatusState): number => h.counts[s] ?? 0;
  const succeeded = c('installed') + c('not-applicable');
  const failed = c('failed');
  const share = (n: number): number => (h.size > 0 ? (100 * n) / h.size : 0);
  return {
    size: h.size,
    succeeded,
    failed,
    successPercent: h.size > 0 ? share(succeeded) : 100,
    failurePercent: share(failed),
  };
}

export type GateCheck = { met: boolean; figures: PhaseFigures; reason: string };

/** Is the phase healthy enough for the next one (success share only; time and promote elsewhere)? */
export function checkSuccess(name: string, h: PhaseHealth, gate: Gate): GateCheck {
  const f = phaseFigures(h);
  if (f.size === 0) return { met: true, figures: f, reason: `phase ${name} is empty` };
  const met = f.successPercent >= gate.minSuccessPercent;
  const op = met ? '≥' : '<';
  let shown = formatPercent(f.successPercent);
  // Never print "95% < 95%": show the hundredths when rounding hides the shortfall.
  if (!met && shown === formatPercent(gate.minSuccessPercent)) {
    shown = `${(Math.floor(f.successPercent * 100) / 100).toFixed(2)}%`;
  }
  return {
    met,
    figures: f,
    reason: `${shown} ${op} ${formatPercent(gate.minSuccessPercent)} in ${name} (${f.succeeded} of ${f.size})`,
  };
}

/** A failure share above the gate's maximum halts the whole deployment. */
export function checkFailures(name: string, h: PhaseHealth, gate: Gate): GateCheck {
  const f = phaseFigures(h);
  const max = gate.maxFailurePercent;
  const breached = max !== undefined && f.size > 0 && f.failurePercent > max;
  return {
    met: !breached,
    figures: f,
    reason:
      max === undefined
        ? `no failure limit in ${name}`
        : `failures ${formatPercent(f.failurePercent)} ${breached ? '>' : '≤'} ${formatPercent(max)} in ${name} (${f.failed} of ${f.size})`,
  };
}
