#!/usr/bin/env node
// npm run ota -- --host <ip> [--port N] [--user U --pass P] [--only web|image] [--file F ...]
// Uploads update files to a gateway's /update as multipart/form-data (as a browser or
// `curl -F firmware=@image.bin` would), with a progress line each; prints each answer; exits
// non-zero unless the gateway answered 200 to all. By default the build's two files: the web page
// (dist/esp32/web.bin) first, since it needs no restart, then the image (dist/esp32/image.bin),
// after which the device restarts. A refused file stops the rest. Plain Node, no dependencies.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const DEFAULTS = { web: 'dist/esp32/web.bin', image: 'dist/esp32/image.bin' };

function usage(msg) {
  if (msg) console.error('ota: ' + msg);
  console.error('usage: npm run ota -- --host <ip> [--port N] [--user U --pass P] [--only web|image] [--file F ...]');
  console.error('  default: ' + DEFAULTS.web + ' then ' + DEFAULTS.image + '; --file (repeatable) sends the files named instead');
  process.exit(2);
}

const args = { port: '80' };
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--help' || a === '-h') usage();
  if (!a.startsWith('--') || i + 1 >= argv.length) usage('bad argument ' + a);
  const k = a.substr(2);
  if (!['host', 'port', 'user', 'pass', 'file', 'only'].includes(k)) usage('unknown option ' + a);
  if (k === 'file') files.push(argv[++i]);
  else args[k] = argv[++i];
}
if (!args.host) usage('--host is required');
if (args.only && !DEFAULTS[args.only]) usage('--only takes web or image');
if (args.only && files.length) usage('--only or --file, not both');
if (!files.length) files.push(...(args.only ? [DEFAULTS[args.only]] : [DEFAULTS.web, DEFAULTS.image]));
// --host 192.168.1.5:8080 works too
if (args.host.includes(':') && !args.host.startsWith('[')) {
  const [h, p] = args.host.split(':');
  args.host = h;
  args.port = p;
}
const sizes = files.map((f) => {
  try {
    return fs.statSync(f).size;
  } catch (e) {
    return usage('cannot read ' + f + (f.startsWith('dist/') ? ' (run npm run build first)' : ''));
  }
});

const tty = process.stderr.isTTY;

/** One file to /update; resolves with the status code once the answer is printed. */
function upload(file, size) {
  return new Promise((resolve) => {
    const boundary = '----openevse-ota-' + Math.random().toString(16).slice(2);
    const head = Buffer.from('--' + boundary + '\r\nContent-Disposition: form-data; name="firmware"; filename="' + path.basename(file).replace(/"/g, '') + '"\r\nContent-Type: application/octet-stream\r\n\r\n', 'latin1');
    const tail = Buffer.from('\r\n--' + boundary + '--\r\n', 'latin1');
    const headers = { 'Content-Type': 'multipart/form-data; boundary=' + boundary, 'Content-Length': head.length + size + tail.length };
    if (args.user || args.pass) headers.Authorization = 'Basic ' + Buffer.from((args.user || 'openevseadmin') + ':' + (args.pass || '')).toString('base64');

    let lastShown = -1;
    const progress = (sent) => {
      const pct = Math.floor((sent * 100) / size);
      if (pct === lastShown) return;
      lastShown = pct;
      const line = 'ota: ' + file + ' → ' + args.host + ':' + args.port + '  ' + pct + '% (' + sent + '/' + size + ' bytes)';
      if (tty) process.stderr.write('\r' + line);
      else if (pct % 10 === 0) process.stderr.write(line + '\n');
    };

    const req = http.request({ host: args.host, port: Number(args.port), method: 'POST', path: '/update', headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (tty) process.stderr.write('\n');
        const text = Buffer.concat(chunks).toString('utf8').trim();
        // one file: the answer alone, as before; several: which answer is whose
        console.log((files.length > 1 ? path.basename(file) + ': ' : '') + res.statusCode + ' ' + text);
        resolve(res.statusCode);
      });
    });
    req.setTimeout(60000, () => req.destroy(new Error('no answer for 60 s')));
    req.on('error', (e) => {
      if (tty) process.stderr.write('\n');
      console.error('ota: ' + file + ': ' + e.message);
      resolve(0);
    });
    req.write(head);
    let sent = 0;
    progress(0);
    const stream = fs.createReadStream(file, { highWaterMark: 4096 });
    stream.on('data', (c) => {
      sent += c.length;
      progress(sent);
      // the device writes each piece to flash as it comes: let the socket drain between pieces
      if (!req.write(c)) {
        stream.pause();
        req.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => req.end(tail));
    stream.on('error', (e) => {
      console.error('ota: ' + e.message);
      process.exit(1);
    });
  });
}

(async () => {
  for (let i = 0; i < files.length; i++) {
    if ((await upload(files[i], sizes[i])) !== 200) process.exit(1);
  }
  process.exit(0);
})();
