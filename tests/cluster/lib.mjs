// Helpers for the cluster test: a throwaway PostgreSQL cluster
// (tests/postgresql/cluster.sh), patron nodes on one database (the payments
// suite's startPatron, the first node's key file copied to the others) and
// Debian's nginx in front of them, running the shipped packaging/nginx.conf
// with every node in its upstream. Loopback only.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { REPO, HOST, freePort, makeTempDir, sleep } from '../http/lib.mjs';
import { startPatron } from '../payments/lib.mjs';

export const NGINX = '/usr/sbin/nginx';
const CLUSTER = path.join(REPO, 'tests', 'postgresql', 'cluster.sh');

function postgresInstalled() {
    try {
        return fs.readdirSync('/usr/lib/postgresql').some((v) =>
            fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
    } catch { return false; }
}

function onPath(name) {
    return (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, name)));
}

/** What this test needs and the machine lacks (empty: all there). */
export const missing = [
    ...(postgresInstalled() ? [] : ['PostgreSQL server (/usr/lib/postgresql/*/bin/initdb)']),
    ...(onPath('psql') ? [] : ['psql']),
    ...(fs.existsSync(NGINX) ? [] : [`nginx (${NGINX})`]),
];
if (missing.length > 0 && process.env.PATRON_TEST_PG_REQUIRED) {
    throw new Error(`the cluster test is required in this run but these are missing: ${missing.join(', ')}`);
}
/** node:test's skip option: false, or why. */
export const skip = missing.length > 0 ? `missing: ${missing.join(', ')}` : false;

export function clusterCommand(args, timeoutMs = 60_000) {
    const r = spawnSync(CLUSTER, args, { encoding: 'utf8', timeout: timeoutMs });
    assert.equal(r.status, 0, `cluster.sh ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
    return r.stdout;
}

/** Starts a throwaway cluster (stopped by its watchdog after `seconds` in
 * any case). Returns {url, dir, createDatabase(name) → its URL, stop()}. */
export function startPostgres(seconds = 600) {
    const lines = clusterCommand(['start', String(seconds)]);
    const value = (key) => lines.match(new RegExp(`^${key}=(.*)$`, 'm'))[1];
    const pg = { url: value('PATRON_TEST_PG_URL'), dir: value('PATRON_TEST_PG_DIR') };
    pg.createDatabase = (name) => {
        psql(pg.url, `CREATE DATABASE ${name}`);
        return pg.url.replace(/\/postgres$/, `/${name}`);
    };
    pg.ctl = (...args) => clusterCommand(['pg_ctl', pg.dir, ...args]);
    pg.stop = () => clusterCommand(['stop', pg.dir]);
    return pg;
}

export function psql(url, sql) {
    const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', url, '-c', sql],
        { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, `psql ${sql}: ${r.stderr}${r.error ?? ''}`);
    return r.stdout.trim();
}

/** The rows of a query, as objects (through json_agg). */
export function psqlRows(url, sql) {
    return JSON.parse(psql(url, `SELECT coalesce(json_agg(t), '[]'::json) FROM (${sql}) t`));
}

/**
 * `count` patron nodes on one database, each with its own folder and port,
 * the same settings, and the first node's key file. The first seeds the
 * demo campaign. Returns the payments suite's handles (base, port,
 * configFile, kill(), stop(), start(), stderr()).
 */
export async function startNodes({ count, stripe, smtp, config }) {
    const first = await startPatron({ stripe, smtp, config, seedDemo: true, label: 'cluster-1' });
    const key = path.join(first.dir, 'data', 'patron.key');
    const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) =>
        startPatron({ stripe, smtp, config, label: `cluster-${i + 2}`, keyFrom: key })));
    return [first, ...rest];
}

const nginxChildren = new Set();
process.on('exit', () => {
    for (const child of nginxChildren) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
});

/**
 * Debian's nginx with packaging/nginx.conf made to run unprivileged on
 * loopback (as tests/http/nginx.test.mjs does): TLS left out, logs in a
 * temporary folder, and the upstream listing every node with passive checks
 * (docs/SCALING.md, "The load balancer"). Returns {port, base, stop()}.
 */
export async function startNginx(nodes) {
    const dir = makeTempDir('cluster-nginx');
    fs.mkdirSync(path.join(dir, 'log'));
    fs.mkdirSync(path.join(dir, 'tmp'));
    const port = await freePort();
    const example = fs.readFileSync(path.join(REPO, 'packaging', 'nginx.conf'), 'utf8');
    const upstream = nodes.map((n, i) => `${i ? '    ' : ''}server ${HOST}:${n.port} max_fails=2 fail_timeout=5s;`).join('\n');
    const adapted = example
        .replace(/server 127\.0\.0\.1:8080;/, upstream)
        .replace(/listen 443 ssl http2;/, `listen ${HOST}:${port};`)
        .replace(/^\s*ssl_certificate(_key)? .*$/gm, '')
        .replaceAll('/var/log/nginx/', `${dir}/log/`);
    assert.ok(adapted.includes(`server ${HOST}:${nodes[nodes.length - 1].port} `), 'the example has the lines adapted here');
    assert.ok(adapted.includes(`listen ${HOST}:${port};`));
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/log/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
${adapted}
}
`);
    const child = spawn(NGINX, ['-p', dir, '-c', conf, '-e', `${dir}/log/startup.log`], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginxChildren.add(child);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { stderr += d; });
    let exit = null;
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
        nginxChildren.delete(child);
        exit = { code, signal };
        resolve(exit);
    }));
    const deadline = Date.now() + 10_000;
    for (let i = 0; i < 200 && Date.now() < deadline && exit === null; i++) {
        const up = await new Promise((resolve) => {
            const s = net.connect(port, HOST, () => { s.destroy(); resolve(true); });
            s.on('error', () => resolve(false));
        });
        if (up) break;
        await sleep(50);
    }
    assert.equal(exit, null, `nginx exited at start: ${JSON.stringify(exit)} ${stderr}`);
    return {
        port, dir,
        base: `http://${HOST}:${port}`,
        log: () => {
            let text = stderr;
            for (const name of fs.readdirSync(path.join(dir, 'log'))) text += fs.readFileSync(path.join(dir, 'log', name), 'utf8');
            return text;
        },
        async stop() {
            if (exit) return exit;
            child.kill('SIGQUIT');
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            const r = await exited;
            clearTimeout(timer);
            return r;
        },
    };
}

// Keep-alive connections, as a balancer or a reader's browser keeps them
// (fetch here cost several milliseconds a request on loopback).
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One POST of a JSON value (or a string as it is); never throws: {status,
 * body, json, error}. A connection refused or reset is status null. */
export function postJson(base, urlPath, value, { headers = {}, timeoutMs = 10_000 } = {}) {
    const body = typeof value === 'string' ? value : JSON.stringify(value);
    const url = new URL(urlPath, base);
    return new Promise((resolve) => {
        const req = http.request({
            host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', agent,
            headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let json = null;
                try { json = JSON.parse(text); } catch { /* not JSON */ }
                resolve({ status: res.statusCode, body: text, json, error: null });
            });
            res.on('error', (e) => resolve({ status: null, body: '', json: null, error: String(e.code ?? e.message) }));
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
        req.on('error', (e) => resolve({ status: null, body: '', json: null, error: String(e.code ?? e.message) }));
        req.end(body);
    });
}
