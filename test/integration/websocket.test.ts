// The WebSocket hub on a real node:http server (through the node HAL), driven by the hand-written
// client of test/helpers/ws-client.ts over a real socket.
import * as crypto from 'node:crypto';
import { nodeHttpServer } from '../../src/hal/node/http';
import { nodeCrypto } from '../../src/hal/node/crypto';
import { nodeClock } from '../../src/hal/node/clock';
import { WsHub } from '../../src/http/websocket';
import { WsTestClient as Client } from '../helpers/ws-client';

describe('WebSocket /ws on the node HTTP server', () => {
  var server: ReturnType<typeof nodeHttpServer>;
  var hub: WsHub;
  var port = 0;
  var messages: string[] = [];
  var clients: Client[] = [];
  var pingMs = 30000;

  function connect(path = '/ws', first?: Buffer): Client {
    var c = new Client(port, path, {}, first);
    clients.push(c);
    return c;
  }
  function hubHas(n: number) {
    return new Promise<void>((resolve, reject) => {
      var t0 = Date.now();
      var poll = () => {
        if (hub.clients.length === n) resolve();
        else if (Date.now() - t0 > 2000) reject(new Error('hub has ' + hub.clients.length + ' clients, not ' + n));
        else setTimeout(poll, 5);
      };
      poll();
    });
  }

  beforeEach(async () => {
    messages = [];
    await new Promise<void>((resolve) => {
      server = nodeHttpServer((p) => {
        port = p;
        resolve();
      });
      hub = new WsHub(server, nodeCrypto, nodeClock, { maxClients: 2, maxFrame: 1024, pingMs: pingMs });
      hub.onOpen = (c) => hub.send(c, { state: 254, amp: 0, name: 'Zoë' }); // the "full status"
      hub.onMessage = (c, text) => {
        messages.push(text);
      };
      server.listen(0, (req, res) => {
        if (req.url === '/ws') hub.handle(req, res);
        else {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end('{"msg":"Not found"}');
        }
      });
    });
  });
  afterEach(() => {
    for (var c of clients) c.sock.destroy();
    clients = [];
    server.close();
  });

  it('completes the handshake and pushes the full status first', async () => {
    var c = connect();
    await c.opened();
    expect(c.status).toBe(101);
    var accept = crypto.createHash('sha1').update(c.key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    expect(c.head).toContain('Sec-WebSocket-Accept: ' + accept);
    await c.nextText(1);
    expect(c.texts()[0]).toEqual({ state: 254, amp: 0, name: 'Zoë' });
  });

  it('broadcasts partial objects to every client', async () => {
    var a = connect();
    var b = connect();
    await a.nextText(1);
    await b.nextText(1);
    hub.broadcast({ amp: 15800, voltage: 240, power: 3792 });
    hub.broadcast({ long: new Array(500).join('y') }); // 16-bit length
    await a.nextText(3);
    await b.nextText(3);
    expect(a.texts().slice(1)).toEqual([{ amp: 15800, voltage: 240, power: 3792 }, { long: new Array(500).join('y') }]);
    expect(b.texts()).toEqual(a.texts());
  });

  it('answers {"ping":1} with {"pong":1}, a ping frame with a pong, and passes other messages on', async () => {
    var c = connect();
    await c.nextText(1);
    c.send(1, '{"ping":1}');
    await c.nextText(2);
    expect(c.frames.filter((f) => f.opcode === 1)[1].data.toString()).toBe('{"pong":1}');
    c.send(9, 'are you there');
    await c.until(() => c.frames.some((f) => f.opcode === 10), 'pong frame');
    expect(c.frames.filter((f) => f.opcode === 10)[0].data.toString()).toBe('are you there');
    c.send(1, 'Hel', false);
    c.send(0, 'lo €', true);
    await new Promise<void>((r) => {
      var poll = () => (messages.length ? r() : setTimeout(poll, 5));
      poll();
    });
    expect(messages).toEqual(['Hello €']);
  });

  it('takes a first frame sent in the same packet as the handshake', async () => {
    var c = connect('/ws', Client.frame(1, Buffer.from('{"ping":1}')));
    await c.nextText(2);
    expect(c.texts()[1]).toEqual({ pong: 1 });
  });

  it('refuses a client over the limit with HTTP 503, and lets one in once a slot frees', async () => {
    var a = connect();
    var b = connect();
    await a.nextText(1);
    await b.nextText(1);
    var c = connect();
    await c.opened();
    expect(c.status).toBe(503);
    await c.until(() => c.closed, 'the refused connection to close');
    expect(JSON.parse(c.buf.toString()).msg).toMatch(/Too many/);
    a.send(8, Buffer.from([0x03, 0xe8]));
    await a.until(() => a.closed, 'close');
    expect(a.closeFrame()!.data.readUInt16BE(0)).toBe(1000);
    await hubHas(1);
    var d = connect();
    await d.nextText(1);
    expect(hub.clients.length).toBe(2);
  });

  it('forgets a client that disconnects mid-frame and keeps serving the others', async () => {
    var a = connect();
    var b = connect();
    await a.nextText(1);
    await b.nextText(1);
    var frame = Client.frame(1, Buffer.from('{"half":"a frame that never ends"}'));
    a.sock.write(frame.subarray(0, 9));
    await new Promise((r) => setTimeout(r, 20));
    a.sock.destroy();
    await hubHas(1);
    hub.broadcast({ still: 'here' });
    await b.nextText(2);
    expect(b.texts()[1]).toEqual({ still: 'here' });
    expect(messages).toEqual([]);
  });

  it('closes with 1002 on a garbage frame and 1009 on an oversize one', async () => {
    var a = connect();
    var b = connect();
    await a.nextText(1);
    await b.nextText(1);
    a.sock.write(Buffer.from('GET / HTTP/1.1\r\n\r\n')); // not a frame: unmasked, reserved bits
    await a.until(() => a.closed, 'close after garbage');
    expect(a.closeFrame()!.data.readUInt16BE(0)).toBe(1002);
    b.sock.write(Client.frame(1, Buffer.alloc(5000, 0x41)).subarray(0, 100));
    await b.until(() => b.closed, 'close after oversize');
    expect(b.closeFrame()!.data.readUInt16BE(0)).toBe(1009);
    await hubHas(0);
  });

  it('answers an upgrade request for another path with plain HTTP and closes', async () => {
    var c = connect('/nope');
    await c.until(() => c.closed, 'close');
    expect(c.status).toBe(404);
    expect(c.buf.toString()).toBe('{"msg":"Not found"}');
    expect(hub.clients.length).toBe(0);
  });

  describe('keep-alive', () => {
    beforeAll(() => {
      pingMs = 150;
    });
    afterAll(() => {
      pingMs = 30000;
    });
    it('pings; keeps a client that answers, drops one that does not', async () => {
      var a = connect();
      var b = connect();
      await a.nextText(1);
      await b.nextText(1);
      // `a` answers every ping like a browser; `b` never does
      var answered = 0;
      a.sock.on('data', () => {
        var pings = a.frames.filter((f) => f.opcode === 9).length;
        for (; answered < pings; answered++) a.send(10, '');
      });
      await b.until(() => b.closed, 'the silent client to be dropped');
      await hubHas(1);
      await new Promise((r) => setTimeout(r, 400));
      expect(hub.clients.length).toBe(1);
      expect(a.closed).toBe(false);
      expect(a.frames.filter((f) => f.opcode === 9).length).toBeGreaterThan(2);
    });
  });

  it('refuses a plain GET /ws with 426', async () => {
    var res = await fetch('http://127.0.0.1:' + port + '/ws');
    expect(res.status).toBe(426);
    expect(res.headers.get('sec-websocket-version')).toBe('13');
  });
});
