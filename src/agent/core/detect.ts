import type { DetectRule } from '../../contracts/manifest.js';
import {
  fileVersionQueryLine,
  kbQueryLine,
  msiProductQueryLine,
  packageSatisfies,
  parseRegQuery,
  printedVersion,
  registryQueryLine,
} from '../../domain/packages/detect-rules.js';
import { parseConstraint, satisfies } from '../../domain/packages/versions.js';
import type { Host } from './host.js';

export type DetectOutcome =
  { kind: 'installed' } | { kind: 'absent' } | { kind: 'error'; message: string };

/** How long a query the agent builds itself (reg, PowerShell, PlistBuddy) may take. */
const QUERY_TIMEOUT_SECONDS = 60;

/** Evaluates a detection rule on the host; `cwd` is the update's work dir. */
export async function detect(
  host: Host,
  rule: DetectRule,
  cwd: string,
  env: Readonly<Record<string, string>>,
): Promise<DetectOutcome> {
  switch (rule.type) {
    case 'file': {
      const info = await host.inspectFile(rule.path, { cwd, hash: rule.sha256 !== undefined });
      if (!info.exists) return { kind: 'absent' };
      if (rule.sha256 !== undefined && info.sha256 !== rule.sha256) return { kind: 'absent' };
      return { kind: 'installed' };
    }
    case 'command': {
      const result = await host.runCommand({
        command: rule.command,
        cwd,
        env,
        timeoutSeconds: rule.timeoutSeconds,
      });
      if (result.timedOut) {
        return {
          kind: 'error',
          message: `detect command timed out after ${rule.timeoutSeconds}s`,
        };
      }
      return result.exitCode === 0 ? { kind: 'installed' } : { kind: 'absent' };
    }
    case 'package': {
      const list = host.packages ? await host.packages(rule.name) : null;
      if (!list)
        return { kind: 'error', message: 'this computer has no dpkg or rpm package database' };
      if (rule.manager && rule.manager !== list.manager) {
        return {
          kind: 'error',
          message: `the rule wants ${rule.manager}; this computer has ${list.manager}`,
        };
      }
      const { found } = packageSatisfies(
        list.packages,
        list.manager,
        rule.name,
        rule.version,
        rule.arch,
      );
      return found ? { kind: 'installed' } : { kind: 'absent' };
    }
    case 'file-version':
      return await queried(
        host,
        cwd,
        env,
        () => fileVersionQueryLine(rule.path, platformOf(host)),
        (out) => versionHolds(out, rule.version),
      );
    case 'registry':
      return await queried(
        host,
        cwd,
        env,
        () => registryQueryLine(rule.key, rule.value, rule.view),
        (out) => {
          if (rule.value === undefined) return true;
          const data = parseRegQuery(out, rule.value);
          if (data === null) return false;
          if (rule.equals !== undefined && data !== rule.equals) return false;
          return rule.version === undefined || versionHolds(data, rule.version);
        },
        'windows',
      );
    case 'msi-product':
      return await queried(
        host,
        cwd,
        env,
        () => msiProductQueryLine(rule.productCode),
        (out) => {
          if (rule.version === undefined) return true;
          const version = parseRegQuery(out, 'DisplayVersion');
          return version !== null && versionHolds(version, rule.version);
        },
        'windows',
      );
    case 'kb':
      return await queried(
        host,
        cwd,
        env,
        () => kbQueryLine(rule.kb),
        () => true,
        'windows',
      );
    case 'agent-version': {
      // The version of this very process: after a self-update, the one the launcher ran.
      const { agentVersion } = await host.inventory();
      const c = parseConstraint(rule.version);
      return c !== null && satisfies('dotted', agentVersion, c)
        ? { kind: 'installed' }
        : { kind: 'absent' };
    }
  }
}

function platformOf(host: Host): string {
  return host.platform ?? 'linux';
}

function versionHolds(printed: string, constraint: string): boolean {
  const version = printedVersion(printed);
  const c = parseConstraint(constraint);
  return version !== null && c !== null && satisfies('dotted', version, c);
}

/**
 * Runs a query line built for the rule: exit 0 and `holds(output)` means installed,
 * any other exit absent; a rule that cannot run on this os is an error.
 */
async function queried(
  host: Host,
  cwd: string,
  env: Readonly<Record<string, string>>,
  line: () => string,
  holds: (output: string) => boolean,
  onlyOn?: string,
): Promise<DetectOutcome> {
  const os = platformOf(host);
  if (onlyOn && os !== onlyOn) {
    return { kind: 'error', message: `this detect rule runs on ${onlyOn} only, not on ${os}` };
  }
  let command: string;
  try {
    command = line();
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
  const result = await host.runCommand({
    command,
    cwd,
    env,
    timeoutSeconds: QUERY_TIMEOUT_SECONDS,
  });
  if (result.timedOut) {
    return { kind: 'error', message: `detect query timed out after ${QUERY_TIMEOUT_SECONDS}s` };
  }
  return result.exitCode === 0 && holds(result.output) ? { kind: 'installed' } : { kind: 'absent' };
}

export { describeRule } from '../../contracts/manifest-text.js';
