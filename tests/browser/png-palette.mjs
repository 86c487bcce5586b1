// Makes a screenshot small enough to keep in the repository: a PNG from
// Chromium (8-bit RGB or RGBA, not interlaced) becomes a palette PNG of the
// 256 colours it uses most, each other colour drawn as the nearest of those.
// Dashboard pages are mostly flat colours and grey anti-aliasing, so the
// picture looks the same at a fraction of the size. Node built-ins only.

import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunks(png) {
    const out = [];
    let off = 8;
    for (let i = 0; i < 100_000 && off < png.length; i++) {
        const length = png.readUInt32BE(off);
        const type = png.toString('latin1', off + 4, off + 8);
        out.push({ type, data: png.subarray(off + 8, off + 8 + length) });
        off += 12 + length;
        if (type === 'IEND') break;
    }
    return out;
}

function chunk(type, data) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
}

const paeth = (a, b, c) => {
    const p = a + b - c;
    const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Decodes to {width, height, rgb: Buffer (3 bytes a pixel)}. */
export function decodePng(png) {
    if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
    const all = chunks(png);
    const ihdr = all.find((c) => c.type === 'IHDR').data;
    const width = ihdr.readUInt32BE(0), height = ihdr.readUInt32BE(4);
    const [depth, type, , , interlace] = [ihdr[8], ihdr[9], ihdr[10], ihdr[11], ihdr[12]];
    if (depth !== 8 || (type !== 2 && type !== 6) || interlace !== 0) throw new Error(`unsupported PNG (depth ${depth}, type ${type}, interlace ${interlace})`);
    const bpp = type === 6 ? 4 : 3;
    const raw = zlib.inflateSync(Buffer.concat(all.filter((c) => c.type === 'IDAT').map((c) => c.data)));
    const stride = width * bpp;
    const rgb = Buffer.alloc(width * height * 3);
    let prev = Buffer.alloc(stride);
    for (let y = 0; y < height; y++) {
        const filter = raw[y * (stride + 1)];
        const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
        for (let x = 0; x < stride; x++) {
            const a = x >= bpp ? line[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
            if (filter === 1) line[x] = (line[x] + a) & 255;
            else if (filter === 2) line[x] = (line[x] + b) & 255;
            else if (filter === 3) line[x] = (line[x] + ((a + b) >> 1)) & 255;
            else if (filter === 4) line[x] = (line[x] + paeth(a, b, c)) & 255;
        }
        for (let x = 0; x < width; x++) line.copy(rgb, (y * width + x) * 3, x * bpp, x * bpp + 3);
        prev = line;
    }
    return { width, height, rgb };
}

/** The PNG as a palette PNG (at most 256 colours). */
export function paletteCompress(png, { colours = 256 } = {}) {
    const { width, height, rgb } = decodePng(png);
    const counts = new Map();
    for (let i = 0; i < rgb.length; i += 3) {
        const key = (rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2];
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const palette = [...counts.entries()].sort((p, q) => q[1] - p[1]).slice(0, colours).map(([key]) => key);
    const index = new Map(palette.map((key, i) => [key, i]));
    const nearest = (key) => {
        let best = 0, bestDistance = Infinity;
        const r = key >> 16, g = (key >> 8) & 255, b = key & 255;
        for (let i = 0; i < palette.length; i++) {
            const p = palette[i];
            const dr = r - (p >> 16), dg = g - ((p >> 8) & 255), db = b - (p & 255);
            const d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
            if (d < bestDistance) { bestDistance = d; best = i; }
        }
        return best;
    };
    for (const key of counts.keys()) if (!index.has(key)) index.set(key, nearest(key));
    const raw = Buffer.alloc(height * (width + 1));
    for (let y = 0; y < height; y++) {
        raw[y * (width + 1)] = 0;
        for (let x = 0; x < width; x++) {
            const i = (y * width + x) * 3;
            raw[y * (width + 1) + 1 + x] = index.get((rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2]);
        }
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr[8] = 8; ihdr[9] = 3; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
    const plte = Buffer.alloc(palette.length * 3);
    palette.forEach((key, i) => { plte[i * 3] = key >> 16; plte[i * 3 + 1] = (key >> 8) & 255; plte[i * 3 + 2] = key & 255; });
    return Buffer.concat([
        SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', plte),
        chunk('IDAT', zlib.deflateSync(raw, { level: 9, memLevel: 9 })), chunk('IEND', Buffer.alloc(0)),
    ]);
}
