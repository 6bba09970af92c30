/**
 * The installer kinds of a manifest and what each one's exit codes mean, per platform,
 * and the command lines Ringmaster builds for them (never taken from the manifest as
 * text: file names, package names, product codes and KB numbers are checked and quoted
 * here). Pure: the agent runs the line through the platform shell and classifies the exit.
 */

export const installerKinds = ['command', 'script', 'deb', 'rpm', 'msi', 'msu'] as const;
export type InstallerKind = (typeof installerKinds)[number];

/** An inventory's os: `windows`, or a POSIX one (`linux`, `darwin`, `freebsd`, …). */
export type Os = string;
export type InstallAction = 'install' | 'uninstall';

/** The operating systems a kind can run on (`command` and `script`: all). */
export const kindPlatforms: Record<InstallerKind, readonly Os[] | null> = {
  command: null,
  script: null,
  deb: ['linux'],
  rpm: ['linux'],
  msi: ['windows'],
  msu: ['windows'],
};

/** What the exit of an installer means; output substrings tell apart tools with one failure code. */
export interface ExitCodeTable {
  success: readonly number[];
  reboot: readonly number[];
  retry: readonly number[];
  alreadyInstalled: readonly number[];
  retryOutput: readonly string[];
  alreadyInstalledOutput: readonly string[];
}

export type ExitMeaning = 'success' | 'reboot' | 'retry' | 'already-installed' | 'error';

/**
 * On POSIX an exit code is 8 bits: `exit 3010` arrives as 194 and `exit 1618` as 82. So
 * POSIX commands and scripts say "restart needed" with 194 (what a script written for
 * Windows that exits 3010 gives) and "retry later" with 75 (EX_TEMPFAIL, sysexits.h).
 */
export const POSIX_REBOOT_EXIT = 194;
export const POSIX_RETRY_EXIT = 75;

/** Windows Update (wusa) results as process exit codes (unsigned 32-bit). */
export const WU_S_REBOOT_REQUIRED = 0x00240005;
export const WU_S_ALREADY_INSTALLED = 0x00240006;
export const WU_S_ALREADY_UNINSTALLED = 0x00240007;
export const WU_E_INSTALL_NOT_ALLOWED = 0x80240016;
export const WU_E_NOT_APPLICABLE = 0x80240017;

const none: readonly number[] = [];

function table(t: Partial<ExitCodeTable> & { success: readonly number[] }): ExitCodeTable {
  return {
    reboot: none,
    retry: none,
    alreadyInstalled: none,
    retryOutput: [],
    alreadyInstalledOutput: [],
    ...t,
  };
}

const windowsShell = table({ success: [0], reboot: [3010, 1641], retry: [1618] });
const posixShell = table({ success: [0], reboot: [POSIX_REBOOT_EXIT], retry: [POSIX_RETRY_EXIT] });

/** The exit-code table of a kind on an operating system, for an install or an uninstall. */
export function exitCodeTable(kind: InstallerKind, os: Os, action: InstallAction): ExitCodeTable {
  switch (kind) {
    case 'command':
    case 'script':
      return os === 'windows' ? windowsShell : posixShell;
    case 'deb':
      // dpkg fails with 1 or 2 for everything; its lock is told by its message. The
      // line Ringmaster builds exits 194 when the install made /run/reboot-required appear.
      return table({
        success: [0],
        reboot: [POSIX_REBOOT_EXIT],
        retryOutput: ['dpkg frontend lock', 'dpkg status database is locked'],
      });
    case 'rpm':
      return table({
        success: [0],
        retryOutput: ["can't create transaction lock"],
        alreadyInstalledOutput: action === 'install' ? ['is already installed'] : [],
      });
    case 'msi':
      // 1707: success; 1605: the product is not installed (for an uninstall, done).
      return table({
        success: action === 'uninstall' ? [0, 1707, 1605] : [0, 1707],
        reboot: [3010, 1641],
        retry: [1618],
      });
    case 'msu':
      return table({
        success: action === 'uninstall' ? [0, WU_S_ALREADY_UNINSTALLED] : [0],
        reboot: [3010, 1641, WU_S_REBOOT_REQUIRED],
        retry: [1618, WU_E_INSTALL_NOT_ALLOWED],
        alreadyInstalled: action === 'install' ? [WU_S_ALREADY_INSTALLED] : [],
      });
  }
}

/** Manifest overrides replace the table's entries (`successExitCodes` and the others). */
export interface ExitCodeOverrides {
  successExitCodes?: readonly number[] | undefined;
  rebootExitCodes?: readonly number[] | undefined;
  retryExitCodes?: readonly number[] | undefined;
}

export function withOverrides(t: ExitCodeTable, o: ExitCodeOverrides): ExitCodeTable {
  return {
    ...t,
    success: o.successExitCodes ?? t.success,
    reboot: o.rebootExitCodes ?? t.reboot,
    retry: o.retryExitCodes ?? t.retry,
  };
}

/**
 * What an exit means. Codes compare as unsigned 32-bit numbers, so a Windows HRESULT
 * reads the same whether it arrives signed (-2145124329) or not (0x80240017).
 */
export function classifyExit(t: ExitCodeTable, exitCode: number, output: string): ExitMeaning {
  const code = exitCode >>> 0;
  const has = (codes: readonly number[]): boolean => codes.some((c) => c >>> 0 === code);
  if (has(t.success)) return 'success';
  if (has(t.reboot)) return 'reboot';
  if (has(t.retry)) return 'retry';
  if (has(t.alreadyInstalled)) return 'already-installed';
  if (t.alreadyInstalledOutput.some((s) => output.includes(s))) return 'already-installed';
  if (t.retryOutput.some((s) => output.includes(s))) return 'retry';
  return 'error';
}

/** A few exit codes worth a word in the report. */
export function exitCodeName(kind: InstallerKind, exitCode: number): string | null {
  const code = exitCode >>> 0;
  if (kind === 'msu' && code === WU_E_NOT_APPLICABLE)
    return 'WU_E_NOT_APPLICABLE: the update does not apply to this computer';
  if (kind === 'msi' && code === 1603)
    return 'ERROR_INSTALL_FAILURE: fatal error during installation';
  if (kind === 'msi' && code === 1638)
    return 'another version of this product is already installed';
  return null;
}

// ---- command lines ----

export type InstallerSpec =
  | { kind: 'command'; command: string }
  | { kind: 'script'; file: string; args?: readonly string[] | undefined }
  | {
      kind: 'deb';
      file?: string | undefined;
      package?: string | undefined;
      purge?: boolean | undefined;
    }
  | { kind: 'rpm'; file?: string | undefined; package?: string | undefined }
  | {
      kind: 'msi';
      file?: string | undefined;
      productCode?: string | undefined;
      properties?: Readonly<Record<string, string>> | undefined;
    }
  | { kind: 'msu'; file?: string | undefined; kb?: string | undefined };

/** A package name as dpkg and rpm take it (a deb one may carry `:arch`). */
export const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}(:[a-z0-9-]{1,32})?$/;
export const MSI_PRODUCT_CODE =
  /^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$/;
export const KB_NUMBER = /^(KB)?[0-9]{4,8}$/i;
export const MSI_PROPERTY_NAME = /^[A-Z_][A-Z0-9_.]{0,63}$/;

/**
 * Why a text cannot go between double quotes on a cmd.exe line, or null: cmd expands
 * `%` even there, and a `"` ends the quoting.
 */
export function windowsArgumentProblem(s: string): string | null {
  if (s.includes('"')) return 'must not contain a double quote';
  if (s.includes('%')) return 'must not contain "%" (cmd.exe expands it)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(s)) return 'must not contain control characters';
  return null;
}

/** One word for `sh`: single-quoted, a `'` written as `'\''`. */
export function quotePosix(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function quoteWindows(s: string): string {
  const problem = windowsArgumentProblem(s);
  if (problem) throw new Error(`${JSON.stringify(s)} ${problem}`);
  return `"${s}"`;
}

/** A file of the update, relative to the work dir, as a path no tool reads as an option. */
function posixFile(file: string): string {
  return quotePosix(`./${file}`);
}

function windowsFile(file: string): string {
  return quoteWindows(`.\\${file.replace(/\//g, '\\')}`);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what}`);
  return value;
}

function packageName(name: string | undefined): string {
  const n = need(name, '"package"');
  if (!PACKAGE_NAME.test(n)) throw new Error(`${JSON.stringify(n)} is not a package name`);
  return n;
}

export function normalizeKb(kb: string): string {
  if (!KB_NUMBER.test(kb)) throw new Error(`${JSON.stringify(kb)} is not a KB number`);
  return kb.replace(/^KB/i, '');
}

/** cmd.exe does not wait for a GUI program (msiexec, wusa) unless told: `start /wait`. */
const startWait = 'start "" /wait';

/**
 * The shell line for an install or uninstall of this kind on `os`. Throws (with a
 * message for the report) when the kind cannot run there or the spec lacks a part.
 */
export function commandLine(spec: InstallerSpec, os: Os, action: InstallAction): string {
  const allowed = kindPlatforms[spec.kind];
  if (allowed && !allowed.includes(os)) {
    throw new Error(`a ${spec.kind} installer runs on ${allowed.join(', ')} only, not on ${os}`);
  }
  switch (spec.kind) {
    case 'command':
      return spec.command;
    case 'script':
      return scriptLine(spec.file, spec.args ?? [], os);
    case 'deb': {
      if (action === 'uninstall') {
        return `dpkg ${spec.purge ? '--purge' : '--remove'} ${quotePosix(packageName(spec.package))}`;
      }
      const file = posixFile(need(spec.file, '"file"'));
      return (
        `if [ -e /run/reboot-required ]; then before=1; else before=; fi; ` +
        `DEBIAN_FRONTEND=noninteractive dpkg --install ${file} || exit $?; ` +
        `if [ -z "$before" ] && [ -e /run/reboot-required ]; then exit ${POSIX_REBOOT_EXIT}; fi`
      );
    }
    case 'rpm':
      return action === 'uninstall'
        ? `rpm --erase ${quotePosix(packageName(spec.package))}`
        : `rpm --upgrade ${posixFile(need(spec.file, '"file"'))}`;
    case 'msi': {
      if (action === 'uninstall') {
        const code = need(spec.productCode, '"productCode"');
        if (!MSI_PRODUCT_CODE.test(code)) throw new Error(`${code} is not an MSI product code`);
        return `${startWait} msiexec.exe /x ${code} /qn /norestart`;
      }
      const props = Object.entries(spec.properties ?? {}).map(([k, v]) => {
        if (!MSI_PROPERTY_NAME.test(k)) throw new Error(`${k} is not an MSI public property name`);
        return `${k}=${quoteWindows(v)}`;
      });
      const file = windowsFile(need(spec.file, '"file"'));
      return [startWait, 'msiexec.exe /i', file, '/qn /norestart', ...props].join(' ');
    }
    case 'msu':
      return action === 'uninstall'
        ? `${startWait} wusa.exe /uninstall /kb:${normalizeKb(need(spec.kb, '"kb"'))} /quiet /norestart`
        : `${startWait} wusa.exe ${windowsFile(need(spec.file, '"file"'))} /quiet /norestart`;
  }
}

function scriptLine(file: string, args: readonly string[], os: Os): string {
  if (os !== 'windows') return ['sh', posixFile(file), ...args.map(quotePosix)].join(' ');
  const quoted = args.map(quoteWindows);
  const lower = file.toLowerCase();
  if (lower.endsWith('.ps1')) {
    return [
      'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File',
      windowsFile(file),
      ...quoted,
    ].join(' ');
  }
  if (lower.endsWith('.cmd') || lower.endsWith('.bat')) {
    return ['call', windowsFile(file), ...quoted].join(' ');
  }
  throw new Error('a script on Windows must be a .ps1, .cmd or .bat file');
}
