import { describe, expect, it } from 'vitest';
import { checkFailures, checkSuccess } from './gates.js';
import type { Gate } from './plan.js';

const statistical: Gate = {
  minSuccessPercent: 95,
  maxFailurePercent: 20,
  manual: false,
  confidence: 0.95,
};

describe('the statistical halt', () => {
  it('does not halt on 1 failure in a 2-computer pilot at 20 % and 95 %', () => {
    const check = checkFailures(
      'pilot',
      { size: 2, counts: { installed: 1, failed: 1 } },
      statistical,
    );
    expect(check.met).toBe(true);
    expect(check.reason).toBe('1 of 2 failed in pilot; 95% lower bound 9.5% ≤ 20%');
  });

  it('the plain threshold halts on the same pilot', () => {
    const plain: Gate = { minSuccessPercent: 95, maxFailurePercent: 20, manual: false };
    expect(
      checkFailures('pilot', { size: 2, counts: { installed: 1, failed: 1 } }, plain).met,
    ).toBe(false);
  });

  it('halts on 30 failures in 100, saying the figures and the bound', () => {
    const check = checkFailures(
      'broad',
      { size: 100, counts: { installed: 70, failed: 30 } },
      statistical,
    );
    expect(check.met).toBe(false);
    expect(check.reason).toBe('30 of 100 failed in broad; 95% lower bound 21.9% > 20%');
  });

  it('counts only computers with an outcome: pending ones are not successes', () => {
    const check = checkFailures(
      'broad',
      { size: 1000, counts: { pending: 970, failed: 30 } },
      statistical,
    );
    expect(check.met).toBe(false);
    expect(check.figures.decided).toBe(30);
  });

  it('does not halt with no outcome yet', () => {
    expect(checkFailures('pilot', { size: 5, counts: { pending: 5 } }, statistical).met).toBe(true);
  });
});

describe('the minimum sample', () => {
  const gate: Gate = { minSuccessPercent: 95, manual: false, minSample: 30 };

  it('never declares success on fewer computers with an outcome', () => {
    const check = checkSuccess('pilot', { size: 40, counts: { installed: 20, pending: 20 } }, gate);
    expect(check.met).toBe(false);
    expect(check.reason).toBe('20 of the minimum sample of 30 computers have an outcome in pilot');
  });

  it('says when the phase is too small to ever pass', () => {
    const check = checkSuccess('pilot', { size: 2, counts: { installed: 2 } }, gate);
    expect(check.met).toBe(false);
    expect(check.reason).toContain('the phase holds only 2, so it can never pass this gate');
  });

  it('passes once the sample is there and the share is met', () => {
    const check = checkSuccess('pilot', { size: 40, counts: { installed: 30, pending: 10 } }, gate);
    expect(check.met).toBe(false); // 75 % < 95 %: the share still rules
    const done = checkSuccess('pilot', { size: 40, counts: { installed: 39, failed: 1 } }, gate);
    expect(done.met).toBe(true);
  });
});
