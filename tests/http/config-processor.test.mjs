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

const MOLLIE_KEY = 'test_patronMollieStandinKey0123456789ab';

test('Mollie settings that cannot work stop patron with status 2 and a message that says what to change', async () => {
    const cases = [
        { name: 'a Mollie key that is not one', config: { mollie_api_key: 'sk_live_oops' }, re: /mollie_api_key must be a Mollie API key, "test_\.\.\." or "live_\.\.\."/ },
        { name: 'two processors and no routes', config: { mollie_api_key: MOLLIE_KEY, stripe_secret_key: SECRET_KEY, stripe_webhook_secrets: 'whsec_x' }, re: /2 processors are configured but currency_processors does not say which charges which currency/ },
        { name: 'a route to a processor that is not set up', config: { mollie_api_key: MOLLIE_KEY, currency_processors: 'EUR=mollie, *=stripe' }, re: /"stripe" is not a configured processor/ },
        { name: 'a currency on the support page that no processor charges', config: { mollie_api_key: MOLLIE_KEY, stripe_secret_key: SECRET_KEY, stripe_webhook_secrets: 'whsec_x', currency_processors: 'EUR=mollie, USD=stripe' }, re: /no payment processor charges GBP/ },
        { name: 'a currency patron does not know', config: { currencies: 'EUR, XYZ' }, re: /currencies: "XYZ" is not a currency patron knows/ },
        { name: 'routes with no processor', config: { currency_processors: 'EUR=mollie' }, re: /currency_processors is set but no processor is/ },
        { name: 'a route that is not CURRENCY=processor', config: { mollie_api_key: MOLLIE_KEY, currency_processors: 'euros to mollie' }, re: /is not CURRENCY=processor/ },
    ];
    for (const c of cases) {
        const file = await configWith({ mollie_api_base: 'http://127.0.0.1:9', ...c.config });
        const r = runPatron(['serve', '--config', file], 10_000);
        assert.equal(r.status, 2, `${c.name}: status ${r.status} signal ${r.signal}\n${r.stderr}`);
        assert.match(r.stderr, c.re, c.name);
        assert.doesNotMatch(r.stderr, new RegExp(MOLLIE_KEY), `${c.name}: the key itself is never printed`);
    }
});

test('euros through Mollie and the rest through Stripe, or Mollie for all, start', async () => {
    const both = { mollie_api_key: MOLLIE_KEY, mollie_api_base: 'http://127.0.0.1:9', stripe_secret_key: SECRET_KEY, stripe_webhook_secrets: 'whsec_x', currency_processors: 'EUR=mollie, *=stripe' };
    for (const config of [both, { mollie_api_key: MOLLIE_KEY, mollie_api_base: 'http://127.0.0.1:9' }, { mollie_api_key: MOLLIE_KEY, mollie_api_base: 'http://127.0.0.1:9', currencies: 'EUR', currency_processors: 'EUR=mollie' }]) {
        const srv = await startServer({ label: 'procconf-mollie', config: { stripe_api_base: 'http://127.0.0.1:9', ...config } });
        if (config === both) {
            const euros = await fetch(`${srv.base}/support?currency=EUR`).then((r) => r.text());
            assert.match(euros, /Secure payment by Mollie/);
            const dollars = await fetch(`${srv.base}/support?currency=USD`).then((r) => r.text());
            assert.match(dollars, /Secure payment by Stripe/);
            assert.doesNotMatch(dollars, /name="email"/, "Stripe's checkout asks the address itself");
        }
        await stopAndAssertClean(srv);
    }
});
