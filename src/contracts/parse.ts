import type { z } from 'zod';
import { ValidationError, type FieldIssue } from '../domain/errors.js';

/**
 * `true` when A and B are the same type (not merely assignable either way), else `false`:
 * `true satisfies SameType<z.infer<typeof schema>, DomainType>` pins a schema to its
 * domain type at compile time.
 */
export type SameType<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Turns zod issues into field-named issues: `manifest.severity: Invalid option …`. */
export function fieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const field = [prefix, path].filter((p) => p !== '').join('.') || '(body)';
    return { field, message: issue.message };
  });
}

export function describeIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}

/** Parses input with a schema or throws a ValidationError naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix = '',
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error, prefix);
  throw new ValidationError(describeIssues(issues), issues);
}
