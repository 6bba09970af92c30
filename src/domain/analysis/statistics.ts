/**
 * The few statistics the rollout gates and the failure analysis need, pure and
 * exact enough for percent figures: the normal quantile, the Wilson score bound
 * and the one-sided hypergeometric tail (Fisher's exact test).
 */

/** Φ⁻¹(p): the standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
    -3.066479806614716e1, 2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * The Wilson score interval of `k` successes (here: failures) in `n` trials at a
 * two-sided `confidence` (z = Φ⁻¹(1 − (1 − confidence) / 2), 1.96 at 95 %).
 * Shares in [0, 1]; n = 0 gives [0, 1] (nothing is known).
 */
export function wilsonInterval(
  k: number,
  n: number,
  confidence: number,
): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return {
    lower: Math.max(0, (centre - margin) / denominator),
    upper: Math.min(1, (centre + margin) / denominator),
  };
}

/** ln(n!) by summing logs, cached: fleets are at most a few million computers. */
const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) {
    logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  }
  return logFactorials[n]!;
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/**
 * P(X ≥ k) for X ~ Hypergeometric(population N, K marked, n drawn): the chance that
 * n failures drawn at random from the target hold k or more computers with a value
 * that K of the N target computers have. One-sided Fisher exact test.
 */
export function hypergeometricUpperTail(N: number, K: number, n: number, k: number): number {
  const hi = Math.min(K, n);
  const lo = Math.max(0, n - (N - K));
  if (k <= lo) return 1;
  if (k > hi) return 0;
  const logTotal = logChoose(N, n);
  let sum = 0;
  for (let i = k; i <= hi; i++) {
    sum += Math.exp(logChoose(K, i) + logChoose(N - K, n - i) - logTotal);
  }
  return Math.min(1, sum);
}
