// A stand-in for the part of Stripe's HTTP API that patron uses, for tests on
// loopback only (Stripe itself cannot be reached from the test machines).
//
//   const stripe = await startStandin({ webhookUrl, secret: 'whsec_...' });
//   stripe.url                      the API base (patron's stripe_api_base)
//   stripe.completeSession(id, {email})   what the hosted page's "Pay" does
//   stripe.chargeInvoice(subId) / failInvoice / retryInvoice / cancelSubscription
//   stripe.refundCharge(chargeId, {amount}) / openDispute(chargeId) / closeDispute(id, {won})
//   stripe.deliver(events, {duplicates, shuffle, delayMs, secret, timestampOffset, ...})
//   await stripe.idle(); await stripe.close();
//
// What it answers follows Stripe's documented API (object shapes as in the
// official `stripe` package's types): Bearer sk_test_ keys (401 otherwise),
// form bodies with bracket syntax, Idempotency-Key on POST (same key and
// parameters: the first answer again, with Idempotent-Replayed: true; same
// key, other parameters: 400 idempotency_error), Stripe's error objects, and
// answers rendered for the Stripe-Version asked for (2024-06-20 puts
// current_period_end on the subscription and `subscription` on invoices;
// 2025-03-31 and later move them to the items and to invoice.parent).
//
// Webhooks are signed like Stripe's: Stripe-Signature: t=TIME,v1=HEX where
// HEX = HMAC-SHA256(secret, TIME + "." + body), the whole "whsec_..." string
// being the key. A delivery is retried until the endpoint answers 2xx, with a
// bounded number of attempts and a deadline, as Stripe does (faster).
//
// Node built-ins only. Every loop is bounded in count and time.

import crypto from 'node:crypto';
import http from 'node:http';
import { canonical, parseForm } from './form.mjs';

const HOST = '127.0.0.1';
const NEW_SHAPES_FROM = '2025-03-31';
const MAX_BODY = 1 << 20;
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Smallest charge per currency (minor units), as Stripe documents them.
const MINIMUM = { usd: 50, eur: 50, gbp: 30, chf: 50, jpy: 50, cad: 50, aud: 50, sek: 300, nok: 300, dkk: 250, pln: 200, rub: 5000 };
const ZERO_DECIMAL = new Set(['jpy', 'krw', 'vnd', 'clp', 'isk', 'ugx', 'xaf', 'xof']);
const LOCALES = new Set(['auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA', 'hr', 'hu', 'id', 'it', 'ja', 'ko', 'lt', 'lv', 'ms', 'mt', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW']);
const INTERVAL_SECONDS = { day: 86400, week: 7 * 86400, month: 30 * 86400, year: 365 * 86400 };

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function randomId(prefix, length = 24) {
    const bytes = crypto.randomBytes(length);
    let out = prefix;
    for (let i = 0; i < length; i++) out += ID_CHARS[bytes[i] % ID_CHARS.length];
    return out;
}

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** The Stripe-Signature header for a payload. `secrets` may be one or more:
 * one v1 entry per secret (Stripe does this while a secret is rolled). */
export function signatureHeader(payload, secrets, timestamp) {
    const list = Array.isArray(secrets) ? secrets : [secrets];
    const parts = [`t=${timestamp}`];
    for (const s of list) {
        parts.push(`v1=${crypto.createHmac('sha256', s).update(`${timestamp}.${payload}`, 'utf8').digest('hex')}`);
    }
    return parts.join(',');
}

class StripeError extends Error {
    constructor(status, type, message, { code, param, declineCode } = {}) {
        super(message);
        this.status = status;
        this.body = { error: { type, message } };
        if (code) {
            this.body.error.code = code;
            this.body.error.doc_url = `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
        }
        if (param) this.body.error.param = param;
        if (declineCode) this.body.error.decline_code = declineCode;
    }
}
const invalid = (message, param, code = 'parameter_invalid') => new StripeError(400, 'invalid_request_error', message, { code, param });
const missingParam = (param) => new StripeError(400, 'invalid_request_error', `Missing required param: ${param}.`, { code: 'parameter_missing', param });
const noSuch = (what, id, param = 'id') => new StripeError(404, 'invalid_request_error', `No such ${what}: '${id}'`, { code: 'resource_missing', param });

function integerParam(value, param, { min = null, max = null } = {}) {
    if (typeof value !== 'string' || !/^-?[0-9]+$/.test(value)) throw invalid(`Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`, param, 'parameter_invalid_integer');
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw invalid(`Invalid integer: ${value}`, param, 'parameter_invalid_integer');
    if (min !== null && n < min) throw invalid(`This value must be greater than or equal to ${min}.`, param);
    if (max !== null && n > max) throw invalid(`This value must be less than or equal to ${max}.`, param);
    return n;
}

function metadataParam(value, param) {
    if (value === undefined || value === '') return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid('Invalid hash', param, 'parameter_invalid_empty');
    const out = {};
    const keys = Object.keys(value);
    if (keys.length > 50) throw invalid('Metadata can have up to 50 keys.', param);
    for (const k of keys) {
        if (k.length > 40) throw invalid(`Metadata keys can have up to 40 characters; ${k} has ${k.length}.`, `${param}[${k}]`);
        const v = value[k];
        if (typeof v !== 'string') throw invalid('Metadata values must be strings.', `${param}[${k}]`);
        if (v.length > 500) throw invalid('Metadata values can have up to 500 characters.', `${param}[${k}]`);
        if (v !== '') out[k] = v;
    }
    return out;
}

// The parameters Stripe documents for the endpoints the stand-in serves
// (more than it acts on); anything else is refused as Stripe refuses it.
const KNOWN = {
    checkout: ['after_expiration', 'allow_promotion_codes', 'automatic_tax', 'billing_address_collection', 'cancel_url', 'client_reference_id',
        'consent_collection', 'currency', 'custom_fields', 'custom_text', 'customer', 'customer_creation', 'customer_email', 'customer_update',
        'discounts', 'expand', 'expires_at', 'invoice_creation', 'line_items', 'locale', 'metadata', 'mode', 'payment_intent_data',
        'payment_method_collection', 'payment_method_configuration', 'payment_method_options', 'payment_method_types', 'phone_number_collection',
        'redirect_on_completion', 'return_url', 'saved_payment_method_options', 'setup_intent_data', 'shipping_address_collection',
        'shipping_options', 'submit_type', 'subscription_data', 'success_url', 'tax_id_collection', 'ui_mode'],
    lineItem: ['adjustable_quantity', 'dynamic_tax_rates', 'price', 'price_data', 'quantity', 'tax_rates'],
    priceData: ['currency', 'product', 'product_data', 'recurring', 'tax_behavior', 'unit_amount', 'unit_amount_decimal'],
    productData: ['description', 'images', 'metadata', 'name', 'tax_code', 'unit_label'],
    recurring: ['interval', 'interval_count'],
    subscriptionData: ['application_fee_percent', 'billing_cycle_anchor', 'billing_mode', 'default_tax_rates', 'description', 'invoice_settings',
        'metadata', 'on_behalf_of', 'proration_behavior', 'transfer_data', 'trial_end', 'trial_period_days', 'trial_settings'],
    paymentIntentData: ['application_fee_amount', 'capture_method', 'description', 'metadata', 'on_behalf_of', 'receipt_email',
        'setup_future_usage', 'shipping', 'statement_descriptor', 'statement_descriptor_suffix', 'transfer_data', 'transfer_group'],
    portal: ['configuration', 'customer', 'expand', 'flow_data', 'locale', 'on_behalf_of', 'return_url'],
};

function allowOnly(value, known, prefix = '') {
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const k of Object.keys(value)) {
        if (!known.includes(k)) {
            const name = prefix ? `${prefix}[${k}]` : k;
            throw invalid(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
        }
    }
}

function urlParam(value, param) {
    if (typeof value !== 'string' || value === '') throw missingParam(param);
    let u;
    try { u = new URL(value.replace('{CHECKOUT_SESSION_ID}', 'x')); } catch { throw invalid('Not a valid URL', param, 'url_invalid'); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('Not a valid URL', param, 'url_invalid');
    return value;
}

function formatMoney(minor, currency) {
    const zero = ZERO_DECIMAL.has(currency);
    const units = zero ? String(minor) : (minor / 100).toFixed(2);
    return `${units} ${currency.toUpperCase()}`;
}

function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/**
 * Starts the stand-in on 127.0.0.1. Options:
 *   webhookUrl      where events are POSTed (can be set later: stripe.webhookUrl = ...)
 *   secret          the endpoint's signing secret ("whsec_...")
 *   apiKey          if set, the only secret key accepted; otherwise any sk_test_...
 *   apiVersion      the account's default version (when a request names none) and
 *                   the version events are rendered in (default 2024-06-20)
 *   autoDeliver     deliver the events that API calls and the hosted pages cause (true)
 *   delivery        defaults for deliveries: {maxAttempts, baseDelayMs, maxDelayMs,
 *                   timeoutMs, deadlineMs, connections}
 *   port            0 (any free port)
 */
export async function startStandin(options = {}) {
    const state = {
        customers: new Map(),
        deletedCustomers: new Set(), // ids deleted through DELETE /v1/customers/ID
        products: new Map(),
        prices: new Map(),
        sessions: new Map(),
        subscriptions: new Map(),
        items: new Map(),
        invoices: new Map(),
        paymentIntents: new Map(),
        charges: new Map(),
        refunds: new Map(),
        disputes: new Map(),
        portalSessions: new Map(),
        events: new Map(),
        idempotency: new Map(),
    };
    const apiVersion = options.apiVersion ?? '2024-06-20';
    const deliveryDefaults = {
        maxAttempts: 40,
        baseDelayMs: 50,
        maxDelayMs: 1000,
        timeoutMs: 15_000,
        deadlineMs: 120_000,
        connections: 8,
        ...(options.delivery ?? {}),
    };
    const requests = [];          // every API request: {method, path, version, key, params, status, replayed}
    const deliveries = [];        // every delivery attempt: {event, type, attempt, status, error, at}
    const pending = new Set();    // promises of automatic deliveries in flight
    const faults = [];            // injected API failures: {method, path, status, delayMs, count}
    let clockOffset = 0;
    const now = () => Math.floor(Date.now() / 1000) + clockOffset;

    const agent = new http.Agent({ keepAlive: true, maxSockets: deliveryDefaults.connections, maxFreeSockets: deliveryDefaults.connections });

    const stand = {
        url: null,
        webhookUrl: options.webhookUrl ?? null,
        secret: options.secret ?? 'whsec_standin',
        apiKey: options.apiKey ?? null,
        apiVersion,
        autoDeliver: options.autoDeliver ?? true,
        state,
        requests,
        deliveries,
        now,
        advanceClock(seconds) { clockOffset += seconds; },
    };

    /* -------------------------------------------------------------- shapes */

    const isNew = (version) => (version ?? apiVersion) >= NEW_SHAPES_FROM;

    function renderSubscription(sub, version) {
        const out = clone(sub);
        if (isNew(version)) {
            delete out.current_period_start;
            delete out.current_period_end;
            for (const item of out.items.data) {
                item.current_period_start = sub.current_period_start;
                item.current_period_end = sub.current_period_end;
            }
        }
        return out;
    }

    function renderInvoice(inv, version) {
        const out = clone(inv);
        if (isNew(version)) {
            out.parent = inv.subscription
                ? { type: 'subscription_details', quote_details: null, subscription_details: { metadata: clone(inv.subscription_details?.metadata ?? {}), subscription: inv.subscription } }
                : null;
            delete out.subscription;
            delete out.subscription_details;
            delete out.paid;
            delete out.charge;
            delete out.payment_intent;
        }
        return out;
    }

    function render(object, version) {
        if (!object || typeof object !== 'object') return object;
        if (object.object === 'subscription') return renderSubscription(object, version);
        if (object.object === 'invoice') return renderInvoice(object, version);
        if (object.object === 'charge' && isNew(version)) {
            const out = clone(object);
            delete out.invoice; // 2025-03-31 moved it to the invoice's payments
            return out;
        }
        return clone(object);
    }

    /* ------------------------------------------------------------- objects */

    function makeCustomer({ email = null, name = null } = {}) {
        const customer = {
            id: randomId('cus_', 14),
            object: 'customer',
            address: null,
            balance: 0,
            created: now(),
            currency: null,
            default_source: null,
            delinquent: false,
            description: null,
            discount: null,
            email,
            invoice_prefix: randomId('', 8).toUpperCase(),
            invoice_settings: { custom_fields: null, default_payment_method: randomId('pm_'), footer: null, rendering_options: null },
            livemode: false,
            metadata: {},
            name,
            phone: null,
            preferred_locales: [],
            shipping: null,
            tax_exempt: 'none',
            test_clock: null,
        };
        state.customers.set(customer.id, customer);
        return customer;
    }

    function makePrice(data, param, mode) {
        if (data === undefined || typeof data !== 'object') throw missingParam(`${param}[price_data]`);
        allowOnly(data, KNOWN.priceData, `${param}[price_data]`);
        allowOnly(data.product_data, KNOWN.productData, `${param}[price_data][product_data]`);
        allowOnly(data.recurring, KNOWN.recurring, `${param}[price_data][recurring]`);
        const currency = data.currency;
        if (typeof currency !== 'string' || currency === '') throw missingParam(`${param}[price_data][currency]`);
        if (!/^[a-z]{3}$/.test(currency) || MINIMUM[currency] === undefined) throw invalid(`Invalid currency: ${currency}. Stripe currently supports these currencies: ${Object.keys(MINIMUM).join(', ')}`, `${param}[price_data][currency]`);
        const productData = data.product_data;
        if (data.product === undefined && (productData === undefined || typeof productData !== 'object')) throw missingParam(`${param}[price_data][product_data]`);
        let product = null;
        if (data.product !== undefined) {
            product = state.products.get(data.product);
            if (!product) throw noSuch('product', data.product, `${param}[price_data][product]`);
        } else {
            if (typeof productData.name !== 'string' || productData.name.trim() === '') throw missingParam(`${param}[price_data][product_data][name]`);
            product = {
                id: randomId('prod_', 14), object: 'product', active: true, created: now(), description: productData.description ?? null,
                images: [], livemode: false, metadata: metadataParam(productData.metadata, `${param}[price_data][product_data][metadata]`),
                name: productData.name, type: 'service', updated: now(), url: null,
            };
            state.products.set(product.id, product);
        }
        if (data.unit_amount === undefined && data.unit_amount_decimal === undefined) throw missingParam(`${param}[price_data][unit_amount]`);
        const unitAmount = integerParam(data.unit_amount, `${param}[price_data][unit_amount]`, { min: 0, max: 99999999 });
        let recurring = null;
        if (data.recurring !== undefined) {
            if (mode !== 'subscription') throw invalid('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', `${param}[price_data][recurring]`);
            const interval = data.recurring.interval;
            if (interval === undefined) throw missingParam(`${param}[price_data][recurring][interval]`);
            if (!INTERVAL_SECONDS[interval]) throw invalid(`Invalid recurring[interval]: must be one of day, week, month, or year`, `${param}[price_data][recurring][interval]`);
            const count = data.recurring.interval_count === undefined ? 1 : integerParam(data.recurring.interval_count, `${param}[price_data][recurring][interval_count]`, { min: 1, max: 12 });
            recurring = { aggregate_usage: null, interval, interval_count: count, meter: null, trial_period_days: null, usage_type: 'licensed' };
        }
        const price = {
            id: randomId('price_'), object: 'price', active: false, billing_scheme: 'per_unit', created: now(), currency,
            custom_unit_amount: null, livemode: false, lookup_key: null, metadata: {}, nickname: null, product: product.id,
            recurring, tax_behavior: 'unspecified', tiers_mode: null, transform_quantity: null,
            type: recurring ? 'recurring' : 'one_time', unit_amount: unitAmount, unit_amount_decimal: String(unitAmount),
        };
        state.prices.set(price.id, price);
        return price;
    }

    // The account's shortened descriptor (its statement descriptor prefix).
    const descriptorPrefix = options.descriptorPrefix ?? 'STANDIN';

    /** A statement descriptor suffix as Stripe checks it: Latin characters,
     * at least one letter, none of < > \\ ' " *, and with the account's
     * prefix and "* " at most 22 characters. */
    function descriptorSuffixParam(value, param) {
        if (value === undefined) return null;
        if (typeof value !== 'string' || value === '') throw invalid('Invalid string: the statement descriptor suffix must not be empty.', param);
        if (!/^[\x20-\x7e]+$/.test(value)) throw invalid('The statement descriptor suffix may contain only Latin characters.', param);
        if (/[<>\\'"*]/.test(value)) throw invalid('The statement descriptor suffix cannot contain any of the special characters <, >, \\, \', ", *.', param);
        if (!/[A-Za-z]/.test(value)) throw invalid('The statement descriptor suffix must contain at least one letter.', param);
        const full = `${descriptorPrefix}* ${value}`;
        if (full.length > 22) throw invalid(`The statement descriptor "${full}" is ${full.length} characters long; it can be at most 22 characters (prefix, "* " and suffix).`, param);
        return value;
    }

    function createSession(params, version) {
        allowOnly(params, KNOWN.checkout);
        allowOnly(params.subscription_data, KNOWN.subscriptionData, 'subscription_data');
        allowOnly(params.payment_intent_data, KNOWN.paymentIntentData, 'payment_intent_data');
        const mode = params.mode;
        if (mode === undefined) throw missingParam('mode');
        if (!['payment', 'subscription', 'setup'].includes(mode)) throw invalid(`Invalid mode: must be one of payment, setup, or subscription`, 'mode');
        if (mode === 'setup') throw invalid('The stand-in does not do setup mode.', 'mode');
        const successUrl = urlParam(params.success_url, 'success_url');
        const cancelUrl = params.cancel_url === undefined ? null : urlParam(params.cancel_url, 'cancel_url');
        const locale = params.locale === undefined ? null : params.locale;
        if (locale !== null && !LOCALES.has(locale)) throw invalid(`Invalid locale: ${locale}`, 'locale');
        if (params.customer_creation !== undefined) {
            if (!['always', 'if_required'].includes(params.customer_creation)) throw invalid('Invalid customer_creation: must be one of always or if_required', 'customer_creation');
            if (mode !== 'payment') throw invalid('`customer_creation` can only be used in `payment` mode.', 'customer_creation');
        }
        if (params.subscription_data !== undefined && mode !== 'subscription') throw invalid('You can not pass `subscription_data` in `payment` mode.', 'subscription_data');
        if (params.payment_intent_data !== undefined && mode !== 'payment') throw invalid('You can not pass `payment_intent_data` in `subscription` mode.', 'payment_intent_data');
        if (params.client_reference_id !== undefined && (typeof params.client_reference_id !== 'string' || params.client_reference_id.length > 200)) throw invalid('client_reference_id can have up to 200 characters', 'client_reference_id');
        const lineItems = params.line_items;
        if (lineItems === undefined) throw missingParam('line_items');
        if (!Array.isArray(lineItems) || lineItems.length === 0) throw invalid('Invalid array', 'line_items');
        const lines = [];
        let currency = null;
        let total = 0;
        let recurringCount = 0;
        lineItems.forEach((li, i) => {
            const p = `line_items[${i}]`;
            if (li === null || typeof li !== 'object') throw invalid('Invalid hash', p);
            allowOnly(li, KNOWN.lineItem, p);
            if (li.price !== undefined) throw invalid('The stand-in takes price_data only.', `${p}[price]`);
            const price = makePrice(li.price_data, p, mode);
            if (li.quantity === undefined) throw missingParam(`${p}[quantity]`);
            const quantity = integerParam(li.quantity, `${p}[quantity]`, { min: 0, max: 999999999 });
            if (currency !== null && price.currency !== currency) throw invalid('All line items must have the same currency.', `${p}[price_data][currency]`);
            currency = price.currency;
            if (price.recurring) recurringCount++;
            const amount = price.unit_amount * quantity;
            total += amount;
            lines.push({
                id: randomId('li_'), object: 'item', amount_discount: 0, amount_subtotal: amount, amount_tax: 0, amount_total: amount,
                currency: price.currency, description: state.products.get(price.product).name, price, quantity,
            });
        });
        if (mode === 'subscription' && recurringCount === 0) throw invalid('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
        if (total < (MINIMUM[currency] ?? 50)) throw invalid(`The Checkout Session's total amount due must add up to at least ${formatMoney(MINIMUM[currency] ?? 50, currency)}`, 'line_items', 'amount_too_small');
        if (total > 99999999) throw invalid(`The Checkout Session's total amount due must be no more than ${formatMoney(99999999, currency)}`, 'line_items', 'amount_too_large');
        const id = randomId('cs_test_a1', 48);
        const session = {
            id,
            object: 'checkout.session',
            after_expiration: null,
            allow_promotion_codes: null,
            amount_subtotal: total,
            amount_total: total,
            automatic_tax: { enabled: false, liability: null, status: null },
            billing_address_collection: null,
            cancel_url: cancelUrl,
            client_reference_id: params.client_reference_id ?? null,
            client_secret: null,
            consent: null,
            consent_collection: null,
            created: now(),
            currency,
            custom_fields: [],
            custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
            customer: params.customer ?? null,
            customer_creation: mode === 'payment' ? (params.customer_creation ?? 'if_required') : null,
            customer_details: null,
            customer_email: params.customer_email ?? null,
            expires_at: now() + 24 * 3600,
            invoice: null,
            invoice_creation: null,
            livemode: false,
            locale,
            metadata: metadataParam(params.metadata, 'metadata'),
            mode,
            payment_intent: null,
            payment_link: null,
            payment_method_collection: 'always',
            payment_method_options: {},
            payment_method_types: ['card'],
            payment_status: 'unpaid',
            phone_number_collection: { enabled: false },
            recovered_from: null,
            setup_intent: null,
            shipping_address_collection: null,
            shipping_cost: null,
            shipping_details: null,
            shipping_options: [],
            status: 'open',
            submit_type: null,
            subscription: null,
            success_url: successUrl,
            total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
            ui_mode: 'hosted',
            url: `${stand.url}/pay/${id}`,
        };
        // Kept beside the session, not in it (Stripe lists line items on a
        // separate endpoint): what completion needs.
        Object.defineProperty(session, '_lines', { value: lines, enumerable: false, writable: true });
        Object.defineProperty(session, '_subscriptionMetadata', { value: metadataParam(params.subscription_data?.metadata, 'subscription_data[metadata]'), enumerable: false });
        Object.defineProperty(session, '_paymentMetadata', { value: metadataParam(params.payment_intent_data?.metadata, 'payment_intent_data[metadata]'), enumerable: false });
        Object.defineProperty(session, '_descriptorSuffix', { value: descriptorSuffixParam(params.payment_intent_data?.statement_descriptor_suffix, 'payment_intent_data[statement_descriptor_suffix]'), enumerable: false });
        if (session.customer !== null && !state.customers.has(session.customer)) throw noSuch('customer', session.customer, 'customer');
        state.sessions.set(id, session);
        void version;
        return session;
    }

    function subscriptionAmount(sub) {
        return sub.items.data.reduce((sum, item) => sum + item.price.unit_amount * item.quantity, 0);
    }

    function makeInvoice(sub, { status, billingReason, attempt = 1, periodStart, periodEnd }) {
        const amount = subscriptionAmount(sub);
        const customer = state.customers.get(sub.customer);
        const paid = status === 'paid';
        const invoice = {
            id: randomId('in_'),
            object: 'invoice',
            account_country: 'US',
            account_name: 'Stand-in newsroom',
            amount_due: amount,
            amount_paid: paid ? amount : 0,
            amount_remaining: paid ? 0 : amount,
            amount_shipping: 0,
            attempt_count: attempt,
            attempted: true,
            auto_advance: !paid,
            automatic_tax: { enabled: false, liability: null, status: null },
            billing_reason: billingReason,
            charge: null,
            collection_method: 'charge_automatically',
            created: now(),
            currency: sub.currency,
            customer: sub.customer,
            customer_email: customer?.email ?? null,
            customer_name: customer?.name ?? null,
            description: null,
            due_date: null,
            ending_balance: 0,
            hosted_invoice_url: `${stand.url}/invoice/${sub.id}`,
            lines: {
                object: 'list',
                data: sub.items.data.map((item) => ({
                    id: randomId('il_'), object: 'line_item', amount: item.price.unit_amount * item.quantity, currency: sub.currency,
                    description: `${item.quantity} × ${state.products.get(item.price.product)?.name ?? 'item'}`,
                    metadata: clone(sub.metadata), period: { start: periodStart, end: periodEnd },
                    price: clone(item.price), quantity: item.quantity, subscription: sub.id, subscription_item: item.id, type: 'subscription',
                })),
                has_more: false,
                total_count: sub.items.data.length,
                url: `/v1/invoices/in/lines`,
            },
            livemode: false,
            metadata: {},
            next_payment_attempt: paid ? null : now() + 3 * 86400,
            number: `${customer?.invoice_prefix ?? 'STANDIN'}-${String(state.invoices.size + 1).padStart(4, '0')}`,
            paid,
            payment_intent: randomId('pi_'),
            period_end: periodEnd,
            period_start: periodStart,
            status,
            status_transitions: { finalized_at: now(), marked_uncollectible_at: null, paid_at: paid ? now() : null, voided_at: null },
            subscription: sub.id,
            subscription_details: { metadata: clone(sub.metadata) },
            subtotal: amount,
            total: amount,
            webhooks_delivered_at: now(),
        };
        if (paid) invoice.charge = makeCharge({ amount, currency: sub.currency, customer: sub.customer, paymentIntent: invoice.payment_intent, invoice: invoice.id }).id;
        state.invoices.set(invoice.id, invoice);
        sub.latest_invoice = invoice.id;
        return invoice;
    }

    /* -------------------------------------------------------------- events */

    function makeEvent(type, object, { previousAttributes, request = null } = {}) {
        const event = {
            id: randomId('evt_'),
            object: 'event',
            api_version: apiVersion,
            created: now(),
            data: { object: render(object, apiVersion) },
            livemode: false,
            pending_webhooks: 1,
            request: { id: request?.id ?? null, idempotency_key: request?.key ?? null },
            type,
        };
        if (previousAttributes) event.data.previous_attributes = clone(previousAttributes);
        state.events.set(event.id, event);
        return event;
    }

    /** The payload Stripe would POST for an event (pretty-printed JSON). */
    function payloadOf(event) {
        return JSON.stringify(event, null, 2);
    }

    function postOnce(url, body, headers, timeoutMs, fresh = false) {
        return new Promise((resolve) => {
            let u;
            try { u = new URL(url); } catch (e) { resolve({ status: null, error: e.message }); return; }
            if (u.hostname !== HOST && u.hostname !== 'localhost') { resolve({ status: null, error: `refusing to deliver off loopback: ${u.hostname}` }); return; }
            const req = http.request({
                host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', agent: fresh ? false : agent,
                headers: {
                    'Content-Type': 'application/json; charset=utf-8',
                    'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
                    'Cache-Control': 'no-cache',
                    Accept: '*/*; q=0.5, application/xml',
                    'Content-Length': Buffer.byteLength(body),
                    ...headers,
                },
            }, (res) => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
                res.on('error', (e) => resolve({ status: null, error: e.message }));
            });
            req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
            req.on('error', (e) => resolve({ status: null, error: e.code || e.message }));
            req.end(body);
        });
    }

    /**
     * Delivers one event (or a raw payload) until the endpoint answers 2xx.
     * opts: url, secret (string or list: one v1 per secret), timestamp (fixed),
     * timestampOffset (seconds added to now), header (used as is), body (raw
     * payload instead of the event's), tamper(body) → the body sent (signed
     * over the original), maxAttempts, baseDelayMs, maxDelayMs, timeoutMs,
     * deadline (ms since epoch), fresh (a new connection, not the pool's).
     */
    async function deliverOne(event, opts = {}) {
        const o = { ...deliveryDefaults, ...opts };
        const url = o.url ?? stand.webhookUrl;
        if (!url) throw new Error('the stand-in has no webhookUrl to deliver to');
        const payload = o.body ?? payloadOf(event);
        const deadline = o.deadline ?? Date.now() + o.deadlineMs;
        let delay = o.baseDelayMs;
        const result = { id: event?.id ?? null, type: event?.type ?? null, attempts: 0, status: null, body: null, error: null };
        for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
            const timestamp = o.timestamp ?? now() + (o.timestampOffset ?? 0);
            const header = o.header ?? signatureHeader(payload, o.secret ?? stand.secret, timestamp);
            const sent = o.tamper ? o.tamper(payload) : payload;
            const r = await postOnce(url, sent, { 'Stripe-Signature': header }, o.timeoutMs, o.fresh);
            result.attempts = attempt;
            result.status = r.status;
            result.body = r.body ?? null;
            result.error = r.error ?? null;
            deliveries.push({ event: result.id, type: result.type, attempt, status: r.status, error: r.error ?? null, at: Date.now() });
            if (r.status !== null && r.status >= 200 && r.status < 300) return result;
            if (attempt === o.maxAttempts || Date.now() + delay > deadline) break;
            await sleep(delay);
            delay = Math.min(o.maxDelayMs, delay * 2);
        }
        return result;
    }

    function shuffleInPlace(list, random) {
        for (let i = list.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [list[i], list[j]] = [list[j], list[i]];
        }
        return list;
    }

    /**
     * Delivers events. opts (besides deliverOne's):
     *   duplicates  extra deliveries of each event (0)
     *   shuffle     deliver in a random order (false); random: a () => [0,1) to use
     *   reverse     deliver in reverse order
     *   delayMs     wait this long before each delivery
     *   concurrency deliveries at once (1: one after the other, in order)
     * Resolves to the results in the order they were started.
     */
    async function deliver(events, opts = {}) {
        const list = [];
        const one = Array.isArray(events) ? events : [events];
        for (const e of one) for (let i = 0; i <= (opts.duplicates ?? 0); i++) list.push(e);
        if (opts.reverse) list.reverse();
        if (opts.shuffle) shuffleInPlace(list, opts.random ?? Math.random);
        const concurrency = Math.max(1, Math.min(opts.concurrency ?? 1, 64));
        const results = new Array(list.length);
        let next = 0;
        const worker = async () => {
            while (next < list.length) {
                const index = next++;
                if (opts.delayMs) await sleep(opts.delayMs);
                results[index] = await deliverOne(list[index], opts);
            }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
        return results;
    }

    /** Delivers in the background (what Stripe does after an API call). */
    function emit(events, opts = {}) {
        const list = (Array.isArray(events) ? events : [events]).filter(Boolean);
        if (!stand.autoDeliver || !stand.webhookUrl || list.length === 0) return Promise.resolve([]);
        const p = deliver(list, opts).finally(() => pending.delete(p));
        pending.add(p);
        return p;
    }

    /* ------------------------------------------------------ state changes */

    /** What the hosted page's "Pay" does. Returns {session, customer,
     * subscription, invoice, paymentIntent, events, delivered}. */
    function completeSession(id, { email = 'donor@example.org', name = null, deliver: send = true, order } = {}) {
        const session = state.sessions.get(id);
        if (!session) throw noSuch('checkout session', id);
        if (session.status !== 'open') throw new StripeError(400, 'invalid_request_error', `This Checkout Session is ${session.status}.`, { code: 'checkout_session_not_open' });
        if (session.expires_at <= now()) {
            session.status = 'expired';
            throw new StripeError(400, 'invalid_request_error', 'This Checkout Session has expired.', { code: 'checkout_session_expired' });
        }
        let customer = session.customer ? state.customers.get(session.customer) : null;
        const events = [];
        if (!customer && (session.mode === 'subscription' || session.customer_creation === 'always')) {
            customer = makeCustomer({ email, name });
        }
        const out = { session, customer, subscription: null, invoice: null, paymentIntent: null, events };
        session.customer = customer ? customer.id : null;
        session.customer_details = { address: null, email, name, phone: null, tax_exempt: 'none', tax_ids: [] };
        session.status = 'complete';
        session.payment_status = 'paid';
        session.url = null;
        if (session.mode === 'subscription') {
            const start = now();
            const sub = {
                id: randomId('sub_'),
                object: 'subscription',
                application: null,
                application_fee_percent: null,
                automatic_tax: { enabled: false, liability: null },
                billing_cycle_anchor: start,
                billing_cycle_anchor_config: null,
                billing_thresholds: null,
                cancel_at: null,
                cancel_at_period_end: false,
                canceled_at: null,
                cancellation_details: { comment: null, feedback: null, reason: null },
                collection_method: 'charge_automatically',
                created: start,
                currency: session.currency,
                current_period_end: null,
                current_period_start: start,
                customer: customer.id,
                days_until_due: null,
                default_payment_method: customer.invoice_settings.default_payment_method,
                default_source: null,
                default_tax_rates: [],
                description: null,
                discount: null,
                discounts: [],
                ended_at: null,
                invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
                items: { object: 'list', data: [], has_more: false, total_count: 0, url: null },
                latest_invoice: null,
                livemode: false,
                metadata: clone(session._subscriptionMetadata),
                next_pending_invoice_item_invoice: null,
                on_behalf_of: null,
                pause_collection: null,
                payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
                pending_invoice_item_interval: null,
                pending_setup_intent: null,
                pending_update: null,
                schedule: null,
                start_date: start,
                status: 'active',
                test_clock: null,
                transfer_data: null,
                trial_end: null,
                trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
                trial_start: null,
            };
            for (const line of session._lines) {
                line.price.active = true;
                const item = {
                    id: randomId('si_', 14), object: 'subscription_item', billing_thresholds: null, created: start, discounts: [],
                    metadata: {}, plan: null, price: line.price, quantity: line.quantity, subscription: sub.id, tax_rates: [],
                };
                state.items.set(item.id, item);
                sub.items.data.push(item);
            }
            sub.items.total_count = sub.items.data.length;
            sub.items.url = `/v1/subscription_items?subscription=${sub.id}`;
            const recurring = sub.items.data.find((i) => i.price.recurring)?.price.recurring;
            sub.current_period_end = start + INTERVAL_SECONDS[recurring.interval] * recurring.interval_count;
            state.subscriptions.set(sub.id, sub);
            const invoice = makeInvoice(sub, { status: 'paid', billingReason: 'subscription_create', periodStart: start, periodEnd: start });
            session.subscription = sub.id;
            session.invoice = invoice.id;
            out.subscription = sub;
            out.invoice = invoice;
            events.push(makeEvent('checkout.session.completed', session));
            events.push(makeEvent('customer.subscription.created', sub));
            events.push(makeEvent('invoice.paid', invoice));
        } else {
            const pi = {
                id: randomId('pi_'), object: 'payment_intent', amount: session.amount_total, amount_capturable: 0,
                amount_received: session.amount_total, capture_method: 'automatic_async', client_secret: null, confirmation_method: 'automatic',
                created: now(), currency: session.currency, customer: customer ? customer.id : null, description: null,
                latest_charge: randomId('ch_'), livemode: false, metadata: clone(session._paymentMetadata), payment_method: randomId('pm_'),
                payment_method_types: ['card'], receipt_email: null, status: 'succeeded',
                statement_descriptor: null, statement_descriptor_suffix: session._descriptorSuffix ?? null,
            };
            const charge = makeCharge({ amount: pi.amount, currency: pi.currency, customer: pi.customer, paymentIntent: pi.id, invoice: null });
            charge.statement_descriptor_suffix = pi.statement_descriptor_suffix;
            charge.calculated_statement_descriptor = `${descriptorPrefix}${pi.statement_descriptor_suffix ? `* ${pi.statement_descriptor_suffix}` : ''}`.toUpperCase();
            pi.latest_charge = charge.id;
            state.paymentIntents.set(pi.id, pi);
            session.payment_intent = pi.id;
            out.paymentIntent = pi;
            events.push(makeEvent('checkout.session.completed', session));
            events.push(makeEvent('payment_intent.succeeded', pi));
        }
        if (order === 'reverse') events.reverse();
        out.delivered = send ? emit(events) : Promise.resolve([]);
        return out;
    }

    /* ------------------------------------------- charges, refunds, disputes */

    // A succeeded card charge, as every paid invoice and one-off payment
    // intent has one (Stripe's Charge object; amounts in minor units).
    function makeCharge({ amount, currency, customer, paymentIntent, invoice }) {
        const charge = {
            id: randomId('ch_'), object: 'charge', amount, amount_captured: amount, amount_refunded: 0,
            application: null, application_fee: null, application_fee_amount: null,
            balance_transaction: randomId('txn_'),
            billing_details: { address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null }, email: null, name: null, phone: null },
            calculated_statement_descriptor: descriptorPrefix, captured: true, created: now(), currency, customer: customer ?? null,
            description: null, disputed: false, failure_balance_transaction: null, failure_code: null, failure_message: null,
            fraud_details: {}, invoice: invoice ?? null, livemode: false, metadata: {}, on_behalf_of: null,
            outcome: { network_status: 'approved_by_network', reason: null, risk_level: 'normal', risk_score: 32, seller_message: 'Payment complete.', type: 'authorized' },
            paid: true, payment_intent: paymentIntent ?? null, payment_method: randomId('pm_'),
            payment_method_details: { type: 'card', card: { brand: 'visa', country: 'US', exp_month: 12, exp_year: 2030, funding: 'credit', last4: '4242', network: 'visa' } },
            receipt_email: null, receipt_number: null, receipt_url: `${stand.url}/receipts/${randomId('rcpt_')}`,
            refunded: false, review: null, shipping: null, source: null, source_transfer: null,
            statement_descriptor: null, statement_descriptor_suffix: null, status: 'succeeded',
            transfer_data: null, transfer_group: null,
        };
        state.charges.set(charge.id, charge);
        return charge;
    }

    function getCharge(id, param = 'charge') {
        const charge = state.charges.get(id);
        if (!charge) throw noSuch('charge', id, param);
        return charge;
    }

    // The charge with `expand` applied as Stripe does for invoice and
    // payment_intent (others are left as ids).
    function renderCharge(charge, version, expand = []) {
        const out = render(charge, version);
        const list = Array.isArray(expand) ? expand : [expand];
        if (list.includes('invoice') && out.invoice) out.invoice = render(state.invoices.get(out.invoice), version) ?? out.invoice;
        if (list.includes('payment_intent') && out.payment_intent) out.payment_intent = clone(state.paymentIntents.get(out.payment_intent)) ?? out.payment_intent;
        return out;
    }

    function disputeOf(charge) {
        return [...state.disputes.values()].find((d) => d.charge === charge.id) ?? null;
    }

    /** POST /v1/refunds, and a refund made in Stripe's dashboard alike:
     * charge.refunded (with the charge) and refund.created. */
    function createRefund(params, context = null) {
        allowOnly(params, ['amount', 'charge', 'currency', 'customer', 'expand', 'instructions_email', 'metadata', 'origin', 'payment_intent', 'reason', 'refund_application_fee', 'reverse_transfer']);
        let charge;
        if (params.charge !== undefined && params.payment_intent !== undefined) throw invalid('You cannot pass both `charge` and `payment_intent`.', 'payment_intent');
        if (params.charge !== undefined) {
            charge = getCharge(params.charge);
        } else if (params.payment_intent !== undefined) {
            const pi = state.paymentIntents.get(params.payment_intent);
            if (!pi) throw noSuch('payment_intent', params.payment_intent, 'payment_intent');
            if (!pi.latest_charge) throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'payment_intent');
            charge = getCharge(pi.latest_charge, 'payment_intent');
        } else {
            throw invalid('One of `charge` or `payment_intent` is required.', undefined, 'parameter_missing');
        }
        if (params.reason !== undefined && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(params.reason)) {
            throw invalid('Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer', 'reason');
        }
        const left = charge.amount - charge.amount_refunded;
        if (charge.refunded || left <= 0) throw new StripeError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
        const dispute = disputeOf(charge);
        if (dispute && !dispute.is_charge_refundable) throw new StripeError(400, 'invalid_request_error', `Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed' });
        const amount = params.amount === undefined ? left : integerParam(params.amount, 'amount', { min: 1 });
        if (amount > left) {
            throw new StripeError(400, 'invalid_request_error', `Refund amount (${formatMoney(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatMoney(left, charge.currency)})`, { code: 'amount_too_large', param: 'amount' });
        }
        const refund = {
            id: randomId('re_'), object: 'refund', amount, balance_transaction: randomId('txn_'), charge: charge.id, created: now(), customer: charge.customer,
            currency: charge.currency, destination_details: { type: 'card', card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' } },
            metadata: metadataParam(params.metadata, 'metadata'), payment_intent: charge.payment_intent, payment_method: charge.payment_method, reason: params.reason ?? null,
            receipt_number: null, source_transfer_reversal: null, status: 'succeeded', transfer_reversal: null,
        };
        state.refunds.set(refund.id, refund);
        charge.amount_refunded += amount;
        charge.refunded = charge.amount_refunded === charge.amount;
        const events = [makeEvent('charge.refunded', charge, { request: context }), makeEvent('refund.created', refund, { request: context })];
        if (context) context.events.push(...events);
        return { refund, charge, events };
    }

    /** A refund made in Stripe's dashboard: {amount} (default: what is left). */
    function refundCharge(chargeId, { amount, reason, deliver: send = true } = {}) {
        const params = { charge: chargeId };
        if (amount !== undefined) params.amount = String(amount);
        if (reason !== undefined) params.reason = reason;
        const out = createRefund(params);
        out.delivered = send ? emit(out.events) : Promise.resolve([]);
        return out;
    }

    /** The cardholder's bank disputes a charge: charge.dispute.created and,
     * for a dispute (not an inquiry), charge.dispute.funds_withdrawn. */
    function openDispute(chargeId, { amount, reason = 'fraudulent', inquiry = false, deliver: send = true } = {}) {
        const charge = getCharge(chargeId);
        if (disputeOf(charge)) throw new Error(`charge ${chargeId} is already disputed`);
        const disputed = amount ?? charge.amount;
        const withdrawal = inquiry ? [] : [{ id: randomId('txn_'), object: 'balance_transaction', amount: -disputed, currency: charge.currency, fee: 1500, net: -disputed - 1500, type: 'adjustment', reporting_category: 'dispute', created: now(), status: 'available' }];
        const dispute = {
            id: randomId('du_'), object: 'dispute', amount: disputed, balance_transactions: withdrawal, charge: charge.id, created: now(),
            currency: charge.currency, enhanced_eligibility_types: [],
            evidence: { access_activity_log: null, billing_address: null, cancellation_policy: null, customer_email_address: null, customer_name: null, product_description: null, receipt: null, refund_policy: null, uncategorized_text: null },
            evidence_details: { due_by: now() + 7 * 86400, has_evidence: false, past_due: false, submission_count: 0 },
            intended_submission_method: null, is_charge_refundable: inquiry, livemode: false, metadata: {}, payment_intent: charge.payment_intent, reason,
            status: inquiry ? 'warning_needs_response' : 'needs_response',
        };
        state.disputes.set(dispute.id, dispute);
        charge.disputed = true;
        const events = [makeEvent('charge.dispute.created', dispute)];
        if (!inquiry) events.push(makeEvent('charge.dispute.funds_withdrawn', dispute));
        const delivered = send ? emit(events) : Promise.resolve([]);
        return { dispute, charge, events, delivered };
    }

    /** The bank decides: won (the money comes back:
     * charge.dispute.funds_reinstated) or lost; charge.dispute.closed. */
    function closeDispute(disputeId, { won, deliver: send = true } = {}) {
        const dispute = state.disputes.get(disputeId);
        if (!dispute) throw new Error(`no dispute ${disputeId}`);
        const inquiry = dispute.status.startsWith('warning_');
        dispute.status = inquiry ? 'warning_closed' : won ? 'won' : 'lost';
        const events = [];
        if (won && !inquiry) {
            dispute.balance_transactions.push({ id: randomId('txn_'), object: 'balance_transaction', amount: dispute.amount, currency: dispute.currency, fee: -1500, net: dispute.amount + 1500, type: 'adjustment', reporting_category: 'dispute_reversal', created: now(), status: 'available' });
            events.push(makeEvent('charge.dispute.funds_reinstated', dispute));
        }
        events.unshift(makeEvent('charge.dispute.closed', dispute));
        const delivered = send ? emit(events) : Promise.resolve([]);
        return { dispute, events, delivered };
    }

    function listOf(items, path, limit) {
        const n = limit === undefined ? 10 : integerParam(limit, 'limit', { min: 1, max: 100 });
        const sorted = items.sort((a, b) => b.created - a.created);
        return { object: 'list', data: clone(sorted.slice(0, n)), has_more: sorted.length > n, url: path };
    }

    function getSubscription(id) {
        const sub = state.subscriptions.get(id);
        if (!sub) throw noSuch('subscription', id);
        return sub;
    }

    /** The next period's invoice, paid: invoice.paid (and
     * customer.subscription.updated if the subscription was past due). */
    function chargeInvoice(subId, { deliver: send = true } = {}) {
        const sub = getSubscription(subId);
        if (sub.status === 'canceled') throw new Error(`subscription ${subId} is canceled`);
        if (sub.pause_collection) throw new Error(`subscription ${subId} has collection paused`);
        const events = [];
        const start = sub.current_period_end;
        const recurring = sub.items.data[0].price.recurring;
        const end = start + INTERVAL_SECONDS[recurring.interval] * recurring.interval_count;
        sub.current_period_start = start;
        sub.current_period_end = end;
        const invoice = makeInvoice(sub, { status: 'paid', billingReason: 'subscription_cycle', periodStart: start, periodEnd: end });
        events.push(makeEvent('invoice.paid', invoice));
        if (sub.status !== 'active') {
            const previous = { status: sub.status };
            sub.status = 'active';
            events.push(makeEvent('customer.subscription.updated', sub, { previousAttributes: previous }));
        }
        const delivered = send ? emit(events) : Promise.resolve([]);
        return { invoice, subscription: sub, events, delivered };
    }

    /** The next period's invoice fails: invoice.payment_failed with
     * attempt_count 1, the subscription past_due. */
    function failInvoice(subId, { deliver: send = true } = {}) {
        const sub = getSubscription(subId);
        if (sub.status === 'canceled') throw new Error(`subscription ${subId} is canceled`);
        const events = [];
        const start = sub.current_period_end;
        const recurring = sub.items.data[0].price.recurring;
        const end = start + INTERVAL_SECONDS[recurring.interval] * recurring.interval_count;
        sub.current_period_start = start;
        sub.current_period_end = end;
        const invoice = makeInvoice(sub, { status: 'open', billingReason: 'subscription_cycle', attempt: 1, periodStart: start, periodEnd: end });
        events.push(makeEvent('invoice.payment_failed', invoice));
        if (sub.status !== 'past_due') {
            const previous = { status: sub.status };
            sub.status = 'past_due';
            events.push(makeEvent('customer.subscription.updated', sub, { previousAttributes: previous }));
        }
        const delivered = send ? emit(events) : Promise.resolve([]);
        return { invoice, subscription: sub, events, delivered };
    }

    /** Stripe's next attempt at an open invoice: paid, or failed again with
     * attempt_count one higher. */
    function retryInvoice(invoiceId, { fail = false, deliver: send = true } = {}) {
        const invoice = state.invoices.get(invoiceId);
        if (!invoice) throw noSuch('invoice', invoiceId);
        if (invoice.status !== 'open') throw new Error(`invoice ${invoiceId} is ${invoice.status}`);
        const sub = state.subscriptions.get(invoice.subscription);
        const events = [];
        invoice.attempt_count += 1;
        if (fail) {
            invoice.next_payment_attempt = now() + 3 * 86400;
            events.push(makeEvent('invoice.payment_failed', invoice));
        } else {
            invoice.status = 'paid';
            invoice.paid = true;
            invoice.amount_paid = invoice.amount_due;
            invoice.amount_remaining = 0;
            invoice.auto_advance = false;
            invoice.next_payment_attempt = null;
            invoice.charge = makeCharge({ amount: invoice.amount_due, currency: invoice.currency, customer: invoice.customer, paymentIntent: invoice.payment_intent, invoice: invoice.id }).id;
            invoice.status_transitions.paid_at = now();
            events.push(makeEvent('invoice.paid', invoice));
            const stillOpen = [...state.invoices.values()].some((i) => i.subscription === sub.id && i.status === 'open');
            if (sub.status === 'past_due' && !stillOpen) {
                sub.status = 'active';
                events.push(makeEvent('customer.subscription.updated', sub, { previousAttributes: { status: 'past_due' } }));
            }
        }
        const delivered = send ? emit(events) : Promise.resolve([]);
        return { invoice, subscription: sub, events, delivered };
    }

    function cancelNow(sub, reason, request) {
        sub.status = 'canceled';
        sub.canceled_at = now();
        sub.ended_at = now();
        sub.cancellation_details = { comment: null, feedback: null, reason };
        for (const inv of state.invoices.values()) {
            if (inv.subscription === sub.id && inv.status === 'open') {
                inv.auto_advance = false;
                inv.next_payment_attempt = null;
            }
        }
        return makeEvent('customer.subscription.deleted', sub, { request });
    }

    /** Cancelled on Stripe's side (dashboard, disputes, retries exhausted):
     * customer.subscription.deleted. */
    function cancelSubscription(subId, { reason = 'cancellation_requested', deliver: send = true } = {}) {
        const sub = getSubscription(subId);
        if (sub.status === 'canceled') throw new Error(`subscription ${subId} is already canceled`);
        const event = cancelNow(sub, reason, null);
        const delivered = send ? emit([event]) : Promise.resolve([]);
        return { subscription: sub, events: [event], delivered };
    }

    /** A change made on Stripe's side (the customer portal, the dashboard):
     * {quantity, paused} → customer.subscription.updated. */
    function changeSubscription(subId, { quantity, paused, deliver: send = true } = {}) {
        const sub = getSubscription(subId);
        if (sub.status === 'canceled') throw new Error(`subscription ${subId} is canceled`);
        const previous = {};
        if (quantity !== undefined) {
            previous.items = clone(sub.items);
            previous.quantity = sub.items.data[0].quantity;
            sub.items.data[0].quantity = quantity;
        }
        if (paused !== undefined) {
            previous.pause_collection = clone(sub.pause_collection);
            sub.pause_collection = paused ? { behavior: 'void', resumes_at: null } : null;
        }
        const event = makeEvent('customer.subscription.updated', sub, { previousAttributes: previous });
        const delivered = send ? emit([event]) : Promise.resolve([]);
        return { subscription: sub, events: [event], delivered };
    }

    /* ----------------------------------------------------------- the API */

    function updateSubscriptionFromApi(sub, params) {
        if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
            const allowed = Object.keys(params).every((k) => k === 'metadata' || k === 'cancellation_details' || k === 'expand');
            if (!allowed) throw invalid('A canceled subscription can only update its cancellation_details and metadata.', undefined, undefined);
        }
        const previous = {};
        if (params.proration_behavior !== undefined && !['create_prorations', 'none', 'always_invoice'].includes(params.proration_behavior)) {
            throw invalid('Invalid proration_behavior: must be one of create_prorations, none, or always_invoice', 'proration_behavior');
        }
        const changes = [];
        if (params.items !== undefined) {
            if (!Array.isArray(params.items)) throw invalid('Invalid array', 'items');
            params.items.forEach((it, i) => {
                if (it === null || typeof it !== 'object') throw invalid('Invalid hash', `items[${i}]`);
                if (it.id === undefined) throw invalid('The stand-in only updates existing items: pass items[][id].', `items[${i}][id]`);
                const item = sub.items.data.find((x) => x.id === it.id);
                if (!item) throw invalid(`Subscription item ${it.id} does not belong to subscription ${sub.id}.`, `items[${i}][id]`);
                if (it.price !== undefined || it.price_data !== undefined) throw invalid('The stand-in does not change prices.', `items[${i}][price]`);
                if (it.deleted !== undefined) throw invalid('The stand-in does not delete items.', `items[${i}][deleted]`);
                if (it.quantity !== undefined) {
                    const q = integerParam(it.quantity, `items[${i}][quantity]`, { min: 0, max: 999999999 });
                    changes.push(() => {
                        if (q !== item.quantity) {
                            previous.items = previous.items ?? clone(sub.items);
                            previous.quantity = item.quantity;
                            item.quantity = q;
                        }
                    });
                }
            });
        }
        if (params.pause_collection !== undefined) {
            const pc = params.pause_collection;
            if (pc === '') {
                changes.push(() => {
                    if (sub.pause_collection !== null) {
                        previous.pause_collection = clone(sub.pause_collection);
                        sub.pause_collection = null;
                    }
                });
            } else {
                if (typeof pc !== 'object') throw invalid('Invalid hash', 'pause_collection');
                if (pc.behavior === undefined) throw missingParam('pause_collection[behavior]');
                if (!['keep_as_draft', 'mark_uncollectible', 'void'].includes(pc.behavior)) throw invalid('Invalid pause_collection[behavior]: must be one of keep_as_draft, mark_uncollectible, or void', 'pause_collection[behavior]');
                const resumesAt = pc.resumes_at === undefined ? null : integerParam(pc.resumes_at, 'pause_collection[resumes_at]', { min: now() });
                changes.push(() => {
                    const next = { behavior: pc.behavior, resumes_at: resumesAt };
                    if (canonical(next) !== canonical(sub.pause_collection)) {
                        previous.pause_collection = clone(sub.pause_collection);
                        sub.pause_collection = next;
                    }
                });
            }
        }
        if (params.metadata !== undefined) {
            const md = params.metadata === '' ? null : metadataParam(params.metadata, 'metadata');
            changes.push(() => {
                const before = clone(sub.metadata);
                if (md === null) sub.metadata = {};
                else {
                    for (const [k, v] of Object.entries(params.metadata)) {
                        if (v === '') delete sub.metadata[k]; else sub.metadata[k] = v;
                    }
                }
                if (canonical(before) !== canonical(sub.metadata)) previous.metadata = before;
            });
        }
        if (params.cancel_at_period_end !== undefined) {
            if (params.cancel_at_period_end !== 'true' && params.cancel_at_period_end !== 'false') throw invalid('Invalid boolean', 'cancel_at_period_end');
            const v = params.cancel_at_period_end === 'true';
            changes.push(() => {
                if (v !== sub.cancel_at_period_end) {
                    previous.cancel_at_period_end = sub.cancel_at_period_end;
                    sub.cancel_at_period_end = v;
                    sub.cancel_at = v ? sub.current_period_end : null;
                }
            });
        }
        const known = new Set(['items', 'proration_behavior', 'pause_collection', 'metadata', 'cancel_at_period_end', 'expand']);
        for (const k of Object.keys(params)) {
            if (!known.has(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
        }
        for (const apply of changes) apply();
        return Object.keys(previous).length > 0 ? previous : null;
    }

    function route(method, pathname, params, context) {
        const version = context.version;
        let m;
        if (pathname === '/v1/checkout/sessions' && method === 'POST') {
            return render(createSession(params, version), version);
        }
        if ((m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(pathname)) && method === 'GET') {
            const s = state.sessions.get(decodeURIComponent(m[1]));
            if (!s) throw noSuch('checkout.session', decodeURIComponent(m[1]), 'session');
            return render(s, version);
        }
        if ((m = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(pathname)) && method === 'POST') {
            const s = state.sessions.get(decodeURIComponent(m[1]));
            if (!s) throw noSuch('checkout.session', decodeURIComponent(m[1]), 'session');
            if (s.status !== 'open') throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${s.status}".`, undefined, undefined);
            s.status = 'expired';
            s.url = null;
            context.events.push(makeEvent('checkout.session.expired', s, { request: context }));
            return render(s, version);
        }
        if ((m = /^\/v1\/subscriptions\/([^/]+)$/.exec(pathname))) {
            const id = decodeURIComponent(m[1]);
            const sub = state.subscriptions.get(id);
            if (method === 'GET') {
                if (!sub) throw noSuch('subscription', id);
                return render(sub, version);
            }
            if (method === 'POST') {
                if (!sub) throw noSuch('subscription', id);
                const previous = updateSubscriptionFromApi(sub, params);
                if (previous) context.events.push(makeEvent('customer.subscription.updated', sub, { previousAttributes: previous, request: context }));
                return render(sub, version);
            }
            if (method === 'DELETE') {
                // A subscription that is already canceled cannot be found to
                // cancel again: resource_missing, as patron expects.
                if (!sub || sub.status === 'canceled') throw noSuch('subscription', id);
                for (const k of Object.keys(params)) {
                    if (!['invoice_now', 'prorate', 'cancellation_details', 'expand'].includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
                }
                context.events.push(cancelNow(sub, 'cancellation_requested', context));
                return render(sub, version);
            }
        }
        if (pathname === '/v1/billing_portal/sessions' && method === 'POST') {
            allowOnly(params, KNOWN.portal);
            if (params.customer === undefined || params.customer === '') throw missingParam('customer');
            if (!state.customers.has(params.customer)) throw noSuch('customer', params.customer, 'customer');
            const returnUrl = params.return_url === undefined ? null : urlParam(params.return_url, 'return_url');
            const id = randomId('bps_');
            const portal = {
                id, object: 'billing_portal.session', configuration: randomId('bpc_'), created: now(), customer: params.customer,
                flow: null, livemode: false, locale: params.locale ?? null, on_behalf_of: null, return_url: returnUrl,
                url: `${stand.url}/portal/${id}`,
            };
            state.portalSessions.set(id, portal);
            return clone(portal);
        }
        if ((m = /^\/v1\/customers\/([^/]+)$/.exec(pathname)) && method === 'DELETE') {
            // As Stripe documents it: the customer goes for good, what still
            // runs on it is cancelled (customer.subscription.deleted each),
            // and the answer is a deleted stub; a second delete finds nothing.
            const id = decodeURIComponent(m[1]);
            if (!state.customers.has(id)) throw noSuch('customer', id);
            for (const k of Object.keys(params)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
            for (const sub of state.subscriptions.values()) {
                if (sub.customer === id && sub.status !== 'canceled') context.events.push(cancelNow(sub, 'cancellation_requested', context));
            }
            state.customers.delete(id);
            state.deletedCustomers.add(id);
            context.events.push(makeEvent('customer.deleted', { id, object: 'customer', deleted: true }, { request: context }));
            return { id, object: 'customer', deleted: true };
        }
        if ((m = /^\/v1\/customers\/([^/]+)$/.exec(pathname)) && method === 'GET') {
            const c = state.customers.get(decodeURIComponent(m[1]));
            // A deleted customer still reads, as a stub that says so.
            if (!c && state.deletedCustomers.has(decodeURIComponent(m[1]))) return { id: decodeURIComponent(m[1]), object: 'customer', deleted: true };
            if (!c) throw noSuch('customer', decodeURIComponent(m[1]));
            return clone(c);
        }
        if ((m = /^\/v1\/invoices\/([^/]+)$/.exec(pathname)) && method === 'GET') {
            const inv = state.invoices.get(decodeURIComponent(m[1]));
            if (!inv) throw noSuch('invoice', decodeURIComponent(m[1]));
            return render(inv, version);
        }
        if ((m = /^\/v1\/payment_intents\/([^/]+)$/.exec(pathname)) && method === 'GET') {
            const pi = state.paymentIntents.get(decodeURIComponent(m[1]));
            if (!pi) throw noSuch('payment_intent', decodeURIComponent(m[1]), 'intent');
            return clone(pi);
        }
        if ((m = /^\/v1\/charges\/([^/]+)$/.exec(pathname)) && method === 'GET') {
            return renderCharge(getCharge(decodeURIComponent(m[1]), 'id'), version, params.expand ?? []);
        }
        if (pathname === '/v1/refunds' && method === 'POST') {
            return clone(createRefund(params, context).refund);
        }
        if (pathname === '/v1/refunds' && method === 'GET') {
            allowOnly(params, ['charge', 'created', 'ending_before', 'expand', 'limit', 'payment_intent', 'starting_after']);
            const items = [...state.refunds.values()].filter((r) => (params.charge === undefined || r.charge === params.charge) && (params.payment_intent === undefined || r.payment_intent === params.payment_intent));
            return listOf(items, '/v1/refunds', params.limit);
        }
        if ((m = /^\/v1\/refunds\/([^/]+)$/.exec(pathname)) && method === 'GET') {
            const r = state.refunds.get(decodeURIComponent(m[1]));
            if (!r) throw noSuch('refund', decodeURIComponent(m[1]));
            return clone(r);
        }
        if (pathname === '/v1/disputes' && method === 'GET') {
            allowOnly(params, ['charge', 'created', 'ending_before', 'expand', 'limit', 'payment_intent', 'starting_after']);
            const items = [...state.disputes.values()].filter((d) => (params.charge === undefined || d.charge === params.charge) && (params.payment_intent === undefined || d.payment_intent === params.payment_intent));
            return listOf(items, '/v1/disputes', params.limit);
        }
        if ((m = /^\/v1\/disputes\/([^/]+)$/.exec(pathname)) && method === 'GET') {
            const d = state.disputes.get(decodeURIComponent(m[1]));
            if (!d) throw noSuch('dispute', decodeURIComponent(m[1]));
            return clone(d);
        }
        if ((m = /^\/v1\/events\/([^/]+)$/.exec(pathname)) && method === 'GET') {
            const ev = state.events.get(decodeURIComponent(m[1]));
            if (!ev) throw noSuch('event', decodeURIComponent(m[1]));
            return clone(ev);
        }
        throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
    }

    function send(res, status, body, headers = {}) {
        const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
        res.writeHead(status, { 'Content-Length': Buffer.byteLength(text), ...headers });
        res.end(text);
    }

    function authorize(req) {
        const header = req.headers.authorization;
        if (!header) {
            throw new StripeError(401, 'invalid_request_error', "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.");
        }
        const m = /^Bearer (\S+)$/.exec(header);
        const key = m ? m[1] : null;
        const masked = key ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, Math.min(key.length, 40) - 12))}${key.slice(-4)}` : '';
        if (!key) throw new StripeError(401, 'invalid_request_error', 'Invalid API Key provided: the Authorization header must be "Bearer KEY".');
        if (!key.startsWith('sk_test_') || key.length < 12 || (stand.apiKey !== null && key !== stand.apiKey)) {
            throw new StripeError(401, 'invalid_request_error', `Invalid API Key provided: ${masked}`, { code: 'api_key_invalid' });
        }
        return key;
    }

    async function handleApi(req, res, url, raw) {
        const requestId = randomId('req_', 14);
        const version = req.headers['stripe-version'] || apiVersion;
        const headers = { 'Content-Type': 'application/json', 'Request-Id': requestId, 'Stripe-Version': version, 'Access-Control-Allow-Origin': '*' };
        const method = req.method;
        const key = req.headers['idempotency-key'];
        const log = { method, path: url.pathname, version: req.headers['stripe-version'] ?? null, idempotencyKey: key ?? null, authorization: req.headers.authorization ?? null, params: null, status: null, replayed: false, at: Date.now() };
        requests.push(log);
        const context = { id: requestId, key: key ?? null, version, events: [] };
        let hold = 0;
        const reply = async (...args) => {
            if (hold) await sleep(hold);
            send(...args);
        };
        const fault = faults.find((f) => f.count > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(url.pathname)));
        if (fault) {
            fault.count--;
            if (fault.delayMs) await sleep(fault.delayMs);
            hold = fault.holdMs ?? 0;
            if (fault.status) {
                log.status = fault.status;
                log.fault = true;
                await reply(res, fault.status, { error: { type: 'api_error', message: 'An error occurred with our connection to Stripe. (injected by the test)' } }, headers);
                return;
            }
        }
        try {
            const apiKey = authorize(req);
            if (version && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(version)) {
                throw new StripeError(400, 'invalid_request_error', `Invalid Stripe API version: ${version}`, { code: 'api_version_invalid' });
            }
            let params;
            try {
                params = method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(raw);
            } catch (e) {
                throw invalid(e.message, e.param);
            }
            if (method === 'GET' && raw.length > 0) params = { ...params, ...parseForm(raw) };
            log.params = params;
            if (key !== undefined && method === 'POST') {
                if (key.length > 255) throw invalid('Idempotency keys can be up to 255 characters long.', undefined, 'idempotency_key_in_use');
                headers['Idempotency-Key'] = key;
                const scoped = `${apiKey}\u0000${key}`;
                const fingerprint = `${method} ${url.pathname} ${canonical(params)}`;
                const seen = state.idempotency.get(scoped);
                if (seen) {
                    if (seen.fingerprint !== fingerprint) {
                        throw new StripeError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
                    }
                    log.status = seen.status;
                    log.replayed = true;
                    await reply(res, seen.status, seen.body, { ...headers, 'Idempotent-Replayed': 'true', 'Original-Request': seen.requestId });
                    return;
                }
                let status = 200;
                let body;
                try {
                    body = route(method, url.pathname, params, context);
                } catch (e) {
                    if (!(e instanceof StripeError)) throw e;
                    status = e.status;
                    body = e.body;
                }
                // Stripe keeps the result once the endpoint ran, errors
                // included; a request refused on its parameters is not kept.
                if (!(status === 400 && body?.error?.type !== 'card_error')) {
                    state.idempotency.set(scoped, { fingerprint, status, body, requestId });
                }
                log.status = status;
                await reply(res, status, body, headers);
                if (status < 300) emit(context.events);
                return;
            }
            const body = route(method, url.pathname, params, context);
            log.status = 200;
            await reply(res, 200, body, headers);
            emit(context.events);
        } catch (e) {
            if (e instanceof StripeError) {
                log.status = e.status;
                await reply(res, e.status, e.body, headers);
                return;
            }
            log.status = 500;
            await reply(res, 500, { error: { type: 'api_error', message: `The stand-in failed: ${e.message}` } }, headers);
        }
    }

    /* ------------------------------------------------------ hosted pages */

    function page(title, body, lang = 'en') {
        return `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
            `<title>${escapeHtml(title)}</title><style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}` +
            `label,input,button{display:block;font-size:1rem;margin:.4rem 0}input{width:100%;padding:.4rem}button{padding:.5rem 1.5rem}</style></head>` +
            `<body data-standin="stripe">${body}</body></html>`;
    }

    function checkoutPage(session, error = null) {
        const ru = session.locale === 'ru';
        const name = session._lines.map((l) => state.products.get(l.price.product)?.name).join(', ');
        const recurring = session._lines[0]?.price.recurring;
        const every = recurring ? (ru ? ` / ${recurring.interval === 'year' ? 'год' : 'месяц'}` : ` per ${recurring.interval}`) : '';
        if (session.status !== 'open') {
            return page(ru ? 'Оплата' : 'Checkout', `<h1 id="done">${ru ? 'Оплата уже завершена' : 'This checkout is ' + escapeHtml(session.status)}</h1>`, session.locale || 'en');
        }
        return page(ru ? 'Оплата' : 'Checkout',
            `<h1>${escapeHtml(name)}</h1><p class="amount" data-amount="${session.amount_total}" data-currency="${escapeHtml(session.currency)}">${escapeHtml(formatMoney(session.amount_total, session.currency))}${escapeHtml(every)}</p>` +
            `<form method="post" action="/pay/${escapeHtml(session.id)}">` +
            `<label for="email">${ru ? 'Электронная почта' : 'Email'}</label><input id="email" name="email" type="email" autocomplete="email" required value="${escapeHtml(session.customer_email ?? '')}">` +
            (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '') +
            `<label for="card">${ru ? 'Карта' : 'Card'}</label><input id="card" name="card" value="4242 4242 4242 4242" inputmode="numeric">` +
            `<button type="submit" id="pay">${ru ? 'Оплатить' : 'Pay'}</button></form>` +
            (session.cancel_url ? `<p><a id="back" href="${escapeHtml(session.cancel_url)}">${ru ? 'Назад' : 'Back'}</a></p>` : ''),
            session.locale || 'en');
    }

    async function handlePages(req, res, url, raw) {
        let m;
        const html = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };
        if ((m = /^\/pay\/([^/]+)$/.exec(url.pathname))) {
            const session = state.sessions.get(decodeURIComponent(m[1]));
            if (!session) { send(res, 404, page('Not found', '<h1>No such checkout</h1>'), html); return; }
            if (req.method === 'GET') { send(res, 200, checkoutPage(session), html); return; }
            if (req.method === 'POST') {
                const form = new URLSearchParams(raw);
                const email = (form.get('email') ?? '').trim();
                if (session.status !== 'open') { send(res, 409, checkoutPage(session), html); return; }
                if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) { send(res, 422, checkoutPage(session, 'Enter a valid email address.'), html); return; }
                try {
                    completeSession(session.id, { email });
                } catch (e) {
                    send(res, e.status ?? 500, checkoutPage(session, e.message), html);
                    return;
                }
                const location = session.success_url.split('{CHECKOUT_SESSION_ID}').join(session.id);
                send(res, 303, '', { Location: location, 'Content-Type': 'text/plain' });
                return;
            }
        }
        if ((m = /^\/portal\/([^/]+)$/.exec(url.pathname)) && req.method === 'GET') {
            const portal = state.portalSessions.get(decodeURIComponent(m[1]));
            if (!portal) { send(res, 404, page('Not found', '<h1>No such portal session</h1>'), html); return; }
            const customer = state.customers.get(portal.customer);
            send(res, 200, page('Billing', `<h1>Manage billing</h1><p id="customer">${escapeHtml(customer?.email ?? portal.customer)}</p>` +
                `<p>Card: •••• 4242</p>` +
                (portal.return_url ? `<p><a id="return" href="${escapeHtml(portal.return_url)}">Return</a></p>` : '')), html);
            return;
        }
        send(res, 404, page('Not found', '<h1>Not found</h1>'), html);
    }

    /* ------------------------------------------------------------ server */

    const server = http.createServer((req, res) => {
        const chunks = [];
        let size = 0;
        let refused = false;
        req.on('data', (c) => {
            size += c.length;
            if (size > MAX_BODY) {
                if (!refused) { refused = true; send(res, 413, { error: { type: 'invalid_request_error', message: 'Request too large' } }, { 'Content-Type': 'application/json', Connection: 'close' }); }
                req.destroy();
                return;
            }
            chunks.push(c);
        });
        req.on('end', () => {
            if (refused) return;
            const raw = Buffer.concat(chunks).toString('utf8');
            const url = new URL(req.url, 'http://standin');
            const run = url.pathname.startsWith('/v1/') ? handleApi(req, res, url, raw) : handlePages(req, res, url, raw);
            run.catch((e) => { try { send(res, 500, { error: { type: 'api_error', message: e.message } }, { 'Content-Type': 'application/json' }); } catch { /* closed */ } });
        });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, HOST, () => resolve());
    });
    stand.url = `http://${HOST}:${server.address().port}`;

    Object.assign(stand, {
        server,
        completeSession,
        chargeInvoice,
        failInvoice,
        retryInvoice,
        cancelSubscription,
        changeSubscription,
        refundCharge,
        openDispute,
        closeDispute,
        charge: (id) => state.charges.get(id),
        makeEvent,
        payloadOf,
        render,
        deliver,
        deliverOne,
        emit,
        sign: (payload, { secret, timestamp } = {}) => signatureHeader(payload, secret ?? stand.secret, timestamp ?? now()),
        subscription: (id) => state.subscriptions.get(id),
        /** Makes the next `count` API requests matching method and path
         * (a RegExp) answer `status` (500: Stripe's api_error), after
         * delayMs; with status null they are answered normally, but the
         * answer (computed at once) is held back holdMs before it is sent:
         * a slow network. Returns the fault; fault.count is what is left. */
        injectFault({ method = null, path = null, status = 500, delayMs = 0, holdMs = 0, count = 1 } = {}) {
            const fault = { method, path, status, delayMs, holdMs, count };
            faults.push(fault);
            return fault;
        },
        clearFaults() { faults.length = 0; },
        session: (id) => state.sessions.get(id),
        /** Waits (bounded) until every automatic delivery has finished. */
        async idle(timeoutMs = 60_000) {
            const deadline = Date.now() + timeoutMs;
            for (let i = 0; i < 10_000 && pending.size > 0 && Date.now() < deadline; i++) {
                let timer;
                const timeout = new Promise((resolve) => { timer = setTimeout(resolve, Math.max(1, deadline - Date.now())); });
                await Promise.race([Promise.allSettled([...pending]), timeout]);
                clearTimeout(timer);
            }
            if (pending.size > 0) throw new Error(`${pending.size} deliveries still pending after ${timeoutMs} ms`);
        },
        async close() {
            agent.destroy();
            server.closeAllConnections?.();
            await new Promise((resolve) => server.close(() => resolve()));
        },
    });
    return stand;
}
