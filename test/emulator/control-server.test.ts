// The control interface over real HTTP (the emulator itself runs on a FakeClock).
import * as http from 'http';
import { AddressInfo } from 'net';
import { startControlServer } from '../../src/emulator/control-server';
import { rig, Rig } from './rig';

let r: Rig;
let server: http.Server;
let base: string;

beforeEach(async () => {
  r = rig();
  r.boot();
  server = await startControlServer(r.emu, 0);
  base = 'http://127.0.0.1:' + (server.address() as AddressInfo).port;
});

afterEach(() => new Promise<void>((done) => server.close(() => done())));

async function call(method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, { method, body, headers: body ? { 'Content-Type': 'application/json' } : {} });
  return { status: res.status, json: await res.json() };
}

test('GET /state is the snapshot', async () => {
  const { status, json } = await call('GET', '/state');
  expect(status).toBe(200);
  expect(json).toMatchObject({ state: 1, pilotState: 1, currentCapacity: 24, evState: 'A', vflags: 0x0200, flags: 1, firmware: '8.2.3' });
});

test('POST /ev drives the car; the controller follows on its clock', async () => {
  expect((await call('POST', '/ev', '{"state":"B"}')).json.evState).toBe('B');
  r.clock.advance(100);
  expect(r.emu.snapshot().state).toBe(2);
  await call('POST', '/ev', '{"state":"C"}');
  r.clock.advance(1000);
  expect((await call('GET', '/state')).json).toMatchObject({ state: 3, relayClosed: true, ampsDrawn: 24, chargingCurrentMa: 23760 });
  await call('POST', '/car', '{"max_current":10}');
  r.clock.advance(100);
  expect((await call('GET', '/state')).json).toMatchObject({ carMaxCurrent: 10, ampsDrawn: 10 });
  await call('POST', '/ev', '{"state":"A"}');
  r.clock.advance(100);
  expect(r.emu.snapshot().state).toBe(1);
});

test('POST /fault, DELETE /fault, POST /temperature, POST /reboot', async () => {
  await call('POST', '/ev', '{"state":"C"}');
  r.clock.advance(3000);
  expect((await call('POST', '/fault', '{"code":6}')).json.fault).toBe(6);
  r.clock.advance(100);
  expect(r.emu.snapshot()).toMatchObject({ state: 6, relayClosed: false, faultCounters: { gfi: 1, noGround: 0, stuckRelay: 0 } });
  expect((await call('DELETE', '/fault')).json.fault).toBe(0);
  expect((await call('POST', '/temperature', '{"temp":250}')).json.temperatures).toEqual([-2560, 250, -2560]);
  expect((await call('POST', '/temperature', '{"temp":300,"sensor":2}')).json.temperatures).toEqual([-2560, 250, 300]);
  r.take();
  expect((await call('POST', '/reboot')).status).toBe(200);
  r.clock.advance(1000);
  expect(r.take()).toContain('$AB 00 8.2.3^1E\r');
});

test('bad JSON or values: 400 with a msg; unknown path 404; wrong method 405', async () => {
  const bad: Array<[string, string, string | undefined]> = [
    ['POST', '/ev', '{"state":"D"}'],
    ['POST', '/ev', '{"state":'],
    ['POST', '/ev', '[]'],
    ['POST', '/ev', undefined],
    ['POST', '/car', '{"max_current":-1}'],
    ['POST', '/car', '{"max_current":"16"}'],
    ['POST', '/fault', '{"code":3}'],
    ['POST', '/fault', '{"code":12}'],
    ['POST', '/temperature', '{"temp":"hot"}'],
    ['POST', '/temperature', '{"temp":20.5}'],
    ['POST', '/temperature', '{"temp":200,"sensor":3}'],
  ];
  for (const [method, path, body] of bad) {
    const res = await call(method, path, body);
    expect([path, body, res.status, typeof res.json.msg]).toEqual([path, body, 400, 'string']);
  }
  expect(r.emu.snapshot()).toMatchObject({ evState: 'A', carMaxCurrent: 80, fault: 0, temperatures: [-2560, -2560, -2560] });
  expect((await call('GET', '/nope')).status).toBe(404);
  expect((await call('PUT', '/ev', '{"state":"B"}')).status).toBe(405);
});
