import { parseDuration } from '../domain/rollout/duration.js';
import type { Sla } from '../domain/review/review.js';
import { CliError } from './output.js';

/**
 * `--sla 95%@48h`: a share of the target installed within a time (any duration the
 * plan flags take: 48h, 2d, 90m). The server checks the range again.
 */
export function parseSla(text: string, flag = '--sla'): Sla {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*@\s*(\S+)\s*$/.exec(text);
  const seconds = m ? parseDuration(m[2] ?? '') : null;
  const percent = m ? Number(m[1]) : NaN;
  if (seconds === null || !(seconds > 0) || !(percent > 0) || percent > 100) {
    throw new CliError(
      `${flag}: "${text}" must be a percent and a duration like 95%@48h (more than 0%, at most 100%, a time above 0)`,
      2,
    );
  }
  return { percent, hours: seconds / 3600 };
}

/** A number the admin enters for the cost estimate (≥ 0). */
export function parseFigure(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new CliError(`${flag}: "${text}" must be a number ≥ 0`, 2);
  }
  return n;
}
