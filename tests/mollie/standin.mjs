// A stand-in for the part of Mollie's v2 API that patron uses, for tests on
// loopback only (Mollie itself cannot be reached from the test machines).
//
//   const mollie = await startMollie({ apiKey: 'test_...' });
//   mollie.url                              the base (patron's mollie_api_base + '/v2')
//   mollie.completePayment(id, {status})    what the hosted checkout page does
//   mollie.chargeSubscription(subId) / chargeback(paymentId) / expirePayment(id)
//   mollie.deliver(ids, {duplicates, shuffle, concurrency, ...})
//   await mollie.idle(); await mollie.close();
//
// What it answers follows Mollie's documented API v2 (shapes as in the
// official @mollie/api-client's types; rules and wording from docs.mollie.com
// and the errors Mollie is known to give, see tests/mollie/README.md):
// Bearer test_/live_ keys (401 otherwise), JSON (or form) bodies, HAL+JSON
// answers, errors as {status, title, detail, field?, _links.documentation},
// amounts as {currency, value} strings with the currency's exact decimals,
// Idempotency-Key on POST (the first answer again with Idempotent-Replayed:
// true; other parameters: 400), objects visible only to the API key that made
// them.
//
// Webhooks are Mollie's classic ones: POST webhookUrl, body "id=tr_..."
// (application/x-www-form-urlencoded), no signature, retried until the
// endpoint answers 2xx (10 attempts, delays compressed from Mollie's 26 hours
// to milliseconds), over a small pool of keep-alive connections, to loopback
// addresses only.
//
// Node built-ins only. Every loop is bounded in count and time.

import crypto from 'node:crypto';
import http from 'node:http';
import { parseForm } from '../stripe/form.mjs';

const HOST = '127.0.0.1';
const MAX_BODY = 1 << 20;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DOCS = 'https://docs.mollie.com';
const HAL = 'application/hal+json';

// Currencies Mollie takes and their decimals (docs: payments/multicurrency).
// HUF has 2 at Mollie (fillér are sent, PayPal rounds them).
const CURRENCIES = {
    AED: 2, AUD: 2, BGN: 2, BRL: 2, CAD: 2, CHF: 2, CZK: 2, DKK: 2, EUR: 2, GBP: 2, HKD: 2, HUF: 2, ILS: 2, ISK: 0,
    JPY: 0, MXN: 2, MYR: 2, NOK: 2, NZD: 2, PHP: 2, PLN: 2, RON: 2, RUB: 2, SEK: 2, SGD: 2, THB: 2, TWD: 2, USD: 2, ZAR: 2,
};
const CARD_CURRENCIES = ['AED', 'AUD', 'BGN', 'CAD', 'CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HKD', 'HUF', 'ILS', 'ISK', 'JPY', 'NOK', 'NZD', 'PHP', 'PLN', 'RON', 'RUB', 'SEK', 'SGD', 'USD', 'ZAR'];
const PAYPAL_CURRENCIES = ['AUD', 'BRL', 'CAD', 'CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HKD', 'HUF', 'ILS', 'JPY', 'MXN', 'MYR', 'NOK', 'NZD', 'PHP', 'PLN', 'RUB', 'SEK', 'SGD', 'THB', 'TWD', 'USD'];
// Method ids the official client knows; the currencies each takes (the
// multicurrency table: every method not listed there is EUR only).
const METHOD_CURRENCIES = {
    creditcard: CARD_CURRENCIES, applepay: CARD_CURRENCIES, googlepay: CARD_CURRENCIES, paypal: PAYPAL_CURRENCIES,
    przelewy24: ['EUR', 'PLN'], blik: ['PLN'], twint: ['CHF'], swish: ['SEK'], vipps: ['NOK'], mobilepay: ['DKK', 'EUR'], bacs: ['GBP'],
};
const METHODS = new Set(['alma', 'applepay', 'bacs', 'bancomatpay', 'bancontact', 'banktransfer', 'belfius', 'billie', 'bizum', 'blik',
    'creditcard', 'directdebit', 'eps', 'giftcard', 'googlepay', 'ideal', 'in3', 'kbc', 'klarna', 'mbway', 'mobilepay', 'multibanco', 'mybank',
    'paybybank', 'paypal', 'paysafecard', 'pointofsale', 'przelewy24', 'riverty', 'satispay', 'swish', 'trustly', 'twint', 'vipps', 'voucher']);
// Methods a first payment can use: they leave a mandate behind (the bank
// ones a SEPA Direct Debit mandate). directdebit itself cannot be first.
const FIRST_METHODS = ['creditcard', 'applepay', 'ideal', 'bancontact', 'belfius', 'eps', 'kbc', 'paypal', 'trustly'];
const MANDATE_METHOD = { creditcard: 'creditcard', applepay: 'creditcard', paypal: 'paypal' }; // others: directdebit
const RECURRING_METHODS = ['creditcard', 'directdebit', 'paypal'];
// What the hosted page offers when the payment names no method.
const CHECKOUT_METHODS = ['ideal', 'creditcard', 'bancontact', 'paypal', 'banktransfer', 'eps', 'przelewy24', 'blik', 'twint'];
// Expiry per method (docs: payments/status-changes); 15 minutes before one is chosen.
const EXPIRY_MINUTES = { ideal: 15, paysafecard: 15, creditcard: 30, bancontact: 60, eps: 60, kbc: 60, paypal: 180, banktransfer: 12 * 24 * 60 };
const MAX_MAJOR_UNITS = 1_000_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function randomId(prefix, length = 10) {
    const bytes = crypto.randomBytes(length);
    let out = prefix;
    for (let i = 0; i < length; i++) out += ALNUM[bytes[i] % ALNUM.length];
    return out;
}

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** Keeps a value beside an object without it showing in its JSON. */
function hide(object, name, value) {
    Object.defineProperty(object, name, { value, enumerable: false, writable: true, configurable: true });
}

/** JSON with sorted keys: two bodies that mean the same compare equal. */
function canonical(value) {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

/** Mollie's timestamps: ISO 8601 to the second, "+00:00". */
function isoTime(ms) {
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

function isoDate(ms) {
    return new Date(ms).toISOString().slice(0, 10);
}

function parseDate(text) {
    const m = ISO_DATE.exec(text);
    if (!m) return null;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return isoDate(ms) === text ? ms : null;
}

/** "1 month", "14 days", "2 weeks" (max one year) → {count, unit}, or null. */
export function parseInterval(text) {
    const m = typeof text === 'string' ? /^([1-9][0-9]{0,2}) (day|days|week|weeks|month|months)$/.exec(text) : null;
    if (!m) return null;
    const count = Number(m[1]);
    const unit = m[2].replace(/s$/, '');
    const max = { day: 365, week: 52, month: 12 }[unit];
    return count <= max ? { count, unit } : null;
}

/** date (YYYY-MM-DD) plus an interval; months keep the anchor day,
 * clamped to the month's last day (Jan 31 → Feb 28 → Mar 31). */
export function addInterval(date, interval, anchorDay) {
    const ms = parseDate(date);
    const d = new Date(ms);
    if (interval.unit === 'day') return isoDate(ms + interval.count * 86400_000);
    if (interval.unit === 'week') return isoDate(ms + interval.count * 7 * 86400_000);
    const months = d.getUTCMonth() + interval.count;
    const year = d.getUTCFullYear() + Math.floor(months / 12);
    const month = months % 12;
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    return isoDate(Date.UTC(year, month, Math.min(anchorDay ?? d.getUTCDate(), last)));
}

/** "5.00" in EUR → 500; null when the value is not the currency's form. */
export function toMinor(value, currency) {
    const decimals = CURRENCIES[currency];
    if (decimals === undefined || typeof value !== 'string') return null;
    const re = decimals === 0 ? /^(0|[1-9][0-9]{0,11})$/ : new RegExp(`^(0|[1-9][0-9]{0,11})\\.([0-9]{${decimals}})$`);
    const m = re.exec(value);
    if (!m) return null;
    return Number(m[1]) * 10 ** decimals + (decimals ? Number(m[2]) : 0);
}

export function fromMinor(minor, currency) {
    const decimals = CURRENCIES[currency];
    const sign = minor < 0 ? '-' : '';
    const abs = Math.abs(minor);
    if (decimals === 0) return `${sign}${abs}`;
    const unit = 10 ** decimals;
    return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(decimals, '0')}`;
}

function methodTakes(method, currency) {
    return (METHOD_CURRENCIES[method] ?? ['EUR']).includes(currency);
}

function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/** An error answer in Mollie's shape. */
class MollieError extends Error {
    constructor(status, detail, { field, title, headers } = {}) {
        super(detail);
        this.status = status;
        this.headers = headers ?? {};
        this.body = { status, title: title ?? TITLES[status] ?? 'Error', detail };
        if (field) this.body.field = field;
        this.body._links = { documentation: { href: `${DOCS}/overview/handling-errors`, type: 'text/html' } };
    }
}
const TITLES = {
    400: 'Bad Request', 401: 'Unauthorized Request', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone',
    413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 500: 'Internal Server Error',
    502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
const unprocessable = (detail, field) => new MollieError(422, detail, { field });
const notFound = (what, id) => new MollieError(404, `No ${what} exists with token ${id}.`);
const gone = (what) => new MollieError(410, `The ${what} is no longer available.`);

function isLoopback(hostname) {
    const h = hostname.replace(/^\[|\]$/g, '');
    return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Starts the stand-in on 127.0.0.1. Options:
 *   apiKey          a key (or a list of keys) that alone are accepted; otherwise
 *                   any test_/live_ key of the documented form
 *   retryDelaysMs   waits between webhook attempts ([50, 100, 200, ... 12800]:
 *                   Mollie's 0m, 1m, 2m, 4m ... 22h, compressed)
 *   maxAttempts     webhook attempts per call (10, as Mollie)
 *   webhookTimeoutMs an attempt that takes longer has failed (15000, as Mollie)
 *   connections     keep-alive connections for webhook calls (8)
 *   autoDeliver     call the webhook when a state change makes Mollie call it (true)
 *   testModeChargeLimit  test-mode subscriptions are canceled after this many
 *                   charges (10, as Mollie documents); null: never
 *   idempotentMethods    methods whose Idempotency-Key is honoured (['POST']:
 *                   Mollie ignores the key on GET, PATCH and DELETE)
 *   port            0 (any free port)
 */
export async function startMollie(options = {}) {
    const payments = new Map();
    const customers = new Map();
    const subscriptions = new Map();
    const mandates = new Map();
    const chargebacks = new Map();
    const refunds = new Map();
    const idempotency = new Map();
    const requests = [];     // {method, path, query, key, idempotencyKey, body, status, replayed, fault, at}
    const deliveries = [];   // {id, url, attempt, status, error, at}
    const pending = new Set();
    const faults = [];
    const holds = new Set();
    const waits = new Set();  // webhook retry waits, cut short by close()
    let closed = false;
    const wait = (ms) => new Promise((resolve) => {
        const entry = { resolve, timer: setTimeout(() => { waits.delete(entry); resolve(); }, ms) };
        waits.add(entry);
    });
    const pinned = options.apiKey === undefined || options.apiKey === null ? null
        : new Set(Array.isArray(options.apiKey) ? options.apiKey : [options.apiKey]);
    const delivery = {
        retryDelaysMs: options.retryDelaysMs ?? [50, 100, 200, 400, 800, 1600, 3200, 6400, 12800],
        maxAttempts: options.maxAttempts ?? 10,
        timeoutMs: options.webhookTimeoutMs ?? 15_000,
        connections: options.connections ?? 8,
    };
    const idempotentMethods = new Set(options.idempotentMethods ?? ['POST']);
    const testModeChargeLimit = options.testModeChargeLimit === undefined ? 10 : options.testModeChargeLimit;
    let clockOffset = 0;
    const nowMs = () => Date.now() + clockOffset;
    const agent = new http.Agent({ keepAlive: true, maxSockets: delivery.connections, maxFreeSockets: delivery.connections });

    const mollie = {
        url: null,
        autoDeliver: options.autoDeliver ?? true,
        payments, customers, subscriptions, mandates, chargebacks, refunds,
        requests, deliveries,
        /** Moves the stand-in's clock (timestamps, dates) by ms. */
        advanceClock(ms) { clockOffset += ms; },
        now: nowMs,
    };

    /* ------------------------------------------------------------ helpers */

    const api = (path) => `${mollie.url}/v2/${path}`;
    const link = (href, type = HAL) => ({ href, type });
    const doc = (page) => link(`${DOCS}/reference/${page}`, 'text/html');
    const profileOf = (key) => `pfl_${crypto.createHash('sha256').update(key).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 10)}`;
    const modeOf = (key) => (key.startsWith('live_') ? 'live' : 'test');
    const dashboard = (kind, id) => link(`https://my.mollie.com/dashboard/org_standin/${kind}/${id}`, 'text/html');
    const ownedBy = (object, key) => object !== undefined && object._owner === key;

    function amountParam(value, field, { required = true, what = 'payments' } = {}) {
        if (value === undefined || value === null) {
            if (!required) return null;
            throw unprocessable(`The amount is required for ${what}`, field);
        }
        if (typeof value !== 'object' || Array.isArray(value)) throw unprocessable('The amount is invalid', field);
        if (value.currency === undefined || value.currency === null || value.currency === '') throw unprocessable('The amount does not contain a currency', `${field}.currency`);
        if (typeof value.currency !== 'string' || CURRENCIES[value.currency] === undefined) throw unprocessable('The amount contains an unsupported currency', `${field}.currency`);
        if (value.value === undefined || value.value === null) throw unprocessable('The amount does not contain a value', `${field}.value`);
        const minor = toMinor(value.value, value.currency);
        if (minor === null) throw unprocessable('The amount contains an invalid value', `${field}.value`);
        if (minor <= 0) throw unprocessable('The amount is lower than the minimum', field);
        if (minor > MAX_MAJOR_UNITS * 10 ** CURRENCIES[value.currency]) throw unprocessable('The amount is higher than the maximum', field);
        return { currency: value.currency, value: value.value, minor };
    }

    function urlParam(value, field, name) {
        if (value === undefined || value === null || value === '') return null;
        let u;
        try { u = typeof value === 'string' ? new URL(value) : null; } catch { u = null; }
        if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw unprocessable(`The ${name} is invalid`, field);
        return value;
    }

    function localeParam(value) {
        if (value === undefined || value === null) return null;
        // "You can provide any xx_XX format ISO 15897 locale, but our hosted
        // payment pages currently only support [24 of them]."
        if (typeof value !== 'string' || !/^[a-z]{2}_[A-Z]{2}$/.test(value)) throw unprocessable('The locale is invalid', 'locale');
        return value;
    }

    function metadataParam(value) {
        if (value === undefined) return null;
        if (JSON.stringify(value).length > 1024) throw unprocessable('The metadata is too large, it may not exceed 1024 bytes', 'metadata');
        return clone(value);
    }

    function descriptionParam(value, what, { required = true } = {}) {
        if (value === undefined || value === null || value === '') {
            if (!required) return null;
            throw unprocessable(`The description is required for ${what}`, 'description');
        }
        if (typeof value !== 'string') throw unprocessable('The description is invalid', 'description');
        // "The API will not reject strings longer than the maximum length but
        // it will truncate them to fit."
        return value.slice(0, 255);
    }

    function timesParam(value) {
        if (value === undefined || value === null) return null;
        const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
        if (!Number.isSafeInteger(n) || n < 1) throw unprocessable('The times parameter is invalid', 'times');
        return n;
    }

    function getCustomer(key, id, { allowDeleted = false } = {}) {
        const c = customers.get(id);
        if (!ownedBy(c, key)) throw notFound('customer', id);
        if (c._deleted && !allowDeleted) throw gone('customer');
        return c;
    }

    function getPayment(key, id) {
        const p = payments.get(id);
        if (!ownedBy(p, key)) throw notFound('payment', id);
        return p;
    }

    function validMandates(customerId, method = null) {
        return [...mandates.values()]
            .filter((m) => m.customerId === customerId && !m._revoked && m.status === 'valid' && (method === null || m.method === method))
            .sort((a, b) => b._created - a._created);
    }

    function mandateFor(customer, { mandateId = null, method = null }, field = 'mandateId') {
        if (mandateId !== null) {
            const m = mandates.get(mandateId);
            if (!m || m.customerId !== customer.id || m._revoked) throw unprocessable(`No mandate exists with token ${mandateId}.`, field);
            if (m.status !== 'valid') throw unprocessable('The mandate is not valid', field);
            if (method !== null && m.method !== method) throw unprocessable('The mandate does not match the method', 'method');
            return m;
        }
        const found = validMandates(customer.id, method)[0];
        if (!found) {
            if (method !== null) throw unprocessable('No suitable mandates found for method', 'method');
            throw unprocessable('No suitable mandates found for customer', 'customerId');
        }
        return found;
    }

    function list(kind, items, path, page, query) {
        const limitText = query.get('limit');
        const limit = limitText === null ? 50 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > 250) throw new MollieError(400, 'The limit is invalid, it should be between 1 and 250', { field: 'limit' });
        const sorted = [...items].sort((a, b) => b._created - a._created || (a.id < b.id ? 1 : -1));
        const from = query.get('from');
        let start = 0;
        if (from !== null) {
            start = sorted.findIndex((x) => x.id === from);
            if (start < 0) throw new MollieError(400, `Invalid 'from' parameter: ${from}`, { field: 'from' });
        }
        const slice = sorted.slice(start, start + limit);
        const next = sorted[start + limit];
        const self = `${api(path)}?limit=${limit}${from ? `&from=${from}` : ''}`;
        return {
            count: slice.length,
            _embedded: { [kind]: slice.map(renderAny) },
            _links: {
                self: link(self),
                previous: null,
                next: next ? link(`${api(path)}?from=${next.id}&limit=${limit}`) : null,
                documentation: doc(page),
            },
        };
    }

    function renderAny(object) {
        if (object.resource === 'customer') return renderCustomer(object);
        return clone(object);
    }

    function renderCustomer(c) {
        const out = clone(c);
        const has = (map) => [...map.values()].some((x) => x.customerId === c.id && !x._revoked);
        if (has(mandates)) out._links.mandates = link(api(`customers/${c.id}/mandates`));
        if (has(subscriptions)) out._links.subscriptions = link(api(`customers/${c.id}/subscriptions`));
        if (has(payments)) out._links.payments = link(api(`customers/${c.id}/payments`));
        return out;
    }

    /* ---------------------------------------------------------- customers */

    function createCustomer(key, body) {
        const name = body.name ?? null;
        const email = body.email ?? null;
        if (name !== null && typeof name !== 'string') throw unprocessable('The name is invalid', 'name');
        if (email !== null && (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))) throw unprocessable('The email address is invalid', 'email');
        const id = randomId('cst_');
        const customer = {
            resource: 'customer',
            id,
            mode: modeOf(key),
            name,
            email,
            locale: localeParam(body.locale),
            metadata: metadataParam(body.metadata),
            createdAt: isoTime(nowMs()),
            _links: { self: link(api(`customers/${id}`)), dashboard: dashboard('customers', id), documentation: doc('create-customer') },
        };
        hide(customer, '_owner', key);
        hide(customer, '_created', nowMs() + customers.size / 1000);
        customers.set(id, customer);
        return customer;
    }

    /** Deleting a customer cancels its subscriptions and its mandates
     * ("All mandates and subscriptions created for this customer will be
     * canceled as well"); it is then gone (410). */
    function deleteCustomer(customer) {
        for (const sub of subscriptions.values()) {
            if (sub.customerId === customer.id && ['active', 'pending', 'suspended'].includes(sub.status)) cancelSub(sub);
        }
        for (const m of mandates.values()) if (m.customerId === customer.id) revoke(m, false);
        hide(customer, '_deleted', true);
    }

    /* ----------------------------------------------------------- payments */

    function createPayment(key, body) {
        const amount = amountParam(body.amount, 'amount');
        const description = descriptionParam(body.description, 'payments');
        const sequenceType = body.sequenceType ?? 'oneoff';
        if (!['oneoff', 'first', 'recurring'].includes(sequenceType)) throw unprocessable('The sequence type is invalid', 'sequenceType');
        const recurring = sequenceType === 'recurring';
        const redirectUrl = urlParam(body.redirectUrl, 'redirectUrl', 'redirect URL');
        if (redirectUrl === null && !recurring) throw unprocessable('The redirect URL is required for payments', 'redirectUrl');
        const cancelUrl = urlParam(body.cancelUrl, 'cancelUrl', 'cancel URL');
        const webhookUrl = urlParam(body.webhookUrl, 'webhookUrl', 'webhook URL');
        const locale = localeParam(body.locale);
        const metadata = metadataParam(body.metadata);

        let requested = null;
        if (body.method !== undefined && body.method !== null) {
            requested = Array.isArray(body.method) ? body.method : [body.method];
            if (requested.length === 0 || requested.some((m) => typeof m !== 'string' || !METHODS.has(m))) throw unprocessable('The method is invalid', 'method');
        }
        let customer = null;
        if (body.customerId !== undefined && body.customerId !== null) {
            const c = customers.get(body.customerId);
            if (!ownedBy(c, key) || c._deleted) throw unprocessable(`No customer exists with token ${body.customerId}.`, 'customerId');
            customer = c;
        }
        if ((sequenceType === 'first' || recurring) && customer === null) {
            throw unprocessable(`A customer is required for ${sequenceType} payments`, 'customerId');
        }
        if (body.mandateId !== undefined && body.mandateId !== null && !recurring) throw unprocessable('A mandate can only be given for recurring payments', 'mandateId');

        let allowed;
        let mandate = null;
        if (recurring) {
            if (requested && requested.length > 1) throw unprocessable('Only one method can be given for recurring payments', 'method');
            const method = requested ? requested[0] : null;
            if (method !== null && !RECURRING_METHODS.includes(method)) throw unprocessable(`The method ${method} cannot be used for recurring payments`, 'method');
            mandate = mandateFor(customer, { mandateId: body.mandateId ?? null, method });
            allowed = [mandate.method];
        } else if (requested) {
            if (sequenceType === 'first') {
                if (requested.length === 1 && requested[0] === 'directdebit') throw unprocessable('The method directdebit cannot be used for first payments; use a method that creates a mandate, such as ideal, bancontact or creditcard', 'method');
                const bad = requested.find((m) => !FIRST_METHODS.includes(m));
                if (bad) throw unprocessable(`The method ${bad} cannot be used for first payments`, 'method');
            }
            allowed = requested.filter((m) => methodTakes(m, amount.currency));
            if (allowed.length === 0) {
                throw unprocessable(requested.length === 1
                    ? `The payment method ${requested[0]} does not support the currency ${amount.currency}`
                    : `None of the payment methods supports the currency ${amount.currency}`, 'method');
            }
        } else {
            allowed = (sequenceType === 'first' ? FIRST_METHODS : CHECKOUT_METHODS).filter((m) => methodTakes(m, amount.currency));
            if (allowed.length === 0) throw unprocessable(`No payment method supports the currency ${amount.currency}`, 'amount.currency');
        }
        if (mandate && !methodTakes(mandate.method, amount.currency)) {
            throw unprocessable(`The payment method ${mandate.method} does not support the currency ${amount.currency}`, 'amount.currency');
        }
        return makePayment(key, {
            amount, description, sequenceType, redirectUrl, cancelUrl, webhookUrl, locale, metadata, allowed,
            method: recurring ? mandate.method : (requested && requested.length === 1 ? requested[0] : null),
            customer, mandate,
        });
    }

    function makePayment(key, p) {
        const id = randomId('tr_');
        const created = nowMs();
        const payment = {
            resource: 'payment',
            id,
            mode: modeOf(key),
            createdAt: isoTime(created),
            amount: { value: p.amount.value, currency: p.amount.currency },
            description: p.description,
            method: p.method,
            metadata: p.metadata,
            status: p.status ?? 'open',
            isCancelable: false,
            expiresAt: isoTime(created + (EXPIRY_MINUTES[p.method] ?? 15) * 60_000),
            details: null,
            profileId: profileOf(key),
            sequenceType: p.sequenceType,
            redirectUrl: p.redirectUrl,
        };
        if (p.cancelUrl) payment.cancelUrl = p.cancelUrl;
        if (p.webhookUrl) payment.webhookUrl = p.webhookUrl;
        if (p.locale) payment.locale = p.locale;
        if (p.customer) payment.customerId = p.customer.id;
        if (p.mandate) payment.mandateId = p.mandate.id;
        if (p.subscription) payment.subscriptionId = p.subscription.id;
        payment._links = { self: link(api(`payments/${id}`)) };
        if (p.sequenceType === 'recurring') {
            // "Recurring payments do not have a checkout URL ... This link is
            // included for test mode recurring payments, and allows you to
            // set the final payment state."
            if (payment.mode === 'test') payment._links.changePaymentState = link(`${mollie.url}/checkout/${id}`, 'text/html');
        } else {
            payment._links.checkout = link(`${mollie.url}/checkout/${id}`, 'text/html');
        }
        payment._links.dashboard = dashboard('payments', id);
        if (p.customer) payment._links.customer = link(api(`customers/${p.customer.id}`));
        if (p.mandate) payment._links.mandate = link(api(`customers/${p.customer.id}/mandates/${p.mandate.id}`));
        if (p.subscription) payment._links.subscription = link(api(`customers/${p.customer.id}/subscriptions/${p.subscription.id}`));
        payment._links.documentation = doc('get-payment');
        if (p.sequenceType === 'recurring') {
            // Charged at once on an existing authorization: under way, not open.
            payment.status = 'pending';
            payment.isCancelable = payment.method === 'directdebit';
        }
        hide(payment, '_owner', key);
        hide(payment, '_created', created + payments.size / 1000);
        hide(payment, '_allowed', p.allowed);
        hide(payment, '_minor', p.amount.minor);
        payments.set(id, payment);
        return payment;
    }

    function detailsFor(method, status) {
        const failed = status === 'failed';
        switch (method) {
            case 'creditcard': case 'applepay': case 'googlepay':
                return failed
                    ? { cardNumber: '0004', cardHolder: 'T. Tester', cardAudience: 'consumer', cardLabel: 'Visa', cardCountryCode: 'NL', cardSecurity: 'normal', feeRegion: 'intra-eu', failureReason: 'card_declined', failureMessage: 'Your card was declined.' }
                    : { cardNumber: '6787', cardHolder: 'T. Tester', cardAudience: 'consumer', cardLabel: 'Mastercard', cardCountryCode: 'NL', cardSecurity: 'normal', feeRegion: 'intra-eu' };
            case 'ideal': return failed ? null : { consumerName: 'T. TESTER', consumerAccount: 'NL53INGB0654422370', consumerBic: 'INGBNL2A' };
            case 'bancontact': return failed ? { failureReason: 'authentication_failed' } : { cardNumber: '1234', consumerName: 'T. TESTER', consumerAccount: 'BE35947238549322', consumerBic: 'GEBABEBB' };
            case 'paypal': return failed ? null : { consumerName: 'T. Tester', consumerAccount: 'donor@example.org', paypalReference: randomId('9AL', 14).toUpperCase(), paypalPayerId: randomId('', 13).toUpperCase(), sellerProtection: 'Eligible' };
            case 'directdebit': {
                const d = {
                    transferReference: `SD${randomId('', 8).toUpperCase()}`, creditorIdentifier: 'NL08ZZZ502057730000', consumerName: 'T. TESTER',
                    consumerAccount: 'NL55INGB0000000000', consumerBic: 'INGBNL2A', dueDate: isoDate(nowMs() + 2 * 86400_000), signatureDate: isoDate(nowMs()),
                };
                if (failed) { d.bankReasonCode = 'AM04'; d.bankReason = 'Insufficient funds'; }
                return d;
            }
            default: return failed ? null : {};
        }
    }

    function makeMandate(customer, method, key) {
        const id = randomId('mdt_');
        const kind = MANDATE_METHOD[method] ?? 'directdebit';
        const details = kind === 'creditcard'
            ? { cardHolder: 'T. Tester', cardNumber: '6787', cardLabel: 'Mastercard', cardFingerprint: randomId('', 20), cardExpiryDate: isoDate(nowMs() + 3 * 365 * 86400_000) }
            : kind === 'paypal' ? { consumerName: 'T. Tester', consumerAccount: 'donor@example.org' }
                : { consumerName: 'T. TESTER', consumerAccount: method === 'bancontact' ? 'BE35947238549322' : 'NL55INGB0000000000', consumerBic: method === 'bancontact' ? 'GEBABEBB' : 'INGBNL2A' };
        const mandate = {
            resource: 'mandate',
            id,
            mode: customer.mode,
            status: 'valid',
            method: kind,
            details,
            mandateReference: null,
            signatureDate: isoDate(nowMs()),
            createdAt: isoTime(nowMs()),
            _links: {
                self: link(api(`customers/${customer.id}/mandates/${id}`)),
                customer: link(api(`customers/${customer.id}`)),
                documentation: doc('get-mandate'),
            },
        };
        // Mollie's mandate names no customer but in its links.
        hide(mandate, 'customerId', customer.id);
        hide(mandate, '_owner', key);
        hide(mandate, '_created', nowMs() + mandates.size / 1000);
        hide(mandate, '_revoked', false);
        mandates.set(id, mandate);
        return mandate;
    }

    /** Sets a payment's final state as Mollie would: timestamps, method,
     * details, and for a paid first payment the mandate it leaves. */
    function settle(payment, status, method) {
        const at = isoTime(nowMs());
        payment.status = status;
        payment.method = method;
        delete payment.isCancelable;
        delete payment.expiresAt;
        payment.details = status === 'paid' || status === 'failed' ? detailsFor(method, status) : null;
        if (status === 'paid') {
            payment.paidAt = at;
            payment.amountRefunded = { value: fromMinor(0, payment.amount.currency), currency: payment.amount.currency };
            payment.amountRemaining = { ...payment.amount };
            if (payment.amount.currency === 'EUR') payment.settlementAmount = { ...payment.amount };
            payment.countryCode = method === 'bancontact' ? 'BE' : 'NL';
            if (payment.sequenceType === 'first') {
                const customer = customers.get(payment.customerId);
                const mandate = makeMandate(customer, method, payment._owner);
                payment.mandateId = mandate.id;
                payment._links.mandate = link(api(`customers/${customer.id}/mandates/${mandate.id}`));
            }
            // "This link is also included for paid test mode payments. This
            // allows you to create a refund or chargeback for the payment."
            if (payment.mode === 'test') payment._links.changePaymentState = link(`${mollie.url}/checkout/${payment.id}`, 'text/html');
        } else if (status === 'failed') {
            payment.failedAt = at;
        } else if (status === 'canceled') {
            payment.canceledAt = at;
        } else if (status === 'expired') {
            payment.expiredAt = at;
        }
    }

    /* ------------------------------------------------------ subscriptions */

    function activeSubs(customerId) {
        return [...subscriptions.values()].filter((s) => s.customerId === customerId && ['active', 'pending', 'suspended'].includes(s.status));
    }

    function createSubscription(key, customer, body) {
        const amount = amountParam(body.amount, 'amount', { what: 'subscriptions' });
        if (body.interval === undefined || body.interval === null) throw unprocessable('The interval is required for subscriptions', 'interval');
        const interval = parseInterval(body.interval);
        if (!interval) throw unprocessable('The interval is invalid', 'interval');
        const description = descriptionParam(body.description, 'subscriptions');
        if (activeSubs(customer.id).some((s) => s.description === description)) {
            throw unprocessable('The description is not unique: the customer already has an active subscription with this description', 'description');
        }
        const times = timesParam(body.times);
        let startDate = isoDate(nowMs());
        if (body.startDate !== undefined && body.startDate !== null) {
            if (typeof body.startDate !== 'string' || parseDate(body.startDate) === null) throw unprocessable('The start date is invalid', 'startDate');
            startDate = body.startDate;
        }
        const method = body.method ?? null;
        if (method !== null && !RECURRING_METHODS.includes(method)) throw unprocessable('The method is invalid', 'method');
        const mandateId = body.mandateId ?? null;
        if (method !== null && mandateId !== null) throw unprocessable('The method and the mandate cannot be set together', 'method');
        const webhookUrl = urlParam(body.webhookUrl, 'webhookUrl', 'webhook URL');
        const metadata = metadataParam(body.metadata);
        const mandate = mandateFor(customer, { mandateId, method });
        if (!methodTakes(mandate.method, amount.currency)) throw unprocessable(`The payment method ${mandate.method} does not support the currency ${amount.currency}`, 'amount.currency');
        const id = randomId('sub_');
        const sub = {
            resource: 'subscription',
            id,
            mode: customer.mode,
            createdAt: isoTime(nowMs()),
            status: 'active',
            amount: { value: amount.value, currency: amount.currency },
            times,
            timesRemaining: times,
            interval: body.interval,
            startDate,
            nextPaymentDate: startDate,
            description,
            method,
        };
        if (mandateId !== null) sub.mandateId = mandateId;
        sub.webhookUrl = webhookUrl;
        sub.metadata = metadata;
        sub.customerId = customer.id;
        sub._links = {
            self: link(api(`customers/${customer.id}/subscriptions/${id}`)),
            customer: link(api(`customers/${customer.id}`)),
            profile: link(api(`profiles/${profileOf(key)}`)),
            documentation: doc('get-subscription'),
        };
        if (mandateId !== null) sub._links.mandate = link(api(`customers/${customer.id}/mandates/${mandateId}`));
        hide(sub, '_owner', key);
        hide(sub, '_created', nowMs() + subscriptions.size / 1000);
        hide(sub, '_anchor', Number(startDate.slice(8, 10)));
        hide(sub, '_charges', 0);
        hide(sub, '_lastCharge', null);
        subscriptions.set(id, sub);
        return sub;
    }

    function getSubscription(key, customer, id) {
        const sub = subscriptions.get(id);
        if (!ownedBy(sub, key) || sub.customerId !== customer.id) throw notFound('subscription', id);
        return sub;
    }

    function updateSubscription(sub, body) {
        if (sub.status === 'canceled' || sub.status === 'completed') {
            throw unprocessable(`The subscription is ${sub.status} and cannot be updated`, 'id');
        }
        const changes = [];
        if (body.amount !== undefined) {
            const amount = amountParam(body.amount, 'amount', { what: 'subscriptions' });
            changes.push(() => { sub.amount = { value: amount.value, currency: amount.currency }; });
        }
        if (body.description !== undefined) {
            const description = descriptionParam(body.description, 'subscriptions');
            if (activeSubs(sub.customerId).some((s) => s !== sub && s.description === description)) {
                throw unprocessable('The description is not unique: the customer already has an active subscription with this description', 'description');
            }
            changes.push(() => { sub.description = description; });
        }
        if (body.interval !== undefined) {
            const interval = parseInterval(body.interval);
            if (!interval) throw unprocessable('The interval is invalid', 'interval');
            changes.push(() => {
                sub.interval = body.interval;
                // "The new interval will be calculated from the last charge date."
                if (sub._lastCharge) sub.nextPaymentDate = addInterval(sub._lastCharge, interval, sub._anchor);
            });
        }
        if (body.startDate !== undefined) {
            if (typeof body.startDate !== 'string' || parseDate(body.startDate) === null) throw unprocessable('The start date is invalid', 'startDate');
            if (body.startDate <= isoDate(nowMs())) throw unprocessable('The start date must be in the future', 'startDate');
            if (sub._charges > 0) throw unprocessable('The start date cannot be changed: the subscription has already been charged', 'startDate');
            changes.push(() => {
                sub.startDate = body.startDate;
                sub.nextPaymentDate = body.startDate;
                sub._anchor = Number(body.startDate.slice(8, 10));
            });
        }
        if (body.times !== undefined) {
            const times = timesParam(body.times);
            if (times !== null && times < sub._charges) throw unprocessable('The times parameter cannot be lower than the number of charges already made', 'times');
            changes.push(() => {
                sub.times = times;
                sub.timesRemaining = times === null ? null : times - sub._charges;
            });
        }
        if (body.webhookUrl !== undefined) {
            const url = urlParam(body.webhookUrl, 'webhookUrl', 'webhook URL');
            changes.push(() => { sub.webhookUrl = url; });
        }
        if (body.metadata !== undefined) {
            const md = metadataParam(body.metadata);
            changes.push(() => { sub.metadata = md; });
        }
        if (body.mandateId !== undefined && body.mandateId !== null) {
            const customer = customers.get(sub.customerId);
            const mandate = mandateFor(customer, { mandateId: body.mandateId });
            const currency = body.amount?.currency ?? sub.amount.currency;
            if (!methodTakes(mandate.method, currency)) throw unprocessable(`The payment method ${mandate.method} does not support the currency ${currency}`, 'mandateId');
            changes.push(() => {
                // "If you set a method before, it will be changed to null."
                sub.method = null;
                sub.mandateId = mandate.id;
                sub._links.mandate = link(api(`customers/${sub.customerId}/mandates/${mandate.id}`));
            });
        }
        for (const apply of changes) apply();
        return sub;
    }

    function cancelSub(sub) {
        sub.status = 'canceled';
        sub.canceledAt = isoTime(nowMs());
        sub.nextPaymentDate = null;
    }

    /** Revokes a mandate: "all connected subscriptions will be canceled" —
     * those pinned to it, and those left with no valid mandate to use. */
    function revoke(mandate, cancelSubs = true) {
        hide(mandate, '_revoked', true);
        mandate.status = 'invalid';
        if (!cancelSubs) return;
        for (const sub of activeSubs(mandate.customerId)) {
            if (sub.mandateId === mandate.id) cancelSub(sub);
            else if (!sub.mandateId && validMandates(sub.customerId, sub.method).length === 0) cancelSub(sub);
        }
    }

    /* ------------------------------------------------------------ routing */

    function route(key, method, path, query, body, answer) {
        let m;
        const allow = (...methods) => {
            if (!methods.includes(method)) throw new MollieError(405, `The method ${method} is not allowed on this resource`, { headers: { Allow: methods.join(', ') } });
        };
        if (path === '/v2/customers') {
            allow('GET', 'POST');
            if (method === 'POST') return answer(201, renderCustomer(createCustomer(key, body)));
            return answer(200, list('customers', [...customers.values()].filter((c) => ownedBy(c, key) && !c._deleted), 'customers', 'list-customers', query));
        }
        if ((m = /^\/v2\/customers\/([^/]+)$/.exec(path))) {
            allow('GET', 'PATCH', 'DELETE');
            const customer = getCustomer(key, m[1]);
            if (method === 'GET') return answer(200, renderCustomer(customer));
            if (method === 'DELETE') { deleteCustomer(customer); return answer(204, null); }
            if (body.name !== undefined && body.name !== null && typeof body.name !== 'string') throw unprocessable('The name is invalid', 'name');
            if (body.email !== undefined && body.email !== null && (typeof body.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email))) throw unprocessable('The email address is invalid', 'email');
            const locale = body.locale === undefined ? customer.locale : localeParam(body.locale);
            const metadata = body.metadata === undefined ? customer.metadata : metadataParam(body.metadata);
            if (body.name !== undefined) customer.name = body.name;
            if (body.email !== undefined) customer.email = body.email;
            customer.locale = locale;
            customer.metadata = metadata;
            return answer(200, renderCustomer(customer));
        }
        if ((m = /^\/v2\/customers\/([^/]+)\/payments$/.exec(path))) {
            allow('GET');
            const customer = getCustomer(key, m[1]);
            return answer(200, list('payments', [...payments.values()].filter((p) => p.customerId === customer.id && ownedBy(p, key)), `customers/${customer.id}/payments`, 'list-customer-payments', query));
        }
        if ((m = /^\/v2\/customers\/([^/]+)\/subscriptions$/.exec(path))) {
            allow('GET', 'POST');
            const customer = getCustomer(key, m[1]);
            if (method === 'POST') return answer(201, clone(createSubscription(key, customer, body)));
            return answer(200, list('subscriptions', [...subscriptions.values()].filter((s) => s.customerId === customer.id && ownedBy(s, key)), `customers/${customer.id}/subscriptions`, 'list-subscriptions', query));
        }
        if ((m = /^\/v2\/customers\/([^/]+)\/subscriptions\/([^/]+)$/.exec(path))) {
            allow('GET', 'PATCH', 'DELETE');
            const customer = getCustomer(key, m[1]);
            const sub = getSubscription(key, customer, m[2]);
            if (method === 'GET') return answer(200, clone(sub));
            if (method === 'PATCH') return answer(200, clone(updateSubscription(sub, body)));
            // Canceling twice: 422 "The subscription has been cancelled."
            // (what Mollie answers, mollie-api-php#430).
            if (sub.status === 'canceled') throw unprocessable('The subscription has been cancelled.', 'id');
            if (sub.status === 'completed') throw unprocessable('The subscription has been completed.', 'id');
            cancelSub(sub);
            return answer(200, clone(sub));
        }
        if ((m = /^\/v2\/customers\/([^/]+)\/subscriptions\/([^/]+)\/payments$/.exec(path))) {
            allow('GET');
            const customer = getCustomer(key, m[1]);
            const sub = getSubscription(key, customer, m[2]);
            return answer(200, list('payments', [...payments.values()].filter((p) => p.subscriptionId === sub.id), `customers/${customer.id}/subscriptions/${sub.id}/payments`, 'list-subscription-payments', query));
        }
        if ((m = /^\/v2\/customers\/([^/]+)\/mandates$/.exec(path))) {
            allow('GET');
            const customer = getCustomer(key, m[1]);
            return answer(200, list('mandates', [...mandates.values()].filter((x) => x.customerId === customer.id && !x._revoked), `customers/${customer.id}/mandates`, 'list-mandates', query));
        }
        if ((m = /^\/v2\/customers\/([^/]+)\/mandates\/([^/]+)$/.exec(path))) {
            allow('GET', 'DELETE');
            const customer = getCustomer(key, m[1]);
            const mandate = mandates.get(m[2]);
            if (!mandate || mandate.customerId !== customer.id) throw notFound('mandate', m[2]);
            if (mandate._revoked) throw gone('mandate');
            if (method === 'GET') return answer(200, clone(mandate));
            revoke(mandate);
            return answer(204, null);
        }
        if (path === '/v2/payments') {
            allow('GET', 'POST');
            if (method === 'POST') return answer(201, clone(createPayment(key, body)));
            return answer(200, list('payments', [...payments.values()].filter((p) => ownedBy(p, key)), 'payments', 'list-payments', query));
        }
        if ((m = /^\/v2\/payments\/([^/]+)$/.exec(path))) {
            allow('GET');
            const payment = getPayment(key, m[1]);
            const out = clone(payment);
            // ?embed=chargebacks puts them in _embedded, as Mollie does.
            if ((query.get('embed') ?? '').split(',').includes('chargebacks')) {
                out._embedded = { chargebacks: [...chargebacks.values()].filter((c) => c.paymentId === payment.id).map(clone) };
            }
            return answer(200, out);
        }
        if ((m = /^\/v2\/payments\/([^/]+)\/refunds$/.exec(path))) {
            allow('GET', 'POST');
            const payment = getPayment(key, m[1]);
            if (method === 'POST') return answer(201, clone(createRefund(payment, body)));
            return answer(200, list('refunds', [...refunds.values()].filter((r) => r.paymentId === payment.id), `payments/${payment.id}/refunds`, 'list-refunds', query));
        }
        if ((m = /^\/v2\/payments\/([^/]+)\/refunds\/([^/]+)$/.exec(path))) {
            allow('GET');
            const payment = getPayment(key, m[1]);
            const r = refunds.get(m[2]);
            if (!r || r.paymentId !== payment.id) throw notFound('refund', m[2]);
            return answer(200, clone(r));
        }
        if ((m = /^\/v2\/payments\/([^/]+)\/chargebacks$/.exec(path))) {
            allow('GET');
            const payment = getPayment(key, m[1]);
            return answer(200, list('chargebacks', [...chargebacks.values()].filter((c) => c.paymentId === payment.id), `payments/${payment.id}/chargebacks`, 'list-payment-chargebacks', query));
        }
        if ((m = /^\/v2\/payments\/([^/]+)\/chargebacks\/([^/]+)$/.exec(path))) {
            allow('GET');
            const payment = getPayment(key, m[1]);
            const cb = chargebacks.get(m[2]);
            if (!cb || cb.paymentId !== payment.id) throw notFound('chargeback', m[2]);
            return answer(200, clone(cb));
        }
        throw new MollieError(404, `The resource ${path} does not exist`);
    }

    /* ------------------------------------------------------------ the API */

    function send(res, status, body, headers = {}) {
        if (res.destroyed || res.writableEnded) return;
        if (status === 204 || body === null) {
            res.writeHead(status, headers);
            res.end();
            return;
        }
        const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
        res.writeHead(status, { 'Content-Length': Buffer.byteLength(text), ...headers });
        res.end(text);
    }

    function authorize(req) {
        const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
        const key = m ? m[1] : null;
        // Real keys: test_ or live_ and 30 characters.
        if (!key || !/^(test|live)_[A-Za-z0-9]{30,}$/.test(key) || (pinned !== null && !pinned.has(key))) {
            const e = new MollieError(401, 'Missing authentication, or failed to authenticate');
            e.body._links.documentation.href = `${DOCS}/overview/authentication`;
            throw e;
        }
        return key;
    }

    function parseBody(req, raw, method) {
        if (method === 'GET' || raw.trim() === '') return {};
        const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
        if (type === 'application/x-www-form-urlencoded') {
            try { return parseForm(raw); } catch (e) { throw new MollieError(400, `The request body is invalid: ${e.message}`); }
        }
        if (type !== 'application/json') throw new MollieError(415, `The content type ${type} is not supported; please always use JSON`);
        let body;
        try { body = JSON.parse(raw); } catch { throw new MollieError(400, 'The request body is not valid JSON'); }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new MollieError(400, 'The request body must be a JSON object');
        return body;
    }

    async function handleApi(req, res, url, raw) {
        const method = req.method;
        const headers = { 'Content-Type': `${HAL}; charset=utf-8` };
        const idemKey = req.headers['idempotency-key'];
        const log = { method, path: url.pathname, query: url.search, key: /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null, idempotencyKey: idemKey ?? null, body: null, status: null, replayed: false, fault: false, at: Date.now() };
        requests.push(log);
        let hold = 0;
        const reply = async (status, body, extra = {}) => {
            log.status = status;
            if (hold) {
                await new Promise((resolve) => {
                    const timer = setTimeout(() => { holds.delete(entry); resolve(); }, hold);
                    const entry = { timer, resolve };
                    holds.add(entry);
                });
            }
            try { send(res, status, body, { ...headers, ...extra }); } catch { /* the client went away */ }
        };
        const fault = faults.find((f) => f.count > 0 && (!f.method || f.method === method) && (!f.path || (f.path instanceof RegExp ? f.path.test(url.pathname) : url.pathname.startsWith(f.path))));
        if (fault) {
            fault.count--;
            log.fault = true;
            if (fault.delayMs) await sleep(fault.delayMs);
            hold = fault.holdMs ?? 0;
            if (fault.status) {
                const e = new MollieError(fault.status, 'An internal server error occurred while processing your request (injected by the test)');
                await reply(fault.status, e.body, fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {});
                return;
            }
        }
        try {
            const key = authorize(req);
            const body = parseBody(req, raw, method);
            log.body = method === 'GET' ? null : body;
            let answered = null;
            const answer = (status, out) => { answered = { status, body: out }; };
            const run = () => {
                try {
                    route(key, method, url.pathname, url.searchParams, body, answer);
                    return { ...answered, headers: {} };
                } catch (e) {
                    if (!(e instanceof MollieError)) throw e;
                    return { status: e.status, body: e.body, headers: e.headers };
                }
            };
            if (idemKey !== undefined && idempotentMethods.has(method)) {
                const scoped = `${key}\u0000${idemKey}`;
                const fingerprint = `${method} ${url.pathname} ${canonical(body)}`;
                const seen = idempotency.get(scoped);
                if (seen) {
                    // "If you send the same idempotency key for requests to two
                    // different endpoints or for requests with different
                    // parameters, the API will return a 400 Bad Request."
                    if (seen.fingerprint !== fingerprint) {
                        throw new MollieError(400, `The Idempotency-Key ${idemKey} was already used for another request; use a new key for a different request`);
                    }
                    log.replayed = true;
                    await reply(seen.status, seen.body, { ...seen.headers, 'Idempotent-Replayed': 'true' });
                    return;
                }
                const result = run();
                idempotency.set(scoped, { fingerprint, ...result, at: Date.now() });
                await reply(result.status, result.body, result.headers);
                return;
            }
            const result = run();
            await reply(result.status, result.body, result.headers);
        } catch (e) {
            if (e instanceof MollieError) {
                await reply(e.status, e.body, e.headers);
                return;
            }
            const err = new MollieError(500, `The stand-in failed: ${e.message}`);
            await reply(500, err.body);
        }
    }

    /* ------------------------------------------------------------ webhooks */

    function postOnce(url, body, timeoutMs) {
        return new Promise((resolve) => {
            let u;
            try { u = new URL(url); } catch (e) { resolve({ status: null, error: e.message }); return; }
            if (u.protocol !== 'http:') { resolve({ status: null, error: `refusing to deliver over ${u.protocol}`, final: true }); return; }
            if (!isLoopback(u.hostname)) { resolve({ status: null, error: `refusing to deliver off loopback: ${u.hostname}`, final: true }); return; }
            const req = http.request({
                host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || 80, path: u.pathname + u.search, method: 'POST', agent,
                headers: {
                    'User-Agent': 'Mollie HTTP client/1.0',
                    'Content-Type': 'application/x-www-form-urlencoded',
                    Accept: '*/*',
                    'Content-Length': Buffer.byteLength(body),
                },
            }, (res) => {
                const chunks = [];
                let size = 0;
                res.on('data', (c) => { size += c.length; if (size <= 65536) chunks.push(c); });
                res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
                res.on('error', (e) => resolve({ status: null, error: e.message }));
            });
            req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
            req.on('error', (e) => resolve({ status: null, error: e.code || e.message }));
            req.end(body);
        });
    }

    /** Calls one webhook until it answers 2xx. opts: url (else the
     * payment's webhookUrl), body (sent instead of "id=..."), maxAttempts,
     * retryDelaysMs, timeoutMs. → {id, url, attempts, status, error}. */
    async function deliverOne(id, opts = {}) {
        const o = { ...delivery, ...opts };
        const url = o.url ?? payments.get(id)?.webhookUrl ?? null;
        const result = { id, url, attempts: 0, status: null, error: null };
        if (!url) { result.error = 'no webhook URL'; return result; }
        const body = o.body ?? new URLSearchParams({ id }).toString();
        const attempts = Math.max(1, Math.min(o.maxAttempts, 100));
        for (let attempt = 1; attempt <= attempts; attempt++) {
            const r = await postOnce(url, body, o.timeoutMs);
            result.attempts = attempt;
            result.status = r.status;
            result.error = r.error ?? null;
            deliveries.push({ id, url, attempt, status: r.status, error: r.error ?? null, at: Date.now() });
            if (r.status !== null && r.status >= 200 && r.status < 300) return result;
            if (attempt === attempts || r.final || closed) break;
            const delays = o.retryDelaysMs;
            await wait(delays.length ? delays[Math.min(attempt - 1, delays.length - 1)] : 0);
            if (closed) break;
        }
        return result;
    }

    /** Replays webhook calls for payment ids. opts (besides deliverOne's):
     * duplicates (extra calls of each), shuffle, random, concurrency (1).
     * Resolves to the results in the order the calls were started. */
    async function deliver(ids, opts = {}) {
        const list = [];
        for (const id of (Array.isArray(ids) ? ids : [ids])) for (let i = 0; i <= (opts.duplicates ?? 0); i++) list.push(id);
        if (opts.shuffle) {
            const random = opts.random ?? Math.random;
            for (let i = list.length - 1; i > 0; i--) {
                const j = Math.floor(random() * (i + 1));
                [list[i], list[j]] = [list[j], list[i]];
            }
        }
        const concurrency = Math.max(1, Math.min(opts.concurrency ?? 1, 64));
        const results = new Array(list.length);
        let next = 0;
        const worker = async () => {
            while (next < list.length) {
                const index = next++;
                results[index] = await deliverOne(list[index], opts);
            }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
        return results;
    }

    /** What Mollie does after a state change: the payment's webhook, in the
     * background (mollie.idle() waits for it). */
    function emit(payment, send = true) {
        if (!send || !mollie.autoDeliver || !payment.webhookUrl) return Promise.resolve([]);
        const p = deliver([payment.id]).finally(() => pending.delete(p));
        pending.add(p);
        return p;
    }

    /* -------------------------------------------------------------- controls */

    function payment(id) {
        const p = payments.get(id);
        if (!p) throw new Error(`no payment ${id}`);
        return p;
    }

    /** What the hosted checkout does: the reader pays, fails, cancels (or
     * the payment expires). method: one of the payment's methods (default:
     * its method, else the first it allows). → {payment, mandate, delivered}. */
    function completePayment(id, { status = 'paid', method, deliver: send = true } = {}) {
        const p = payment(id);
        if (!['paid', 'failed', 'canceled', 'expired'].includes(status)) throw new Error(`cannot complete a payment as ${status}`);
        if (p.status !== 'open' && p.status !== 'pending') throw new Error(`payment ${id} is ${p.status}`);
        const chosen = method ?? p.method ?? p._allowed[0];
        if (!p._allowed.includes(chosen)) throw new Error(`payment ${id} does not allow ${chosen} (only ${p._allowed.join(', ')})`);
        settle(p, status, status === 'expired' || status === 'canceled' ? (p.method ?? (method ?? null)) : chosen);
        const mandate = p.mandateId && p.sequenceType === 'first' ? mandates.get(p.mandateId) : null;
        return { payment: p, mandate, delivered: emit(p, send) };
    }

    function expirePayment(id, { deliver: send = true } = {}) {
        return completePayment(id, { status: 'expired', deliver: send });
    }

    /** The subscription's next period: a recurring payment on its mandate,
     * paid (or failed), nextPaymentDate moved one interval on, times counted;
     * Mollie calls the subscription's webhookUrl with the payment's id.
     * → {payment, subscription, delivered}. */
    function chargeSubscription(subId, { fail = false, deliver: send = true } = {}) {
        const sub = subscriptions.get(subId);
        if (!sub) throw new Error(`no subscription ${subId}`);
        if (sub.status !== 'active') throw new Error(`subscription ${subId} is ${sub.status}`);
        const customer = customers.get(sub.customerId);
        const mandate = sub.mandateId ? mandates.get(sub.mandateId) : validMandates(customer.id, sub.method)[0];
        if (!mandate || mandate._revoked || mandate.status !== 'valid') throw new Error(`subscription ${subId} has no valid mandate`);
        const date = sub.nextPaymentDate;
        const p = makePayment(sub._owner, {
            amount: { ...sub.amount, minor: toMinor(sub.amount.value, sub.amount.currency) },
            description: sub.description,
            sequenceType: 'recurring',
            redirectUrl: null,
            webhookUrl: sub.webhookUrl,
            // "Any metadata added to the subscription is automatically
            // forwarded to the payments generated for it."
            metadata: clone(sub.metadata),
            allowed: [mandate.method],
            method: mandate.method,
            customer,
            mandate,
            subscription: sub,
        });
        settle(p, fail ? 'failed' : 'paid', mandate.method);
        sub._charges += 1;
        sub._lastCharge = date;
        sub._links.payments = link(api(`customers/${customer.id}/subscriptions/${sub.id}/payments`));
        if (sub.times !== null) sub.timesRemaining = sub.times - sub._charges;
        if (sub.times !== null && sub.timesRemaining <= 0) {
            sub.status = 'completed';
            delete sub.nextPaymentDate;
        } else if (sub.mode === 'test' && testModeChargeLimit !== null && sub._charges >= testModeChargeLimit) {
            // "Test mode subscriptions will get canceled automatically after 10 payments."
            cancelSub(sub);
        } else {
            sub.nextPaymentDate = addInterval(date, parseInterval(sub.interval), sub._anchor);
        }
        return { payment: p, subscription: sub, delivered: emit(p, send) };
    }

    /** A chargeback on a paid payment (a reader's bank reverses a SEPA
     * debit, a card dispute). amount: {currency, value}, a value string or
     * minor units (default: what is left); reason: {code, description}.
     * → {chargeback, payment, delivered}. */
    function chargeback(paymentId, { amount, reason, deliver: send = true } = {}) {
        const p = payment(paymentId);
        if (p.status !== 'paid') throw new Error(`payment ${paymentId} is ${p.status}, not paid`);
        const currency = p.amount.currency;
        const already = p.amountChargedBack ? toMinor(p.amountChargedBack.value, currency) : 0;
        let minor;
        if (amount === undefined) minor = p._minor - already;
        else if (typeof amount === 'number') minor = amount;
        else minor = toMinor(typeof amount === 'string' ? amount : amount.value, currency);
        if (!Number.isSafeInteger(minor) || minor <= 0 || already + minor > p._minor) throw new Error(`cannot charge back ${JSON.stringify(amount)} of ${p.amount.value} ${currency} (already ${already})`);
        const id = randomId('chb_', 6);
        const cb = {
            resource: 'chargeback',
            id,
            amount: { currency, value: fromMinor(minor, currency) },
            settlementAmount: { currency, value: fromMinor(-minor, currency) },
            createdAt: isoTime(nowMs()),
            reason: reason ?? (p.method === 'directdebit' ? { code: 'MD06', description: 'Refund request by end customer' } : { code: 'AC01', description: 'Account identifier incorrect' }),
            reversedAt: null,
            paymentId: p.id,
            _links: {
                self: link(api(`payments/${p.id}/chargebacks/${id}`)),
                payment: link(api(`payments/${p.id}`)),
                documentation: doc('get-chargeback'),
            },
        };
        hide(cb, '_created', nowMs() + chargebacks.size / 1000);
        chargebacks.set(id, cb);
        p.amountChargedBack = { value: fromMinor(already + minor, currency), currency };
        p.amountRemaining = { value: fromMinor(Math.max(0, p._minor - already - minor), currency), currency };
        p._links.chargebacks = link(api(`payments/${p.id}/chargebacks`));
        return { chargeback: cb, payment: p, delivered: emit(p, send) };
    }

    /** POST /v2/payments/{id}/refunds, as Mollie documents it: a paid
     * payment, an amount in its currency up to what remains (amountRemaining,
     * less what was charged back), a description; the refund starts
     * "pending" (the stand-in's balance always covers it). Mollie's classic
     * payment webhook does not tell of refunds, so nothing is delivered. */
    function createRefund(p, body) {
        if (p.status !== 'paid') throw unprocessable(`The payment ${p.id} cannot be refunded: it is ${p.status}`, 'id');
        const currency = p.amount.currency;
        const amount = amountParam(body.amount, 'amount', { what: 'refunds' });
        if (amount.currency !== currency) throw unprocessable(`The currency of the refund must be the same as the payment's (${currency})`, 'amount.currency');
        const minor = toMinor(amount.value, currency);
        const remaining = p.amountRemaining ? toMinor(p.amountRemaining.value, currency) : p._minor;
        if (minor <= 0) throw unprocessable('The amount is lower than the minimum', 'amount');
        if (minor > remaining) throw unprocessable(`The amount is higher than the remaining amount (${fromMinor(remaining, currency)} ${currency})`, 'amount');
        const description = body.description === undefined ? '' : descriptionParam(body.description, 'refunds', { required: false });
        const id = randomId('re_', 10);
        const refund = {
            resource: 'refund',
            id,
            mode: p.mode,
            description: description ?? '',
            amount: { currency, value: fromMinor(minor, currency) },
            settlementAmount: { currency, value: fromMinor(-minor, currency) },
            metadata: body.metadata === undefined ? null : metadataParam(body.metadata),
            paymentId: p.id,
            status: 'pending',
            createdAt: isoTime(nowMs()),
            _links: {
                self: link(api(`payments/${p.id}/refunds/${id}`)),
                payment: link(api(`payments/${p.id}`)),
                documentation: doc('create-refund'),
            },
        };
        hide(refund, '_created', nowMs() + refunds.size / 1000);
        refunds.set(id, refund);
        const refunded = (p.amountRefunded ? toMinor(p.amountRefunded.value, currency) : 0) + minor;
        p.amountRefunded = { value: fromMinor(refunded, currency), currency };
        p.amountRemaining = { value: fromMinor(remaining - minor, currency), currency };
        p._links.refunds = link(api(`payments/${p.id}/refunds`));
        return refund;
    }

    /* ------------------------------------------------------ hosted checkout */

    function page(title, body, lang = 'en') {
        return `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
            `<title>${escapeHtml(title)}</title><style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}` +
            `label{display:block;margin:.3rem 0}button{font-size:1rem;padding:.5rem 1.5rem;margin:.4rem .4rem 0 0}</style></head>` +
            `<body data-standin="mollie">${body}</body></html>`;
    }

    function checkoutPage(p) {
        const lang = (p.locale ?? 'en_US').slice(0, 2);
        if (p.status !== 'open' && p.status !== 'pending') {
            // A paid test payment's page (its changePaymentState link) can
            // charge it back.
            const back = p.status === 'paid' && p.mode === 'test'
                ? `<form method="post" action="/checkout/${escapeHtml(p.id)}"><button type="submit" name="status" value="chargeback" id="chargeback">Charge back</button></form>` : '';
            return page('Mollie test payment', `<h1 id="done" data-status="${escapeHtml(p.status)}">This payment is ${escapeHtml(p.status)}</h1>${back}`, lang);
        }
        const methods = p._allowed.map((m, i) => `<label><input type="radio" name="method" value="${escapeHtml(m)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(m)}</label>`).join('');
        return page('Mollie test payment',
            `<h1>${escapeHtml(p.description)}</h1>` +
            `<p class="amount" data-currency="${escapeHtml(p.amount.currency)}" data-value="${escapeHtml(p.amount.value)}">${escapeHtml(p.amount.currency)} ${escapeHtml(p.amount.value)}</p>` +
            `<form method="post" action="/checkout/${escapeHtml(p.id)}"><fieldset><legend>Method</legend>${methods}</fieldset>` +
            '<button type="submit" name="status" value="paid" id="pay">Pay</button>' +
            '<button type="submit" name="status" value="failed" id="fail">Fail</button>' +
            '<button type="submit" name="status" value="canceled" id="cancel">Cancel</button></form>', lang);
    }

    function handlePages(req, res, url, raw) {
        const html = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };
        const m = /^\/checkout\/([^/]+)$/.exec(url.pathname);
        const p = m ? payments.get(decodeURIComponent(m[1])) : undefined;
        if (!p) { send(res, 404, page('Not found', '<h1>No such payment</h1>'), html); return; }
        if (req.method === 'GET') { send(res, 200, checkoutPage(p), html); return; }
        if (req.method !== 'POST') { send(res, 405, page('Not allowed', '<h1>Method not allowed</h1>'), { ...html, Allow: 'GET, POST' }); return; }
        const form = new URLSearchParams(raw);
        const status = form.get('status') ?? 'paid';
        const method = form.get('method') ?? undefined;
        if (status === 'chargeback') {
            try { chargeback(p.id); } catch (e) { send(res, 409, page('Mollie test payment', `<h1 id="error">${escapeHtml(e.message)}</h1>`), html); return; }
            send(res, 200, checkoutPage(p), html);
            return;
        }
        try {
            completePayment(p.id, { status, method });
        } catch (e) {
            send(res, 409, page('Mollie test payment', `<h1 id="error">${escapeHtml(e.message)}</h1>`), html);
            return;
        }
        const target = status === 'canceled' ? (p.cancelUrl ?? p.redirectUrl) : p.redirectUrl;
        if (!target) { send(res, 200, checkoutPage(p), html); return; }
        send(res, 303, '', { Location: target, 'Content-Type': 'text/plain' });
    }

    /* -------------------------------------------------------------- server */

    const server = http.createServer((req, res) => {
        const chunks = [];
        let size = 0;
        let refused = false;
        req.on('data', (c) => {
            size += c.length;
            if (size > MAX_BODY) {
                if (!refused) { refused = true; send(res, 413, new MollieError(413, 'The request body is too large').body, { 'Content-Type': HAL, Connection: 'close' }); }
                req.destroy();
                return;
            }
            chunks.push(c);
        });
        req.on('end', () => {
            if (refused) return;
            const raw = Buffer.concat(chunks).toString('utf8');
            const url = new URL(req.url, 'http://standin');
            if (url.pathname.startsWith('/v2/') || url.pathname === '/v2') {
                handleApi(req, res, url, raw).catch((e) => { try { send(res, 500, new MollieError(500, e.message).body, { 'Content-Type': HAL }); } catch { /* closed */ } });
            } else {
                try { handlePages(req, res, url, raw); } catch (e) { send(res, 500, e.message, { 'Content-Type': 'text/plain' }); }
            }
        });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, HOST, () => resolve());
    });
    mollie.url = `http://${HOST}:${server.address().port}`;

    Object.assign(mollie, {
        server,
        completePayment,
        expirePayment,
        chargeSubscription,
        chargeback,
        deliver,
        deliverOne,
        /** Makes the next `count` API requests matching method and path (a
         * RegExp, or a prefix string) fail with `status` (Mollie's error
         * shape) after delayMs; with status null they are answered
         * normally, the answer held back holdMs (a slow or hanging Mollie).
         * retryAfter: a Retry-After header on the failure. Returns the fault;
         * fault.count is what is left. */
        injectFault({ method = null, path = null, status = 500, delayMs = 0, holdMs = 0, count = 1, retryAfter } = {}) {
            const fault = { method, path, status, delayMs, holdMs, count, retryAfter };
            faults.push(fault);
            return fault;
        },
        clearFaults() { faults.length = 0; },
        /** Waits (bounded) until every automatic webhook call has finished. */
        async idle(timeoutMs = 60_000) {
            const deadline = Date.now() + timeoutMs;
            for (let i = 0; i < 10_000 && pending.size > 0 && Date.now() < deadline; i++) {
                let timer;
                const timeout = new Promise((resolve) => { timer = setTimeout(resolve, Math.max(1, deadline - Date.now())); });
                await Promise.race([Promise.allSettled([...pending]), timeout]);
                clearTimeout(timer);
            }
            if (pending.size > 0) throw new Error(`${pending.size} webhook calls still pending after ${timeoutMs} ms`);
        },
        async close() {
            closed = true;
            for (const h of holds) { clearTimeout(h.timer); h.resolve(); }
            holds.clear();
            for (const w of waits) { clearTimeout(w.timer); w.resolve(); }
            waits.clear();
            agent.destroy();
            server.closeAllConnections?.();
            await new Promise((resolve) => server.close(() => resolve()));
        },
    });
    return mollie;
}
