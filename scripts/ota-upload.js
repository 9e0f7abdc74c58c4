#!/usr/bin/env node
// npm run ota -- --host <ip> [--port N] [--user U --pass P] [--file dist/esp32/image.bin]
// Uploads an update file to a gateway's /update as multipart/form-data (as a browser or
// `curl -F firmware=@image.bin` would), with a progress line; prints the answer; exits non-zero
// unless the gateway answered 200. Plain Node, no dependencies.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

function usage(msg) {
  if (msg) console.error('ota: ' + msg);
  console.error('usage: npm run ota -- --host <ip> [--port N] [--user U --pass P] [--file dist/esp32/image.bin]');
  process.exit(2);
}

const args = { file: 'dist/esp32/image.bin', port: '80' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--help' || a === '-h') usage();
  if (!a.startsWith('--') || i + 1 >= argv.length) usage('bad argument ' + a);
  const k = a.substr(2);
  if (!['host', 'port', 'user', 'pass', 'file'].includes(k)) usage('unknown option ' + a);
  args[k] = argv[++i];
}
if (!args.host) usage('--host is required');
// --host 192.168.1.5:8080 works too
if (args.host.includes(':') && !args.host.startsWith('[')) {
  const [h, p] = args.host.split(':');
  args.host = h;
  args.port = p;
}
let size;
try {
  size = fs.statSync(args.file).size;
} catch (e) {
  usage('cannot read ' + args.file + (args.file.startsWith('dist/') ? ' (run npm run build first)' : ''));
}

const boundary = '----openevse-ota-' + Math.random().toString(16).slice(2);
const head = Buffer.from('--' + boundary + '\r\nContent-Disposition: form-data; name="firmware"; filename="' + path.basename(args.file).replace(/"/g, '') + '"\r\nContent-Type: application/octet-stream\r\n\r\n', 'latin1');
const tail = Buffer.from('\r\n--' + boundary + '--\r\n', 'latin1');
const headers = { 'Content-Type': 'multipart/form-data; boundary=' + boundary, 'Content-Length': head.length + size + tail.length };
if (args.user || args.pass) headers.Authorization = 'Basic ' + Buffer.from((args.user || 'openevseadmin') + ':' + (args.pass || '')).toString('base64');

const tty = process.stderr.isTTY;
let lastShown = -1;
function progress(sent) {
  const pct = Math.floor((sent * 100) / size);
  if (pct === lastShown) return;
  lastShown = pct;
  const line = 'ota: ' + args.file + ' → ' + args.host + ':' + args.port + '  ' + pct + '% (' + sent + '/' + size + ' bytes)';
  if (tty) process.stderr.write('\r' + line);
  else if (pct % 10 === 0) process.stderr.write(line + '\n');
}

const req = http.request({ host: args.host, port: Number(args.port), method: 'POST', path: '/update', headers, agent: false }, (res) => {
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    if (tty) process.stderr.write('\n');
    const text = Buffer.concat(chunks).toString('utf8').trim();
    console.log(res.statusCode + ' ' + text);
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
});
req.setTimeout(60000, () => req.destroy(new Error('no answer for 60 s')));
req.on('error', (e) => {
  if (tty) process.stderr.write('\n');
  console.error('ota: ' + e.message);
  process.exit(1);
});
req.write(head);
let sent = 0;
progress(0);
const file = fs.createReadStream(args.file, { highWaterMark: 4096 });
file.on('data', (c) => {
  sent += c.length;
  progress(sent);
  // the device writes each piece to flash as it comes: let the socket drain between pieces
  if (!req.write(c)) {
    file.pause();
    req.once('drain', () => file.resume());
  }
});
file.on('end', () => req.end(tail));
file.on('error', (e) => {
  console.error('ota: ' + e.message);
  process.exit(1);
});
