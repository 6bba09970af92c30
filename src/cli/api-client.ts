import type { Readable } from 'node:stream';
import { z } from 'zod';
import {
  apiPaths,
  computerDetailView,
  computerView,
  deploymentDetailView,
  deploymentEventView,
  deploymentView,
  dryRunView,
  enrollmentView,
  errorBody,
  groupDetailView,
  groupView,
  updateView,
  type ComputerDetailView,
  type ComputerView,
  type CreateDeploymentRequest,
  type CreateEnrollmentRequest,
  type CreateGroupRequest,
  type DeploymentAction,
  type DeploymentActionRequest,
  type DeploymentDetailView,
  type DeploymentEventView,
  type DeploymentView,
  type DryRunView,
  type EnrollmentView,
  type ErrorBody,
  type GroupDetailView,
  type GroupView,
  type RedeployRequest,
  type UpdateView,
} from '../contracts/api.js';
import type { MaintenanceWindow } from '../contracts/plan.js';
import type { UpdateFile } from '../contracts/manifest.js';
import { describeIssues, fieldIssues } from '../contracts/parse.js';

const sent = new WeakMap<object, unknown>();

/**
 * The answer exactly as the server sent it (parsing adds defaults and drops unknown
 * fields), so `--json` prints the server's object unchanged.
 */
export function asSent(value: unknown): unknown {
  return typeof value === 'object' && value !== null && sent.has(value) ? sent.get(value) : value;
}

/** The server answered 4xx/5xx; `body` is its `{ error, message, details? }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${body.message} (${status} ${body.error})`);
    this.name = 'ApiError';
  }
}

/** The server could not be reached, or answered something that is not our API. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export type ClientOptions = { url: string; token: string };

type Body = { json: unknown } | { stream: Readable; size: number } | undefined;

/** `POST /updates` answers 201 when it created the update, 200 when it was already there. */
export type CreateUpdateResult = { created: boolean; update: UpdateView };

export class ApiClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  listUpdates(): Promise<UpdateView[]> {
    return this.get(apiPaths.updates, z.array(updateView));
  }

  getUpdate(id: string): Promise<UpdateView> {
    return this.get(apiPaths.update(id), updateView);
  }

  /** `manifest` goes as parsed from update.json, so fields the schema does not know survive. */
  async createUpdate(manifest: unknown, files: UpdateFile[]): Promise<CreateUpdateResult> {
    const path = apiPaths.updates;
    const res = await this.send('POST', path, { json: { manifest, files } });
    return { created: res.status === 201, update: this.check('POST', path, updateView, res.body) };
  }

  async uploadContent(sha256: string, stream: Readable, size: number): Promise<void> {
    await this.send('PUT', apiPaths.content(sha256), { stream, size });
  }

  createEnrollment(req: CreateEnrollmentRequest): Promise<EnrollmentView> {
    return this.post(apiPaths.enrollments, req, enrollmentView);
  }

  listEnrollments(): Promise<EnrollmentView[]> {
    return this.get(apiPaths.enrollments, z.array(enrollmentView));
  }

  listComputers(): Promise<ComputerView[]> {
    return this.get(apiPaths.computers, z.array(computerView));
  }

  getComputer(idOrHostname: string): Promise<ComputerDetailView> {
    return this.get(apiPaths.computer(idOrHostname), computerDetailView);
  }

  createGroup(req: CreateGroupRequest): Promise<GroupView> {
    return this.post(apiPaths.groups, req, groupView);
  }

  /** The contract does not fix this answer's shape, so it is returned as is. */
  addGroupMembers(name: string, computers: string[]): Promise<unknown> {
    return this.post(apiPaths.groupMembers(name), { computers }, z.unknown());
  }

  listGroups(): Promise<GroupView[]> {
    return this.get(apiPaths.groups, z.array(groupView));
  }

  getGroup(name: string): Promise<GroupDetailView> {
    return this.get(apiPaths.group(name), groupDetailView);
  }

  /** Replaces a group's maintenance windows (an empty list removes them all). */
  setGroupWindows(name: string, windows: MaintenanceWindow[]): Promise<GroupView> {
    return this.put(apiPaths.groupWindows(name), { windows }, groupView);
  }

  createDeployment(req: CreateDeploymentRequest): Promise<DeploymentView> {
    return this.post(apiPaths.deployments, req, deploymentView);
  }

  /** Which computers each phase of a plan would reach, and when; nothing is created. */
  dryRunDeployment(req: CreateDeploymentRequest): Promise<DryRunView> {
    return this.post(apiPaths.dryRun, req, dryRunView);
  }

  /** halt, resume, revoke, rollback, promote (`{ reason? }`) or redeploy (`RedeployRequest`). */
  deploymentAction(
    id: string,
    action: DeploymentAction,
    body: DeploymentActionRequest | RedeployRequest = {},
  ): Promise<DeploymentDetailView> {
    return this.post(apiPaths.deploymentAction(id, action), body, deploymentDetailView);
  }

  listDeploymentEvents(id: string): Promise<DeploymentEventView[]> {
    return this.get(apiPaths.deploymentEvents(id), z.array(deploymentEventView));
  }

  listDeployments(): Promise<DeploymentView[]> {
    return this.get(apiPaths.deployments, z.array(deploymentView));
  }

  getDeployment(id: string): Promise<DeploymentDetailView> {
    return this.get(apiPaths.deployment(id), deploymentDetailView);
  }

  private async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    const res = await this.send('GET', path);
    return this.check('GET', path, schema, res.body);
  }

  private async post<S extends z.ZodType>(
    path: string,
    json: unknown,
    schema: S,
  ): Promise<z.infer<S>> {
    const res = await this.send('POST', path, { json });
    return this.check('POST', path, schema, res.body);
  }

  private async put<S extends z.ZodType>(
    path: string,
    json: unknown,
    schema: S,
  ): Promise<z.infer<S>> {
    const res = await this.send('PUT', path, { json });
    return this.check('PUT', path, schema, res.body);
  }

  /** Checks the answer against the contract; `asSent` gives back what the server sent. */
  private check<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body: unknown,
  ): z.infer<S> {
    const result = schema.safeParse(body);
    if (!result.success) {
      throw new ConnectionError(
        `unexpected answer from the server to ${method} ${path}: ${describeIssues(fieldIssues(result.error))}`,
      );
    }
    const data: z.infer<S> = result.data;
    if (typeof data === 'object' && data !== null) sent.set(data, body);
    return data;
  }

  private async send(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: Body,
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: 'application/json',
    };
    let payload: string | Readable | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(body.size);
      payload = body.stream;
    }

    // Loaded on the first call, not with the module: `--help` of a command need not pay for it.
    const { request } = await import('undici');
    let res;
    try {
      res = await request(`${this.base}${path}`, { method, headers, body: payload });
    } catch (error) {
      throw new ConnectionError(`cannot reach the server at ${this.base}: ${describeCause(error)}`);
    }

    const text = await res.body.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (res.statusCode >= 400) {
      const err = errorBody.safeParse(parsed);
      throw new ApiError(
        res.statusCode,
        err.success
          ? err.data
          : { error: 'http-error', message: text.trim().slice(0, 200) || `HTTP ${res.statusCode}` },
      );
    }
    if (parsed === undefined && text !== '') {
      throw new ConnectionError(
        `unexpected answer from the server to ${method} ${path}: not JSON (is ${this.base} a Ringmaster server?)`,
      );
    }
    return { status: res.statusCode, body: parsed };
  }
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  // undici's connect errors carry the useful part in `code` (ECONNREFUSED, ENOTFOUND, …).
  if (typeof code === 'string' && !error.message.includes(code)) {
    return `${error.message} (${code})${cause}`;
  }
  return `${error.message}${cause}`;
}
