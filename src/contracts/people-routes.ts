import { z } from 'zod';
import {
  createTokenRequest,
  createUserRequest,
  meView,
  sessionView,
  setUserRequest,
  signInRequest,
  tokenView,
  userParams,
  userView,
} from './people.js';
import { route } from './route.js';
import { idParams } from './route-params.js';

/** Users, their API tokens, signing in, and who the caller is. */
export const peopleRoutes = {
  signIn: route({
    method: 'POST',
    path: '/api/v1/sessions',
    summary: 'Sign in with a user name (or e-mail) and password: a session token with its expiry',
    auth: 'public',
    body: signInRequest,
    response: sessionView,
    status: 201,
    otherResponses: { 401: 'the user name or password is wrong' },
  }),
  me: route({
    method: 'GET',
    path: '/api/v1/me',
    summary: 'Who the caller is: user, role, permissions and group scope',
    auth: 'admin',
    permission: 'self',
    response: meView,
  }),
  listUsers: route({
    method: 'GET',
    path: '/api/v1/users',
    summary: 'List users',
    auth: 'admin',
    permission: 'admin',
    response: z.array(userView),
  }),
  createUser: route({
    method: 'POST',
    path: '/api/v1/users',
    summary: 'Create a user',
    auth: 'admin',
    body: createUserRequest,
    response: userView,
    status: 201,
  }),
  getUser: route({
    method: 'GET',
    path: '/api/v1/users/:name',
    summary: 'One user',
    auth: 'admin',
    permission: 'admin',
    params: userParams,
    response: userView,
  }),
  setUser: route({
    method: 'PUT',
    path: '/api/v1/users/:name',
    summary: 'Change a user: name shown, e-mail, role, group scope, password, disabled',
    auth: 'admin',
    params: userParams,
    body: setUserRequest,
    response: userView,
  }),
  listTokens: route({
    method: 'GET',
    path: '/api/v1/tokens',
    summary: "API and session tokens: every one for an admin, the caller's own otherwise",
    auth: 'admin',
    permission: 'self',
    response: z.array(tokenView),
  }),
  createToken: route({
    method: 'POST',
    path: '/api/v1/tokens',
    summary:
      "Create an API token with an expiry (its secret is in this response only); another user's needs admin",
    auth: 'admin',
    permission: 'self',
    body: createTokenRequest.prefault({}),
    response: tokenView,
    status: 201,
  }),
  revokeToken: route({
    method: 'POST',
    path: '/api/v1/tokens/:id/revoke',
    summary: "Revoke a token, refused from now on; another user's needs admin",
    auth: 'admin',
    permission: 'self',
    params: idParams,
    response: tokenView,
  }),
};
