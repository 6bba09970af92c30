import type { Assignment } from '../contracts/agent-protocol.js';
import type { DetectRule, UpdateManifest } from '../contracts/manifest.js';
import { resolveRun, type ResolvedRun } from '../agent/core/installer.js';

/** The simulated computers are Linux ones. */
const SIM_OS = 'linux';

/**
 * What the simulated host says about commands and files: the agent core only runs a
 * manifest's commands and looks at its files, so the simulator learns each update's
 * manifest from the assignments it sees, and answers from the computer's state.
 * Shared by the whole fleet (manifests are the same for everyone).
 */
export class ManifestIndex {
  private readonly roles = new Map<string, Role>();
  private readonly learned = new Map<string, string>();
  private readonly sizes = new Map<string, number>();

  learn(assignment: Assignment): void {
    const { manifest, updateId } = assignment;
    for (const f of assignment.files) this.sizes.set(f.sha256, f.size);
    const key = JSON.stringify(manifest);
    if (this.learned.get(updateId) === key) return;
    this.learned.set(updateId, key);
    this.learnManifest(updateId, manifest);
  }

  private learnManifest(updateId: string, manifest: UpdateManifest): void {
    for (const rule of manifest.requires.prerequisites) {
      this.roles.set(ruleKey(updateId, rule), { kind: 'prereq', updateId, rule });
    }
    const uninstall = manifest.uninstall && resolveRun(manifest.uninstall, SIM_OS, 'uninstall');
    if (uninstall && typeof uninstall !== 'string') {
      this.roles.set(commandKey(updateId, uninstall.command), {
        kind: 'uninstall',
        updateId,
        command: uninstall,
      });
    }
    const install = resolveRun(manifest.install, SIM_OS, 'install');
    if (typeof install !== 'string') {
      this.roles.set(commandKey(updateId, install.command), {
        kind: 'install',
        updateId,
        command: install,
      });
    }
    // The detect rule wins when a command plays two parts.
    this.roles.set(ruleKey(updateId, manifest.detect), {
      kind: 'detect',
      updateId,
      rule: manifest.detect,
    });
  }

  /** A detect rule from the scan rules: the scan of an update never assigned here. */
  learnDetect(updateId: string, rule: DetectRule): void {
    const key = ruleKey(updateId, rule);
    if (this.roles.get(key)?.kind === 'detect') return;
    this.roles.set(key, { kind: 'detect', updateId, rule });
  }

  commandRole(updateId: string, command: string): Role | undefined {
    return this.roles.get(commandKey(updateId, command));
  }

  fileRole(updateId: string, path: string): Role | undefined {
    return this.roles.get(`${updateId}\u0000file\u0000${path}`);
  }

  size(sha256: string): number | undefined {
    return this.sizes.get(sha256);
  }
}

export type Role =
  | { kind: 'detect' | 'prereq'; updateId: string; rule: DetectRule }
  | { kind: 'install' | 'uninstall'; updateId: string; command: ResolvedRun };

function commandKey(updateId: string, command: string): string {
  return `${updateId}\u0000command\u0000${command}`;
}

function ruleKey(updateId: string, rule: DetectRule): string {
  if (rule.type === 'file') return `${updateId}\u0000file\u0000${rule.path}`;
  if (rule.type === 'command') return commandKey(updateId, rule.command);
  // The simulated host has no package database or registry: these rules are errors there.
  return `${updateId}\u0000rule\u0000${JSON.stringify(rule)}`;
}
