// Stripe's form encoding: application/x-www-form-urlencoded with bracket
// syntax for nested values ("line_items[0][price_data][currency]=usd",
// "expand[]=customer"). Objects whose keys are all 0..n-1 become arrays, as
// Stripe reads them. An empty value is kept as "" (Stripe's way to unset an
// emptyable field, e.g. "pause_collection=").

const MAX_DEPTH = 8;

/** Splits "a[b][0][]" into ["a", "b", "0", ""]; null when malformed. */
export function splitKey(key) {
    const open = key.indexOf('[');
    if (open < 0) return [key];
    const parts = [key.slice(0, open)];
    let rest = key.slice(open);
    for (let i = 0; i < MAX_DEPTH + 1 && rest.length > 0; i++) {
        const m = /^\[([^\[\]]*)\]/.exec(rest);
        if (!m) return null;
        parts.push(m[1]);
        rest = rest.slice(m[0].length);
    }
    if (rest.length > 0 || parts.length > MAX_DEPTH + 1 || parts[0] === '') return null;
    return parts;
}

function toArrays(value) {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(toArrays);
    const keys = Object.keys(value);
    for (const k of keys) value[k] = toArrays(value[k]);
    if (keys.length > 0 && keys.every((k) => /^(0|[1-9][0-9]*)$/.test(k))) {
        const n = keys.length;
        if (keys.every((k) => Number(k) < n)) {
            const out = [];
            for (let i = 0; i < n; i++) out.push(value[String(i)]);
            return out;
        }
    }
    return value;
}

/**
 * Parses a form body (string) into nested params. Throws an Error with
 * .param set when a key is malformed or used both as a value and an object.
 */
export function parseForm(text) {
    const root = {};
    if (!text) return root;
    const search = new URLSearchParams(text);
    for (const [key, value] of search) {
        const parts = splitKey(key);
        if (parts === null) {
            const e = new Error(`Invalid parameter name: ${key}`);
            e.param = key;
            throw e;
        }
        let node = root;
        for (let i = 0; i < parts.length; i++) {
            let part = parts[i];
            const last = i === parts.length - 1;
            if (part === '') {
                // "a[]": append to an array held as an object with counters.
                part = String(Object.keys(node).length);
            }
            if (last) {
                if (typeof node[part] === 'object' && node[part] !== null) {
                    const e = new Error(`Invalid parameter: ${key} is given both as a value and as an object`);
                    e.param = key;
                    throw e;
                }
                node[part] = value;
            } else {
                if (node[part] === undefined) node[part] = {};
                if (typeof node[part] !== 'object') {
                    const e = new Error(`Invalid parameter: ${key} is given both as a value and as an object`);
                    e.param = key;
                    throw e;
                }
                node = node[part];
            }
        }
    }
    return toArrays(root);
}

/** The inverse, for tests that call the stand-in like a client would. */
export function encodeForm(params) {
    const pairs = [];
    const walk = (prefix, value) => {
        if (value === undefined) return;
        if (value === null) { pairs.push([prefix, '']); return; }
        if (Array.isArray(value)) { value.forEach((v, i) => walk(`${prefix}[${i}]`, v)); return; }
        if (typeof value === 'object') {
            for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}[${k}]` : k, v);
            return;
        }
        pairs.push([prefix, String(value)]);
    };
    walk('', params);
    return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** A canonical string of params, to compare two requests' parameters. */
export function canonical(value) {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}
