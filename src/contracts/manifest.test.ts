import { describe, expect, it } from 'vitest';
import { updateManifest } from './manifest.js';

const base = {
  id: 'PKG-1',
  title: 'A package',
  severity: 'low',
  platforms: [{ os: 'linux' }],
  detect: { type: 'package', name: 'hello', version: '>= 1.0-1' },
};

function issues(input: Record<string, unknown>): string[] {
  const parsed = updateManifest.safeParse({ ...base, ...input });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('installer kinds in the manifest', () => {
  it('reads an install without a kind as a command, as every manifest before the kinds', () => {
    const parsed = updateManifest.parse({ ...base, install: { command: 'sh install.sh' } });
    expect(parsed.install).toEqual({
      kind: 'command',
      command: 'sh install.sh',
      timeoutSeconds: 600,
    });
  });

  it('takes each kind with its own fields', () => {
    expect(
      issues({ install: { kind: 'deb', file: 'a.deb' }, uninstall: { kind: 'deb', package: 'a' } }),
    ).toEqual([]);
    expect(
      issues({
        platforms: [{ os: 'windows' }],
        detect: { type: 'msi-product', productCode: '{12345678-1234-1234-1234-123456789ABC}' },
        install: { kind: 'msi', file: 'a.msi', properties: { ALLUSERS: '1' } },
        uninstall: { kind: 'msi', productCode: '{12345678-1234-1234-1234-123456789ABC}' },
      }),
    ).toEqual([]);
  });

  it('refuses, naming the field, what the kind cannot take', () => {
    expect(
      issues({ platforms: [{ os: 'windows' }], install: { kind: 'deb', file: 'a.deb' } }),
    ).toEqual(['install.kind: a deb installer runs on linux only; platforms names windows']);
    expect(issues({ install: { kind: 'deb', file: 'a.rpm' } })[0]).toMatch(
      /^install\.file: must be a \.deb file/,
    );
    expect(
      issues({
        install: { kind: 'deb', file: 'a.deb' },
        uninstall: { kind: 'deb', package: '-rf' },
      })[0],
    ).toMatch(/^uninstall\.package:/);
    expect(
      issues({
        platforms: [{ os: 'windows' }],
        install: { kind: 'msi', file: 'a.msi', properties: { X: '%PATH%' } },
      })[0],
    ).toMatch(/^install\.properties\.X:.*%/);
    expect(issues({ install: { kind: 'flatpak', file: 'a' } })[0]).toMatch(/^install\.kind:/);
    expect(
      issues({
        install: { command: 'x' },
        detect: { type: 'package', name: 'a', version: '=> 1' },
      })[0],
    ).toMatch(/^detect\.version:/);
    expect(
      issues({ install: { command: 'x' }, detect: { type: 'registry', key: 'HKXX\\Soft' } })[0],
    ).toMatch(/^detect\.key:/);
  });
});

describe('the agent kind in the manifest', () => {
  const agent = {
    files: ['agent.mjs'],
    detect: { type: 'agent-version', version: '0.2.0' },
    install: { kind: 'agent', file: 'agent.mjs', version: '0.2.0' },
    uninstall: { kind: 'agent' },
  };

  it('takes a bundle and its version, ten minutes to check in unless told', () => {
    expect(issues(agent)).toEqual([]);
    const parsed = updateManifest.parse({ ...base, ...agent });
    expect(parsed.install).toEqual({
      kind: 'agent',
      file: 'agent.mjs',
      version: '0.2.0',
      timeoutSeconds: 600,
    });
  });

  it('goes with the agent-version rule and an agent uninstall, of a listed bundle', () => {
    expect(issues({ ...agent, detect: base.detect })).toEqual([
      'detect.type: an agent install is detected by the agent-version rule',
    ]);
    expect(issues({ ...agent, detect: { type: 'agent-version', version: '>= 0.3' } })).toEqual([
      'detect.version: the agent version 0.2.0 does not satisfy >= 0.3',
    ]);
    expect(issues({ ...agent, uninstall: { command: 'true' } })).toEqual([
      'uninstall.kind: an agent install is rolled back by an agent uninstall',
    ]);
    expect(issues({ ...agent, files: [] })).toEqual(['install.file: agent.mjs is not among files']);
    expect(issues({ install: { command: 'true' }, uninstall: { kind: 'agent' } })).toEqual([
      'uninstall.kind: an agent uninstall goes with an agent install only',
    ]);
  });

  it('refuses a version the launcher could not take as a directory name', () => {
    for (const version of ['../1', '1/2', '.1', 'one', '1 2']) {
      expect(
        issues({ ...agent, install: { ...agent.install, version } }).some((i) =>
          i.startsWith('install.version'),
        ),
      ).toBe(true);
    }
  });
});
