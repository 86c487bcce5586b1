// The headers stay valid whatever the newsroom is called: a long Russian
// name is RFC 2047-encoded in short words on folded lines, and an ASCII name
// with specials (comma, quotes, dot) is quoted so that From stays one mailbox.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
    startSmtp, startPatron, stopAndAssertClean, signUpOk, runSendExpect, monthFromNow, sendTime,
    decodeWords, tail, MAIL_FROM,
} from './lib.mjs';

const M1 = monthFromNow(1);

/** One reminder sent by a patron whose newsroom_name is `name`; returns the message. */
async function sendWithNewsroom(label, name, language) {
    const smtp = await startSmtp();
    let srv;
    try {
        srv = await startPatron({ smtpPort: smtp.port, label, config: { newsroom_name: name } });
        await signUpOk(srv, { email: 'headers@example.org', month: M1, language });
        await runSendExpect(srv, sendTime(M1), 0);
        assert.equal(smtp.delivered.length, 1);
        return smtp.delivered[0];
    } catch (e) {
        if (srv) e.message += `\n--- patron stderr ---\n${tail(srv.stderr, 3000)}`;
        throw e;
    } finally {
        if (srv) await stopAndAssertClean(srv);
        await smtp.close();
    }
}

function headLines(message) {
    return message.raw.slice(0, message.raw.search(/\r?\n\r?\n/)).split(/\r\n/);
}

/**
 * Parses a From value "display <addr>" per RFC 5322 closely enough:
 * the display name must be encoded words, a quoted string, or atoms
 * (no specials). Returns {name, address} or throws.
 */
function parseMailbox(value) {
    const unfolded = value.replace(/\r\n[ \t]+/g, ' ');
    const m = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(unfolded);
    if (!m) {
        assert.match(unfolded, /^[^\s,;<>"]+@[^\s,;<>"]+$/, `From is not one mailbox: ${unfolded}`);
        return { name: '', address: unfolded };
    }
    const display = m[1];
    let name;
    if (/^"(?:[^"\\]|\\.)*"$/.test(display)) {
        name = display.slice(1, -1).replace(/\\(.)/g, '$1');
    } else if (/^(=\?[^?]+\?[BbQq]\?[^?]*\?=\s*)+$/.test(display)) {
        name = decodeWords(display);
    } else {
        // atoms separated by spaces: no specials allowed
        // (a dot is tolerated: RFC 5322's obs-phrase allows it)
        assert.doesNotMatch(display, /[()<>\[\]:;@\\,"]/,
            `the From display name has unquoted specials, so mail clients split or misread it: ${JSON.stringify(display)}`);
        name = decodeWords(display);
    }
    return { name, address: m[2] };
}

let russian = null;
const RU_NAME = 'Независимая городская газета «Вечерний тестовый вестник» — редакция';
async function russianMessage() {
    russian ??= await sendWithNewsroom('reminders-headers-ru', RU_NAME, 'ru');
    return russian;
}

test('a long Russian newsroom name: ASCII headers, encoded words of at most 75 characters, decodable', { timeout: 60_000 }, async () => {
    const message = await russianMessage();
    for (const line of headLines(message)) {
        assert.ok(line.length <= 998, `a header line of ${line.length} characters (RFC 5322 allows 998)`);
        assert.match(line, /^[\x20-\x7e\t]*$/, `raw non-ASCII in a header line: ${line}`);
        for (const word of line.match(/=\?[^?]+\?[BbQq]\?[^?]*\?=/g) ?? []) {
            assert.ok(word.length <= 75, `an encoded word of ${word.length} characters (RFC 2047 allows 75): ${word}`);
        }
    }
    assert.equal(message.subject, `Напоминание от редакции ${RU_NAME}`);
    assert.deepEqual(parseMailbox(message.rawHeaders.from[0]), { name: RU_NAME, address: MAIL_FROM });
    assert.ok(message.text.includes(RU_NAME), 'the body names the newsroom');
});

// RFC 2047 section 2: "each line of a header field that contains one or more
// 'encoded-word's is limited to 76 characters". Mail clients rarely enforce
// it, but patron keeps to it.
test('header lines with encoded words are at most 76 characters (RFC 2047)', {
    timeout: 60_000,
}, async () => {
    const message = await russianMessage();
    const long = headLines(message).filter((line) => /=\?[^?]+\?[BbQq]\?/.test(line) && line.length > 76);
    assert.deepEqual(long.map((line) => `${line.length}: ${line}`), []);
});

test('an ASCII newsroom name with a comma, a dot and quotes: From stays one mailbox with that name', { timeout: 60_000 }, async () => {
    const name = 'Smith, Jones & Co. "Daily"';
    const message = await sendWithNewsroom('reminders-headers-specials', name, 'en');
    assert.equal(message.subject, `Your reminder from ${name}`);
    assert.deepEqual(parseMailbox(message.rawHeaders.from[0]), { name, address: MAIL_FROM },
        `From: ${message.rawHeaders.from[0]}`);
});
