import { handleSchedule } from '../../../src/http/schedule';
import { handleLimit } from '../../../src/http/limit';
import { handleLogs, handleEmeter } from '../../../src/http/logs';
import { Scheduler } from '../../../src/core/schedule/scheduler';
import { LimitManager } from '../../../src/core/schedule/limits';
import { EnergyMeter } from '../../../src/core/evse/energy-meter';
import { EventLog } from '../../../src/core/evse/event-log';
import { Tz } from '../../../src/core/time/tz';
import { FakeClock } from '../../helpers/fake-clock';
import { MemStorage, FakeClaims } from './helpers';

function call(fn: (gw: any, ctx: any) => void, gw: any, method: string, path: string, body = '') {
  const out: any = { code: 0, body: undefined, headers: {} };
  const ctx: any = {
    method,
    parts: path.substr(1).split('/'),
    query: {},
    body,
    req: { headers: {} },
    res: {
      writeHead(code: number, h: any) {
        out.code = code;
        out.headers = h || {};
      },
      write() {},
      end(d: string) {
        out.body = d ? JSON.parse(d) : d;
      },
    },
  };
  fn(gw, ctx);
  return out;
}

function gateway() {
  const clock = new FakeClock(Date.parse('2026-01-14T11:00:00Z'));
  const storage = new MemStorage();
  const claims = new FakeClaims();
  const tz = new Tz('Europe/London|GMT0BST,M3.5.0/1,M10.5.0');
  const status: any = { state: 1, vehicle: 0, amp: 0, voltage: 240, evse_connected: 1, watthour: 0 };
  const fns: any[] = [];
  const monitor = {
    status,
    onChange: (f: any) => fns.push(f),
    query(cmd: string, cb?: (err: string | null) => void) {
      if (cmd === '$GU') status.watthour = 4321000;
      if (cb) cb(null);
    },
  };
  const meter = new EnergyMeter(monitor, clock, tz, storage);
  return {
    scheduler: new Scheduler(claims, clock, tz, storage, { window: 0 }),
    limits: new LimitManager(claims, monitor, clock, meter, {}),
    meter,
    monitor,
    eventLog: new EventLog(storage, clock),
  };
}

describe('HTTP handlers', () => {
  test('/schedule', () => {
    const gw = gateway();
    const ev = { id: 1, state: 'active', time: '19:00', days: ['monday'] };
    expect(call(handleSchedule, gw, 'GET', '/schedule')).toMatchObject({ code: 200, body: [] });
    expect(call(handleSchedule, gw, 'POST', '/schedule', JSON.stringify([ev]))).toMatchObject({ code: 200, body: { msg: 'done' } });
    expect(call(handleSchedule, gw, 'POST', '/schedule', '{bad')).toMatchObject({ code: 400, body: { msg: 'Could not parse JSON' } });
    expect(call(handleSchedule, gw, 'POST', '/schedule', JSON.stringify([{ ...ev, id: 2, time: '25:00' }]))).toMatchObject({ code: 400 });
    expect(call(handleSchedule, gw, 'POST', '/schedule/7', JSON.stringify({ state: 'disabled', time: '07:00', days: ['friday'] }))).toMatchObject({ code: 200 });
    expect(call(handleSchedule, gw, 'GET', '/schedule/7').body).toEqual({ id: 7, state: 'disabled', time: '07:00:00', days: ['friday'] });
    expect(call(handleSchedule, gw, 'GET', '/schedule/8').code).toBe(404);
    expect(call(handleSchedule, gw, 'GET', '/schedule').body).toHaveLength(2);
    const plan = call(handleSchedule, gw, 'GET', '/schedule/plan');
    expect(plan.code).toBe(200);
    expect(Object.keys(plan.body)).toEqual(['current_day', 'current_offset', 'next_event_delay', 'current_event', 'next_event']);
    expect(call(handleSchedule, gw, 'DELETE', '/schedule/7')).toMatchObject({ code: 200, body: { msg: 'done' } });
    expect(call(handleSchedule, gw, 'DELETE', '/schedule/7').code).toBe(404);
    expect(call(handleSchedule, gw, 'PUT', '/schedule').code).toBe(405);
    expect(call(handleSchedule, gw, 'GET', '/schedule/x').code).toBe(404);
    expect(gw.scheduler.version).toBe(3);
  });

  test('/limit', () => {
    const gw = gateway();
    expect(call(handleLimit, gw, 'GET', '/limit')).toMatchObject({ code: 200, body: {} });
    expect(call(handleLimit, gw, 'POST', '/limit', '{"type":"energy","value":5000}')).toMatchObject({ code: 201, body: { msg: 'done' } });
    expect(call(handleLimit, gw, 'POST', '/limit', '{"type":"cost","value":5}')).toMatchObject({ code: 400 });
    expect(call(handleLimit, gw, 'GET', '/limit').body).toEqual({ type: 'energy', value: 5000, auto_release: true });
    expect(call(handleLimit, gw, 'DELETE', '/limit')).toMatchObject({ code: 200, body: { msg: 'done' } });
    expect(call(handleLimit, gw, 'DELETE', '/limit')).toMatchObject({ code: 404, body: { msg: 'no limit' } });
  });

  test('/logs and /emeter', () => {
    const gw = gateway();
    expect(call(handleLogs, gw, 'GET', '/logs').body).toEqual({ min: 0, max: 0 });
    gw.eventLog.add({ managerState: 'active', evseState: 3, evseFlags: 0, pilot: 32, energy: 0, elapsed: 0, temperature: 250, temperatureMax: 260, divertMode: 1, shaper: 0 });
    expect(call(handleLogs, gw, 'GET', '/logs/0').body).toHaveLength(1);
    expect(call(handleLogs, gw, 'GET', '/logs/1')).toMatchObject({ code: 404, body: { msg: 'Block out of range' } });
    expect(call(handleEmeter, gw, 'GET', '/emeter').code).toBe(405);
    expect(call(handleEmeter, gw, 'DELETE', '/emeter', '{"hard":"yes"}').code).toBe(400);
    expect(call(handleEmeter, gw, 'DELETE', '/emeter')).toMatchObject({ code: 200, body: { msg: 'Reset done' } });
    expect(call(handleEmeter, gw, 'DELETE', '/emeter', '{"hard":true,"import":true}')).toMatchObject({ code: 200 });
    expect(gw.meter.fields().total_energy).toBe(4321);
  });
});
