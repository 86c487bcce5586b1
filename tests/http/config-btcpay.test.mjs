// BTCPay settings that cannot work stop patron at start with status 2 and
// one line that says what to change (as Stripe's and Mollie's do, see
// config-processor.test.mjs); settings that can work start.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, makeTempDir, runPatron, startServer, stopAndAssertClean, writeConfig } from './lib.mjs';

const KEY = 'a3f1c0de5b7e4d2f9a8c6b4e2d0f1a3c5e7b9d11';
const SECRET = 'btcpay-webhook-secret-0123456789';
const GOOD = { btcpay_url: 'http://127.0.0.1:9', btcpay_store_id: 'StoreStandin0123456789', btcpay_api_key: KEY, btcpay_webhook_secret: SECRET };

async function configWith(extra) {
    const dir = makeTempDir('btcpayconf');
    return writeConfig(dir, await freePort(), extra);
}

test('BTCPay settings that cannot work stop patron with status 2 and say what to change', async () => {
    const cases = [
        { name: 'a key without the server', config: { btcpay_api_key: KEY, btcpay_store_id: GOOD.btcpay_store_id }, re: /btcpay_url is not: set the BTCPay Server's address/ },
        { name: 'an address that is not http(s)', config: { ...GOOD, btcpay_url: 'ftp://pay.example' }, re: /btcpay_url must be the BTCPay Server's http:\/\/ or https:\/\/ address/ },
        { name: 'a store id that is not one', config: { ...GOOD, btcpay_store_id: '../users' }, re: /btcpay_store_id must be the store's id/ },
        { name: 'no API key', config: { ...GOOD, btcpay_api_key: null }, re: /btcpay_api_key must be a Greenfield API key/ },
        { name: 'no webhook secret', config: { ...GOOD, btcpay_webhook_secret: null }, re: /btcpay_webhook_secret must be the store webhook's secret/ },
        { name: 'a currency patron does not know', config: { ...GOOD, btcpay_currencies: 'USD, XYZ' }, re: /btcpay_currencies: "XYZ" is not a currency patron knows/ },
        { name: 'a route to BTCPay for a currency it is not offered in', config: { ...GOOD, btcpay_currencies: 'EUR', currencies: 'USD', currency_processors: 'USD=btcpay' }, re: /Crypto \(BTCPay\) cannot charge USD/ },
    ];
    for (const c of cases) {
        const file = await configWith(c.config);
        const r = runPatron(['serve', '--config', file], 10_000);
        assert.equal(r.status, 2, `${c.name}: status ${r.status} signal ${r.signal}\n${r.stderr}`);
        assert.match(r.stderr, c.re, c.name);
        assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('patron: ')).length, 1, `${c.name}: one line\n${r.stderr}`);
        assert.doesNotMatch(r.stderr, new RegExp(`${KEY}|${SECRET}`), `${c.name}: the key and the secret are never printed`);
    }
});

test('BTCPay alone, or a route that names it, starts', async () => {
    for (const config of [GOOD, { ...GOOD, currencies: 'USD', currency_processors: 'USD=btcpay' }, { ...GOOD, btcpay_currencies: 'EUR, USD' , currencies: 'EUR, USD' }]) {
        const srv = await startServer({ label: 'btcpayconf-ok', config });
        await stopAndAssertClean(srv);
    }
});
