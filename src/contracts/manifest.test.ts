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
