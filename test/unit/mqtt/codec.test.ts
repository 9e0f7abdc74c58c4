// Our MQTT codec against mqtt-packet, an independent implementation: our bytes parse there, its
// bytes parse here, for every packet type a client sends or receives, plus framing edge cases.
import * as mp from 'mqtt-packet';
import {
  MqttDecoder,
  Packet,
  encodeConnect,
  encodePublish,
  encodeAck,
  encodeEmpty,
  encodeSubscribe,
  encodeUnsubscribe,
  encodeConnack,
  encodeSuback,
  encode,
  PUBLISH,
  PUBACK,
  UNSUBACK,
  PINGREQ,
  PINGRESP,
  DISCONNECT,
} from '../../../src/services/mqtt/codec';

const bin = (b: Buffer) => b.toString('latin1');
const buf = (s: string) => Buffer.from(s, 'latin1');

/** Parses our binary string with mqtt-packet; exactly one packet, no error. */
function theirs(s: string): any {
  const parser = mp.parser({ protocolVersion: 4 });
  const out: any[] = [];
  const errs: any[] = [];
  parser.on('packet', (p: any) => out.push(p));
  parser.on('error', (e: any) => errs.push(e));
  parser.parse(buf(s));
  expect(errs).toEqual([]);
  expect(out.length).toBe(1);
  return out[0];
}

function ours(s: string, max?: number): Packet {
  const d = new MqttDecoder(max || 1 << 20);
  d.push(s);
  const p = d.next();
  expect(d.error).toBe('');
  expect(p).not.toBeNull();
  expect(d.next()).toBeNull();
  return p as Packet;
}

const gen = (p: any) => bin(mp.generate(p, { protocolVersion: 4 }));
const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('encoders parse in mqtt-packet', () => {
  test('CONNECT: minimal, clean session, keep-alive', () => {
    const p = theirs(encodeConnect({ clientId: 'openevse-1234', keepAlive: 60 }));
    expect(p).toMatchObject({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'openevse-1234', clean: true, keepalive: 60 });
    expect(p.username).toBeUndefined();
    expect(p.will).toBeUndefined();
  });

  test('CONNECT: username, password, will with QoS 1 and retain, UTF-8', () => {
    const s = encodeConnect({
      clientId: 'é-id',
      clean: false,
      keepAlive: 65535,
      username: 'üser',
      password: 'pä$$',
      will: { topic: 'openevse/announce/ab12', payload: '{"state":"disconnected","name":"chargé"}', qos: 1, retain: true },
    });
    const p = theirs(s);
    expect(p).toMatchObject({ clientId: 'é-id', clean: false, keepalive: 65535, username: 'üser' });
    expect(p.password.toString('utf8')).toBe('pä$$');
    expect(p.will.topic).toBe('openevse/announce/ab12');
    expect(p.will.payload.toString('utf8')).toBe('{"state":"disconnected","name":"chargé"}');
    expect(p.will.qos).toBe(1);
    expect(p.will.retain).toBe(true);
    // and it decodes here the same way
    const q = ours(s);
    expect(q).toMatchObject({ clientId: 'é-id', clean: false, keepAlive: 65535, username: 'üser', password: utf8('pä$$') });
    expect(q.will).toEqual({ topic: 'openevse/announce/ab12', payload: '{"state":"disconnected","name":"chargé"}', qos: 1, retain: true });
  });

  test('CONNECT: user without password; will QoS 0 without retain; empty client id', () => {
    const p = theirs(encodeConnect({ clientId: '', keepAlive: 0, username: 'u', will: { topic: 't', payload: '' } }));
    expect(p).toMatchObject({ clientId: '', keepalive: 0, username: 'u' });
    expect(p.password).toBeUndefined();
    expect(p.will).toMatchObject({ topic: 't', qos: 0, retain: false });
    expect(p.will.payload.length).toBe(0);
  });

  test('PUBLISH QoS 0 / QoS 1 / retain / dup, UTF-8 topic and payload, empty payload', () => {
    let p = theirs(encodePublish('openevse/amp', '15800', 0, false, false, 0));
    expect(p).toMatchObject({ cmd: 'publish', topic: 'openevse/amp', qos: 0, retain: false, dup: false });
    expect(p.payload.toString()).toBe('15800');
    p = theirs(encodePublish('maison/chargé/état', 'déjà ✓ 😀', 1, true, true, 4242));
    expect(p).toMatchObject({ topic: 'maison/chargé/état', qos: 1, retain: true, dup: true, messageId: 4242 });
    expect(p.payload.toString('utf8')).toBe('déjà ✓ 😀');
    p = theirs(encodePublish('a/b', '', 0, true, false, 0));
    expect(p.payload.length).toBe(0);
    expect(p.retain).toBe(true);
  });

  test('PUBLISH head only (the client writes the payload after it): head + UTF-8 payload is the whole packet', () => {
    const big = '{"k":"' + 'x'.repeat(5000) + '","é":"✓"}'; // 5 KB: a two-byte remaining length
    for (const [payload, qos] of [[big, 0], [big, 1], ['déjà', 1], ['', 0]] as [string, number][]) {
      const fields = { type: PUBLISH, topic: 'openevse/config', payload, qos, retain: true, dup: qos === 1, id: qos ? 7 : 0 };
      const head = encode({ ...fields, headOnly: true });
      expect(head.length).toBeLessThan(30); // the payload is not in it
      expect(head + utf8(payload)).toBe(encode(fields));
      const p = theirs(head + utf8(payload));
      expect(p).toMatchObject({ cmd: 'publish', topic: 'openevse/config', qos, retain: true });
      expect(p.payload.toString('utf8')).toBe(payload);
    }
  });

  test('PUBACK, PINGREQ, DISCONNECT, SUBSCRIBE, UNSUBSCRIBE', () => {
    expect(theirs(encodeAck(PUBACK, 65535))).toMatchObject({ cmd: 'puback', messageId: 65535 });
    expect(theirs(encodeEmpty(PINGREQ))).toMatchObject({ cmd: 'pingreq' });
    expect(theirs(encodeEmpty(DISCONNECT))).toMatchObject({ cmd: 'disconnect' });
    const s = theirs(encodeSubscribe(7, ['openevse/rapi/in/#', 'emon/+/power1', 'é/ü'], [0, 1, 1]));
    expect(s.messageId).toBe(7);
    expect(s.subscriptions).toEqual([
      { topic: 'openevse/rapi/in/#', qos: 0 },
      { topic: 'emon/+/power1', qos: 1 },
      { topic: 'é/ü', qos: 1 },
    ]);
    const u = theirs(encodeUnsubscribe(8, ['a/#', 'b']));
    expect(u).toMatchObject({ cmd: 'unsubscribe', messageId: 8, unsubscriptions: ['a/#', 'b'] });
  });

  test('broker-side encoders used by tests: CONNACK, SUBACK', () => {
    expect(theirs(encodeConnack(5, false))).toMatchObject({ cmd: 'connack', returnCode: 5, sessionPresent: false });
    expect(theirs(encodeSuback(3, [0, 1, 0x80]))).toMatchObject({ cmd: 'suback', messageId: 3, granted: [0, 1, 128] });
  });
});

describe("mqtt-packet's bytes decode here", () => {
  test('CONNACK with every return code and session present', () => {
    for (let rc = 0; rc <= 5; rc++) {
      expect(ours(gen({ cmd: 'connack', returnCode: rc, sessionPresent: rc === 0 }))).toEqual({ type: 2, rc: rc, sp: rc === 0 });
    }
  });

  test('PUBLISH QoS 0 and 1, retain, dup, UTF-8, empty payload', () => {
    expect(ours(gen({ cmd: 'publish', topic: 'openevse/rapi/in/$SC', payload: '16', qos: 0, retain: false, dup: false }))).toEqual({
      type: 3,
      qos: 0,
      retain: false,
      dup: false,
      topic: 'openevse/rapi/in/$SC',
      payload: '16',
    });
    expect(ours(gen({ cmd: 'publish', topic: 'é/ü', payload: Buffer.from('😀 ok', 'utf8'), qos: 1, messageId: 1, retain: true, dup: true }))).toEqual({
      type: 3,
      qos: 1,
      retain: true,
      dup: true,
      topic: 'é/ü',
      id: 1,
      payload: '😀 ok',
    });
    expect(ours(gen({ cmd: 'publish', topic: 't', payload: '', qos: 0 })).payload).toBe('');
  });

  test('a payload that is not UTF-8 comes through as raw bytes', () => {
    expect(ours(gen({ cmd: 'publish', topic: 't', payload: Buffer.from([0xff, 0x00, 0xc3]), qos: 0 })).payload).toBe('\xff\x00\xc3');
  });

  test('PUBACK, SUBACK (with refusal), UNSUBACK, PINGRESP', () => {
    expect(ours(gen({ cmd: 'puback', messageId: 300 }))).toEqual({ type: 4, id: 300 });
    expect(ours(gen({ cmd: 'suback', messageId: 2, granted: [0, 1, 128] }))).toEqual({ type: 9, id: 2, codes: [0, 1, 0x80] });
    expect(ours(gen({ cmd: 'unsuback', messageId: 9 }))).toEqual({ type: UNSUBACK, id: 9 });
    expect(ours(gen({ cmd: 'pingresp' }))).toEqual({ type: PINGRESP });
  });

  test('client packets too: CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT', () => {
    const c = ours(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'x', clean: true, keepalive: 30, username: 'u', password: Buffer.from('p'), will: { topic: 'w', payload: Buffer.from('bye'), qos: 1, retain: true } }));
    expect(c).toMatchObject({ type: 1, clientId: 'x', clean: true, keepAlive: 30, username: 'u', password: 'p', will: { topic: 'w', payload: 'bye', qos: 1, retain: true } });
    expect(ours(gen({ cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: 'a/+', qos: 1 }, { topic: '#', qos: 0 }] }))).toEqual({ type: 8, id: 5, topics: ['a/+', '#'], codes: [1, 0] });
    expect(ours(gen({ cmd: 'unsubscribe', messageId: 6, unsubscriptions: ['a/+'] }))).toEqual({ type: 10, id: 6, topics: ['a/+'] });
    expect(ours(gen({ cmd: 'pingreq' }))).toEqual({ type: PINGREQ });
    expect(ours(gen({ cmd: 'disconnect' }))).toEqual({ type: DISCONNECT });
  });
});

describe('remaining length and framing', () => {
  // PUBLISH with topic "t" (3 bytes) + payload: remaining length = 3 + payload length
  for (const len of [0, 127, 128, 16383, 16384, 2097151, 2097152]) {
    test('remaining length ' + len + ' both ways', () => {
      if (len < 3) {
        // a packet with remaining length 0
        const s = encodeEmpty(PINGREQ);
        expect(s).toBe(bin(mp.generate({ cmd: 'pingreq' })));
        expect(ours(s)).toEqual({ type: 12 });
        return;
      }
      const payload = 'x'.repeat(len - 3);
      const s = encodePublish('t', payload, 0, false, false, 0);
      expect(s).toBe(gen({ cmd: 'publish', topic: 't', payload: payload, qos: 0, retain: false, dup: false }));
      const lenBytes = len < 128 ? 1 : len < 16384 ? 2 : len < 2097152 ? 3 : 4;
      expect(s.length).toBe(1 + lenBytes + len);
      expect(ours(s, 1 << 22).payload!.length).toBe(len - 3);
    });
  }

  test('a stream split byte by byte, several packets back to back', () => {
    const stream =
      gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }) +
      gen({ cmd: 'publish', topic: 'a/é', payload: 'x'.repeat(200), qos: 1, messageId: 77, retain: true }) +
      gen({ cmd: 'suback', messageId: 1, granted: [1] }) +
      gen({ cmd: 'pingresp' }) +
      gen({ cmd: 'publish', topic: 'b', payload: '', qos: 0 });
    const d = new MqttDecoder(4096);
    const got: Packet[] = [];
    for (let i = 0; i < stream.length; i++) {
      d.push(stream.charAt(i));
      let p;
      while ((p = d.next())) got.push(p);
    }
    expect(d.error).toBe('');
    expect(got.map((p) => p.type)).toEqual([2, 3, 9, 13, 3]);
    expect(got[1]).toMatchObject({ topic: 'a/é', id: 77, retain: true, qos: 1 });
    expect(got[1].payload!.length).toBe(200);
    expect(d.buf).toBe('');
  });

  test('pieces of random sizes', () => {
    const one = gen({ cmd: 'publish', topic: 'x/y', payload: 'z'.repeat(300), qos: 0 });
    const stream = one.repeat(10);
    const d = new MqttDecoder(4096);
    let n = 0;
    let seed = 7;
    for (let i = 0; i < stream.length; ) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const k = 1 + (seed % 97);
      d.push(stream.substr(i, k));
      i += k;
      while (d.next()) n++;
    }
    expect(n).toBe(10);
  });
});

describe('bad input', () => {
  function err(s: string, max = 4096): string {
    const d = new MqttDecoder(max);
    d.push(s);
    while (d.next());
    return d.error;
  }

  test('garbage is an error, not a wait', () => {
    expect(err('\x00\x00')).toMatch(/type/);
    expect(err('\xf0\x00')).toMatch(/type/);
    expect(err('\x30\xff\xff\xff\xff\x01')).toMatch(/remaining length/);
    expect(err('GET / HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n'.repeat(2))).toMatch(/ack packet 4/);
  });

  test('malformed packets', () => {
    expect(err('\x20\x03\x00\x00\x00')).toMatch(/CONNACK/); // wrong length
    expect(err('\x36\x05\x00\x01t\x00\x01')).toMatch(/QoS/); // QoS 3
    expect(err('\x30\x02\x00\x05')).toMatch(/topic/); // topic longer than the packet
    expect(err('\x30\x02\x00\x00')).toMatch(/topic/); // empty topic
    expect(err('\x32\x03\x00\x01t')).toMatch(/id/); // QoS 1 without id
    expect(err('\x30\x04\x00\x02\xc3\x28')).toMatch(/topic/); // topic not UTF-8
    expect(err('\x90\x03\x00\x01\x05')).toMatch(/SUBACK/); // bad return code
    expect(err('\xd1\x00')).toMatch(/packet/); // PINGRESP with flags
    expect(err('\x40\x02\x00')).toBe(''); // incomplete: waits
  });

  test('a packet over the maximum is an error as soon as its header is in, without buffering it', () => {
    const big = encodePublish('t', 'x'.repeat(5000), 0, false, false, 0);
    const d = new MqttDecoder(4096);
    d.push(big.substr(0, 4));
    expect(d.next()).toBeNull();
    expect(d.error).toMatch(/too large/);
    expect(d.buf).toBe('');
    d.push(big.substr(4));
    expect(d.buf).toBe('');
    // just at the limit is fine
    const ok = encodePublish('t', 'x'.repeat(4096 - 6), 0, false, false, 0);
    expect(ok.length).toBe(4096);
    expect(ours(ok, 4096).payload!.length).toBe(4090);
  });

  test('reset() clears an error', () => {
    const d = new MqttDecoder(10);
    d.push('\x00\x00');
    d.next();
    expect(d.error).not.toBe('');
    d.reset();
    d.push(encodeEmpty(PINGRESP));
    expect(d.next()).toEqual({ type: 13 });
  });
});
