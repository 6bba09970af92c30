import { createHash } from 'node:crypto';
import type { CheckinResponse } from '../../contracts/agent-protocol.js';
import { canonicalJson } from '../../domain/canonical-json.js';

/** The most computers whose idle answer is kept; past it the map starts again. */
const CAPACITY = 200_000;

/** What an idle answer was made of: while all of it holds, the answer is the same. */
export type IdleFacts = {
  ackedSeq: number;
  scanRulesVersion: string | undefined;
  rootVersion: number;
  /** Until when its signed metadata is reused rather than signed again (SigningService). */
  reusableUntil: number;
};

type Kept = IdleFacts & { tag: string };

/** The tag of an answer: the first 16 bytes of the SHA-256 of its canonical JSON, base64url. */
export function answerTagOf(answer: CheckinResponse): string {
  return createHash('sha256')
    .update(canonicalJson(answer))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/**
 * The last idle answer given to each computer, by its tag and the facts it was made of,
 * per process. An agent that sends back the tag of an answer that still holds is
 * answered 204 with nothing read or signed. Whether anything reaches the computer is
 * asked of the deployments (ReachCache) at every check-in; the rest is compared here.
 */
export class IdleAnswers {
  private readonly kept = new Map<string, Kept>();

  /** Tags an idle answer and keeps it; returns the tag. */
  keep(computerId: string, answer: CheckinResponse, facts: IdleFacts): string {
    const tag = answerTagOf(answer);
    if (this.kept.size >= CAPACITY) this.kept.clear();
    this.kept.set(computerId, { ...facts, tag });
    return tag;
  }

  forget(computerId: string): void {
    this.kept.delete(computerId);
  }

  /** True when the agent holds the answer kept for it and its facts still hold at `now`. */
  holds(
    computerId: string,
    tag: string | undefined,
    facts: Omit<IdleFacts, 'reusableUntil'>,
    now: number,
  ): boolean {
    const kept = this.kept.get(computerId);
    return (
      kept !== undefined &&
      tag === kept.tag &&
      kept.ackedSeq === facts.ackedSeq &&
      kept.scanRulesVersion === facts.scanRulesVersion &&
      kept.rootVersion === facts.rootVersion &&
      now < kept.reusableUntil
    );
  }
}
