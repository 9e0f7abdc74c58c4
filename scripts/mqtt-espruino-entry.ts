// Entry for scripts/espruino-mqtt-mem.mjs: the MQTT client alone on the Espruino interpreter,
// connected to a broker, printing process.memory().usage at each step. Not part of the image.
import { MqttClient } from '../src/services/mqtt/client';
import { Net, Clock, TcpSocket } from '../src/hal/types';

declare var process: any;
declare var require: any;
declare function print(s: string): void;
declare var global: any;

function used(): number {
  return process.memory().usage;
}

var m0 = used();
var port = Number(require('Storage').read('mqttport'));

var clock: Clock = {
  now: function () {
    return Math.floor(Date.now());
  },
  setTimeout: function (fn, ms) {
    return setTimeout(fn, ms);
  },
  clearTimeout: function (h) {
    if (h != null) clearTimeout(h);
  },
  setInterval: function (fn, ms) {
    return setInterval(fn, ms);
  },
  clearInterval: function (h) {
    if (h != null) clearInterval(h);
  },
};

// The same shape as src/hal/espruino/hal.ts espruinoNet (TCP only).
var net: Net = {
  connect: function (host, p) {
    var handlers: any = {};
    var sock: any = require('net').connect({ host: host, port: p }, function () {
      if (handlers.connect) handlers.connect();
    });
    sock.on('data', function (d: string) {
      if ((global as any).DBG) print('RX ' + JSON.stringify(d));
      if (handlers.data) handlers.data(d);
    });
    sock.on('close', function () {
      if (handlers.close) handlers.close();
    });
    sock.on('error', function (e: any) {
      if (handlers.error) handlers.error({ message: String((e && e.message) || e) });
    });
    var w: TcpSocket = {
      write: function (d) {
        sock.write(d);
      },
      end: function () {
        sock.end();
      },
      on: function (ev: string, cb: any) {
        handlers[ev] = cb;
      },
    };
    return w;
  },
};

var m1 = used();
var c = new MqttClient(net, clock, {
  host: '127.0.0.1',
  port: port,
  clientId: 'openevse-esp',
  keepAlive: 30,
  will: { topic: 'openevse/announce/ab12', payload: '{"state":"disconnected","id":"ab12"}', retain: true },
});
c.subscribe('openevse/rapi/in/#', 1);
c.subscribe('openevse/+/set', 0);
c.subscribe('emon/emonpi/power1', 0);
var got = 0;
c.onMessage = function (t, p) {
  got++;
  print('MSG ' + t + ' ' + p);
};
var m2 = used();
var m3 = 0;
c.onConnect = function () {
  m3 = used();
  c.publish('openevse/announce/ab12', '{"state":"connected","id":"ab12","name":"openevse-ab12","mqtt":"openevse","http":"http://10.0.0.2/"}', 0, true);
  c.publish('openevse/config', '{"mqtt_topic":"openevse","version":"5.0.0"}', 1, true);
  c.publish('openevse/amp', '15800');
  c.publish('openevse/event', 'started', 1);
  setTimeout(function () {
    print('MEM code+adapter ' + (m1 - m0) + ' construct+3 subs ' + (m2 - m1) + ' connected ' + (m3 - m0) + ' after publishes/messages ' + (used() - m0) + ' msgs ' + got + ' inflight ' + (c as any).flights.length + ' total ' + used());
  }, 3500);
};
c.start();
