/**
 * What the audit keeps of a request body (or of a before/after summary): the same JSON
 * with every secret replaced, so the log never holds one. A secret is the value of a
 * field whose name says so (password, secret, token, credential, private, root, signing or API key,
 * authorization, cookie), or any string that has the shape of a Ringmaster secret
 * (`rm_<kind>_<random>`), wherever it is. Deep or huge values are cut, not walked.
 */

export const REDACTED = '[redacted]';

const secretField =
  /pass(word|phrase)?|secret|token|credential|(private|root|signing)[-_]?key|api[-_]?key|authorization|cookie/i;
const secretShape = /^rm_[a-z]+_[A-Za-z0-9_-]{16,}$/;
/** A PEM private key, under whatever field name (e.g. the root key given to a rotation). */
const privateKeyShape = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Nesting kept; deeper values become a marker (a valid body nests 32 levels at most). */
const MAX_DEPTH = 40;
/** Characters of JSON kept; a larger body is recorded by its size only. */
export const MAX_JSON_CHARS = 64 * 1024;

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return secretShape.test(value) || privateKeyShape.test(value) ? REDACTED : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // defineProperty: a `__proto__` key stays a plain field.
    Object.defineProperty(out, key, {
      value: secretField.test(key) && child !== null ? REDACTED : redactValue(child, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** `value` with its secrets redacted, or `{ truncated, chars }` when its JSON is too large. */
export function redactSecrets(value: unknown): unknown {
  if (value === undefined) return null;
  const redacted = redactValue(value, 0);
  const text = JSON.stringify(redacted) ?? 'null';
  if (text.length > MAX_JSON_CHARS) return { truncated: true, chars: text.length };
  return redacted;
}
