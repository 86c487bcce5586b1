// The shipped nginx example (packaging/nginx.conf) must log nothing that
// names a reader, above all when patron is down: nginx then logs each
// request it could not pass on, with the client's address and the full URL,
// at its default error level. This runs Debian's real nginx with the example
// (TLS left out, logs in a temporary folder) in front of a patron that is not
// running, and reads every log file it wrote.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { REPO, HOST, freePort, makeTempDir, sleep } from './lib.mjs';

const NGINX = '/usr/sbin/nginx';
const READER = '127.0.0.2'; // the reader's address, as nginx sees it
const SECRET = 'manage-token-d41d8cd98f00b204';
const ARTICLE = 'the-minister-and-the-offshore-account';

/** The example, made to run unprivileged on loopback: same logging lines. */
function exampleFor(dir, port, upstreamPort) {
    const example = fs.readFileSync(path.join(REPO, 'packaging', 'nginx.conf'), 'utf8');
    const adapted = example
        .replace(/server 127\.0\.0\.1:8080;/, `server ${HOST}:${upstreamPort};`)
        .replace(/listen 443 ssl http2;/, `listen ${HOST}:${port};`)
        .replace(/^\s*ssl_certificate(_key)? .*$/gm, '')
        .replaceAll('/var/log/nginx/', `${dir}/log/`);
    assert.notEqual(adapted, example, 'the example has the lines this test adapts');
    assert.match(adapted, new RegExp(`listen ${HOST}:${port};`));
    // Debian's /etc/nginx/nginx.conf around it: a main error log at the
    // default level, and an access log in the http block.
    return `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/log/error.log;
events { worker_connections 64; }
http {
    access_log ${dir}/log/access.log;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
${adapted}
}
`;
}

function get(port, urlPath) {
    return new Promise((resolve, reject) => {
        const req = http.request({
            host: HOST, port, path: urlPath, method: 'GET', localAddress: READER,
            headers: { Host: 'support.example.org', Referer: `https://news.example.org/${ARTICLE}` },
            timeout: 10_000,
        }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end();
    });
}

test('with patron down, the nginx example logs no reader address and no URL', async () => {
    assert.ok(fs.existsSync(NGINX), `${NGINX} is missing: ./run test installs Debian's nginx`);
    const dir = makeTempDir('nginx');
    fs.mkdirSync(path.join(dir, 'log'));
    fs.mkdirSync(path.join(dir, 'tmp'));
    const port = await freePort();
    const upstreamPort = await freePort(); // nothing listens: patron is down
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, exampleFor(dir, port, upstreamPort));
    const check = spawnSync(NGINX, ['-t', '-p', dir, '-c', conf, '-e', `${dir}/log/startup.log`], { encoding: 'utf8' });
    assert.equal(check.status, 0, `nginx -t refused the example:\n${check.stderr}`);

    const child = spawn(NGINX, ['-p', dir, '-c', conf, '-e', `${dir}/log/startup.log`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
        let statuses = [];
        for (let i = 0; i < 50; i++) {
            try {
                statuses = [
                    await get(port, `/manage?token=${SECRET}`),
                    await get(port, `/v1/appeal?article=${ARTICLE}`),
                    await get(port, `/dashboard/donors?q=${SECRET}`),
                    await get(port, `/v1/admin/campaigns?${SECRET}`),
                    await get(port, `/missing/${ARTICLE}.png`),
                ];
                break;
            } catch { await sleep(100); } // nginx still starting
        }
        assert.deepEqual(statuses, [502, 502, 502, 502, 502], `nginx answered ${statuses}: ${stderr}`);
    } finally {
        child.kill('SIGQUIT');
        await exited;
    }
    let logged = '';
    for (const name of fs.readdirSync(path.join(dir, 'log'))) {
        logged += fs.readFileSync(path.join(dir, 'log', name), 'utf8');
    }
    for (const trace of [READER, SECRET, ARTICLE, 'support.example.org']) {
        assert.ok(!logged.includes(trace), `the logs name the reader (${trace}):\n${logged}`);
    }
});
