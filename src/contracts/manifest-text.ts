import type { DetectRule, InstallSpec, UninstallSpec } from './manifest.js';

/** A detect rule in a few words, for reports, the CLI and the console. */
export function describeRule(rule: DetectRule): string {
  switch (rule.type) {
    case 'file':
      return rule.sha256
        ? `file ${rule.path} (sha256 ${rule.sha256.slice(0, 12)}…)`
        : `file ${rule.path}`;
    case 'command':
      return `command \`${rule.command}\``;
    case 'package':
      return `package ${rule.name}${rule.version ? ` ${rule.version}` : ''}`;
    case 'file-version':
      return `file version of ${rule.path} ${rule.version}`;
    case 'registry':
      return `registry ${rule.key}${rule.value ? ` value ${rule.value}` : ''}`;
    case 'msi-product':
      return `MSI product ${rule.productCode}${rule.version ? ` ${rule.version}` : ''}`;
    case 'kb':
      return `Windows update ${rule.kb}`;
    case 'agent-version':
      return `agent version ${rule.version}`;
  }
}

/** An install or uninstall in a few words: the command, or the kind and its file or name. */
export function describeInstall(spec: InstallSpec | UninstallSpec): string {
  switch (spec.kind) {
    case 'command':
      return spec.command;
    case 'script':
      return `script ${spec.file}`;
    case 'deb':
    case 'rpm':
      return 'file' in spec ? `${spec.kind} ${spec.file}` : `${spec.kind} remove ${spec.package}`;
    case 'msi':
      return 'file' in spec ? `msi ${spec.file}` : `msi remove ${spec.productCode}`;
    case 'msu':
      return 'file' in spec ? `msu ${spec.file}` : `msu remove KB ${spec.kb}`;
    case 'agent':
      return 'version' in spec
        ? `agent ${spec.version} (${spec.file})`
        : 'agent: back to the previous version';
  }
}
