import { acceptKey, encodeFrame, parseFrame, utf8Encode, utf8Decode, WsHub, WsClient } from '../../src/http/websocket';
import { nodeCrypto } from '../../src/hal/node/crypto';
import { HttpServer, HttpRequest, HttpResponse, RawSocket } from '../../src/hal/types';
import { FakeClock } from '../helpers/fake-clock';

function bytes(a: number[]): string {
  return String.fromCharCode.apply(null, a);
}
function codes(s: string): number[] {
  var out: number[] = [];
  for (var i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  return out;
}
/** A client frame: masked with `mask`. */
function clientFrame(opcode: number, payload: string, fin = true, mask = [0x37, 0xfa, 0x21, 0x3d]): string {
  var n = payload.length;
  var head = String.fromCharCode((fin ? 0x80 : 0) | opcode);
  if (n < 126) head += String.fromCharCode(0x80 | n);
  else head += String.fromCharCode(0x80 | 126, n >> 8, n & 255);
  head += bytes(mask);
  var body = '';
  for (var i = 0; i < n; i++) body += String.fromCharCode(payload.charCodeAt(i) ^ mask[i & 3]);
  return head + body;
}
function closeCode(frame: string): number {
  expect(frame.charCodeAt(0)).toBe(0x88);
  return frame.length >= 4 ? (frame.charCodeAt(2) << 8) | frame.charCodeAt(3) : 0;
}

describe('handshake key', () => {
  it('computes the RFC 6455 example accept key', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==', nodeCrypto)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
  it('sha1 takes and gives binary strings', () => {
    expect(codes(nodeCrypto.sha1('abc')).slice(0, 4)).toEqual([0xa9, 0x99, 0x3e, 0x36]);
    expect(nodeCrypto.sha1('\xff\x80').length).toBe(20);
  });
});

describe('frame encoding (server frames, unmasked)', () => {
  it('matches the RFC 6455 §5.7 examples', () => {
    expect(codes(encodeFrame(1, 'Hello'))).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    expect(codes(encodeFrame(9, 'Hello'))).toEqual([0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    var f256 = encodeFrame(2, new Array(257).join('x'));
    expect(codes(f256.substr(0, 4))).toEqual([0x82, 0x7e, 0x01, 0x00]);
    expect(f256.length).toBe(4 + 256);
    var f64k = encodeFrame(2, new Array(65537).join('x'));
    expect(codes(f64k.substr(0, 10))).toEqual([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(f64k.length).toBe(10 + 65536);
  });
  it('uses 7-bit lengths up to 125 and 16-bit from 126', () => {
    expect(encodeFrame(1, new Array(126).join('a')).charCodeAt(1)).toBe(125);
    expect(codes(encodeFrame(1, new Array(127).join('a')).substr(1, 3))).toEqual([126, 0, 126]);
    expect(codes(encodeFrame(8, ''))).toEqual([0x88, 0]);
  });
});

describe('frame decoding (client frames)', () => {
  it('decodes the RFC 6455 masked "Hello" and masked pong', () => {
    var f = parseFrame(bytes([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]), 1024)!;
    expect(f).toEqual({ fin: true, opcode: 1, data: 'Hello', size: 11, error: 0 });
    var p = parseFrame(bytes([0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]), 1024)!;
    expect(p.opcode).toBe(10);
    expect(p.data).toBe('Hello');
  });
  it('refuses the RFC 6455 unmasked examples: a client must mask', () => {
    expect(parseFrame(bytes([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]), 1024)!.error).toBe(1002);
    expect(parseFrame(bytes([0x01, 0x03, 0x48, 0x65, 0x6c]), 1024)!.error).toBe(1002);
  });
  it('returns null for every incomplete prefix', () => {
    var frame = clientFrame(1, new Array(301).join('z'));
    for (var i = 0; i < frame.length; i++) expect(parseFrame(frame.substr(0, i), 1024)).toBeNull();
    var f = parseFrame(frame + 'trailing', 1024)!;
    expect(f.size).toBe(frame.length);
    expect(f.data.length).toBe(300);
  });
  it('decodes fragments with their FIN bit and opcode', () => {
    var a = parseFrame(clientFrame(1, 'Hel', false), 1024)!;
    var b = parseFrame(clientFrame(0, 'lo', true), 1024)!;
    expect([a.fin, a.opcode, a.data]).toEqual([false, 1, 'Hel']);
    expect([b.fin, b.opcode, b.data]).toEqual([true, 0, 'lo']);
  });
  it('refuses oversize frames as soon as the header is in, and 64-bit lengths', () => {
    var big = clientFrame(1, new Array(2001).join('q'));
    expect(parseFrame(big.substr(0, 4), 1024)!.error).toBe(1009);
    expect(parseFrame(bytes([0x81, 0xff]), 1024)!.error).toBe(1009);
    expect(parseFrame(clientFrame(1, new Array(1025).join('q')), 1024)!.error).toBe(0);
    expect(parseFrame(clientFrame(1, new Array(1026).join('q')), 1024)!.error).toBe(1009);
  });
  it('refuses reserved bits, reserved opcodes and bad control frames', () => {
    expect(parseFrame(bytes([0xc1, 0x80, 1, 2, 3, 4]), 1024)!.error).toBe(1002); // RSV1
    expect(parseFrame(clientFrame(3, 'x'), 1024)!.error).toBe(1002);
    expect(parseFrame(clientFrame(0xb, 'x'), 1024)!.error).toBe(1002);
    expect(parseFrame(clientFrame(9, 'x', false), 1024)!.error).toBe(1002); // fragmented ping
    expect(parseFrame(clientFrame(9, new Array(127).join('p')), 1024)!.error).toBe(1002); // ping > 125
  });
});

describe('UTF-8', () => {
  var samples = ['plain', 'é', '€ and ü', '😀 smile', 'mixed ascii ÿ 中文'];
  it('encodes like Buffer and decodes back', () => {
    for (var s of samples) {
      var enc = utf8Encode(s);
      expect(enc).toBe(Buffer.from(s, 'utf8').toString('latin1'));
      expect(utf8Decode(enc)).toBe(s);
    }
    expect(utf8Encode('\ud800x')).toBe(Buffer.from('\ufffdx', 'utf8').toString('latin1'));
  });
  it('rejects invalid sequences', () => {
    var bad = [[0xff], [0xc3], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3, 0x41], [0x80]];
    for (var b of bad) expect(utf8Decode(bytes(b))).toBeNull();
  });
});

class FakeSock implements RawSocket {
  out: string[] = [];
  ended = false;
  backlog = 0;
  handlers: { [ev: string]: any } = {};
  write(d: string) {
    this.out.push(d);
  }
  end() {
    this.ended = true;
  }
  pending() {
    return this.backlog;
  }
  on(ev: string, cb: any) {
    this.handlers[ev] = cb;
  }
  feed(d: string) {
    this.handlers.data(d);
  }
  last(): string {
    return this.out[this.out.length - 1];
  }
  texts(): string[] {
    return this.out.filter((f) => f.charCodeAt(0) === 0x81).map((f) => utf8Decode(parseServer(f))!);
  }
}

/** The payload of an unmasked server frame. */
function parseServer(f: string): string {
  var n = f.charCodeAt(1) & 127;
  return n === 126 ? f.substr(4) : f.substr(2);
}

function setup(opts?: any) {
  var socks: FakeSock[] = [];
  var upgrades: any[] = [];
  var http: HttpServer = {
    listen: () => undefined,
    upgrade: (req, res, headers) => {
      upgrades.push(headers);
      var s = new FakeSock();
      socks.push(s);
      return s;
    },
  };
  var clock = new FakeClock();
  var hub = new WsHub(http, nodeCrypto, clock, opts);
  var messages: string[] = [];
  hub.onMessage = (c, text) => {
    messages.push(text);
  };
  return { hub, socks, upgrades, messages, clock };
}

function wsReq(headers?: any): HttpRequest {
  return {
    method: 'GET',
    url: '/ws',
    headers: Object.assign(
      { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
      headers || {}
    ),
    on: () => undefined,
  };
}
function fakeRes() {
  var r = { code: 0, headers: {} as any, body: '' };
  var res: HttpResponse = {
    writeHead: (c, h) => {
      r.code = c;
      r.headers = h;
    },
    write: (d) => {
      r.body += d;
    },
    end: (d) => {
      r.body += d || '';
    },
    on: () => undefined,
  };
  return { r, res };
}

describe('WsHub', () => {
  it('upgrades a valid handshake with the accept key and calls onOpen', () => {
    var t = setup();
    var opened: WsClient[] = [];
    t.hub.onOpen = (c) => {
      opened.push(c);
      t.hub.send(c, { state: 1 });
    };
    var f = fakeRes();
    t.hub.handle(wsReq(), f.res);
    expect(f.r.code).toBe(0);
    expect(t.upgrades[0]).toEqual({ Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' });
    expect(opened.length).toBe(1);
    expect(t.socks[0].texts()).toEqual(['{"state":1}']);
  });

  it('refuses plain requests, wrong versions, bad keys and clients over the limit', () => {
    var t = setup({ maxClients: 2 });
    var cases: [any, number][] = [
      [{ upgrade: undefined }, 426],
      [{ 'sec-websocket-version': '8' }, 426],
      [{ 'sec-websocket-key': 'short' }, 400],
    ];
    for (var c of cases) {
      var f = fakeRes();
      t.hub.handle(wsReq(c[0]), f.res);
      expect(f.r.code).toBe(c[1]);
      expect(JSON.parse(f.r.body).msg).toBeTruthy();
    }
    t.hub.handle(wsReq(), fakeRes().res);
    t.hub.handle(wsReq(), fakeRes().res);
    var full = fakeRes();
    t.hub.handle(wsReq(), full.res);
    expect(full.r.code).toBe(503);
    expect(t.hub.clients.length).toBe(2);
    // once one leaves, a new one gets in
    t.socks[0].handlers.close(false);
    expect(t.hub.clients.length).toBe(1);
    t.hub.handle(wsReq(), fakeRes().res);
    expect(t.hub.clients.length).toBe(2);
  });

  it('answers {"ping":1} with {"pong":1} itself and passes other text on', () => {
    var t = setup();
    t.hub.handle(wsReq(), fakeRes().res);
    var s = t.socks[0];
    s.feed(clientFrame(1, '{"ping":1}'));
    expect(s.texts()).toEqual(['{"pong":1}']);
    s.feed(clientFrame(1, '{"x":"ping"}') + clientFrame(1, 'not json "ping"'));
    expect(t.messages).toEqual(['{"x":"ping"}', 'not json "ping"']);
  });

  it('answers a ping frame with a pong carrying the same payload; ignores pongs', () => {
    var t = setup();
    t.hub.handle(wsReq(), fakeRes().res);
    var s = t.socks[0];
    s.feed(clientFrame(9, 'Hello'));
    expect(codes(s.last())).toEqual([0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    s.feed(clientFrame(10, 'x'));
    expect(s.out.length).toBe(1);
  });

  it('puts fragmented messages together, with control frames in between', () => {
    var t = setup();
    t.hub.handle(wsReq(), fakeRes().res);
    var s = t.socks[0];
    var euro = utf8Encode('€');
    // the 3-byte € is split across fragments: UTF-8 is checked on the whole message
    s.feed(clientFrame(1, 'Hel' + euro.substr(0, 1), false));
    s.feed(clientFrame(9, 'mid'));
    s.feed(clientFrame(0, euro.substr(1), false) + clientFrame(0, 'lo', true));
    expect(t.messages).toEqual(['Hel€lo']);
    expect(s.out.length).toBe(1); // the pong
    expect(t.hub.clients.length).toBe(1);
  });

  it('takes frames split at every byte and several in one chunk', () => {
    var t = setup();
    t.hub.handle(wsReq(), fakeRes().res);
    var s = t.socks[0];
    var stream = clientFrame(1, 'one') + clientFrame(1, new Array(201).join('2')) + clientFrame(1, 'three');
    for (var i = 0; i < stream.length; i++) s.feed(stream.charAt(i));
    s.feed(clientFrame(1, 'a') + clientFrame(1, 'b'));
    expect(t.messages.map((m) => m.length)).toEqual([3, 200, 5, 1, 1]);
  });

  it('answers a close with the same code, hangs up and forgets the client', () => {
    var t = setup();
    t.hub.handle(wsReq(), fakeRes().res);
    var s = t.socks[0];
    s.feed(clientFrame(8, bytes([0x03, 0xe8]) + 'bye'));
    expect(closeCode(s.last())).toBe(1000);
    expect(s.ended).toBe(true);
    expect(t.hub.clients.length).toBe(0);
    // anything after is ignored
    s.feed(clientFrame(1, 'late'));
    expect(t.messages).toEqual([]);
  });

  it('answers an empty close with an empty close, and a bad close code with 1002', () => {
    var t = setup();
    t.hub.handle(wsReq(), fakeRes().res);
    t.hub.handle(wsReq(), fakeRes().res);
    t.socks[0].feed(clientFrame(8, ''));
    expect(codes(t.socks[0].last())).toEqual([0x88, 0]);
    t.socks[1].feed(clientFrame(8, bytes([0x03, 0xed]))); // 1005 must not be sent
    expect(closeCode(t.socks[1].last())).toBe(1002);
  });

  var protocolErrors: [string, () => string, number][] = [
    ['unmasked frame', () => bytes([0x81, 0x02, 0x68, 0x69]), 1002],
    ['continuation with no message', () => clientFrame(0, 'x'), 1002],
    ['new message inside a fragmented one', () => clientFrame(1, 'a', false) + clientFrame(1, 'b'), 1002],
    ['oversize frame', () => clientFrame(1, new Array(1100).join('x')).substr(0, 8), 1009],
    ['oversize fragmented message', () => clientFrame(1, new Array(600).join('x'), false) + clientFrame(0, new Array(600).join('y')), 1009],
    ['64-bit length', () => bytes([0x81, 0xff, 0, 0, 0, 0, 0, 0, 0, 5]), 1009],
    ['binary message', () => clientFrame(2, 'bin'), 1003],
    ['invalid UTF-8', () => clientFrame(1, bytes([0x7b, 0xff, 0x7d])), 1007],
    ['garbage', () => bytes([0x1f, 0x3c, 0x99, 0x00, 0x42]), 1002],
  ];
  for (var pe of protocolErrors)
    ((name, frame, code) => {
      it('closes with ' + code + ' on ' + name, () => {
        var t = setup();
        t.hub.handle(wsReq(), fakeRes().res);
        var s = t.socks[0];
        s.feed(frame());
        expect(closeCode(s.last())).toBe(code);
        expect(s.ended).toBe(true);
        expect(t.hub.clients.length).toBe(0);
        expect(t.messages).toEqual([]);
      });
    })(pe[0], pe[1], pe[2]);

  it('broadcasts one UTF-8 JSON frame to every client and drops a slow one', () => {
    var t = setup({ maxPending: 100 });
    t.hub.handle(wsReq(), fakeRes().res);
    t.hub.handle(wsReq(), fakeRes().res);
    t.hub.handle(wsReq(), fakeRes().res);
    t.socks[1].backlog = 101;
    t.hub.broadcast({ amp: 15800, name: 'Zoë €' });
    expect(t.socks[0].out[0]).toBe(encodeFrame(1, Buffer.from('{"amp":15800,"name":"Zoë €"}', 'utf8').toString('latin1')));
    expect(t.socks[2].out[0]).toBe(t.socks[0].out[0]);
    expect(t.socks[1].out.length).toBe(0);
    expect(t.socks[1].ended).toBe(true);
    expect(t.hub.clients.length).toBe(2);
    var big: any = { s: new Array(300).join('x') }; // 299 x + 8 bytes of JSON = 0x133
    t.hub.broadcast(big);
    expect(codes(t.socks[0].out[1].substr(0, 4))).toEqual([0x81, 126, 1, 0x33]);
  });

  it('pings every pingMs, drops a client silent for a whole period, and keeps no timer without clients', () => {
    var t = setup({ pingMs: 1000 });
    expect(t.clock.pending()).toBe(0);
    t.hub.handle(wsReq(), fakeRes().res);
    t.hub.handle(wsReq(), fakeRes().res);
    expect(t.clock.pending()).toBe(1);
    t.clock.advance(1000);
    expect(codes(t.socks[0].last())).toEqual([0x89, 0]);
    expect(codes(t.socks[1].last())).toEqual([0x89, 0]);
    t.socks[0].feed(clientFrame(10, '')); // the browser's pong
    t.clock.advance(1000);
    expect(t.hub.clients.length).toBe(1);
    expect(t.socks[1].ended).toBe(true);
    expect(codes(t.socks[0].last())).toEqual([0x89, 0]);
    t.clock.advance(1000); // no pong this time
    expect(t.hub.clients.length).toBe(0);
    expect(t.clock.pending()).toBe(0);
  });

  it('forgets a client whose socket closes mid-frame', () => {
    var t = setup();
    t.hub.handle(wsReq(), fakeRes().res);
    t.hub.handle(wsReq(), fakeRes().res);
    t.socks[0].feed(clientFrame(1, 'partial message').substr(0, 7));
    t.socks[0].handlers.close();
    expect(t.hub.clients.length).toBe(1);
    t.hub.broadcast({ a: 1 });
    expect(t.socks[0].out.length).toBe(0);
    expect(t.socks[1].texts()).toEqual(['{"a":1}']);
  });
});
