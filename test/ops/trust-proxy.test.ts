// TRUST_PROXY (ASVS V4.1.3): X-Forwarded-For is believed only from the
// proxy's addresses. Every test client connects from 127.0.0.1, straight to
// the app's port, as an attacker who can reach that port would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type TestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';

const REGISTRATIONS_PER_IP_PER_HOUR = 2;

const limits = { REGISTRATIONS_PER_IP_PER_HOUR: String(REGISTRATIONS_PER_IP_PER_HOUR) };
// the proxy is somewhere in 10.0.0.0/8; 127.0.0.1 is not it
const byAddress = useTestApp({ env: { ...limits, TRUST_PROXY: '10.0.0.0/8' } });
const byHopCount = useTestApp({ env: { ...limits, TRUST_PROXY: '1' } });

/** Registrations from one direct client that claims a new address each time. */
async function statusesWithForgedAddresses(app: TestApp): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 1; i <= REGISTRATIONS_PER_IP_PER_HOUR + 1; i += 1) {
    const client = new Client(app.baseUrl, { 'x-forwarded-for': `198.51.100.${i}` });
    statuses.push((await client.register(uniqueUsername('proxy'))).status);
  }
  return statuses;
}

describe('TRUST_PROXY', () => {
  it("as the proxy's addresses, ignores a direct client's X-Forwarded-For: the per-address limit holds", async () => {
    assert.deepEqual(await statusesWithForgedAddresses(byAddress.app), [303, 303, 429]);
  });

  it('as a hop count, believes it from anyone: a forged address per request dodges the limit', async () => {
    assert.deepEqual(await statusesWithForgedAddresses(byHopCount.app), [303, 303, 303]);
  });
});
