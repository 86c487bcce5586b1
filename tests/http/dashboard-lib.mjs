// Helpers for the dashboard's HTTP tests: a patron (from tests/payments/lib.mjs,
// which can restart it on the same data with another clock), accounts made
// with `patron admin add-user`, and a signed-in client that carries its own
// cookie and CSRF token. Everything talks to 127.0.0.1 only.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { ADMIN_TOKEN, PATRON_BIN, http, sqlite } from '../payments/lib.mjs';

export { ADMIN_TOKEN, PATRON_BIN, http, sqlite };
export {
    startPatron, startStandin, stopClean, support, payAndReturn, pledgeRow, eventually, sleep, tail, withLog,
} from '../payments/lib.mjs';

export const COOKIE = '__Host-patron_session';
export const LOGIN_COOKIE = '__Host-patron_login';
export const PASSWORD = 'correct horse battery staple';

/** Runs `patron admin SUB ARGS... --config FILE` with PATRON_PASSWORD (bounded). */
export function admin(patron, args, { password, input } = {}) {
    const env = { ...process.env };
    delete env.PATRON_PASSWORD;
    if (password !== undefined) env.PATRON_PASSWORD = password;
    const r = spawnSync(PATRON_BIN, ['admin', ...args, '--config', patron.configFile], {
        encoding: 'utf8', timeout: 30_000, env, input: input ?? '',
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** Adds a dashboard account from the command line; asserts success. */
export function addUser(patron, email, role, password = PASSWORD) {
    const r = admin(patron, ['add-user', email, '--role', role], { password });
    assert.equal(r.status, 0, `patron admin add-user ${email} --role ${role} failed (${r.status}): ${r.stderr}`);
    return { email, role, password };
}

/** The value of the first hidden `csrf` field of a page. */
export function csrfOf(html) {
    const m = /<input[^>]*name="csrf"[^>]*value="([^"]+)"/.exec(html) ?? /<input[^>]*value="([^"]+)"[^>]*name="csrf"/.exec(html);
    return m ? m[1] : null;
}

/** The session cookie's value in a Set-Cookie header, or null. */
export function sessionCookieOf(headers) {
    for (const line of setCookiesOf(headers)) {
        const m = new RegExp(`^${COOKIE}=([^;]*)`).exec(line);
        if (m) return { value: m[1], line };
    }
    return null;
}

/** Text of an HTML fragment without tags, spaces collapsed (for matching numbers and words). */
export function textOf(html) {
    return html.replace(/<script[\s\S]*?<\/script>/gi, ' ').replace(/<[^>]+>/g, ' ')
        .replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim();
}

/** Every Set-Cookie line of an answer. */
export function setCookiesOf(headers) {
    return typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [headers.get('set-cookie')].filter(Boolean);
}

/**
 * A browser-like client of the dashboard: keeps its cookies (the session's
 * and the sign-in form's), sends Sec-Fetch-Site: same-origin on POSTs, and
 * fills in the CSRF token it last saw unless told otherwise.
 */
export class Client {
    constructor(patron, { client = null } = {}) {
        this.patron = patron;
        this.jar = new Map();
        this.csrf = null;
        this.client = client; // the X-Client header, when patron is told to trust it
    }

    get cookie() { return this.jar.get(COOKIE) ?? null; }
    set cookie(value) { if (value === null) this.jar.delete(COOKIE); else this.jar.set(COOKIE, value); }

    headers(extra = {}, { without = [] } = {}) {
        const h = { ...extra };
        const pairs = [...this.jar].filter(([k]) => !without.includes(k)).map(([k, v]) => `${k}=${v}`);
        if (pairs.length > 0) h.Cookie = pairs.join('; ');
        if (this.client) h['X-Client'] = this.client;
        return h;
    }

    keep(r) {
        for (const line of setCookiesOf(r.headers)) {
            const m = /^([^=;\s]+)=([^;]*)/.exec(line);
            if (!m) continue;
            if (m[2] === '' || /;\s*max-age=0\b/i.test(line)) this.jar.delete(m[1]);
            else this.jar.set(m[1], m[2]);
        }
        const token = csrfOf(r.body);
        if (token) this.csrf = token;
        return r;
    }

    async get(path, { headers = {} } = {}) {
        return this.keep(await http(this.patron.base, 'GET', path, { headers: this.headers(headers) }));
    }

    /**
     * POST a form: an object, or a list of [name, value] pairs (for names
     * that repeat, such as ticked checkboxes). csrf: undefined = the last
     * token seen, null = none, a string = that one.
     */
    async post(path, form = {}, { csrf, site = 'same-origin', headers = {} } = {}) {
        const fields = Array.isArray(form) ? [...form] : Object.entries(form);
        const token = csrf === undefined ? this.csrf : csrf;
        if (token !== null && token !== undefined) fields.push(['csrf', token]);
        const h = this.headers(headers);
        if (site) h['Sec-Fetch-Site'] = site;
        return this.keep(await http(this.patron.base, 'POST', path, { form: fields, headers: h }));
    }

    /**
     * Signs in as the page does: GET the form (its token and cookie), then
     * POST it. Returns the POST's answer with .setCookie (the session cookie
     * it set, or null). Keeps the session cookie on success.
     */
    async signIn(email, password = PASSWORD, { next } = {}) {
        const page = await http(this.patron.base, 'GET', '/dashboard/login', { headers: this.headers({}, { without: [COOKIE] }) });
        assert.equal(page.status, 200, `GET /dashboard/login answered ${page.status}`);
        this.keep(page);
        const form = { email, password, csrf: csrfOf(page.body) };
        if (next !== undefined) form.next = next;
        const r = await http(this.patron.base, 'POST', '/dashboard/login', {
            form, headers: this.headers({ 'Sec-Fetch-Site': 'same-origin' }, { without: [COOKIE] }),
        });
        r.setCookie = sessionCookieOf(r.headers);
        this.keep(r);
        return r;
    }

    /** Signs in (asserting success) and loads a page to learn the CSRF token. */
    async signInOk(email, password = PASSWORD, page = '/dashboard/reports') {
        const r = await this.signIn(email, password);
        assert.equal(r.status, 303, `sign-in of ${email} answered ${r.status}: ${r.body.slice(0, 400)}`);
        assert.ok(this.cookie, `no ${COOKIE} cookie after signing in ${email}: ${JSON.stringify(r.setCookie)}`);
        const p = await this.get(page);
        // Any page in the frame carries the token (the sign-out form has it).
        assert.notEqual(p.status, 303, `GET ${page} right after sign-in sent us to ${p.location}`);
        assert.ok(this.csrf, `no csrf field on ${page}`);
        return this;
    }
}

/** A client already signed in as email. */
export async function signedIn(patron, email, password = PASSWORD, page = '/dashboard/reports') {
    return new Client(patron).signInOk(email, password, page);
}

/** A digest of what the dashboard can change: campaigns, users, pledges and
 * the audit log (logins aside), for "nothing changed" checks. */
export function stateDigest(patron) {
    const parts = [
        sqlite(patron.db, 'SELECT id, document FROM campaigns ORDER BY id'),
        sqlite(patron.db, 'SELECT email, role, disabled, password_hash FROM users ORDER BY email'),
        sqlite(patron.db, 'SELECT id, status, hex(email_sealed) AS sealed FROM pledges ORDER BY id'),
        sqlite(patron.db, "SELECT id, action, detail FROM audit_log WHERE action NOT IN ('login', 'logout') ORDER BY id"),
    ];
    return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Audit rows as objects {time, who, action, detail}, from /dashboard/audit.csv. */
export function parseCsv(text) {
    const rows = [];
    let row = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
            else if (c === '"') quoted = false;
            else field += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') { row.push(field); field = ''; }
        else if (c === '\r' && text[i + 1] === '\n') { /* the \n ends it */ }
        else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
        else field += c;
    }
    if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
    return rows;
}

/** CSV text to objects keyed by the header row. */
export function csvObjects(text) {
    const [header, ...rows] = parseCsv(text);
    return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}
