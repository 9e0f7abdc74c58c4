// The emulator's control interface over HTTP, on its own port: what a test harness needs to play
// the car and the environment.
//   GET    /state                       snapshot JSON
//   POST   /ev           {"state":"A"|"B"|"C"}
//   POST   /car          {"max_current":N}
//   POST   /fault        {"code":N}       (4..11)      DELETE /fault
//   POST   /temperature  {"temp":N[,"sensor":0|1|2]}  (tenths of a degree C)
//   POST   /reboot
// Changes answer with the snapshot. Errors: {"msg":"..."} with 400 (bad JSON or value), 404, 405.

import * as http from 'http';
import { ControllerEmulator, FAULTS } from './controller';

const MAX_BODY = 10000;

class HttpError extends Error {
  constructor(readonly status: number, msg: string) {
    super(msg);
  }
}

type Handler = (emu: ControllerEmulator, body: any) => void;

const routes: { [path: string]: { [method: string]: Handler } } = {
  '/state': { GET: () => undefined },
  '/ev': {
    POST(emu, body) {
      const s = field(body, 'state');
      if (s === 'A') emu.unplug();
      else if (s === 'B') emu.plugIn();
      else if (s === 'C') emu.requestCharge();
      else throw new HttpError(400, 'state must be "A", "B" or "C"');
    },
  },
  '/car': {
    POST(emu, body) {
      const n = field(body, 'max_current');
      if (typeof n !== 'number' || !(n >= 0) || n > 1000) throw new HttpError(400, 'max_current must be a number of amps >= 0');
      emu.setCarMaxCurrent(n);
    },
  },
  '/fault': {
    POST(emu, body) {
      const code = field(body, 'code');
      if (typeof code !== 'number' || !FAULTS[code]) throw new HttpError(400, 'code must be one of 4..11');
      emu.injectFault(code);
    },
    DELETE(emu) {
      emu.clearFault();
    },
  },
  '/temperature': {
    POST(emu, body) {
      const t = field(body, 'temp');
      const sensor = body.sensor === undefined ? 1 : body.sensor;
      if (!Number.isInteger(t) || t < -32768 || t > 32767) throw new HttpError(400, 'temp must be an integer, tenths of a degree C');
      if (sensor !== 0 && sensor !== 1 && sensor !== 2) throw new HttpError(400, 'sensor must be 0, 1 or 2');
      emu.setTemperature(t, sensor);
    },
  },
  '/reboot': {
    POST(emu) {
      emu.reboot();
    },
  },
};

function field(body: any, name: string): any {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object');
  if (!(name in body)) throw new HttpError(400, 'missing "' + name + '"');
  return body[name];
}

function send(res: http.ServerResponse, status: number, obj: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(obj));
}

function handle(emu: ControllerEmulator, req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  try {
    const path = (req.url || '/').split('?')[0];
    const route = routes[path];
    if (!route) throw new HttpError(404, 'no such path: ' + path);
    const fn = route[req.method || 'GET'];
    if (!fn) throw new HttpError(405, 'method not allowed: ' + req.method + ' ' + path);
    let parsed: any = {};
    if (body.trim() !== '') {
      try {
        parsed = JSON.parse(body);
      } catch (e) {
        throw new HttpError(400, 'bad JSON: ' + (e as Error).message);
      }
    }
    fn(emu, parsed);
    send(res, 200, emu.snapshot());
  } catch (e) {
    if (e instanceof HttpError) send(res, e.status, { msg: e.message });
    else send(res, 500, { msg: String((e as Error).message || e) });
  }
}

/** Listens on `port` (0 picks a free one; see server.address()). */
export function startControlServer(emu: ControllerEmulator, port: number, host = '127.0.0.1'): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = '';
    let tooBig = false;
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) tooBig = true;
    });
    req.on('end', () => {
      if (tooBig) send(res, 400, { msg: 'body too large' });
      else handle(emu, req, res, body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}
