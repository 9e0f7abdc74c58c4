import { ConfigStore, crc32, parseSlot } from '../../../src/core/config/store';
import { Storage } from '../../../src/hal/types';

/** Storage in a plain object that records what is done to it. */
function memStorage() {
  const files: { [name: string]: string } = {};
  const log: string[] = [];
  const s = {
    files,
    log,
    failWrites: false,
    dropWrites: false,
    read: (n: string) => files[n],
    write: (n: string, d: string) => {
      if (s.failWrites) throw new Error('flash full');
      log.push('write ' + n);
      if (!s.dropWrites) files[n] = d;
    },
    erase: (n: string) => {
      log.push('erase ' + n);
      delete files[n];
    },
  };
  return s as typeof s & Storage;
}

const ID = '9C9C1FE57B2C';

function slotGens(s: ReturnType<typeof memStorage>) {
  return ['cfg.a', 'cfg.b'].map((n) => (parseSlot(s.files[n]) || { gen: 0 }).gen);
}

describe('ConfigStore', () => {
  test('reads defaults when nothing is stored; unknown keys read undefined', () => {
    const store = new ConfigStore(memStorage(), ID);
    expect(store.get('mqtt_port')).toBe(1883);
    expect(store.get('hostname')).toBe('openevse-7b2c');
    expect(store.get('sntp_enabled')).toBe(true);
    expect(store.get('nope')).toBeUndefined();
    expect(store.get('toString')).toBeUndefined();
    expect(store.version).toBe(1);
    expect(store.generation).toBe(0);
  });

  test('the short id is the last 4 hex digits of the device id, lower case', () => {
    expect(new ConfigStore(memStorage(), '7B2C').get('mqtt_topic')).toBe('openevse-7b2c');
  });

  test('masks secrets: set ones as _DUMMY_PASSWORD, unset ones as ""; includeSecrets shows them', () => {
    const store = new ConfigStore(memStorage(), ID);
    expect(store.update({ mqtt_pass: 'hunter2' }).ok).toBe(true);
    const masked = store.getAll(false);
    expect(masked.mqtt_pass).toBe('_DUMMY_PASSWORD');
    expect(masked.pass).toBe('');
    expect(masked.mqtt_user).toBe('');
    expect(store.getAll(true).mqtt_pass).toBe('hunter2');
    expect(store.get('mqtt_pass')).toBe('hunter2');
  });

  test('_DUMMY_PASSWORD round trip: posting the masked document back changes nothing', () => {
    const s = memStorage();
    const store = new ConfigStore(s, ID);
    store.update({ mqtt_pass: 'hunter2', emoncms_apikey: 'abc', mqtt_server: 'broker' });
    const writes = s.log.length;
    const v = store.version;
    expect(store.update(store.getAll(false))).toEqual({ ok: true, changed: [], groups: [] });
    expect(store.get('mqtt_pass')).toBe('hunter2');
    expect(store.get('emoncms_apikey')).toBe('abc');
    expect(s.log.length).toBe(writes);
    expect(store.version).toBe(v);
    // a real new value or "" does change a secret; _DUMMY_PASSWORD is only special for secrets
    expect(store.update({ mqtt_pass: '' })).toMatchObject({ ok: true, changed: ['mqtt_pass'] });
    expect(store.getAll(false).mqtt_pass).toBe('');
    expect(store.update({ mqtt_user: '_DUMMY_PASSWORD' })).toMatchObject({ ok: true, changed: ['mqtt_user'] });
  });

  const bad: [string, any, RegExp][] = [
    ['mqtt_port', 'abc', /number/],
    ['mqtt_port', true, /number/],
    ['mqtt_port', null, /number/],
    ['mqtt_port', 1883.5, /integer/],
    ['mqtt_port', 0, /between 1 and 65535/],
    ['mqtt_port', 65536, /between 1 and 65535/],
    ['mqtt_port', '1e3', /number/],
    ['temp_throttle_setpoint', 90, /between 40 and 80/],
    ['divert_PV_ratio', -0.5, /between 0 and 10/],
    ['tesla_created_at', -2, /at least -1/],
    ['mqtt_enabled', 'true', /true or false/],
    ['mqtt_enabled', 2, /true or false/],
    ['mqtt_server', 5, /string/],
    ['mqtt_server', { a: 1 }, /string/],
    ['charge_mode', 'turbo', /one of \["fast","eco"\]/],
    ['charge_mode', 'fast,eco', /one of/],
    ['charge_mode', '', /one of/],
    ['mqtt_protocol', 'ws', /one of/],
    ['limit_default_type', 'miles', /one of/],
    ['ssid', 'x'.repeat(33), /at most 32/],
    ['ap_pass', 'short', /at least 8/],
    ['hostname', '-bad', /letters, digits/],
    ['hostname', 'a_b', /letters, digits/],
    ['hostname', '', /letters, digits/],
    ['flags', 522, /unknown key/],
    ['mqtt_port;i', 1, /unknown key/],
    ['divert_attack_smoothing_factor', 0.4, /unknown key/],
  ];
  test.each(bad)('rejects %s = %p and changes nothing, not even the good fields', (key, value, msg) => {
    const s = memStorage();
    const store = new ConfigStore(s, ID);
    store.update({ mqtt_server: 'before' });
    const before = JSON.stringify(s.files);
    const v = store.version;
    const res = store.update({ mqtt_server: 'after', mqtt_enabled: true, [key]: value });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(Object.keys(res.errors)).toEqual([key]);
    expect(res.errors[key]).toMatch(msg);
    expect(store.get('mqtt_server')).toBe('before');
    expect(store.get('mqtt_enabled')).toBe(false);
    expect(JSON.stringify(s.files)).toBe(before);
    expect(store.version).toBe(v);
  });

  test('reports every bad field at once', () => {
    const res = new ConfigStore(memStorage(), ID).update({ mqtt_port: 'x', charge_mode: 'x', nope: 1, ssid: 'ok' });
    expect(res).toEqual({ ok: false, errors: { mqtt_port: 'must be a number', charge_mode: 'must be one of ["fast","eco"]', nope: 'unknown key' } });
  });

  test.each([null, undefined, 'str', 5, [1, 2]])('rejects a patch that is not an object (%p)', (patch) => {
    expect(new ConfigStore(memStorage(), ID).update(patch)).toEqual({ ok: false, errors: { '*': 'expected a JSON object' } });
  });

  test('accepts numbers as decimal strings and booleans as 0/1, storing the proper types', () => {
    const store = new ConfigStore(memStorage(), ID);
    expect(store.update({ mqtt_port: '8883', divert_PV_ratio: '1.5', divert_type: '-1', mqtt_enabled: 1, sntp_enabled: 0 }).ok).toBe(true);
    expect(store.get('mqtt_port')).toBe(8883);
    expect(store.get('divert_PV_ratio')).toBe(1.5);
    expect(store.get('mqtt_enabled')).toBe(true);
    expect(store.get('sntp_enabled')).toBe(false);
    expect(store.update({ mqtt_port: 8883, divert_type: -1 })).toEqual({ ok: true, changed: [], groups: [] });
  });

  test('says which keys changed and which groups to restart', () => {
    const store = new ConfigStore(memStorage(), ID);
    expect(store.update({ mqtt_server: 'b', mqtt_port: 1883, divert_enabled: true, charge_mode: 'eco', time_zone: 'UTC0' })).toEqual({
      ok: true,
      changed: ['mqtt_server', 'divert_enabled', 'charge_mode', 'time_zone'],
      groups: ['mqtt', 'divert', 'time'],
    });
  });

  test('version counts changes that took effect', () => {
    const store = new ConfigStore(memStorage(), ID);
    store.update({ ssid: 'a' });
    store.update({ ssid: 'a' });
    store.update({ ssid: 'b', mqtt_port: 'bad' });
    store.update({ ssid: 'c', mqtt_port: 1884 });
    expect(store.version).toBe(3);
    store.reset();
    expect(store.version).toBe(4);
  });

  test('stores only non-default values, alternating the two slots with rising generations', () => {
    const s = memStorage();
    const store = new ConfigStore(s, ID);
    store.update({ mqtt_server: 'x', mqtt_port: 1884 });
    expect(parseSlot(s.files['cfg.a'])).toEqual({ gen: 1, values: { mqtt_server: 'x', mqtt_port: 1884 } });
    store.update({ mqtt_port: 1883, hostname: 'openevse-7b2c' });
    expect(parseSlot(s.files['cfg.b'])).toEqual({ gen: 2, values: { mqtt_server: 'x' } });
    store.update({ mqtt_server: '' });
    expect(parseSlot(s.files['cfg.a'])).toEqual({ gen: 3, values: {} });
    expect(s.log).toEqual(['write cfg.a', 'write cfg.b', 'write cfg.a']);
    expect(store.generation).toBe(3);
  });

  test('reloads what was saved, in a fresh store', () => {
    const s = memStorage();
    const a = new ConfigStore(s, ID);
    a.update({ mqtt_server: 'x', mqtt_pass: 'p', divert_PV_ratio: 1.3, mqtt_enabled: true, charge_mode: 'eco' });
    a.update({ ssid: 'net' });
    const b = new ConfigStore(s, ID);
    expect(b.getAll(true)).toEqual(a.getAll(true));
    expect(b.generation).toBe(2);
    b.update({ ssid: 'net2' });
    expect(slotGens(s)).toEqual([3, 2]);
  });

  test('ignores a slot with a bad checksum or cut short, and overwrites that one next', () => {
    const s = memStorage();
    const store = new ConfigStore(s, ID);
    store.update({ ssid: 'one' }); // gen 1 in cfg.a
    store.update({ ssid: 'two' }); // gen 2 in cfg.b
    const good = s.files['cfg.a'];
    const newest = s.files['cfg.b'];

    s.files['cfg.b'] = newest.replace('two', 'twO');
    expect(new ConfigStore(s, ID).get('ssid')).toBe('one');
    for (const cut of [0, 5, 8, 9, newest.length - 1]) {
      s.files['cfg.b'] = newest.substring(0, cut);
      const r = new ConfigStore(s, ID);
      expect(r.get('ssid')).toBe('one');
      expect(r.generation).toBe(1);
    }
    // the next save goes to the broken slot and leaves the good one alone
    const r = new ConfigStore(s, ID);
    r.update({ ssid: 'three' });
    expect(s.files['cfg.a']).toBe(good);
    expect(slotGens(s)).toEqual([1, 2]);
    expect(new ConfigStore(s, ID).get('ssid')).toBe('three');
  });

  test('ignores a slot whose checksum is right but whose body is not a config; defaults when none is good', () => {
    const s = memStorage();
    const withCrc = (body: string) => ('0000000' + crc32(body).toString(16)).slice(-8) + body;
    s.files['cfg.a'] = withCrc('{"gen":1,"values":');
    s.files['cfg.b'] = withCrc('[1,2]');
    const store = new ConfigStore(s, ID);
    expect(store.generation).toBe(0);
    expect(store.getAll(true)).toEqual(new ConfigStore(memStorage(), ID).getAll(true));
    s.files['cfg.b'] = withCrc('{"gen":0,"values":{"ssid":"x"}}');
    expect(new ConfigStore(s, ID).get('ssid')).toBe('');
  });

  test('on load, drops stored keys it does not know or values out of range, keeps the rest', () => {
    const s = memStorage();
    const body = JSON.stringify({ gen: 4, values: { ssid: 'net', old_key: 1, mqtt_port: 99999, charge_mode: 'eco', mqtt_server: '' } });
    s.files['cfg.b'] = ('0000000' + crc32(body).toString(16)).slice(-8) + body;
    const store = new ConfigStore(s, ID);
    expect(store.generation).toBe(4);
    expect(store.get('ssid')).toBe('net');
    expect(store.get('charge_mode')).toBe('eco');
    expect(store.get('mqtt_port')).toBe(1883);
    store.update({ lang: 'fr' });
    expect(parseSlot(s.files['cfg.a'])).toEqual({ gen: 5, values: { ssid: 'net', charge_mode: 'eco', lang: 'fr' } });
  });

  test('reset erases both slots, the older first, and brings back the defaults', () => {
    const s = memStorage();
    const store = new ConfigStore(s, ID);
    store.update({ ssid: 'one' });
    store.update({ ssid: 'two' }); // newest in cfg.b
    s.log.length = 0;
    store.reset();
    expect(s.log).toEqual(['erase cfg.a', 'erase cfg.b']);
    expect(s.files).toEqual({});
    expect(store.get('ssid')).toBe('');
    expect(store.generation).toBe(0);
    expect(new ConfigStore(s, ID).get('ssid')).toBe('');
    store.update({ ssid: 'three' });
    expect(new ConfigStore(s, ID).get('ssid')).toBe('three');
  });

  test('a failed or silently lost write is an error and changes nothing', () => {
    const s = memStorage();
    const store = new ConfigStore(s, ID);
    store.update({ ssid: 'one' });
    s.failWrites = true;
    expect(store.update({ ssid: 'two' })).toEqual({ ok: false, errors: { '*': 'storage: flash full' } });
    s.failWrites = false;
    s.dropWrites = true;
    expect(store.update({ ssid: 'two' })).toEqual({ ok: false, errors: { '*': 'storage: write did not stick' } });
    expect(store.get('ssid')).toBe('one');
    expect(store.version).toBe(2);
    s.dropWrites = false;
    expect(store.update({ ssid: 'two' }).ok).toBe(true);
    expect(new ConfigStore(s, ID).get('ssid')).toBe('two');
  });

  test('keeps characters above 255 (Node strings) through the one-byte-per-char Storage', () => {
    const s = memStorage();
    const store = new ConfigStore(s, ID);
    expect(store.update({ ssid: 'Café ☕ 𝄞', mqtt_server: 'é' }).ok).toBe(true);
    for (const n of Object.keys(s.files)) for (const c of s.files[n]) expect(c.charCodeAt(0)).toBeLessThan(256);
    const r = new ConfigStore(s, ID);
    expect(r.get('ssid')).toBe('Café ☕ 𝄞');
    expect(r.get('mqtt_server')).toBe('é');
  });

  test('crc32 is the standard CRC-32, the same as Espruino E.CRC32', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('\xff\x80abc')).toBe(729423482); // E.CRC32 on the 2v29 interpreter
    expect(crc32('')).toBe(0);
    expect(crc32('\u0100')).toBe(-1);
  });
});

test('getAll in pages: the pages together are the whole document, in schema order', () => {
  const store = new ConfigStore(memStorage(), ID);
  store.update({ mqtt_server: 'b', www_password: 'x' });
  const whole = store.getAll(false);
  const keys: string[] = [];
  const merged: any = {};
  for (let from = 0; ; from += 7) {
    const part = store.getAll(false, from, 7);
    if (!Object.keys(part).length) break;
    expect(Object.keys(part).length).toBeLessThanOrEqual(7);
    keys.push(...Object.keys(part));
    Object.assign(merged, part);
  }
  expect(keys).toEqual(Object.keys(whole));
  expect(merged).toEqual(whole);
  expect(merged.www_password).toBe('_DUMMY_PASSWORD');
});
