// An SMTP server on loopback (npm smtp-server) that keeps every message, and
// a minimal MIME reader for what patron sends: RFC 2047 encoded-word
// headers, multipart/alternative with base64 text and HTML parts.

import { SMTPServer } from 'smtp-server';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function decodeWords(value) {
    // Adjacent encoded words separated by folding whitespace join up.
    const unfolded = value.replace(/\?=\s+=\?/g, '?==?');
    return unfolded.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (all, charset, enc, text) => {
        if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
        return Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    });
}

function splitHead(raw) {
    const end = raw.search(/\r?\n\r?\n/);
    const headText = end < 0 ? raw : raw.slice(0, end);
    const body = end < 0 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
    const headers = {};
    const lines = headText.split(/\r?\n/);
    let current = null;
    for (const line of lines.slice(0, 500)) {
        if (/^[ \t]/.test(line) && current) {
            headers[current] += '\r\n' + line;
            continue;
        }
        const i = line.indexOf(':');
        if (i <= 0) continue;
        current = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        headers[current] = headers[current] === undefined ? value : `${headers[current]}, ${value}`;
    }
    for (const k of Object.keys(headers)) headers[k] = decodeWords(headers[k]).replace(/\r\n[ \t]*/g, ' ');
    return { headers, body };
}

function decodeBody(body, encoding) {
    const e = (encoding ?? '7bit').toLowerCase();
    if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (e === 'quoted-printable') {
        return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    }
    return body;
}

/** Parses a message: {headers, subject, to, from, text, html, parts}. */
export function parseMail(raw) {
    const { headers, body } = splitHead(raw);
    const out = { headers, subject: headers.subject ?? '', to: headers.to ?? '', from: headers.from ?? '', text: null, html: null, parts: [] };
    const type = headers['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
        const sections = body.split(`--${boundary}`);
        for (const section of sections.slice(1, 50)) {
            if (section.startsWith('--')) break;
            const part = splitHead(section.replace(/^\r?\n/, ''));
            const partType = part.headers['content-type'] ?? 'text/plain';
            const content = decodeBody(part.body, part.headers['content-transfer-encoding']);
            out.parts.push({ headers: part.headers, type: partType, content });
            if (/^text\/plain/i.test(partType) && out.text === null) out.text = content;
            if (/^text\/html/i.test(partType) && out.html === null) out.html = content;
        }
    } else {
        const content = decodeBody(body, headers['content-transfer-encoding']);
        if (/^text\/html/i.test(type)) out.html = content; else out.text = content;
    }
    return out;
}

/** The manage link in a message (the first /manage?t=... or /manage/magic?token=...). */
export function manageLink(message) {
    const text = `${message.text ?? ''}\n${message.html ?? ''}`;
    const m = /https?:\/\/[^\s"<>]+\/manage(?:\/magic)?\?(?:t|token)=[A-Za-z0-9_\-%.]+/.exec(text);
    return m ? m[0].replace(/&amp;/g, '&') : null;
}

/**
 * Starts an SMTP server on 127.0.0.1 that accepts any message and keeps it.
 * Returns {url ("smtp://127.0.0.1:PORT"), messages, waitFor(pred, ms), close()}.
 */
export async function startSmtp() {
    const messages = [];
    const server = new SMTPServer({
        secure: false,
        disabledCommands: ['STARTTLS', 'AUTH'],
        authOptional: true,
        logger: false,
        size: 1 << 20,
        onData(stream, session, callback) {
            const chunks = [];
            stream.on('data', (c) => chunks.push(c));
            stream.on('end', () => {
                const raw = Buffer.concat(chunks).toString('utf8');
                const parsed = parseMail(raw);
                messages.push({
                    raw,
                    envelope: { from: session.envelope.mailFrom?.address ?? null, to: session.envelope.rcptTo.map((r) => r.address) },
                    ...parsed,
                    at: Date.now(),
                });
                callback();
            });
        },
    });
    server.on('error', () => { /* a client that went away */ });
    await new Promise((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
    });
    const port = server.server.address().port;
    return {
        url: `smtp://127.0.0.1:${port}`,
        port,
        messages,
        /** Messages matching pred; waits (bounded) until at least `count` exist. */
        async waitFor(pred, { count = 1, timeoutMs = 15_000 } = {}) {
            const deadline = Date.now() + timeoutMs;
            for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
                const found = messages.filter(pred);
                if (found.length >= count) return found;
                await sleep(50);
            }
            const found = messages.filter(pred);
            if (found.length >= count) return found;
            throw new Error(`expected ${count} matching email(s) within ${timeoutMs} ms, have ${found.length}; all subjects: ${JSON.stringify(messages.map((m) => `${m.envelope.to} ${m.subject}`))}`);
        },
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
