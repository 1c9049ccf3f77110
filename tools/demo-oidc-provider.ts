// The local OpenID provider (src/features/oidc/dev-provider.ts) for the demo
// in Compose: the demo-provider service (docker-compose.yml, profile
// demo-provider; docs/deploying.md). The app runs there with
// NODE_ENV=production, which takes an https issuer only, so this one serves
// https at its issuer, https://login.localhost:8443: the same address for the
// browser (the port published on 127.0.0.1; browsers send *.localhost to this
// machine) and for the app (the service's network alias login.localhost).
//
// Its certificate: on first start it makes a small CA of its own and, signed
// by it, a certificate for the issuer's host name, kept in DEMO_PROVIDER_KEYS
// (a volume: they survive a restart, so a browser's exception for it too). The
// CA's certificate, and nothing secret, is copied to DEMO_PROVIDER_CA, a volume
// the app mounts read-only and trusts (NODE_EXTRA_CA_CERTS). Browsers do not
// trust it: they warn once for login.localhost, as for Caddy's local CA.
//
// For demos only: any login signs in (alice and bob as in development,
// anyone else as <login>@example.test, verified), and its signing keys,
// sessions and grants live in memory.
import { execFileSync } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEV_USERS, startDevProvider } from '../src/features/oidc/dev-provider.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required (docker-compose.yml passes it from .env; see docs/deploying.md)`);
  return value;
};

const issuer = new URL(required('OIDC_ISSUER'));
if (issuer.protocol !== 'https:') throw new Error(`OIDC_ISSUER must start with https:// (the app runs in production), not ${issuer.href}`);
const keysDir = process.env.DEMO_PROVIDER_KEYS ?? '/demo-provider/keys';
const caFile = process.env.DEMO_PROVIDER_CA ?? '/demo-provider/ca/ca.pem';

/** openssl, with a configuration written for this call (no system openssl.cnf involved). */
function openssl(args: string[], config: string): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-provider-'));
  try {
    const file = path.join(dir, 'openssl.cnf');
    writeFileSync(file, config);
    execFileSync('openssl', args.map((arg) => (arg === '{config}' ? file : arg)), { stdio: ['ignore', 'ignore', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The certificate for `host` under the CA in `keysDir`, made (and the CA with it) when missing, expiring or for another host. */
function certificateFor(host: string): { key: string; cert: string } {
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const caKey = path.join(keysDir, 'ca-key.pem');
  const caCert = path.join(keysDir, 'ca.pem');
  const key = path.join(keysDir, 'server-key.pem');
  const cert = path.join(keysDir, 'server.pem');

  if (!existsSync(caKey) || !existsSync(caCert)) {
    console.log(`making a CA in ${keysDir}`);
    const config = [
      '[req]',
      'prompt = no',
      'distinguished_name = dn',
      'x509_extensions = ca',
      '[dn]',
      'CN = Cloakroom demo provider CA',
      '[ca]',
      'basicConstraints = critical, CA:TRUE, pathlen:0',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n');
    openssl(['req', '-x509', '-new', '-config', '{config}', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '3650'], config);
    rmSync(cert, { force: true });
  }

  const ca = new X509Certificate(readFileSync(caCert));
  const current = existsSync(key) && existsSync(cert) ? new X509Certificate(readFileSync(cert)) : undefined;
  const fits =
    current !== undefined &&
    (net.isIP(host) ? current.checkIP(host) : current.checkHost(host)) !== undefined &&
    new Date(current.validTo).getTime() > Date.now() + 30 * 86_400_000 &&
    current.verify(ca.publicKey);
  if (!fits) {
    console.log(`making a certificate for ${host}`);
    const config = [
      '[req]',
      'prompt = no',
      'distinguished_name = dn',
      '[dn]',
      `CN = ${host}`,
      '[server]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${net.isIP(host) ? 'IP' : 'DNS'}:${host}`,
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n');
    const csr = path.join(keysDir, 'server.csr');
    openssl(['req', '-new', '-config', '{config}', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr], config);
    openssl(
      ['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '365', '-extfile', '{config}', '-extensions', 'server', '-out', cert],
      config,
    );
    rmSync(csr, { force: true });
  }

  // the CA's certificate where the app reads it, replaced whole (never half written)
  mkdirSync(path.dirname(caFile), { recursive: true });
  writeFileSync(`${caFile}.partial`, readFileSync(caCert));
  renameSync(`${caFile}.partial`, caFile);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

const provider = await startDevProvider({
  issuer: issuer.origin,
  host: process.env.DEMO_PROVIDER_HOST ?? '0.0.0.0',
  // for the issuer's host name (an IPv6 address without its brackets)
  tls: certificateFor(issuer.hostname.replace(/^\[(.*)\]$/, '$1')),
  clientId: required('OIDC_CLIENT_ID'),
  clientSecret: required('OIDC_CLIENT_SECRET'),
  redirectUri: required('OIDC_REDIRECT_URI'),
  users: DEV_USERS,
  anyLogin: (login) => ({ email: `${login.toLowerCase()}@example.test`, email_verified: true }),
});
console.log(`demo provider listening on ${provider.issuer} (CA certificate: ${caFile})`);
const stop = () => void provider.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
