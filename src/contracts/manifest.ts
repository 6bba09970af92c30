import { z } from 'zod';
import {
  KB_NUMBER,
  MSI_PRODUCT_CODE,
  MSI_PROPERTY_NAME,
  PACKAGE_NAME,
  kindPlatforms,
  windowsArgumentProblem,
} from '../domain/packages/installers.js';
import { REGISTRY_ROOTS, registryKeyProblem } from '../domain/packages/detect-rules.js';
import { MAX_VERSION_LENGTH, parseConstraint, satisfies } from '../domain/packages/versions.js';
import { boundsIssue } from './bounds.js';
import { classifications, severities } from './update-kinds.js';

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

/** A version constraint such as `">= 1.2.3"` (see domain/packages/versions.ts). */
export const versionConstraint = z
  .string()
  .min(1)
  .max(MAX_VERSION_LENGTH + 8)
  .refine((c) => parseConstraint(c) !== null, {
    message: 'must be a version or an operator (<, <=, =, !=, >=, >) and a version',
  });

const windowsText = (what: string) =>
  z
    .string()
    .min(1)
    .max(1024)
    .superRefine((s, ctx) => {
      const problem = windowsArgumentProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
    });

export const packageName = z
  .string()
  .regex(PACKAGE_NAME, { message: 'must be a package name (letters, digits, "+", ".", "_", "-")' });

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
  /** An installed dpkg or rpm package, with a version compared by that tool's rules. */
  z.object({
    type: z.literal('package'),
    name: packageName,
    version: versionConstraint.optional(),
    arch: z.string().min(1).max(32).optional(),
    manager: z.enum(['dpkg', 'rpm']).optional(),
  }),
  /** The version of a file: a Windows version resource, or a macOS bundle's Info.plist. */
  z.object({
    type: z.literal('file-version'),
    path: z.string().min(1).max(1024),
    version: versionConstraint,
  }),
  /** A Windows registry key, or a value of it (equal to a text, or a version in range). */
  z.object({
    type: z.literal('registry'),
    key: windowsText('the key').refine((k) => registryKeyProblem(k) === null, {
      message: `must start with one of ${REGISTRY_ROOTS.join(', ')}`,
    }),
    value: windowsText('the value name').optional(),
    equals: z.string().max(1024).optional(),
    version: versionConstraint.optional(),
    view: z.enum(['64', '32']).default('64'),
  }),
  /** A product installed by Windows Installer, by its product code. */
  z.object({
    type: z.literal('msi-product'),
    productCode: z.string().regex(MSI_PRODUCT_CODE, { message: 'must be a {GUID} product code' }),
    version: versionConstraint.optional(),
  }),
  /** A Windows update installed, by its KB number. */
  z.object({
    type: z.literal('kb'),
    kb: z.string().regex(KB_NUMBER, { message: 'must be a KB number such as KB5034441' }),
  }),
  /** The version of the Ringmaster agent that runs: the detect rule of the `agent` kind. */
  z.object({ type: z.literal('agent-version'), version: versionConstraint }),
]);
export type DetectRule = z.infer<typeof detectRule>;

export { classifications, severities } from './update-kinds.js';

export const platform = z.object({
  os: z.enum(['linux', 'windows', 'darwin', 'freebsd']),
  arch: z.string().min(1).optional(),
  osVersion: z.string().min(1).optional(),
});
export type Platform = z.infer<typeof platform>;

const exitCodes = z.array(z.number().int().min(-2_147_483_648).max(4_294_967_295));
/** Overrides of the kind's exit-code table (domain/packages/installers.ts). */
const exitCodeFields = {
  timeoutSeconds: z.number().int().positive().max(86_400).default(600),
  successExitCodes: exitCodes.min(1).optional(),
  rebootExitCodes: exitCodes.optional(),
  retryExitCodes: exitCodes.optional(),
};

const commandKind = z.object({
  kind: z.literal('command'),
  command: z.string().min(1),
  ...exitCodeFields,
});
const scriptKind = z.object({
  kind: z.literal('script'),
  file: relativeFilePath,
  args: z.array(z.string().max(1024)).max(64).optional(),
  ...exitCodeFields,
});
const packageFile = (ext: string) =>
  relativeFilePath.refine((f) => f.toLowerCase().endsWith(ext), {
    message: `must be a ${ext} file`,
  });
/**
 * A version of the agent: also the name of its directory under the state dir and a word
 * the launcher (a shell script) reads, so no `/`, no space, no leading dot.
 */
export const AGENT_VERSION = /^[0-9][0-9A-Za-z.+~_-]{0,63}$/;
export const agentVersion = z.string().regex(AGENT_VERSION, {
  message:
    'must be a version: a digit, then letters, digits, ".", "+", "~", "_" or "-" (64 at most)',
});

/** The agent replacing itself (agent.md, Self-update): no command runs. */
const agentKind = z.object({
  kind: z.literal('agent'),
  /** The bundle (`agent.mjs` of the agent package). */
  file: relativeFilePath.refine((f) => f.endsWith('.mjs'), { message: 'must be a .mjs file' }),
  version: agentVersion,
  /**
   * The install's timeout, as for every kind: here how long the new version has for its
   * first check-in before the previous one comes back.
   */
  timeoutSeconds: z.number().int().min(30).max(86_400).default(600),
});

const msiProperties = z
  .record(
    z.string().regex(MSI_PROPERTY_NAME, { message: 'must be an MSI public property (upper case)' }),
    windowsText('a property value'),
  )
  .optional();

/** A spec without `kind` is a `command` (every manifest before the kinds). */
function withCommandKind<
  const T extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]],
>(options: T) {
  return z.preprocess(
    (v) =>
      typeof v === 'object' && v !== null && !Array.isArray(v) && !('kind' in v)
        ? { ...v, kind: 'command' }
        : v,
    z.discriminatedUnion('kind', options),
  );
}

/** How an update is installed: the install kinds. */
export const installSpec = withCommandKind([
  commandKind,
  scriptKind,
  z.object({ kind: z.literal('deb'), file: packageFile('.deb'), ...exitCodeFields }),
  z.object({ kind: z.literal('rpm'), file: packageFile('.rpm'), ...exitCodeFields }),
  z.object({
    kind: z.literal('msi'),
    file: packageFile('.msi').and(windowsText('the file')),
    properties: msiProperties,
    ...exitCodeFields,
  }),
  z.object({
    kind: z.literal('msu'),
    file: packageFile('.msu').and(windowsText('the file')),
    ...exitCodeFields,
  }),
  agentKind,
] as const);
export type InstallSpec = z.infer<typeof installSpec>;

/** How it is removed (a rollback): a package by name, a product code, a KB. */
export const uninstallSpec = withCommandKind([
  commandKind,
  scriptKind,
  z.object({
    kind: z.literal('deb'),
    package: packageName,
    purge: z.boolean().default(false),
    ...exitCodeFields,
  }),
  z.object({ kind: z.literal('rpm'), package: packageName, ...exitCodeFields }),
  z.object({
    kind: z.literal('msi'),
    productCode: z.string().regex(MSI_PRODUCT_CODE, { message: 'must be a {GUID} product code' }),
    ...exitCodeFields,
  }),
  z.object({
    kind: z.literal('msu'),
    kb: z.string().regex(KB_NUMBER, { message: 'must be a KB number such as KB5034441' }),
    ...exitCodeFields,
  }),
  /** Back to the agent version that ran before this one. */
  z.object({ kind: z.literal('agent') }),
] as const);
export type UninstallSpec = z.infer<typeof uninstallSpec>;

export type InstallCommand = z.infer<typeof commandKind>;

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
    install: installSpec,
    uninstall: uninstallSpec.optional(),
    requires: z
      .object({
        freeDiskMB: z.number().nonnegative().optional(),
        prerequisites: z.array(detectRule).default([]),
      })
      .default({ prerequisites: [] }),
    /** Detect rules that must all hold for the update to apply: else `not-applicable`. */
    applicableIf: z.array(detectRule).max(32).default([]),
    supersedes: z.array(z.string().min(1)).default([]),
  })
  // Unknown fields pass through, but may not nest or grow without bound.
  .superRefine((manifest, ctx) => {
    agentKindIssues(manifest, ctx);
    for (const field of ['install', 'uninstall'] as const) {
      const kind = manifest[field]?.kind;
      const allowed = kind && kind !== 'agent' ? kindPlatforms[kind] : null;
      if (!kind || !allowed) continue;
      const elsewhere = manifest.platforms.filter((p) => !allowed.includes(p.os));
      if (elsewhere.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: [field, 'kind'],
          message: `a ${kind} installer runs on ${allowed.join(', ')} only; platforms names ${elsewhere.map((p) => p.os).join(', ')}`,
        });
      }
    }
    const issue = boundsIssue(manifest);
    if (issue) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });
export type UpdateManifest = z.infer<typeof updateManifest>;

/**
 * An agent update is told installed by the version that runs, and goes back the agent's
 * way: the `agent` kind, the `agent-version` rule and an `agent` uninstall go together.
 */
function agentKindIssues(
  manifest: {
    detect: DetectRule;
    install: InstallSpec;
    uninstall?: UninstallSpec | undefined;
    files: string[];
  },
  ctx: z.RefinementCtx,
): void {
  const { install, detect, uninstall } = manifest;
  if (install.kind !== 'agent') {
    if (uninstall?.kind === 'agent') {
      ctx.addIssue({
        code: 'custom',
        path: ['uninstall', 'kind'],
        message: 'an agent uninstall goes with an agent install only',
      });
    }
    return;
  }
  if (detect.type !== 'agent-version') {
    ctx.addIssue({
      code: 'custom',
      path: ['detect', 'type'],
      message: 'an agent install is detected by the agent-version rule',
    });
  } else {
    const constraint = parseConstraint(detect.version);
    if (constraint && !satisfies('dotted', install.version, constraint)) {
      ctx.addIssue({
        code: 'custom',
        path: ['detect', 'version'],
        message: `the agent version ${install.version} does not satisfy ${detect.version}`,
      });
    }
  }
  if (uninstall && uninstall.kind !== 'agent') {
    ctx.addIssue({
      code: 'custom',
      path: ['uninstall', 'kind'],
      message: 'an agent install is rolled back by an agent uninstall',
    });
  }
  if (!manifest.files.includes(install.file)) {
    ctx.addIssue({
      code: 'custom',
      path: ['install', 'file'],
      message: `${install.file} is not among files`,
    });
  }
}
export type UpdateManifestInput = z.input<typeof updateManifest>;

/** One stored file of an update, addressed by its content. */
export const updateFile = z.object({
  path: relativeFilePath,
  sha256: sha256Hex,
  size: z.number().int().nonnegative(),
});
export type UpdateFile = z.infer<typeof updateFile>;
