import type { Gate } from './plan.js';
import type { StatusState } from '../status.js';
import { formatPercent } from './duration.js';
import { wilsonInterval } from '../analysis/statistics.js';

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
  /** Computers with an outcome: succeeded or failed. */
  decided: number;
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
    decided: succeeded + failed,
    successPercent: h.size > 0 ? share(succeeded) : 100,
    failurePercent: share(failed),
  };
}

export type GateCheck = { met: boolean; figures: PhaseFigures; reason: string };

/** Is the phase healthy enough for the next one (success share only; time and promote elsewhere)? */
export function checkSuccess(name: string, h: PhaseHealth, gate: Gate): GateCheck {
  const f = phaseFigures(h);
  if (f.size === 0) return { met: true, figures: f, reason: `phase ${name} is empty` };
  const min = gate.minSample;
  if (min !== undefined && f.decided < min) {
    const few =
      f.size < min ? `; the phase holds only ${f.size}, so it can never pass this gate` : '';
    return {
      met: false,
      figures: f,
      reason: `${f.decided} of the minimum sample of ${min} computers have an outcome in ${name}${few}`,
    };
  }
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

/** Percent with one decimal always, for bounds: "21.9 %" beside "20 %". */
function boundPercent(share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
}

/**
 * A failure share above the gate's maximum halts the whole deployment. With a
 * confidence, only a share that is above the maximum at that confidence does:
 * the Wilson lower bound of failed / decided must exceed it, so one failure in a
 * 2-computer pilot does not halt what 30 failures in 100 do.
 */
export function checkFailures(name: string, h: PhaseHealth, gate: Gate): GateCheck {
  const f = phaseFigures(h);
  const max = gate.maxFailurePercent;
  if (max !== undefined && gate.confidence !== undefined) {
    const { lower } = wilsonInterval(f.failed, f.decided, gate.confidence);
    const breached = f.decided > 0 && f.failed > 0 && 100 * lower > max;
    const level = formatPercent(100 * gate.confidence);
    return {
      met: !breached,
      figures: f,
      reason: `${f.failed} of ${f.decided} failed in ${name}; ${level} lower bound ${boundPercent(lower)} ${breached ? '>' : '≤'} ${formatPercent(max)}`,
    };
  }
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
