import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../src/contracts/paging.js';
import type {
  ChildComputerView,
  ChildView,
  DeploymentTreeView,
  UpstreamStatusView,
} from '../src/contracts/upstream.js';
import { launchChromium, screenshot, seriousViolations } from './support/browser.js';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * A parent and two child servers, each child with a real agent: a deployment approved on
 * the parent reaches only the child enabled for it, whose own engine rolls it out; the
 * statuses roll up to the parent with each child's freshness; the parent is killed (-9)
 * and started again on the same data, the enabled child keeps serving meanwhile, and
 * both children catch up; the other child, once enabled, tells its missing group, and
 * gets the deployment when the group exists.
 */
describe('parent and child servers end to end', () => {
  const parentToken = 'rm_admin_e2e-upstream-parent-0123456789';
  const aToken = 'rm_admin_e2e-upstream-child-a-012345678';
  const bToken = 'rm_admin_e2e-upstream-child-b-012345678';
  let work: string;
  let parent: ServerProcess;
  let childA: ServerProcess;
  let childB: ServerProcess;
  let marker: string;

  const at = (server: ServerProcess, token: string) => ({
    RINGMASTER_URL: server.url,
    RINGMASTER_TOKEN: token,
  });
  const cliOn = async <T>(server: ServerProcess, token: string, ...args: string[]) => {
    const result = await runCli([...args, '--json'], at(server, token));
    if (result.code !== 0)
      throw new Error(`ringmaster ${args.join(' ')} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };
  const onParent = <T>(...args: string[]) => cliOn<T>(parent, parentToken, ...args);
  const onA = <T>(...args: string[]) => cliOn<T>(childA, aToken, ...args);
  const onB = <T>(...args: string[]) => cliOn<T>(childB, bToken, ...args);

  /** One agent cycle of computer `name` against `server`: enroll if new, check in, install. */
  const cycle = async (server: ServerProcess, name: string, enrollmentToken: string) => {
    const run = await runCli(
      [
        'agent',
        '--server',
        server.url,
        '--enrollment-token',
        enrollmentToken,
        '--state-dir',
        path.join(work, `agent-${name}`),
        '--hostname',
        name,
        '--hardware-id',
        `hw-${name}`,
        '--once',
      ],
      { E2E_AGENT_NAME: name },
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  };
  const installed = (name: string) => existsSync(path.join(marker, name));
  /** Cycles the agent until its update is installed (the rollout takes its own ticks). */
  const cycleUntilInstalled = (server: ServerProcess, name: string, token: string) =>
    waitFor(
      `${name} installed`,
      async () => {
        await cycle(server, name, token);
        return installed(name);
      },
      90_000,
      500,
    );

  const startParent = (port?: number) =>
    startServerProcess({
      dataDir: path.join(work, 'parent'),
      adminToken: parentToken,
      ...(port !== undefined && { port }),
    });
  const startChild = (name: string, adminToken: string, childToken: string) =>
    startServerProcess({
      dataDir: path.join(work, name),
      adminToken,
      extraArgs: ['--upstream', parent.url, '--upstream-interval', '1'],
      env: { RINGMASTER_UPSTREAM_TOKEN: childToken },
    });
  const tree = (id: string) => onParent<DeploymentTreeView>('child', 'status', id);
  const computersOf = (name: string, ...filters: string[]) =>
    onParent<Page<ChildComputerView>>('child', 'status', name, '--computers', ...filters);
  /** The deployment a child made of the parent's `id`, as it stands there. */
  const madeOn = async (on: typeof onA, id: string) => {
    const local = (await on<UpstreamStatusView>('upstream', 'status')).deployments.find(
      (d) => d.parentDeploymentId === id,
    );
    if (!local?.localDeploymentId) throw new Error(`no deployment made of ${id}`);
    const shown = await on<{ state: string; stateReason: string | null }>(
      'deployment',
      'show',
      local.localDeploymentId,
    );
    return { ...shown, action: local.action };
  };
  const childOf = (view: DeploymentTreeView, name: string) => {
    const found = view.children.find((c) => c.name === name);
    if (!found) throw new Error(`no child ${name} in the tree`);
    return found;
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-upstream-'));
    marker = path.join(work, 'installed');
    mkdirSync(marker);
    parent = await startParent();
  });
  afterAll(async () => {
    await Promise.all([childA?.stop(), childB?.stop(), parent?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'reaches only the enabled child, rolls statuses up per computer, survives a parent kill -9, carries halt and resume to enabled children only',
    { timeout: 420_000 },
    async () => {
      // The parent: an update, the group its plan names, a deployment, two children.
      const dir = path.join(work, 'updates', 'E2E-UP');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'install.sh'), `touch "${marker}/$E2E_AGENT_NAME"\n`);
      writeFileSync(
        path.join(dir, 'update.json'),
        JSON.stringify({
          id: 'E2E-UP',
          title: 'Update from the parent',
          severity: 'important',
          platforms: [{ os: 'linux' }],
          files: ['install.sh'],
          detect: { type: 'command', command: `test -f "${marker}/$E2E_AGENT_NAME"` },
          install: { command: 'sh install.sh', timeoutSeconds: 60 },
        }),
      );
      await onParent('update', 'import', dir);
      await onParent('group', 'create', 'offices');
      const deployment = await onParent<{ id: string }>(
        'deployment',
        'create',
        '--update',
        'E2E-UP',
        '--group',
        'offices',
      );
      const a = await onParent<ChildView>('child', 'add', 'tokyo');
      const b = await onParent<ChildView>('child', 'add', 'osaka');
      expect(a.token).toMatch(/^rm_token_/);

      // Child A has the group the plan names; child B not yet (its computer is in "staff").
      childA = await startChild('child-a', aToken, a.token ?? '');
      childB = await startChild('child-b', bToken, b.token ?? '');
      await onA('group', 'create', 'offices');
      await onB('group', 'create', 'staff');
      const enrollA = await onA<{ token: string }>(
        'enrollment',
        'create',
        '--group',
        'offices',
        '--uses',
        '10',
      );
      const enrollB = await onB<{ token: string }>('enrollment', 'create', '--group', 'staff');
      await cycle(childA, 'tokyo-pc-1', enrollA.token);
      await cycle(childB, 'osaka-pc-1', enrollB.token);

      // Both children have made first contact and pinned the parent's signer.
      for (const on of [onA, onB]) {
        await waitFor(
          'the child synced',
          async () => (await on<UpstreamStatusView>('upstream', 'status')).lastSyncAt !== null,
          30_000,
        );
      }
      const statusA = await onA<UpstreamStatusView>('upstream', 'status');
      expect(statusA.name).toBe('tokyo');
      expect(statusA.signer).toMatch(/^[0-9a-f]{64}$/);

      // Approved on the parent, enabled for tokyo only.
      await onParent('child', 'enable', 'tokyo', deployment.id);
      const madeOnA = await waitFor(
        'tokyo to make the deployment',
        async () =>
          (await onA<UpstreamStatusView>('upstream', 'status')).deployments.find(
            (d) => d.parentDeploymentId === deployment.id && d.localDeploymentId !== null,
          ),
        60_000,
      );
      await cycleUntilInstalled(childA, 'tokyo-pc-1', enrollA.token);
      // Osaka was not enabled: it has no deployment at all, its computer got nothing.
      await cycle(childB, 'osaka-pc-1', enrollB.token);
      expect(installed('osaka-pc-1')).toBe(false);
      expect((await onB<UpstreamStatusView>('upstream', 'status')).deployments).toEqual([]);
      expect((await onB<{ items: unknown[] }>('deployment', 'list')).items).toEqual([]);

      // The statuses roll up, with each child's freshness.
      const rolled = await waitFor(
        'tokyo installed 1 at the parent',
        async () => {
          const view = await tree(deployment.id);
          return childOf(view, 'tokyo').counts.installed === 1 && view;
        },
        60_000,
      );
      expect(childOf(rolled, 'tokyo')).toMatchObject({
        sync: 'enabled',
        localDeploymentId: madeOnA.localDeploymentId,
        total: 1,
        error: null,
      });
      expect(childOf(rolled, 'tokyo').lastSyncAt).not.toBeNull();
      expect(childOf(rolled, 'osaka')).toMatchObject({ sync: 'not-enabled', total: 0 });
      expect(rolled.tree.counts.installed).toBe(1);
      const shown = await runCli(['deployment', 'show', deployment.id], at(parent, parentToken));
      expect(shown.stdout).toMatch(/tokyo\s+enabled\s+\S+\s+installed 1/);

      // The parent dies hard. Tokyo keeps serving: a new computer enrolls and installs.
      const port = parent.port;
      parent.child.kill('SIGKILL');
      await waitFor(
        'the parent gone',
        () => parent.child.exitCode !== null || parent.child.signalCode !== null,
        10_000,
      );
      await waitFor(
        'tokyo to notice its parent is away',
        async () => (await onA<UpstreamStatusView>('upstream', 'status')).lastError !== null,
        30_000,
      );
      await cycleUntilInstalled(childA, 'tokyo-pc-2', enrollA.token);

      // Back on the same data: nothing lost, and tokyo catches up.
      parent = await startParent(port);
      const list = await onParent<ChildView[]>('child', 'list');
      expect(list.find((c) => c.name === 'tokyo')?.enabled).toEqual([deployment.id]);
      await waitFor(
        'tokyo installed 2 at the parent',
        async () => childOf(await tree(deployment.id), 'tokyo').counts.installed === 2,
        90_000,
      );
      // Each computer's status is at the parent once, with its child named: the batch
      // the kill cut off was sent again and stored once.
      const perComputer = await waitFor(
        "tokyo's computers at the parent",
        async () => {
          const page = await computersOf('tokyo', '--deployment', deployment.id);
          return page.items.filter((c) => c.state === 'installed').length === 2 && page;
        },
        90_000,
      );
      expect(perComputer.total).toBe(2);
      expect(perComputer.items.map((c) => [c.child, c.hostname, c.deploymentId])).toEqual([
        ['tokyo', 'tokyo-pc-1', deployment.id],
        ['tokyo', 'tokyo-pc-2', deployment.id],
      ]);
      await waitFor(
        'tokyo syncing again',
        async () => (await onA<UpstreamStatusView>('upstream', 'status')).lastError === null,
        90_000,
      );

      // Osaka enabled now: it lacks the group the plan names, says so here and up there.
      await onParent('child', 'enable', 'osaka', deployment.id);
      const missing = await waitFor(
        'osaka to tell the missing group',
        async () => childOf(await tree(deployment.id), 'osaka').error ?? undefined,
        90_000,
      );
      expect(missing).toContain('"offices"');
      const onOsaka = (await onB<UpstreamStatusView>('upstream', 'status')).deployments;
      expect(onOsaka).toMatchObject([
        { parentDeploymentId: deployment.id, enabled: true, localDeploymentId: null },
      ]);
      await cycle(childB, 'osaka-pc-1', enrollB.token);
      expect(installed('osaka-pc-1')).toBe(false);

      // Once the group exists there, the next sync makes it and osaka's computer installs.
      await onB('group', 'create', 'offices', '--query', 'os = "linux"');
      await waitFor(
        'osaka to make the deployment',
        async () =>
          (await onB<UpstreamStatusView>('upstream', 'status')).deployments[0]?.localDeploymentId ??
          undefined,
        60_000,
      );
      await cycleUntilInstalled(childB, 'osaka-pc-1', enrollB.token);
      const whole = await waitFor(
        'the whole tree installed at the parent',
        async () => {
          const view = await tree(deployment.id);
          return view.tree.counts.installed === 3 && view;
        },
        90_000,
      );
      expect(childOf(whole, 'osaka')).toMatchObject({ sync: 'enabled', error: null, total: 1 });
      expect(childOf(whole, 'tokyo')).toMatchObject({ total: 2 });
      expect((await onA<UpstreamStatusView>('upstream', 'status')).cursor).toBe(1);
      expect((await onB<UpstreamStatusView>('upstream', 'status')).cursor).toBe(1);
      await waitFor(
        "osaka's computer at the parent",
        async () => (await computersOf('osaka', '--state', 'installed')).total === 1,
        90_000,
      );

      // Osaka held; then a halt on the parent reaches tokyo, whose new computer gets nothing.
      await onParent('child', 'hold', 'osaka', deployment.id);
      await waitFor(
        'osaka to halt what it made (the hold)',
        async () => (await madeOn(onB, deployment.id)).state === 'halted',
        60_000,
      );
      await onParent('deployment', 'halt', deployment.id, '--reason', 'bad reports from the pilot');
      const haltedOnA = await waitFor(
        'the halt to reach tokyo',
        async () => {
          const made = await madeOn(onA, deployment.id);
          // The halt first, then its record as applied: wait for both.
          return made.state === 'halted' && made.action?.applied === true && made;
        },
        60_000,
      );
      expect(haltedOnA.stateReason).toContain('bad reports from the pilot');
      expect(haltedOnA.action).toMatchObject({ kind: 'halt', applied: true });
      for (let i = 0; i < 2; i += 1) await cycle(childA, 'tokyo-pc-3', enrollA.token);
      expect(installed('tokyo-pc-3')).toBe(false);
      // The held child is untouched: still the hold's halt, the parent's halt not applied.
      await waitFor(
        'osaka to have pulled the halt',
        async () => (await madeOn(onB, deployment.id)).action?.kind === 'halt',
        60_000,
      );
      const heldOnB = await madeOn(onB, deployment.id);
      expect(heldOnB).toMatchObject({ state: 'halted', stateReason: 'held by the parent server' });
      expect(heldOnB.action).toMatchObject({ kind: 'halt', applied: false });

      // Osaka enabled again catches up with the parent: halted, as the parent is.
      await onParent('child', 'enable', 'osaka', deployment.id);
      await waitFor(
        'osaka to catch up with the halt',
        async () => (await madeOn(onB, deployment.id)).action?.applied === true,
        60_000,
      );
      expect((await madeOn(onB, deployment.id)).state).toBe('halted');

      // A resume on the parent reaches both; tokyo's new computer installs.
      await onParent('deployment', 'resume', deployment.id, '--reason', 'pilot fixed');
      for (const on of [onA, onB]) {
        await waitFor(
          'the resume to reach the child',
          // Active again, or completed at once where every computer has it.
          async () => ['active', 'completed'].includes((await madeOn(on, deployment.id)).state),
          60_000,
        );
      }
      await cycleUntilInstalled(childA, 'tokyo-pc-3', enrollA.token);
      await waitFor(
        "tokyo's third computer at the parent",
        async () => (await computersOf('tokyo', '--state', 'installed')).total === 3,
        90_000,
      );

      // The parent's console shows the children on the deployment's page.
      const browser = await launchChromium();
      try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await page.goto(parent.url);
        await page.getByRole('radio', { name: 'Token' }).check();
        await page.getByLabel('API token').fill(parentToken);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
        await page
          .getByRole('navigation', { name: 'Main' })
          .getByRole('link', { name: 'Deployments', exact: true })
          .click();
        await page.getByRole('link', { name: deployment.id }).first().click();
        const section = page.getByRole('region', { name: 'Child servers', exact: true });
        await section.waitFor();
        const rows = section.getByRole('row');
        await expect.poll(() => rows.count()).toBe(3);
        expect(await section.getByRole('row', { name: /tokyo/ }).textContent()).toContain(
          'installed 3',
        );
        expect(await section.locator('caption').textContent()).toContain('installed 4');
        // Each child's computers, by hostname, as the children sent them up.
        const computers = page.getByRole('region', { name: 'Computers on child servers' });
        await computers.waitFor();
        expect(await computers.getByRole('row', { name: /tokyo-pc-3/ }).textContent()).toContain(
          'installed',
        );
        expect(await computers.locator('caption').textContent()).toContain('tokyo: 3 of 3');
        await screenshot(page, 'deployment-children');
        expect(await seriousViolations(page)).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
