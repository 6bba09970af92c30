import { z } from 'zod';
import { permissions, personRoles, roles } from '../domain/access.js';

/** Users, API tokens, sessions and "who am I": the schemas of the people routes. */

export const roleSchema = z.enum(roles);
/** A user's role: a person's, never a child server's. */
const personRoleSchema = z.enum(personRoles);
export const permissionSchema = z.enum(permissions);

/** A user name people type: letters, digits and `. _ @ -`. */
export const userName = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]*$/,
    'letters, digits and . _ @ - (starting with a letter or digit)',
  );
const displayName = z.string().trim().min(1).max(200);
const email = z.email().max(320);
const password = z.string().min(8, 'at least 8 characters').max(1024);
/** The groups a user may deploy to; null or absent: every group. */
const groupScope = z.array(z.string().min(1).max(200)).max(1000).nullable();

export const userView = z.object({
  id: z.string(),
  name: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role: roleSchema,
  groupScope: z.array(z.string()).nullable(),
  /** Whether the user can sign in with a password. */
  hasPassword: z.boolean(),
  disabledAt: z.string().nullable(),
  disabledBy: z.string().nullable(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof userView>;

export const createUserRequest = z.object({
  name: userName,
  displayName: displayName.optional(),
  email: email.optional(),
  role: personRoleSchema,
  groupScope: groupScope.optional(),
  password: password.optional(),
});
export type CreateUserRequest = z.infer<typeof createUserRequest>;

export const setUserRequest = z.object({
  displayName: displayName.optional(),
  email: email.nullable().optional(),
  role: personRoleSchema.optional(),
  groupScope: groupScope.optional(),
  password: password.nullable().optional(),
  /** true disables the user (every token refused at once); false enables again. */
  disabled: z.boolean().optional(),
});
export type SetUserRequest = z.infer<typeof setUserRequest>;

export const userParams = z.object({ name: userName });

export const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  /** Only in the response that creates it: the server keeps a hash. */
  token: z.string().optional(),
  /** The user it belongs to; null for a token without a user (the first admin). */
  user: z.string().nullable(),
  /** The role it acts with: its user's role now, or its own. */
  role: z.string(),
  /** `api` (token create) or `session` (signing in). */
  kind: z.enum(['api', 'session']),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
});
export type TokenView = z.infer<typeof tokenView>;

/** At most 366 days; default 90. */
export const maxTokenSeconds = 366 * 86_400;
export const defaultTokenSeconds = 90 * 86_400;

export const createTokenRequest = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  /** Whose token; default the caller's own. Another user's needs the admin permission. */
  user: userName.optional(),
  expiresInSeconds: z.int().min(1).max(maxTokenSeconds).optional(),
});
export type CreateTokenRequest = z.infer<typeof createTokenRequest>;

export const signInRequest = z.object({
  name: z.string().min(1).max(320),
  password: z.string().min(1).max(1024),
});
export type SignInRequest = z.infer<typeof signInRequest>;

export const sessionView = z.object({
  token: z.string(),
  tokenId: z.string(),
  expiresAt: z.string(),
  user: userView,
});
export type SessionView = z.infer<typeof sessionView>;

export const meView = z.object({
  /** The user's name, or the token's for a token without a user. */
  name: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  /** null for a token without a user. */
  user: z.string().nullable(),
  role: roleSchema,
  permissions: z.array(permissionSchema),
  groupScope: z.array(z.string()).nullable(),
  tokenId: z.string(),
  tokenExpiresAt: z.string().nullable(),
});
export type MeView = z.infer<typeof meView>;

/** How people may sign in here, for a sign-in page to offer: OIDC only with --oidc-issuer. */
export const signInMethodsView = z.object({
  /** A user name (or e-mail) and password: `POST /api/v1/sessions`. */
  password: z.boolean(),
  /** The OpenID Connect provider: `GET /api/v1/auth/oidc/login`. */
  oidc: z.boolean(),
});
export type SignInMethodsView = z.infer<typeof signInMethodsView>;

/** What the provider adds to the callback URL (RFC 6749 §4.1.2, RFC 9207 `iss`). */
const callbackParam = z.string().max(4096).optional();
export const oidcCallbackQuery = z.object({
  code: callbackParam,
  state: callbackParam,
  iss: callbackParam,
  session_state: callbackParam,
  error: callbackParam,
  error_description: callbackParam,
});
