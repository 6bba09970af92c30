import { z } from 'zod';

/** The audit log: who called which admin route, from where, with what, and what changed. */

export const auditEntryView = z.object({
  /** Monotonic: a later entry has a larger id. */
  id: z.number(),
  at: z.string(),
  /** The caller's name; null when the call had no valid token (a 401). */
  actor: z.string().nullable(),
  tokenId: z.string().nullable(),
  role: z.string().nullable(),
  /** The caller's address, as the server saw it. */
  from: z.string(),
  /** The route's name, e.g. `haltDeployment`. */
  action: z.string(),
  method: z.string(),
  path: z.string(),
  /** The path parameters (`{ id: "dep_…" }`). */
  target: z.record(z.string(), z.string()),
  /** The request body, with every secret redacted. */
  body: z.unknown(),
  /** The HTTP status answered. */
  status: z.number(),
  /** The error code and message when the call was refused. */
  error: z.string().nullable(),
  message: z.string().nullable(),
  /** What the call changed, where that means something (a deployment's state, …). */
  before: z.unknown(),
  after: z.unknown(),
});
export type AuditEntryView = z.infer<typeof auditEntryView>;

export const auditPageView = z.object({
  items: z.array(auditEntryView),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type AuditPageView = z.infer<typeof auditPageView>;

const text = z.string().min(1).max(500);
const instant = z.iso.datetime({ offset: true });

/** The filters both the listing and the export take. */
export const auditFilterQuery = z.object({
  /** Entries at or after this instant (ISO 8601). */
  since: instant.optional(),
  /** Entries before this instant (ISO 8601). */
  until: instant.optional(),
  actor: text.optional(),
  action: text.optional(),
  /** A path parameter's value: a deployment id, a computer id, a group name, … */
  target: text.optional(),
});

export const auditListQuery = auditFilterQuery.extend({
  /** Entries per page, newest first; default 100. */
  limit: z.coerce.number<string | number>().int().min(1).max(1000).optional(),
  /** The `nextCursor` of the page before. */
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be a nextCursor the server gave')
    .optional(),
});
