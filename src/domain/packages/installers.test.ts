import { describe, expect, it } from 'vitest';
import {
  classifyExit,
  commandLine,
  exitCodeTable,
  quotePosix,
  withOverrides,
  WU_E_NOT_APPLICABLE,
  WU_S_ALREADY_INSTALLED,
  WU_S_REBOOT_REQUIRED,
  type InstallerKind,
} from './installers.js';

describe('exit-code tables', () => {
  const cases: [InstallerKind, string, 'install' | 'uninstall', number, string, string][] = [
    ['command', 'linux', 'install', 0, '', 'success'],
    ['command', 'linux', 'install', 3010, '', 'error'], // cannot even arrive on POSIX
    ['command', 'linux', 'install', 194, '', 'reboot'],
    ['command', 'linux', 'install', 75, '', 'retry'],
    ['command', 'windows', 'install', 3010, '', 'reboot'],
    ['command', 'windows', 'install', 1641, '', 'reboot'],
    ['command', 'windows', 'install', 1618, '', 'retry'],
    ['command', 'windows', 'install', 194, '', 'error'],
    ['script', 'darwin', 'install', 194, '', 'reboot'],
    ['deb', 'linux', 'install', 194, '', 'reboot'],
    [
      'deb',
      'linux',
      'install',
      2,
      'dpkg: error: dpkg frontend lock was locked by another process',
      'retry',
    ],
    ['deb', 'linux', 'install', 1, 'dependency problems', 'error'],
    [
      'rpm',
      'linux',
      'install',
      1,
      'package hello-1.0-1.x86_64 is already installed',
      'already-installed',
    ],
    [
      'rpm',
      'linux',
      'install',
      1,
      "error: can't create transaction lock on /var/lib/rpm/.rpm.lock",
      'retry',
    ],
    ['rpm', 'linux', 'uninstall', 1, 'error: package hello is not installed', 'error'],
    ['msi', 'windows', 'install', 0, '', 'success'],
    ['msi', 'windows', 'install', 1707, '', 'success'],
    ['msi', 'windows', 'install', 3010, '', 'reboot'],
    ['msi', 'windows', 'install', 1641, '', 'reboot'],
    ['msi', 'windows', 'install', 1618, '', 'retry'],
    ['msi', 'windows', 'install', 1603, '', 'error'],
    ['msi', 'windows', 'install', 1605, '', 'error'],
    ['msi', 'windows', 'uninstall', 1605, '', 'success'],
    ['msu', 'windows', 'install', WU_S_ALREADY_INSTALLED, '', 'already-installed'],
    ['msu', 'windows', 'install', WU_S_REBOOT_REQUIRED, '', 'reboot'],
    ['msu', 'windows', 'install', 3010, '', 'reboot'],
    ['msu', 'windows', 'install', WU_E_NOT_APPLICABLE, '', 'error'],
    // The same HRESULT as a signed 32-bit number.
    ['msu', 'windows', 'install', 0x80240016 | 0, '', 'retry'],
    ['msu', 'windows', 'uninstall', 0x00240007, '', 'success'],
  ];
  it.each(cases)('%s on %s, %s exit %d (%s) is %s', (kind, os, action, code, output, want) => {
    expect(classifyExit(exitCodeTable(kind, os, action), code, output)).toBe(want);
  });

  it('lets the manifest replace an entry', () => {
    const t = withOverrides(exitCodeTable('command', 'linux', 'install'), {
      successExitCodes: [0, 3],
      rebootExitCodes: [100],
    });
    expect(classifyExit(t, 3, '')).toBe('success');
    expect(classifyExit(t, 100, '')).toBe('reboot');
    expect(classifyExit(t, 194, '')).toBe('error');
    expect(classifyExit(t, 75, '')).toBe('retry');
  });
});

describe('command lines', () => {
  it('quotes for sh so nothing in a name is run', () => {
    expect(quotePosix(`it's $(rm -rf /)`)).toBe(`'it'\\''s $(rm -rf /)'`);
  });

  it('installs a deb with dpkg, telling a new reboot-required apart', () => {
    const line = commandLine({ kind: 'deb', file: 'pkgs/hello 1.deb' }, 'linux', 'install');
    expect(line).toContain(`dpkg --install './pkgs/hello 1.deb' || exit $?`);
    expect(line).toContain('exit 194');
    expect(commandLine({ kind: 'deb', package: 'hello' }, 'linux', 'uninstall')).toBe(
      `dpkg --remove 'hello'`,
    );
    expect(commandLine({ kind: 'deb', package: 'hello', purge: true }, 'linux', 'uninstall')).toBe(
      `dpkg --purge 'hello'`,
    );
  });

  it('installs an rpm with rpm -U and removes it with rpm -e', () => {
    expect(commandLine({ kind: 'rpm', file: 'hello.rpm' }, 'linux', 'install')).toBe(
      `rpm --upgrade './hello.rpm'`,
    );
    expect(commandLine({ kind: 'rpm', package: 'hello' }, 'linux', 'uninstall')).toBe(
      `rpm --erase 'hello'`,
    );
  });

  it('builds msiexec and wusa lines with quiet, no-restart flags, waiting for them', () => {
    expect(
      commandLine(
        {
          kind: 'msi',
          file: 'sub/App Setup.msi',
          properties: { INSTALLDIR: 'C:\\Program Files\\App' },
        },
        'windows',
        'install',
      ),
    ).toBe(
      'start "" /wait msiexec.exe /i ".\\sub\\App Setup.msi" /qn /norestart INSTALLDIR="C:\\Program Files\\App"',
    );
    expect(
      commandLine(
        { kind: 'msi', productCode: '{12345678-1234-1234-1234-123456789ABC}' },
        'windows',
        'uninstall',
      ),
    ).toBe('start "" /wait msiexec.exe /x {12345678-1234-1234-1234-123456789ABC} /qn /norestart');
    expect(commandLine({ kind: 'msu', file: 'kb5034441.msu' }, 'windows', 'install')).toBe(
      'start "" /wait wusa.exe ".\\kb5034441.msu" /quiet /norestart',
    );
    expect(commandLine({ kind: 'msu', kb: 'KB5034441' }, 'windows', 'uninstall')).toBe(
      'start "" /wait wusa.exe /uninstall /kb:5034441 /quiet /norestart',
    );
  });

  it('runs a script with the interpreter its platform and name call for', () => {
    expect(commandLine({ kind: 'script', file: 'go.sh', args: ['a b'] }, 'linux', 'install')).toBe(
      `sh './go.sh' 'a b'`,
    );
    expect(commandLine({ kind: 'script', file: 'go.ps1' }, 'windows', 'install')).toBe(
      'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File ".\\go.ps1"',
    );
    expect(commandLine({ kind: 'script', file: 'go.cmd', args: ['x'] }, 'windows', 'install')).toBe(
      'call ".\\go.cmd" "x"',
    );
  });

  it('refuses a kind on the wrong platform and what cmd.exe would expand', () => {
    expect(() => commandLine({ kind: 'msi', file: 'a.msi' }, 'linux', 'install')).toThrow(
      /windows only/,
    );
    expect(() => commandLine({ kind: 'deb', file: 'a.deb' }, 'windows', 'install')).toThrow(
      /linux only/,
    );
    expect(() =>
      commandLine(
        { kind: 'msi', file: 'a.msi', properties: { X: '%PATH%' } },
        'windows',
        'install',
      ),
    ).toThrow(/%/);
    expect(() =>
      commandLine(
        { kind: 'msi', file: 'a.msi', properties: { X: 'a" & calc' } },
        'windows',
        'install',
      ),
    ).toThrow(/double quote/);
    expect(() => commandLine({ kind: 'deb', package: '-rf' }, 'linux', 'uninstall')).toThrow(
      /package name/,
    );
    expect(() => commandLine({ kind: 'msu', kb: '12; calc' }, 'windows', 'uninstall')).toThrow(
      /KB/,
    );
  });
});
