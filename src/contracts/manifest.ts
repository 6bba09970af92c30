import { z } from 'zod';
import { boundsIssue } from './bounds.js';

/** A path inside the update's folder: relative, no `..`, no absolute or drive paths. */
export const relativeFilePath = z
  .string()
  .min(1)
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !p.startsWith('\\') &&
      !/^[A-Za-z]:/.test(p) &&
      !p.split(/[\\/]/).some((part) => part === '..' || part === ''),
    { message: 'must be a relative path inside the update folder (no "..", no absolute path)' },
  )
  // No file system takes a NUL in a name, and PostgreSQL text cannot hold one.
  .refine((p) => !p.includes('\u0000'), { message: 'must not contain a NUL byte' });

export const sha256Hex = z
  .string()
  .regex(/^[a-f0-9]{64}$/, { message: 'must be a lowercase hex SHA-256 digest' });

export const detectRule = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('file'),
    path: z.string().min(1),
    sha256: sha256Hex.optional(),
  }),
  z.object({
    type: z.literal('command'),
    command: z.string().min(1),
    timeoutSeconds: z.number().int().positive().max(3600).default(60),
  }),
]);
export type DetectRule = z.infer<typeof detectRule>;

export const severities = ['critical', 'important', 'moderate', 'low', 'unspecified'] as const;
export const classifications = [
  'security',
  'critical',
  'feature-pack',
  'update-rollup',
  'service-pack',
  'definition',
  'driver',
  'tool',
  'update',
] as const;

export const platform = z.object({
  os: z.enum(['linux', 'windows', 'darwin', 'freebsd']),
  arch: z.string().min(1).optional(),
  osVersion: z.string().min(1).optional(),
});
export type Platform = z.infer<typeof platform>;

export const installCommand = z.object({
  command: z.string().min(1),
  timeoutSeconds: z.number().int().positive().max(86_400).default(600),
  successExitCodes: z.array(z.number().int()).min(1).default([0]),
  rebootExitCodes: z.array(z.number().int()).default([3010, 1641]),
  retryExitCodes: z.array(z.number().int()).default([1618]),
});
export type InstallCommand = z.infer<typeof installCommand>;

/** `update.json`: what an update is, how to tell it is installed and how to install it. */
export const updateManifest = z
  .looseObject({
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
        message: 'must start with a letter or digit and hold only letters, digits, ".", "_" or "-"',
      }),
    title: z.string().min(1).max(500),
    description: z.string().max(20_000).optional(),
    severity: z.enum(severities),
    classification: z.enum(classifications).default('update'),
    platforms: z.array(platform).min(1),
    files: z.array(relativeFilePath).default([]),
    detect: detectRule,
    install: installCommand,
    uninstall: installCommand.optional(),
    requires: z
      .object({
        freeDiskMB: z.number().nonnegative().optional(),
        prerequisites: z.array(detectRule).default([]),
      })
      .default({ prerequisites: [] }),
    supersedes: z.array(z.string().min(1)).default([]),
  })
  // Unknown fields pass through, but may not nest or grow without bound.
  .superRefine((manifest, ctx) => {
    const issue = boundsIssue(manifest);
    if (issue) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });
export type UpdateManifest = z.infer<typeof updateManifest>;
export type UpdateManifestInput = z.input<typeof updateManifest>;

/** One stored file of an update, addressed by its content. */
export const updateFile = z.object({
  path: relativeFilePath,
  sha256: sha256Hex,
  size: z.number().int().nonnegative(),
});
export type UpdateFile = z.infer<typeof updateFile>;
