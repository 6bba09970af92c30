/**
 * The answers exactly as the server sent them, kept beside the parsed ones. In a module
 * of its own so a CLI command can print `--json` without loading the client (and zod
 * with the contracts) until it connects.
 */
const sent = new WeakMap<object, unknown>();

/** Remembers `body` as what the server sent for the parsed answer `data`. */
export function keepSent(data: unknown, body: unknown): void {
  if (typeof data === 'object' && data !== null) sent.set(data, body);
}

/**
 * The answer exactly as the server sent it (parsing adds defaults and drops unknown
 * fields), so `--json` prints the server's object unchanged.
 */
export function asSent(value: unknown): unknown {
  return typeof value === 'object' && value !== null && sent.has(value) ? sent.get(value) : value;
}
