import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AGENT_VERSION } from '../../contracts/manifest.js';
import { parseTrial, type AgentTrial } from '../core/agent-trial.js';
import type { AgentVersions } from '../core/host.js';
import { isNotFound } from './fs-store.js';

/** How long `node agent.mjs --version` of a new bundle may take. */
const CHECK_TIMEOUT_MS = 60_000;
/** The agent exits with it to be started again by the launcher (it switched versions). */
export const AGENT_RESTART_EXIT = 3;
/** The launcher exports it: only then does something start the version the agent points at. */
export const LAUNCHER_ENV = 'RINGMASTER_LAUNCHER';

/**
 * The agent's versions side by side under `<state>/agent/`, in the layout the launcher
 * (packaging/deb/ringmaster) reads: `versions/<v>/dist/agent.mjs` (with its
 * `package.json`, where the bundle reads its version), `current` (the version to run;
 * absent: the packaged one), `previous` (the one before; empty: the packaged one), and
 * while a new version is on trial `trial` (JSON) and `starts` (a line per launcher start).
 */
export class FsAgentVersions implements AgentVersions {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'agent');
  }

  unable(): string | null {
    return process.env[LAUNCHER_ENV]
      ? null
      : 'this agent was not started by the ringmaster launcher, so nothing would start the new version';
  }

  async stage(version: string, bundle: string): Promise<string | null> {
    if (!AGENT_VERSION.test(version)) return `${version} is not an agent version`;
    const home = path.join(this.dir, 'versions', version);
    await fs.mkdir(path.join(home, 'dist'), { recursive: true, mode: 0o700 });
    await writeAtomic(
      path.join(home, 'package.json'),
      `${JSON.stringify({ name: 'ringmaster-agent', version, type: 'module' })}\n`,
    );
    const target = path.join(home, 'dist', 'agent.mjs');
    const temp = tempName(target);
    await fs.copyFile(bundle, temp);
    await fs.rename(temp, target);
    // It must at least load and say the version it will report: a bundle that does not is
    // refused here, before the old agent gives way to it.
    const said = await new Promise<{ ok: boolean; text: string }>((resolve) => {
      execFile(
        process.execPath,
        [target, '--version'],
        { timeout: CHECK_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) resolve({ ok: false, text: (stderr || error.message).trim().slice(-500) });
          else resolve({ ok: true, text: stdout.trim() });
        },
      );
    });
    if (!said.ok) return `the new agent ${version} does not start: ${said.text}`;
    if (said.text !== version) return `the new agent says it is ${said.text}, not ${version}`;
    return null;
  }

  async loadTrial(): Promise<AgentTrial | null> {
    const text = await this.read('trial');
    return text === null ? null : parseTrial(text);
  }

  async starts(): Promise<number> {
    const text = await this.read('starts');
    return text === null ? 0 : text.split('\n').filter((l) => l.trim() !== '').length;
  }

  async beginTrial(trial: AgentTrial): Promise<void> {
    const current = await this.read('current');
    const ran = current !== null && (await this.hasBundle(current.trim())) ? current.trim() : '';
    // The trial first: a crash before `current` moves leaves the old version running,
    // which finds the trial and closes it as failed.
    await fs.rm(this.file('starts'), { force: true });
    await writeAtomic(this.file('trial'), JSON.stringify(trial));
    // What `previous` was, for a failed trial to put back (a rollback then still goes
    // where it went before the trial).
    const previous = await this.read('previous');
    if (previous === null) await fs.rm(this.file('previous.before-trial'), { force: true });
    else await writeAtomic(this.file('previous.before-trial'), previous);
    await writeAtomic(this.file('previous'), `${ran}\n`);
    await writeAtomic(this.file('current'), `${trial.to}\n`);
  }

  async confirm(): Promise<void> {
    await fs.rm(this.file('trial'), { force: true });
    await fs.rm(this.file('starts'), { force: true });
    await fs.rm(this.file('previous.before-trial'), { force: true });
  }

  async restore(): Promise<void> {
    await this.pointAtPrevious();
    const before = await this.read('previous.before-trial');
    if (before === null) await fs.rm(this.file('previous'), { force: true });
    else await writeAtomic(this.file('previous'), before);
    await this.confirm();
  }

  async rollBack(): Promise<string | null> {
    const previous = await this.read('previous');
    if (previous === null) return null;
    const to = await this.pointAtPrevious();
    // Nothing further back is kept: a second rollback has nowhere to go.
    await fs.rm(this.file('previous'), { force: true });
    return to;
  }

  /** `current` := `previous` (an empty one: the packaged version); says which ('' packaged). */
  private async pointAtPrevious(): Promise<string> {
    const previous = (await this.read('previous'))?.trim() ?? '';
    if (previous !== '' && (await this.hasBundle(previous))) {
      await writeAtomic(this.file('current'), `${previous}\n`);
      return previous;
    }
    await fs.rm(this.file('current'), { force: true });
    return '';
  }

  private async hasBundle(version: string): Promise<boolean> {
    if (!AGENT_VERSION.test(version)) return false;
    try {
      const stat = await fs.stat(path.join(this.dir, 'versions', version, 'dist', 'agent.mjs'));
      return stat.size > 0;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private async read(name: string): Promise<string | null> {
    try {
      return await fs.readFile(this.file(name), 'utf8');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}

/** Write, flush, rename: the launcher reads the old file or the new one, never half. */
async function writeAtomic(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = tempName(file);
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
}

function tempName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}
