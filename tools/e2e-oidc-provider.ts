// The local OpenID provider of the browser tests (src/features/oidc/dev-provider.ts),
// as a process of its own: playwright.config.ts starts it before the app and
// tells the app its issuer. Any login typed on its page is a new person
// (login@example.test, verified; a login starting with "unverified" is not),
// so that each journey signs up someone new.
import { startDevProvider } from '../src/features/oidc/dev-provider.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required (playwright.config.ts sets it)`);
  return value;
};

const provider = await startDevProvider({
  redirectUri: required('OIDC_REDIRECT_URI'),
  port: Number(required('OIDC_PROVIDER_PORT')),
  clientSecret: required('OIDC_CLIENT_SECRET'),
  users: {},
  anyLogin: (login) => ({ email: `${login.toLowerCase()}@example.test`, email_verified: !login.startsWith('unverified') }),
});
console.log(`provider listening on ${provider.issuer}`);
const stop = () => void provider.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
