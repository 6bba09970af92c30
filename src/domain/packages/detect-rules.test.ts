import { describe, expect, it } from 'vitest';
import {
  fileVersionQueryLine,
  kbQueryLine,
  msiProductQueryLine,
  packageSatisfies,
  parseDpkgQuery,
  parseRegQuery,
  parseRpmQuery,
  powershellCommand,
  registryQueryLine,
} from './detect-rules.js';

function decodePowershell(line: string): string {
  const b64 = line.split(' ').at(-1) ?? '';
  const bytes = atob(b64);
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) {
    out += String.fromCharCode(bytes.charCodeAt(i) | (bytes.charCodeAt(i + 1) << 8));
  }
  return out;
}

describe('package lists', () => {
  it('reads dpkg-query lines, keeping only installed packages', () => {
    const out = [
      'openssl\t3.0.11-1~deb12u2\tamd64\tinstalled',
      'libssl3\t3.0.11-1~deb12u2\tamd64\tinstalled',
      'oldpkg\t1.0-1\tall\tconfig-files',
      'libc6\t2.36-9\ti386\tinstalled',
      'garbage line',
      '',
    ].join('\n');
    expect(parseDpkgQuery(out)).toEqual([
      { name: 'openssl', version: '3.0.11-1~deb12u2', arch: 'amd64' },
      { name: 'libssl3', version: '3.0.11-1~deb12u2', arch: 'amd64' },
      { name: 'libc6', version: '2.36-9', arch: 'i386' },
    ]);
  });

  it('reads rpm lines, dropping a (none) epoch', () => {
    expect(
      parseRpmQuery('openssl\t1:3.0.7-27.el9\tx86_64\nbash\t(none):5.1.8-9.el9\tx86_64\n'),
    ).toEqual([
      { name: 'openssl', version: '1:3.0.7-27.el9', arch: 'x86_64' },
      { name: 'bash', version: '5.1.8-9.el9', arch: 'x86_64' },
    ]);
  });

  it('judges a package and its version by the manager rules', () => {
    const pkgs = [
      { name: 'openssl', version: '3.0.11-1~deb12u2', arch: 'amd64' },
      { name: 'libc6', version: '2.36-9', arch: 'amd64' },
      { name: 'libc6', version: '2.36-9+b1', arch: 'i386' },
    ];
    expect(packageSatisfies(pkgs, 'dpkg', 'openssl', undefined).found).toBe(true);
    expect(packageSatisfies(pkgs, 'dpkg', 'openssl', '>= 3.0.11').found).toBe(true);
    expect(packageSatisfies(pkgs, 'dpkg', 'openssl', '>= 3.0.15').found).toBe(false);
    expect(packageSatisfies(pkgs, 'dpkg', 'curl', undefined)).toEqual({
      found: false,
      version: null,
    });
    expect(packageSatisfies(pkgs, 'dpkg', 'libc6', '> 2.36-9').found).toBe(true);
    expect(packageSatisfies(pkgs, 'dpkg', 'libc6', '> 2.36-9', 'amd64').found).toBe(false);
    expect(() => packageSatisfies(pkgs, 'dpkg', 'libc6', '=>')).toThrow(/constraint/);
  });
});

describe('Windows queries', () => {
  it('queries the registry in the view asked for, refusing what cmd would expand', () => {
    expect(registryQueryLine('HKLM\\SOFTWARE\\Vendor App', 'Version', '64')).toBe(
      'reg.exe query "HKLM\\SOFTWARE\\Vendor App" /v "Version" /reg:64',
    );
    expect(() => registryQueryLine('HKXX\\Soft', undefined, '64')).toThrow(/HKLM/);
    expect(() => registryQueryLine('HKLM\\%TEMP%', undefined, '64')).toThrow(/%/);
  });

  it('reads a value from reg query output', () => {
    const out = [
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor',
      '    Version    REG_SZ    1.2.3.4',
      '    Build    REG_DWORD    0x1a',
      '    Empty Name    REG_SZ    ',
      '',
    ].join('\r\n');
    expect(parseRegQuery(out, 'version')).toBe('1.2.3.4');
    expect(parseRegQuery(out, 'Build')).toBe('26');
    expect(parseRegQuery(out, 'Empty Name')).toBe('');
    expect(parseRegQuery(out, 'Missing')).toBeNull();
  });

  it('finds an MSI product in both registry views', () => {
    expect(msiProductQueryLine('{12345678-1234-1234-1234-123456789abc}')).toBe(
      'reg.exe query "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{12345678-1234-1234-1234-123456789ABC}" /v "DisplayVersion" /reg:64 || ' +
        'reg.exe query "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{12345678-1234-1234-1234-123456789ABC}" /v "DisplayVersion" /reg:32',
    );
    expect(() => msiProductQueryLine('{nope}')).toThrow(/product code/);
  });

  it('passes PowerShell scripts encoded, so no quoting can change them', () => {
    expect(decodePowershell(kbQueryLine('5034441'))).toBe(
      "if (Get-HotFix -Id 'KB5034441' -ErrorAction SilentlyContinue) { exit 0 } else { exit 1 }",
    );
    const fv = decodePowershell(
      fileVersionQueryLine("C:\\Program Files\\it's\\app.exe", 'windows'),
    );
    expect(fv).toContain("Get-Item -LiteralPath 'C:\\Program Files\\it''s\\app.exe'");
    expect(powershellCommand('x')).toBe(
      'powershell.exe -NoProfile -NonInteractive -EncodedCommand eAA=',
    );
  });

  it('reads a file version on macOS from the bundle, and nowhere else but Windows', () => {
    expect(fileVersionQueryLine('/Applications/App.app', 'darwin')).toBe(
      "/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' '/Applications/App.app/Contents/Info.plist'",
    );
    expect(() => fileVersionQueryLine('/usr/bin/x', 'linux')).toThrow(/Windows and macOS/);
  });
});
