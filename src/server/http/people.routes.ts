import type { peopleRoutes } from '../../contracts/people-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Users, tokens, signing in, and who the caller is. */
export function peopleHandlers(services: Services): RouteHandlers<typeof peopleRoutes> {
  const { users, tokens } = services;
  return {
    signIn: ({ body }) => users.signIn(body),
    me: ({ actor }) => tokens.me(actor),
    listUsers: () => users.list(),
    createUser: ({ body }) => users.create(body),
    getUser: ({ params }) => users.show(params.name),
    setUser: ({ params, body, actor }) => users.set(params.name, body, actor),
    listTokens: ({ actor }) => tokens.list(actor),
    createToken: ({ body, actor }) => tokens.create(body, actor),
    revokeToken: ({ params, actor }) => tokens.revoke(params.id, actor),
  };
}
