// A stand-in for the part of BTCPay Server's Greenfield API v1 that patron
// uses, for tests on loopback only (a real BTCPay Server needs a Bitcoin
// node; none can be run or reached here).
//
//   const btcpay = await startBtcpay({ webhookUrl });
//   btcpay.url, btcpay.storeId, btcpay.apiKey, btcpay.webhookSecret
//   GET  {url}/i/{invoiceId}          the checkout page (a form per outcome)
//   POST {url}/i/{invoiceId}          outcome=settled|expired|invalid|processing
//   btcpay.settle(id) / expire(id) / invalidate(id) / process(id)   on command
//   btcpay.events                     every webhook event made, in order
//   btcpay.deliverOne(event, opts)    one event's delivery, retried to 2xx
//   await btcpay.idle(); await btcpay.close();
//
// What it checks and answers follows the Greenfield API's documented fields
// and formats (docs.btcpayserver.org/API/Greenfield/v1, see README.md):
// "Authorization: token KEY" (401 otherwise; 403 for a key without the
// store), the store in the path (404 store-not-found), JSON bodies, the
// invoice's amount as a decimal string and its currency, metadata.orderId,
// checkout.redirectURL an absolute http(s) address, checkout.expirationMinutes
// an integer; errors as {code, message}, validation errors as 422 and a list
// of {path, message}. Invoices answer with id, storeId, amount, currency,
// type, checkoutLink, createdTime, expirationTime, monitoringExpiration,
// status (New, Processing, Expired, Invalid, Settled), additionalStatus,
// archived, metadata, checkout, receipt, availableStatusesForManualMarking.
//
// Webhooks are signed exactly as BTCPay signs them: BTCPay-Sig: sha256= and
// the hex HMAC-SHA256 of the raw body with the webhook's secret. Each event
// carries deliveryId, webhookId, originalDeliveryId, isRedelivery, type,
// timestamp, storeId, invoiceId and metadata, and its type's own fields. A
// failed delivery is redelivered (a new deliveryId, originalDeliveryId the
// first, isRedelivery true) after delays compressed from BTCPay's 10 s, 1
// min, then 10 min up to 6 times.
//
// Node built-ins only. Every loop is bounded in count and time.

import crypto from 'node:crypto';
import http from 'node:http';

const HOST = '127.0.0.1';
const MAX_BODY = 1 << 20;
const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789';
// Fiat currencies a store prices invoices in, with their decimals.
export const CURRENCIES = { USD: 2, EUR: 2, GBP: 2, CHF: 2, JPY: 0, CAD: 2, AUD: 2, SEK: 2, NOK: 2, PLN: 2, CZK: 2 };
const LANGUAGES = new Set(['en', 'ru-RU', 'de-DE', 'fr-FR', 'es-ES', 'nl-NL', 'pt-BR', 'uk-UA']);
const SPEED_POLICIES = new Set(['HighSpeed', 'MediumSpeed', 'LowSpeed', 'LowMediumSpeed']);
const CHECKOUT_FIELDS = new Set(['speedPolicy', 'paymentMethods', 'defaultPaymentMethod', 'expirationMinutes', 'monitoringMinutes',
    'paymentTolerance', 'redirectURL', 'redirectAutomatically', 'requiresRefundEmail', 'checkoutType', 'defaultLanguage', 'lazyPaymentMethods']);
const INVOICE_FIELDS = new Set(['amount', 'currency', 'metadata', 'checkout', 'receipt', 'additionalSearchTerms', 'type']);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function randomId(length = 22) {
    const bytes = crypto.randomBytes(length);
    let out = '';
    for (let i = 0; i < length; i++) out += ALNUM[bytes[i] % ALNUM.length];
    return out;
}

/** BTCPay-Sig for a body: "sha256=" and the hex HMAC-SHA256. */
export function signature(body, secret) {
    return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Minor units of a decimal string, or null when it is not one in the
 * currency (more decimals than it has, a sign, an exponent). */
export function toMinor(value, currency) {
    const decimals = CURRENCIES[currency];
    if (typeof value !== 'string' || decimals === undefined) return null;
    const m = /^([0-9]{1,12})(?:\.([0-9]+))?$/.exec(value);
    if (!m) return null;
    const fraction = (m[2] ?? '').replace(/0+$/, '');
    if (fraction.length > decimals) return null;
    return Number(m[1]) * 10 ** decimals + Number((fraction + '0'.repeat(decimals)).slice(0, decimals) || '0');
}

function isLoopback(hostname) {
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

class GreenfieldError extends Error {
    constructor(status, code, message, validation = null) {
        super(message);
        this.status = status;
        this.body = validation ?? { code, message };
    }
}

const invalid = (path, message) => new GreenfieldError(422, 'validation-error', message, [{ path, message }]);

export async function startBtcpay(options = {}) {
    const storeId = options.storeId ?? `Store${randomId(30)}`;
    const apiKey = options.apiKey ?? crypto.randomBytes(20).toString('hex');
    const webhookSecret = options.webhookSecret ?? `whsec-btcpay-${randomId(24)}`;
    const webhookId = randomId();
    const invoices = new Map();
    const requests = [];   // {method, path, query, authorized, body, status, at}
    const events = [];     // every webhook event made: {deliveryId, type, invoiceId, status, body}
    const deliveries = []; // {deliveryId, originalDeliveryId, invoiceId, type, attempt, status, error, at}
    const pending = new Set();
    const faults = [];
    const waits = new Set();
    let closed = false;
    const wait = (ms) => new Promise((resolve) => {
        const entry = { resolve, timer: setTimeout(() => { waits.delete(entry); resolve(); }, ms) };
        waits.add(entry);
    });
    const delivery = {
        retryDelaysMs: options.retryDelaysMs ?? [100, 600, 1000, 1000, 1000, 1000, 1000],
        maxAttempts: options.maxAttempts ?? 8,
        timeoutMs: options.webhookTimeoutMs ?? 15_000,
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections ?? 8 });
    const nowSeconds = () => Math.floor(Date.now() / 1000);

    const btcpay = {
        url: null,
        storeId, apiKey, webhookSecret, webhookId,
        webhookUrl: options.webhookUrl ?? null,
        autoDeliver: options.autoDeliver ?? true,
        invoices, requests, events, deliveries,
    };

    /* ------------------------------------------------------------ the API */

    function checkInvoiceBody(body) {
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new GreenfieldError(400, 'invalid-body', 'The request body must be a JSON object');
        for (const key of Object.keys(body)) if (!INVOICE_FIELDS.has(key)) throw invalid(key, `Unknown field ${key}`);
        // patron sends the amount as a decimal string (Greenfield also takes a
        // number; a string keeps the decimals exact).
        if (typeof body.currency !== 'string' || CURRENCIES[body.currency] === undefined) throw invalid('currency', 'Invalid currency');
        if (typeof body.amount !== 'string') throw invalid('amount', 'The amount must be a decimal string');
        const minor = toMinor(body.amount, body.currency);
        if (minor === null) throw invalid('amount', `Invalid amount for ${body.currency}`);
        if (minor <= 0) throw invalid('amount', 'Amount should be greater than 0');
        const metadata = body.metadata;
        if (metadata === undefined || metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw invalid('metadata', 'metadata must be an object');
        if (typeof metadata.orderId !== 'string' || metadata.orderId.length === 0 || metadata.orderId.length > 200) throw invalid('metadata.orderId', 'orderId must be a non-empty string');
        for (const key of ['buyerEmail', 'buyerName', 'buyerAddress1', 'buyerPhone']) {
            if (metadata[key] !== undefined) throw invalid(`metadata.${key}`, `patron must not send ${key}: the reader's identity stays with the reader`);
        }
        const checkout = body.checkout ?? {};
        if (typeof checkout !== 'object' || Array.isArray(checkout)) throw invalid('checkout', 'checkout must be an object');
        for (const key of Object.keys(checkout)) if (!CHECKOUT_FIELDS.has(key)) throw invalid(`checkout.${key}`, `Unknown field ${key}`);
        let redirect;
        try { redirect = new URL(checkout.redirectURL); } catch { redirect = null; }
        if (!redirect || !['http:', 'https:'].includes(redirect.protocol)) throw invalid('checkout.redirectURL', 'redirectURL must be an absolute http(s) URL');
        if (checkout.expirationMinutes !== undefined && (!Number.isInteger(checkout.expirationMinutes) || checkout.expirationMinutes < 1)) throw invalid('checkout.expirationMinutes', 'expirationMinutes must be a positive integer');
        if (checkout.redirectAutomatically !== undefined && typeof checkout.redirectAutomatically !== 'boolean') throw invalid('checkout.redirectAutomatically', 'redirectAutomatically must be a boolean');
        if (checkout.defaultLanguage !== undefined && !LANGUAGES.has(checkout.defaultLanguage)) throw invalid('checkout.defaultLanguage', 'Unknown language');
        if (checkout.speedPolicy !== undefined && !SPEED_POLICIES.has(checkout.speedPolicy)) throw invalid('checkout.speedPolicy', 'Unknown speed policy');
        return minor;
    }

    function createInvoice(body) {
        checkInvoiceBody(body);
        const id = randomId();
        const created = nowSeconds();
        const minutes = body.checkout?.expirationMinutes ?? 15;
        const invoice = {
            id,
            storeId,
            amount: body.amount,
            currency: body.currency,
            type: 'Standard',
            checkoutLink: `${btcpay.url}/i/${id}`,
            createdTime: created,
            expirationTime: created + minutes * 60,
            monitoringExpiration: created + minutes * 60 + 3600,
            status: 'New',
            additionalStatus: 'None',
            archived: false,
            metadata: { ...body.metadata },
            checkout: {
                speedPolicy: 'MediumSpeed', paymentMethods: ['BTC', 'BTC-LightningNetwork'], defaultPaymentMethod: null,
                expirationMinutes: minutes, monitoringMinutes: 60, paymentTolerance: 0, redirectURL: null,
                redirectAutomatically: false, requiresRefundEmail: null, checkoutType: null, defaultLanguage: null,
                ...body.checkout,
            },
            receipt: { enabled: null, showQR: null, showPayments: null },
            availableStatusesForManualMarking: ['Settled', 'Invalid'],
        };
        invoices.set(id, invoice);
        emit(invoice, 'InvoiceCreated');
        return invoice;
    }

    async function readBody(req) {
        const chunks = [];
        let size = 0;
        for await (const chunk of req) {
            size += chunk.length;
            if (size > MAX_BODY) throw new GreenfieldError(413, 'body-too-large', 'The body is too large');
            chunks.push(chunk);
        }
        return Buffer.concat(chunks).toString('utf8');
    }

    function send(res, status, body, headers = {}) {
        const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
        res.end(text);
    }

    async function handleApi(req, res, url, raw) {
        const log = { method: req.method, path: url.pathname, query: url.search, authorized: false, body: null, status: 0, at: Date.now() };
        requests.push(log);
        try {
            const fault = faults.find((f) => f.count > 0 && (!f.method || f.method === req.method) && (!f.path || url.pathname.includes(f.path)));
            if (fault) {
                fault.count--;
                throw new GreenfieldError(fault.status, 'stand-in-fault', 'An injected failure');
            }
            const auth = req.headers.authorization ?? '';
            if (!/^token [0-9a-zA-Z]+$/.test(auth)) throw new GreenfieldError(401, 'unauthenticated', 'Authentication is required for accessing this endpoint');
            if (auth.slice(6) !== apiKey) throw new GreenfieldError(401, 'unauthenticated', 'The API key is not valid');
            log.authorized = true;
            const m = /^\/api\/v1\/stores\/([^/]+)\/invoices(?:\/([^/]+))?$/.exec(url.pathname);
            if (!m) throw new GreenfieldError(404, 'not-found', 'The endpoint was not found');
            if (m[1] !== storeId) throw new GreenfieldError(403, 'missing-permission', 'The API key does not have permission on this store');
            if (req.method === 'POST' && !m[2]) {
                if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new GreenfieldError(415, 'unsupported-media-type', 'The body must be application/json');
                let body;
                try { body = JSON.parse(raw); } catch { throw new GreenfieldError(400, 'invalid-json', 'The body is not JSON'); }
                log.body = body;
                const invoice = createInvoice(body);
                log.status = 200;
                send(res, 200, invoice);
                return;
            }
            if (req.method === 'GET' && m[2]) {
                const invoice = invoices.get(m[2]);
                if (!invoice) throw new GreenfieldError(404, 'invoice-not-found', 'The invoice was not found');
                log.status = 200;
                send(res, 200, invoice);
                return;
            }
            if (req.method === 'GET') {
                const orderIds = url.searchParams.getAll('orderId');
                const list = [...invoices.values()].filter((i) => orderIds.length === 0 || orderIds.includes(i.metadata.orderId)).reverse();
                log.status = 200;
                send(res, 200, list);
                return;
            }
            throw new GreenfieldError(405, 'method-not-allowed', 'The method is not allowed');
        } catch (e) {
            const err = e instanceof GreenfieldError ? e : new GreenfieldError(500, 'server-error', `The stand-in failed: ${e.message}`);
            log.status = err.status;
            log.error = err.body;
            send(res, err.status, err.body);
        }
    }

    /* ------------------------------------------------------- the checkout */

    const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

    function checkoutPage(invoice) {
        const outcomes = ['settled', 'processing', 'expired', 'invalid'];
        return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invoice ${escape(invoice.id)}</title></head><body>
<h1>Pay ${escape(invoice.amount)} ${escape(invoice.currency)}</h1><p data-status="${escape(invoice.status)}">${escape(invoice.status)}</p>
${outcomes.map((o) => `<form method="post" action="/i/${escape(invoice.id)}"><input type="hidden" name="outcome" value="${o}"><button type="submit">${o}</button></form>`).join('\n')}
</body></html>`;
    }

    async function handleCheckout(req, res, url, raw) {
        const id = url.pathname.slice(3);
        const invoice = invoices.get(id);
        if (!invoice) { send(res, 404, '<!doctype html><p>Invoice not found</p>'); return; }
        if (req.method === 'GET') { send(res, 200, checkoutPage(invoice)); return; }
        const outcome = new URLSearchParams(raw).get('outcome');
        try {
            if (outcome === 'settled') settle(id);
            else if (outcome === 'processing') process(id);
            else if (outcome === 'expired') expire(id);
            else if (outcome === 'invalid') invalidate(id);
            else { send(res, 400, '<!doctype html><p>Unknown outcome</p>'); return; }
        } catch (e) {
            send(res, 409, `<!doctype html><p>${escape(e.message)}</p>`);
            return;
        }
        if (invoice.status === 'Settled' && invoice.checkout.redirectAutomatically && invoice.checkout.redirectURL) {
            send(res, 303, '', { Location: invoice.checkout.redirectURL, 'Content-Type': 'text/plain' });
            return;
        }
        send(res, 200, checkoutPage(invoice));
    }

    /* ------------------------------------------------------------ webhooks */

    /** An event as BTCPay builds it: the common fields, then its type's. */
    function makeEvent(invoice, type, extra = {}) {
        const deliveryId = randomId();
        const body = {
            deliveryId,
            webhookId,
            originalDeliveryId: deliveryId,
            isRedelivery: false,
            type,
            timestamp: nowSeconds(),
            storeId,
            invoiceId: invoice.id,
            metadata: { ...invoice.metadata },
            ...extra,
        };
        const event = { deliveryId, type, invoiceId: invoice.id, status: invoice.status, body };
        events.push(event);
        return event;
    }

    function emit(invoice, type, extra = {}, sendNow = true) {
        const extras = {
            InvoiceCreated: {},
            InvoiceReceivedPayment: { afterExpiration: false, paymentMethod: 'BTC', payment: { id: `${randomId(64)}-0`, receivedDate: nowSeconds(), value: '0.00012345', fee: '0.0', status: 'Processing', destination: 'bc1qstandinaddressxxxxxxxxxxxxxxxxxxxxxx' } },
            InvoiceProcessing: { overPaid: false },
            InvoiceSettled: { manuallyMarked: false, overPaid: false },
            InvoiceExpired: { partiallyPaid: false },
            InvoiceInvalid: { manuallyMarked: false },
        }[type] ?? {};
        const event = makeEvent(invoice, type, { ...extras, ...extra });
        if (sendNow && btcpay.autoDeliver && btcpay.webhookUrl) {
            const p = deliverOne(event).finally(() => pending.delete(p));
            pending.add(p);
        }
        return event;
    }

    function postOnce(url, body, headers, timeoutMs) {
        return new Promise((resolve) => {
            let u;
            try { u = new URL(url); } catch (e) { resolve({ status: null, error: e.message, final: true }); return; }
            if (u.protocol !== 'http:' || !isLoopback(u.hostname)) { resolve({ status: null, error: `refusing to deliver to ${url}`, final: true }); return; }
            const req = http.request({
                host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || 80, path: u.pathname + u.search, method: 'POST', agent,
                headers: { 'User-Agent': 'BTCPayServer', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
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

    /** Delivers one event until patron answers 2xx: each retry is a
     * redelivery with its own deliveryId. opts: url, maxAttempts,
     * retryDelaysMs, timeoutMs, secret (sign with another), body (raw, sent
     * as it is), signatureHeader (sent instead of the right one).
     * → {deliveryId, attempts, status, error, answer}. */
    async function deliverOne(event, opts = {}) {
        const o = { ...delivery, ...opts };
        const url = o.url ?? btcpay.webhookUrl;
        const result = { deliveryId: event.deliveryId, invoiceId: event.invoiceId, type: event.type, attempts: 0, status: null, error: null, answer: null };
        if (!url) { result.error = 'no webhook URL'; return result; }
        const attempts = Math.max(1, Math.min(o.maxAttempts, 1000));
        let body = event.body;
        for (let attempt = 1; attempt <= attempts; attempt++) {
            const text = o.body ?? JSON.stringify(body);
            const sig = o.signatureHeader !== undefined ? o.signatureHeader : signature(text, o.secret ?? webhookSecret);
            const r = await postOnce(url, text, sig === null ? {} : { 'BTCPay-Sig': sig }, o.timeoutMs);
            result.attempts = attempt;
            result.status = r.status;
            result.error = r.error ?? null;
            result.answer = r.body ?? null;
            deliveries.push({ deliveryId: body.deliveryId, originalDeliveryId: body.originalDeliveryId, invoiceId: event.invoiceId, type: event.type, attempt, status: r.status, error: r.error ?? null, at: Date.now() });
            if (r.status !== null && r.status >= 200 && r.status < 300) return result;
            if (attempt === attempts || r.final || closed) break;
            const delays = o.retryDelaysMs;
            await wait(delays.length ? delays[Math.min(attempt - 1, delays.length - 1)] : 0);
            if (closed) break;
            body = { ...body, deliveryId: randomId(), isRedelivery: true, timestamp: nowSeconds() };
        }
        return result;
    }

    /* ------------------------------------------------------------ controls */

    function invoice(id) {
        const i = invoices.get(id);
        if (!i) throw new Error(`no invoice ${id}`);
        return i;
    }

    /** A payment seen, waiting for confirmations. */
    function process(id, { deliver: sendNow = true } = {}) {
        const i = invoice(id);
        if (i.status !== 'New') throw new Error(`invoice ${id} is ${i.status}`);
        i.status = 'Processing';
        return [emit(i, 'InvoiceReceivedPayment', {}, sendNow), emit(i, 'InvoiceProcessing', {}, sendNow)];
    }

    /** Paid and confirmed. */
    function settle(id, { deliver: sendNow = true } = {}) {
        const i = invoice(id);
        const made = [];
        if (i.status === 'New') made.push(...process(id, { deliver: sendNow }));
        if (i.status !== 'Processing') throw new Error(`invoice ${id} is ${i.status}`);
        i.status = 'Settled';
        made.push(emit(i, 'InvoiceSettled', {}, sendNow));
        return made;
    }

    /** Not paid in time. */
    function expire(id, { deliver: sendNow = true } = {}) {
        const i = invoice(id);
        if (i.status !== 'New') throw new Error(`invoice ${id} is ${i.status}`);
        i.status = 'Expired';
        return [emit(i, 'InvoiceExpired', {}, sendNow)];
    }

    /** Paid, but the payment did not confirm in time (or was double-spent). */
    function invalidate(id, { deliver: sendNow = true } = {}) {
        const i = invoice(id);
        const made = [];
        if (i.status === 'New') made.push(...process(id, { deliver: sendNow }));
        if (i.status !== 'Processing') throw new Error(`invoice ${id} is ${i.status}`);
        i.status = 'Invalid';
        made.push(emit(i, 'InvoiceInvalid', {}, sendNow));
        return made;
    }

    const server = http.createServer(async (req, res) => {
        const url = new URL(req.url, `http://${HOST}`);
        let raw;
        try { raw = await readBody(req); } catch (e) { send(res, 413, { code: 'body-too-large', message: e.message }); return; }
        if (url.pathname.startsWith('/api/')) await handleApi(req, res, url, raw);
        else if (url.pathname.startsWith('/i/')) await handleCheckout(req, res, url, raw);
        else send(res, 404, { code: 'not-found', message: 'Not found' });
    });
    server.keepAliveTimeout = 5000;
    await new Promise((resolve) => server.listen(options.port ?? 0, HOST, resolve));
    btcpay.url = `http://${HOST}:${server.address().port}`;

    Object.assign(btcpay, {
        server,
        createInvoice,
        settle,
        expire,
        invalidate,
        process,
        emit,
        deliverOne,
        /** The next `count` API requests whose path includes `path` (and of
         * method, if given) fail with `status`. */
        injectFault({ method = null, path = null, status = 500, count = 1 } = {}) {
            const fault = { method, path, status, count };
            faults.push(fault);
            return fault;
        },
        clearFaults() { faults.length = 0; },
        /** Waits (bounded) until every automatic delivery has finished. */
        async idle(timeoutMs = 60_000) {
            const deadline = Date.now() + timeoutMs;
            for (let i = 0; i < 10_000 && pending.size > 0 && Date.now() < deadline; i++) {
                let timer;
                const timeout = new Promise((resolve) => { timer = setTimeout(resolve, Math.max(1, deadline - Date.now())); });
                await Promise.race([Promise.allSettled([...pending]), timeout]);
                clearTimeout(timer);
            }
            if (pending.size > 0) throw new Error(`${pending.size} webhook deliveries still pending after ${timeoutMs} ms`);
        },
        async close() {
            closed = true;
            for (const w of waits) { clearTimeout(w.timer); w.resolve(); }
            waits.clear();
            agent.destroy();
            server.closeAllConnections?.();
            await new Promise((resolve) => server.close(() => resolve()));
        },
    });
    return btcpay;
}
