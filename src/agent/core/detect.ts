import type { DetectRule } from '../../contracts/manifest.js';
import type { Host } from './host.js';

export type DetectOutcome =
  { kind: 'installed' } | { kind: 'absent' } | { kind: 'error'; message: string };

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
  }
}

export function describeRule(rule: DetectRule): string {
  switch (rule.type) {
    case 'file':
      return rule.sha256
        ? `file ${rule.path} (sha256 ${rule.sha256.slice(0, 12)}…)`
        : `file ${rule.path}`;
    case 'command':
      return `command \`${rule.command}\``;
  }
}
