import type { peopleRoutes } from '../../contracts/people-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Users, tokens, signing in, and who the caller is. */
export function peopleHandlers(services: Services): RouteHandlers<typeof peopleRoutes> {
  const { users, tokens, oidc } = services;
  return {
    signIn: ({ body, request }) => users.signIn(body, request.ip),
    signInMethods: () => ({ password: true, oidc: oidc.offered() }),
    oidcLogin: async ({ reply }) => reply.redirect(await oidc.loginUrl(), 302),
    oidcCallback: ({ query }) =>
      oidc.callback(
        Object.fromEntries(
          Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
        ),
      ),
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
