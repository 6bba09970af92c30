import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { defaultPermission, type Permission } from '../domain/access.js';

/**
 * One route, declared once: the server registers and validates from it, the typed
 * client calls it, and the OpenAPI document describes it.
 */

/**
 * Who may call: a person's token (a user's, or the first admin's; `permission` says
 * which roles), a computer's own credential, a distribution point's, or anyone.
 */
export type AuthKind = 'admin' | 'computer' | 'point' | 'public';

/**
 * A body or answer that is not JSON: raw bytes, a Server-Sent Events stream, plain text,
 * CSV, or a document (Markdown, HTML, PDF).
 */
export type RawContent =
  'octet-stream' | 'event-stream' | 'text' | 'csv' | 'markdown' | 'html' | 'pdf';

/** Raw answers that are text: the typed client gives them back as they came. */
export function isTextContent(content: RouteDeclaration['response']): boolean {
  return content === 'csv' || content === 'text' || content === 'markdown' || content === 'html';
}

/**
 * Which load-shedding class a route is in: check-ins are shed first, reports next, admin
 * calls last; `never` for what must answer under load (health, the API description), is
 * held open by design (a push stream) or is a long transfer the agent resumes (content).
 */
export type LoadClass = 'checkin' | 'report' | 'admin';

export type RouteDeclaration = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify style: `/api/v1/groups/:name`; every `:param` is a key of `params`. */
  path: string;
  summary: string;
  auth: AuthKind;
  /**
   * For `auth: 'admin'`: the permission the caller's role needs. Default: `read` for GET,
   * `admin` for anything else (see domain/access.ts).
   */
  permission?: Permission;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** A body schema that accepts `undefined` (e.g. `.prefault({})`) makes the body optional. */
  body?: z.ZodType | 'octet-stream';
  response?: z.ZodType | RawContent;
  /** The success status; default 200. */
  status?: number;
  /** Its load-shedding class; default `admin`. A shed request answers 503 with Retry-After. */
  load?: LoadClass | 'never';
  /** Other answers worth telling a caller about, by status (OpenAPI only). */
  otherResponses?: Record<number, string>;
};

/** The class a route is shed in, or null when it never is. */
export function loadClassOf(declaration: RouteDeclaration): LoadClass | null {
  return declaration.load === 'never' ? null : (declaration.load ?? 'admin');
}

/** Declares a route, keeping its literal types for the server and the client. */
export function route<const R extends RouteDeclaration>(declaration: R): R {
  return declaration;
}

/** The permission a person's call needs; null for computer and public routes. */
export function permissionOf(declaration: RouteDeclaration): Permission | null {
  if (declaration.auth !== 'admin') return null;
  return declaration.permission ?? defaultPermission(declaration.method);
}

/** `'/a/:id/b/:name'` → `['id', 'name']`. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? [Name, ...ParamNames<`/${Rest}`>]
  : P extends `${string}:${infer Name}`
    ? [Name]
    : [];

/** The body a caller sends. */
export type BodyInput<R extends RouteDeclaration> = R['body'] extends z.ZodType
  ? z.input<R['body']>
  : R['body'] extends 'octet-stream'
    ? { stream: Readable; size: number }
    : undefined;

/** The body the handler gets, parsed. */
export type BodyOutput<R extends RouteDeclaration> = R['body'] extends z.ZodType
  ? z.output<R['body']>
  : R['body'] extends 'octet-stream'
    ? Readable
    : undefined;

export type ParamsOutput<R extends RouteDeclaration> = R['params'] extends z.ZodObject
  ? z.output<R['params']>
  : Record<string, never>;

export type QueryInput<R extends RouteDeclaration> = R['query'] extends z.ZodObject
  ? z.input<R['query']>
  : undefined;

export type QueryOutput<R extends RouteDeclaration> = R['query'] extends z.ZodObject
  ? z.output<R['query']>
  : Record<string, never>;

/** What the route answers on success. */
export type ResponseOf<R extends RouteDeclaration> = R['response'] extends z.ZodType
  ? z.output<R['response']>
  : R['response'] extends 'csv' | 'text' | 'markdown' | 'html'
    ? string
    : unknown;

/** What a client gets back: the answer, or for a download the bytes as they arrive. */
export type ClientResponseOf<R extends RouteDeclaration> = R['response'] extends 'octet-stream'
  ? AsyncIterable<Uint8Array>
  : ResponseOf<R>;

type Optional<T> = undefined extends T ? [T?] : [T];
/** A query whose every field is optional may be left out. */
type OptionalQuery<T> = object extends T ? [T?] : [T];

type PathArgs<P extends string> =
  ParamNames<P> extends infer N extends string[] ? { [I in keyof N]: string } : never;

/**
 * A call's arguments, in order: each path parameter, then the body, then the query.
 * An argument the route does not take is absent; an optional one may be left out.
 */
export type CallArgs<R extends RouteDeclaration> = [
  ...PathArgs<R['path']>,
  ...(R extends { body: unknown } ? Optional<BodyInput<R>> : []),
  ...(R extends { query: z.ZodObject } ? OptionalQuery<QueryInput<R>> : []),
];

/** The path parameter names of a path, in order. */
export function paramNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
}

/** Fills a route's path with encoded values, in the order the path names them. */
export function pathOf(declaration: RouteDeclaration, values: readonly string[]): string {
  let i = 0;
  return declaration.path.replace(/:([A-Za-z0-9_]+)/g, () => encodeURIComponent(values[i++] ?? ''));
}

/** `/api/v1/groups/:name` → `/api/v1/groups/{name}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
