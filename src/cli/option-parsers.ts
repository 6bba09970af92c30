import { InvalidArgumentError } from 'commander';

/** An option's value as a whole number from 0 to `max`; commander names the flag on error. */
export function wholeNumber(flag: string, max = 1_000_000) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n > max) {
      throw new InvalidArgumentError(`${flag}: expected a whole number from 0 to ${max}.`);
    }
    return n;
  };
}
