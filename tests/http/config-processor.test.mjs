// Payment settings that cannot work stop patron at start (issue 16, item 21):
// a Stripe secret key without the webhook's signing secret would charge
// readers and then refuse every webhook (renewals, failures, cancellations).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, makeTempDir, runPatron, startServer, stopAndAssertClean, writeConfig } from './lib.mjs';

const SECRET_KEY = 'sk_test_51PatronStandinKey0000000000';

async function configWith(extra) {
    const dir = makeTempDir('procconf');
    return writeConfig(dir, await freePort(), { stripe_api_base: 'http://127.0.0.1:9', ...extra });
}

test('stripe_secret_key without stripe_webhook_secrets stops patron with status 2 and says why', async () => {
    for (const secrets of [null, '', ' , ']) {
        const file = await configWith({ stripe_secret_key: SECRET_KEY, stripe_webhook_secrets: secrets });
        const r = runPatron(['serve', '--config', file], 10_000);
        assert.equal(r.status, 2, `webhook secrets ${JSON.stringify(secrets)}: status ${r.status} signal ${r.signal}\n${r.stderr}`);
        assert.match(r.stderr, /stripe_webhook_secrets/);
        assert.match(r.stderr, /stripe_secret_key/);
        assert.match(r.stderr, /whsec_/, 'the message says what to add');
        assert.doesNotMatch(r.stderr, new RegExp(SECRET_KEY), 'the key itself is never printed');
    }
});

test('with both, or with neither, patron starts', async () => {
    for (const config of [{ stripe_secret_key: SECRET_KEY, stripe_webhook_secrets: 'whsec_patronStandinSecret0123456789' }, {}]) {
        const srv = await startServer({ label: 'procconf-ok', config: { stripe_api_base: 'http://127.0.0.1:9', ...config } });
        await stopAndAssertClean(srv);
    }
});
