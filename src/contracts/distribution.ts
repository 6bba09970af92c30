import { z } from 'zod';
import { pageQuery } from './paging.js';
import { sha256Hex } from './manifest.js';

/**
 * Sites and distribution points: where computers download update files. A managed point
 * (`ringmaster distribution-point run`) replicates the files its site needs and reports
 * what it holds; a static one is any HTTP server holding the content-addressed layout
 * (`sha256/ab/abcdef…`), read-only.
 */

/** Where a file lives under a content root or a point's URL: `sha256/ab/abcdef…`. */
export function contentPath(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

export const siteName = z.string().min(1).max(128);
export const pointKinds = ['managed', 'static'] as const;
export const pointFileStates = ['staged', 'missing', 'corrupt'] as const;

/** An http(s) URL, the base under which `sha256/ab/abcdef…` is served. */
const pointUrl = z
  .string()
  .max(2000)
  .refine(
    (text) => {
      try {
        const url = new URL(text);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '';
      } catch {
        return false;
      }
    },
    { message: 'an http:// or https:// URL without a query' },
  );

export const registerPointRequest = z.object({
  site: siteName,
  url: pointUrl,
  /** Agents try a site's points by this, lowest first; default after the last. */
  order: z.number().int().min(0).max(1_000_000).optional(),
  /** `static`: read-only, reports nothing and holds up no phase. */
  kind: z.enum(pointKinds).default('managed'),
});
export type RegisterPointRequest = z.input<typeof registerPointRequest>;

export const pointFileCounts = z.object({
  staged: z.number(),
  missing: z.number(),
  corrupt: z.number(),
});

export const pointView = z.object({
  id: z.string(),
  site: z.string(),
  url: z.string(),
  order: z.number(),
  kind: z.enum(pointKinds),
  createdAt: z.string(),
  /** The managed point's last call; null: never (or static). */
  lastSeenAt: z.string().nullable(),
  /** What it holds, as reported, of every file it was told of. */
  files: pointFileCounts,
  /** The point's credential: in the answer to `register` only. */
  token: z.string().optional(),
});
export type PointView = z.infer<typeof pointView>;

export const siteView = z.object({
  name: z.string(),
  computers: z.number(),
  points: z.number(),
});
export type SiteView = z.infer<typeof siteView>;

export const pointListQuery = pageQuery(['site', 'id'], { sort: 'site' }).extend({
  site: siteName.optional(),
});
export const siteListQuery = pageQuery(['name'], { sort: 'name' });

export const contentStatusQuery = z.object({
  /** One deployment; absent: every live deployment. */
  deployment: z.string().min(1).max(200).optional(),
});

export const contentGapView = z.object({
  pointId: z.string(),
  sha256: z.string(),
  path: z.string(),
  state: z.enum(['missing', 'corrupt', 'not-reported']),
  detail: z.string().nullable(),
});

export const contentStatusView = z.object({
  deployments: z.array(
    z.object({
      id: z.string(),
      state: z.string(),
      files: z.number(),
      /** Every site's managed points hold every file, verified. */
      ready: z.boolean(),
      waitingFor: z.string().nullable(),
      sites: z.array(
        z.object({
          site: z.string().nullable(),
          computers: z.number(),
          /** `points`: its managed points must hold the files; `static-points`: only read-only points (not verified by the server); `server`: no point. */
          servedBy: z.enum(['points', 'static-points', 'server']),
          points: z.array(
            z.object({
              id: z.string(),
              kind: z.enum(pointKinds),
              url: z.string(),
              staged: z.number(),
            }),
          ),
          gaps: z.array(contentGapView),
        }),
      ),
    }),
  ),
});
export type ContentStatusView = z.infer<typeof contentStatusView>;

/** What a point is told to hold: the files of the live deployments that reach its site. */
export const pointNeedsResponse = z.object({
  pointId: z.string(),
  site: z.string(),
  files: z.array(
    z.object({
      sha256: z.string(),
      size: z.number(),
      /** What the server last heard of this file here (an agent may have found it corrupt). */
      state: z.enum(pointFileStates).nullable(),
    }),
  ),
  /** When to ask again. */
  nextPollSeconds: z.number().positive(),
});
export type PointNeedsResponse = z.infer<typeof pointNeedsResponse>;

export const stagingReport = z.object({
  sha256: sha256Hex,
  state: z.enum(pointFileStates),
  /** A corrupt copy: what it hashes to. */
  actualSha256: sha256Hex.nullable().default(null),
  detail: z.string().max(500).nullable().default(null),
});
export const stagingRequest = z.object({ files: z.array(stagingReport).max(10_000) });
export type StagingRequest = z.input<typeof stagingRequest>;
export const stagingResponse = z.object({ recorded: z.number() });

/** A copy an agent found bad at a point (it fetched the file elsewhere). */
export const contentProblemRequest = z.object({
  pointId: z.string().min(1).max(200),
  sha256: sha256Hex,
  problem: z.enum(['corrupt', 'missing', 'unreachable']),
  detail: z.string().max(500).nullable().default(null),
});
export type ContentProblemRequest = z.input<typeof contentProblemRequest>;

export const contentProblemView = z.object({
  pointId: z.string().nullable(),
  sha256: z.string(),
  problem: z.string(),
  detail: z.string().nullable(),
  at: z.string(),
});

/** A distribution point of the computer's site, in the check-in answer, in the order to try. */
export const pointSource = z.object({ id: z.string(), url: z.string() });
export type PointSource = z.infer<typeof pointSource>;
