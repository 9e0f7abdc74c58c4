// HTTP Basic authentication when `www_password` is set: every route (the WebSocket, the RAPI
// passthrough and the forms included), the blank-user rule, the throttle (429 "locked") and its
// end. The lockout's timing is tested on BasicAuth with a FakeClock; over HTTP the gateway's clock
// is moved forward instead of waiting (test/helpers/gateway.ts).
import { safeEqual, BasicAuth } from '../../src/http/auth';
import { FakeClock } from '../helpers/fake-clock';
import { startGateway, TestGateway, basicAuth } from '../helpers/gateway';
import { call, Reply } from '../helpers/http';
import { WsTestClient } from '../helpers/ws-client';

describe('safeEqual', () => {
  test('equal strings, and only those', () => {
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('openevseadmin:pa55', 'openevseadmin:pa55')).toBe(true);
    expect(safeEqual('Zoë€', 'Zoë€')).toBe(true);
    expect(safeEqual('a', 'b')).toBe(false);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('xbc', 'abc')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
    expect(safeEqual('a', '')).toBe(false);
    expect(safeEqual('abc', 'abcabc')).toBe(false); // a repeat of the shorter one
    expect(safeEqual('abcabc', 'abc')).toBe(false);
    expect(safeEqual('ab', 'abc')).toBe(false); // a prefix
    expect(safeEqual('\u0000', '')).toBe(false);
    expect(safeEqual('a\u0000', 'a')).toBe(false);
    expect(safeEqual('\u0100', '\u0000')).toBe(false);
  });
});

describe('BasicAuth (FakeClock)', () => {
  const h = (user: string, pass: string) => basicAuth(user, pass);
  const USER = '';
  const PASS = 'pw';

  test('no password set: everything passes', () => {
    const a = new BasicAuth(new FakeClock());
    expect(a.check(undefined, '', '')).toBe('ok');
    expect(a.check(h('x', 'y'), 'admin', '')).toBe('ok');
  });

  test('right, wrong, blank user = openevseadmin, malformed headers', () => {
    const a = new BasicAuth(new FakeClock());
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('ok');
    expect(a.check(h('', PASS), USER, PASS)).toBe('denied');
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('ok');
    expect(a.check(h('admin', PASS), 'admin', PASS)).toBe('ok');
    expect(a.check(h('openevseadmin', PASS), 'admin', PASS)).toBe('denied');
    expect(a.check(h('admin', PASS), 'admin', PASS)).toBe('ok');
    for (const bad of ['Basic', 'Basic !!!', 'Bearer ' + Buffer.from('admin:pw').toString('base64'), 'Basic ' + Buffer.from('admin:pw').toString('base64') + 'x', 'basic']) {
      expect([bad, a.check(bad, 'admin', PASS)]).toEqual([bad, 'denied']);
      expect(a.check(h('admin', PASS), 'admin', PASS)).toBe('ok'); // resets the count
    }
    // a password with a colon
    expect(a.check(h('admin', 'p:w'), 'admin', 'p:w')).toBe('ok');
  });

  test('5 wrong in a row lock for 30 s, the right password included; then 60 s; a success resets', () => {
    const clock = new FakeClock();
    const a = new BasicAuth(clock);
    // requests without credentials are a browser asking for the challenge, not guesses
    for (let i = 0; i < 20; i++) expect(a.check(undefined, USER, PASS)).toBe('denied');
    for (let i = 0; i < 4; i++) expect(a.check(h('openevseadmin', 'guess' + i), USER, PASS)).toBe('denied');
    expect(a.check(h('openevseadmin', 'guess4'), USER, PASS)).toBe('locked');
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('locked');
    expect(a.check(undefined, USER, PASS)).toBe('locked');
    clock.advance(29999);
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('locked');
    clock.advance(1);
    // unlocked; the next lockout is twice as long
    for (let i = 0; i < 4; i++) expect(a.check(h('openevseadmin', 'again' + i), USER, PASS)).toBe('denied');
    expect(a.check(h('openevseadmin', 'again4'), USER, PASS)).toBe('locked');
    clock.advance(59999);
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('locked');
    clock.advance(1);
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('ok');
    // the success reset both the count and the lockout length
    for (let i = 0; i < 4; i++) expect(a.check(h('openevseadmin', 'x' + i), USER, PASS)).toBe('denied');
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('ok');
    for (let i = 0; i < 4; i++) expect(a.check(h('openevseadmin', 'y' + i), USER, PASS)).toBe('denied');
    expect(a.check(h('openevseadmin', 'y4'), USER, PASS)).toBe('locked');
    clock.advance(30000);
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('ok');
  });

  test('the lockout grows to at most 10 minutes', () => {
    const clock = new FakeClock();
    const a = new BasicAuth(clock);
    let lock = 30000;
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 5; i++) a.check(h('openevseadmin', 'no'), USER, PASS);
      expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('locked');
      clock.advance(Math.min(lock, 600000) - 1);
      expect([round, a.check(h('openevseadmin', PASS), USER, PASS)]).toEqual([round, 'locked']);
      clock.advance(1);
      lock *= 2;
    }
    expect(a.check(h('openevseadmin', PASS), USER, PASS)).toBe('ok');
  });
});

describe('over HTTP with www_password set', () => {
  const PASS = 'adm1n pass';
  let g: TestGateway;
  let good: { [k: string]: string };

  beforeAll(async () => {
    g = await startGateway({ config: { www_password: PASS } });
    good = { Authorization: basicAuth('openevseadmin', PASS) };
  });
  afterAll(async () => {
    await g.close();
  });

  const ROUTES: [string, string, any?][] = [
    ['GET', '/status'],
    ['POST', '/status', { solar: 1000 }],
    ['GET', '/config'],
    ['POST', '/config', { mqtt_server: 'intruder' }],
    ['OPTIONS', '/config'],
    ['GET', '/r?json=1&rapi=%24SL%201'],
    ['GET', '/rapi?json=1&rapi=%24GV'],
    ['GET', '/claims'],
    ['GET', '/claims/target'],
    ['POST', '/claims/70000', { state: 'disabled' }],
    ['GET', '/override'],
    ['POST', '/override', { state: 'disabled' }],
    ['PATCH', '/override'],
    ['DELETE', '/override'],
    ['GET', '/restart'],
    ['POST', '/restart', { device: 'evse' }],
    ['GET', '/reset'],
    ['GET', '/emoncms/describe'],
    ['GET', '/savenetwork?ssid=evil'],
    ['GET', '/savemqtt?server=evil'],
    ['GET', '/saveemoncms?server=evil'],
    ['GET', '/saveadmin?user=evil&pass=evil'],
    ['GET', '/saveadvanced?hostname=evil'],
    ['GET', '/saveohmkey?ohm=evil'],
    ['GET', '/savetesla?enable=1'],
    ['GET', '/time'],
    ['GET', '/schedule'],
    ['GET', '/limit'],
    ['GET', '/no-such-path'],
    ['GET', '/status/../config'],
  ];

  function expectChallenge(r: Reply, what: string) {
    expect([what, r.status]).toEqual([what, 401]);
    expect([what, r.headers['www-authenticate']]).toEqual([what, expect.stringMatching(/^Basic realm="openevse-[0-9a-f]{4}"$/)]);
    expect(r.json).toEqual({ msg: 'auth' });
  }

  test('every route needs credentials: 401 with a challenge, and nothing happens', async () => {
    const configBefore = g.gateway.config.getAll(true);
    const snapBefore = g.emulator.snapshot();
    for (const [method, p, body] of ROUTES) {
      const r = await call(g.url, method, p, body);
      expectChallenge(r, method + ' ' + p);
    }
    await new Promise((r) => setTimeout(r, 1200)); // a restart would have been recorded by now
    expect(g.restarts).toEqual([]);
    expect(g.gateway.config.getAll(true)).toEqual(configBefore);
    expect(g.gateway.claims.list()).toEqual([]);
    expect('solar' in g.gateway.external).toBe(false);
    const snap = g.emulator.snapshot();
    expect({ serviceLevel: snap.serviceLevel, state: snap.state }).toEqual({ serviceLevel: snapBefore.serviceLevel, state: snapBefore.state });
  });

  test('/ws needs credentials too', async () => {
    const a = new WsTestClient(g.port, '/ws');
    try {
      await a.opened();
      expect(a.status).toBe(401);
      expect(a.head).toMatch(/\r\nWWW-Authenticate: Basic realm="openevse-[0-9a-f]{4}"/i);
      await a.until(() => a.closed, 'the refused connection to close');
      expect(g.gateway.ws.clients.length).toBe(0);
    } finally {
      a.destroy();
    }
    const b = new WsTestClient(g.port, '/ws', good);
    try {
      await b.opened();
      expect(b.status).toBe(101);
      await b.until(() => b.texts().length >= 1, 'the full status');
      expect(b.texts()[0].evse_connected).toBe(1);
    } finally {
      b.destroy();
    }
  });

  test('the right credentials pass; the blank user name means openevseadmin', async () => {
    for (const [method, p] of [
      ['GET', '/status'],
      ['GET', '/config'],
      ['GET', '/r?json=1&rapi=%24GV'],
      ['GET', '/claims'],
      ['GET', '/emoncms/describe'],
      ['GET', '/override'],
    ]) {
      const r = await call(g.url, method, p, undefined, good);
      expect([p, r.status]).toEqual([p, 200]);
    }
    const r = await call(g.url, 'GET', '/config', undefined, good);
    expect(r.json.www_password).toBe('_DUMMY_PASSWORD');
    expect(r.json.www_username).toBe('');
    expect(r.text).not.toContain(PASS);
  });

  test('wrong credentials: 401 (a few, then a success resets the count)', async () => {
    for (const [u, p] of [
      ['openevseadmin', 'wrong'],
      ['', PASS], // blank user in the header is not "openevseadmin"
      ['admin', PASS],
      ['openevseadmin', PASS + ' '],
    ]) {
      expectChallenge(await call(g.url, 'GET', '/status', undefined, { Authorization: basicAuth(u, p) }), u + ':' + p);
    }
    expect((await call(g.url, 'GET', '/status', undefined, good)).status).toBe(200);
  });

  test('after repeated failures: 429 {"msg":"locked"} even with the right password, then unlocked after the lockout', async () => {
    const wrong = { Authorization: basicAuth('openevseadmin', 'guess') };
    for (let i = 0; i < 4; i++) expect((await call(g.url, 'GET', '/status', undefined, wrong)).status).toBe(401);
    let r = await call(g.url, 'GET', '/status', undefined, wrong);
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ msg: 'locked' });
    r = await call(g.url, 'GET', '/status', undefined, good);
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ msg: 'locked' });
    r = await call(g.url, 'POST', '/config', { mqtt_server: 'while-locked' }, good);
    expect(r.status).toBe(429);
    expect(g.gateway.config.get('mqtt_server')).toBe('');
    const ws = new WsTestClient(g.port, '/ws', good);
    try {
      await ws.opened();
      expect(ws.status).toBe(429);
    } finally {
      ws.destroy();
    }
    g.clock.skip(29000);
    expect((await call(g.url, 'GET', '/status', undefined, good)).status).toBe(429);
    g.clock.skip(1001);
    r = await call(g.url, 'GET', '/status', undefined, good);
    expect(r.status).toBe(200);
    expect(r.json.evse_connected).toBe(1);
  });

  test('a configured user name replaces openevseadmin', async () => {
    let r = await call(g.url, 'POST', '/config', { www_username: 'admin' }, good);
    expect(r.status).toBe(200);
    expectChallenge(await call(g.url, 'GET', '/status', undefined, good), 'openevseadmin after the change');
    const admin = { Authorization: basicAuth('admin', PASS) };
    r = await call(g.url, 'GET', '/status', undefined, admin);
    expect(r.status).toBe(200);
    // clearing the password opens the gateway again
    r = await call(g.url, 'POST', '/config', { www_password: '' }, admin);
    expect(r.status).toBe(200);
    expect((await call(g.url, 'GET', '/status')).status).toBe(200);
  });
});
