/**
 * The pure halves of the detect rules for real software: reading what dpkg-query and
 * rpm print, judging a package against a version constraint, and building (and
 * reading) the Windows and macOS queries the agent runs for registry values, MSI
 * products, KBs and file versions.
 */
import { quotePosix, windowsArgumentProblem, normalizeKb, MSI_PRODUCT_CODE } from './installers.js';
import { MAX_VERSION_LENGTH, parseConstraint, satisfies, type VersionScheme } from './versions.js';

export type PackageManager = 'dpkg' | 'rpm';

export interface InstalledPackage {
  name: string;
  version: string;
  arch: string;
}

export const DPKG_QUERY_FORMAT =
  '${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Status}\\n';
/** `%{EPOCH}` prints `(none)` without one; parseEvr reads that as 0. */
export const RPM_QUERY_FORMAT = '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n';

const MAX_FIELD = 256;

function fields(line: string): string[] | null {
  const parts = line.split('\t');
  if (parts.some((p) => p.length === 0 || p.length > MAX_FIELD)) return null;
  return parts;
}

/** Lines of `dpkg-query -W -f DPKG_QUERY_FORMAT`; only packages dpkg calls `installed`. */
export function parseDpkgQuery(output: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of output.split('\n')) {
    const f = fields(line);
    if (!f || f.length !== 4 || f[3] !== 'installed') continue;
    out.push({ name: f[0] as string, version: f[1] as string, arch: f[2] as string });
  }
  return out;
}

/** Lines of `rpm -qa --qf RPM_QUERY_FORMAT`; a `(none):` epoch is dropped. */
export function parseRpmQuery(output: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of output.split('\n')) {
    const f = fields(line);
    if (!f || f.length !== 3) continue;
    const version = (f[1] as string).replace(/^\(none\):/, '');
    out.push({ name: f[0] as string, version, arch: f[2] as string });
  }
  return out;
}

/**
 * The list in one canonical text (sorted by name, arch, version; one tab-separated line
 * each, the manager first): what the agent hashes to tell whether it changed.
 */
export function packageListText(
  manager: PackageManager,
  packages: readonly InstalledPackage[],
): string {
  const key = (p: InstalledPackage): string => `${p.name}\t${p.arch}\t${p.version}`;
  const lines = packages.map(key).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [manager, ...lines].join('\n');
}

export function versionScheme(manager: PackageManager): VersionScheme {
  return manager === 'dpkg' ? 'dpkg' : 'rpm';
}

/**
 * Whether the package is installed (with a version satisfying `constraint`, when given).
 * Several architectures of one name (multiarch): any one satisfying is enough.
 */
export function packageSatisfies(
  packages: readonly InstalledPackage[],
  manager: PackageManager,
  name: string,
  constraint: string | undefined,
  arch?: string,
): { found: boolean; version: string | null } {
  const c = constraint === undefined ? null : parseConstraint(constraint);
  if (constraint !== undefined && c === null)
    throw new Error(`bad version constraint ${constraint}`);
  const same = packages.filter((p) => p.name === name && (arch === undefined || p.arch === arch));
  for (const p of same) {
    if (c === null || satisfies(versionScheme(manager), p.version, c)) {
      return { found: true, version: p.version };
    }
  }
  return { found: false, version: same[0]?.version ?? null };
}

/** The command listing installed packages (one package when `name` is given). */
export function packageQueryArgs(manager: PackageManager, name?: string): string[] {
  return manager === 'dpkg'
    ? [
        'dpkg-query',
        '-W',
        '-f',
        DPKG_QUERY_FORMAT.replace(/\\t/g, '\t').replace(/\\n/g, '\n'),
        ...(name ? ['--', name] : []),
      ]
    : [
        'rpm',
        '-q',
        ...(name ? [] : ['-a']),
        '--qf',
        RPM_QUERY_FORMAT.replace(/\\t/g, '\t').replace(/\\n/g, '\n'),
        ...(name ? [name] : []),
      ];
}

// ---- Windows ----

/**
 * A PowerShell script as `-EncodedCommand` (base64 of UTF-16LE), so that no quoting of
 * cmd.exe or PowerShell can change what runs.
 */
export function powershellCommand(script: string): string {
  let binary = '';
  for (let i = 0; i < script.length; i++) {
    const code = script.charCodeAt(i);
    binary += String.fromCharCode(code & 0xff, code >> 8);
  }
  return `powershell.exe -NoProfile -NonInteractive -EncodedCommand ${btoa(binary)}`;
}

/** A PowerShell single-quoted string. */
export function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export const REGISTRY_ROOTS = ['HKLM', 'HKCU', 'HKCR', 'HKU', 'HKCC'] as const;

export function registryKeyProblem(key: string): string | null {
  const root = key.split('\\')[0]?.toUpperCase() ?? '';
  if (!(REGISTRY_ROOTS as readonly string[]).includes(root)) {
    return `must start with one of ${REGISTRY_ROOTS.join(', ')}`;
  }
  return windowsArgumentProblem(key);
}

/** `reg query "KEY" [/v "NAME"] /reg:64`: exit 0 when the key (and value) exist. */
export function registryQueryLine(
  key: string,
  value: string | undefined,
  view: '32' | '64',
): string {
  const problem =
    registryKeyProblem(key) ?? (value === undefined ? null : windowsArgumentProblem(value));
  if (problem) throw new Error(`registry key or value ${problem}`);
  const v = value === undefined ? '' : ` /v "${value}"`;
  return `reg.exe query "${key}"${v} /reg:${view}`;
}

/** The data of value `name` in `reg query` output (`    NAME    REG_SZ    data`). */
export function parseRegQuery(output: string, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const line of output.split(/\r?\n/)) {
    const m = /^\s+(.+?)\s{2,}(REG_[A-Z_]+)(?:\s{2,}|\s*$)(.*)$/.exec(line);
    if (!m || (m[1] ?? '').toLowerCase() !== wanted) continue;
    const data = (m[3] ?? '').trim();
    // A REG_DWORD or REG_QWORD prints as 0x…: give it as a decimal number.
    if ((m[2] === 'REG_DWORD' || m[2] === 'REG_QWORD') && /^0x[0-9a-f]+$/i.test(data)) {
      return BigInt(data).toString();
    }
    return data;
  }
  return null;
}

const UNINSTALL_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall';

/** Where Windows Installer lists a product: its key under Uninstall, 64- then 32-bit view. */
export function msiProductKey(productCode: string): string {
  if (!MSI_PRODUCT_CODE.test(productCode))
    throw new Error(`${productCode} is not an MSI product code`);
  return `${UNINSTALL_KEY}\\${productCode.toUpperCase()}`;
}

/** Both registry views: a 32-bit MSI on 64-bit Windows is in the 32-bit one. */
export function msiProductQueryLine(productCode: string): string {
  const key = msiProductKey(productCode);
  return `${registryQueryLine(key, 'DisplayVersion', '64')} || ${registryQueryLine(key, 'DisplayVersion', '32')}`;
}

/** Exit 0 when the KB is installed (Get-HotFix), 1 when not. */
export function kbQueryLine(kb: string): string {
  const id = `KB${normalizeKb(kb)}`;
  return powershellCommand(
    `if (Get-HotFix -Id ${psQuote(id)} -ErrorAction SilentlyContinue) { exit 0 } else { exit 1 }`,
  );
}

/** Prints the file's version (Windows: its version resource; macOS: the bundle's Info.plist). */
export function fileVersionQueryLine(path: string, os: string): string {
  if (path.length > 1024) throw new Error('the path is too long');
  if (os === 'windows') {
    return powershellCommand(
      `$v = (Get-Item -LiteralPath ${psQuote(path)} -ErrorAction Stop).VersionInfo; ` +
        `[Console]::Out.Write(('{0}.{1}.{2}.{3}' -f $v.FileMajorPart, $v.FileMinorPart, $v.FileBuildPart, $v.FilePrivatePart))`,
    );
  }
  if (os === 'darwin') {
    const plist = path.endsWith('.plist')
      ? path
      : `${path.replace(/\/+$/, '')}/Contents/Info.plist`;
    return `/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' ${quotePosix(plist)}`;
  }
  throw new Error(`a file-version rule runs on Windows and macOS only, not on ${os}`);
}

/** The version a query printed: its first line, trimmed; null when it is not one. */
export function printedVersion(output: string): string | null {
  const first = output.split(/\r?\n/)[0]?.trim() ?? '';
  if (first.length === 0 || first.length > MAX_VERSION_LENGTH || /\s/.test(first)) return null;
  return first;
}
