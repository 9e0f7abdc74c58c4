// WsHub's ways of letting a client go (a close frame, a plain hang-up, a connection already gone)
// and its per-client cost: on the device a live function object costs JsVars, so each client gets
// one function for both of its socket's events, and the keep-alive timer one for all clients.
import { WsHub } from '../../src/http/websocket';
import { nodeCrypto } from '../../src/hal/node/crypto';
import { HttpServer, HttpRequest, HttpResponse, RawSocket } from '../../src/hal/types';
import { FakeClock } from '../helpers/fake-clock';

class Sock implements RawSocket {
  out: string[] = [];
  ended = 0;
  backlog = 0;
  handlers: { [ev: string]: any } = {};
  write(d: string) {
    this.out.push(d);
  }
  end() {
    this.ended++;
  }
  pending() {
    return this.backlog;
  }
  on(ev: string, cb: any) {
    this.handlers[ev] = cb;
  }
}

/** A masked client frame (payload under 126 bytes). */
function frame(opcode: number, payload: string): string {
  var m = [1, 2, 3, 4];
  var s = String.fromCharCode(0x80 | opcode, 0x80 | payload.length, m[0], m[1], m[2], m[3]);
  for (var i = 0; i < payload.length; i++) s += String.fromCharCode(payload.charCodeAt(i) ^ m[i & 3]);
  return s;
}

function setup(opts?: any) {
  var socks: Sock[] = [];
  var http: HttpServer = {
    listen: () => undefined,
    upgrade: () => {
      var s = new Sock();
      socks.push(s);
      return s;
    },
  };
  var clock = new FakeClock();
  var hub = new WsHub(http, nodeCrypto, clock, opts);
  var req: HttpRequest = {
    method: 'GET',
    url: '/ws',
    headers: { upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    on: () => undefined,
  };
  var res: HttpResponse = { writeHead: () => undefined, write: () => undefined, end: () => undefined, on: () => undefined };
  var open = () => hub.handle(req, res);
  return { hub, socks, clock, open };
}

describe('WsHub hang-ups', () => {
  it('one function per client for data and close', () => {
    var t = setup();
    t.open();
    t.open();
    var a = t.socks[0].handlers;
    expect(typeof a.data).toBe('function');
    expect(a.close).toBe(a.data);
    expect(t.socks[1].handlers.data).not.toBe(a.data);
  });

  it('send() to a client too far behind hangs up without a close frame and forgets it', () => {
    var t = setup({ maxPending: 10 });
    t.open();
    t.open();
    t.socks[0].backlog = 11;
    t.hub.send(t.hub.clients[0], { a: 1 });
    expect(t.socks[0].out).toEqual([]);
    expect(t.socks[0].ended).toBe(1);
    expect(t.hub.clients.length).toBe(1);
    expect(t.clock.pending()).toBe(1); // the other client still has its keep-alive
  });

  it("the 'close' event of a client the hub already closed changes nothing", () => {
    var t = setup();
    t.open();
    t.open();
    var gone = t.hub.clients[0];
    t.socks[0].handlers.data(frame(8, '\x03\xe8')); // the browser closes with 1000
    expect(t.socks[0].out.length).toBe(1);
    expect(t.socks[0].ended).toBe(1);
    expect(t.hub.clients.length).toBe(1);
    t.socks[0].handlers.close();
    expect(t.socks[0].out.length).toBe(1); // no second close frame
    expect(t.socks[0].ended).toBe(1);
    expect(gone.open).toBe(false);
    expect(t.hub.clients.length).toBe(1);
    expect(t.clock.pending()).toBe(1);
    // bytes after the close are ignored
    t.socks[0].handlers.data(frame(1, 'late'));
    expect(t.socks[0].out.length).toBe(1);
  });

  it('the last client going stops the keep-alive; the next one starts it again', () => {
    var t = setup({ pingMs: 1000 });
    t.open();
    t.socks[0].handlers.close();
    expect(t.hub.clients.length).toBe(0);
    expect(t.socks[0].ended).toBe(0); // its connection is gone: nothing to end
    expect(t.clock.pending()).toBe(0);
    t.open();
    expect(t.clock.pending()).toBe(1);
    t.clock.advance(1000);
    expect(t.socks[1].out).toEqual(['\x89\x00']);
  });
});
