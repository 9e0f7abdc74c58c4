// A STUB of the ESP32's require("Wifi"), only with bootDevice({ wifi: ... }): the radio cannot
// exist here. The networks "in range" are what the test says (`dev.wifi.networks`); joining one
// with the right password gives an address, as a DHCP server would. Shapes of the answers and
// events follow the interpreter's ESP32 code (libs/network/esp32/jswrap_esp32_network.c, 2v29):
// 'connected' {ip, netmask, gw}; 'disconnected' {ssid, mac, reason, msg} and connect's callback
// gets the same msg as its error; scan gives {ssid, mac, authMode, channel, hidden, rssi}.
// The radio's state belongs to one boot (nothing is saved to NVS unless Wifi.save, not stubbed).
'use strict';
const { Emitter } = require('./network');

const NONE = { ip: '0.0.0.0', netmask: '0.0.0.0', gw: '0.0.0.0' };
/** The delay of an association or a scan: answers are never synchronous on the chip. */
const RADIO_MS = 50;

/** Device-level settings the test controls: networks in range and the address a join gets. */
function wifiWorld(opts) {
  return {
    networks: (opts && opts.networks) || [],
    ip: (opts && opts.ip) || '192.168.1.77',
    mac: '24:0a:c4:5e:a1:b2',
    /** What the image did to the radio, in order, e.g. ['startAP OpenEVSE_a1b2', 'connect home']. */
    calls: [],
    /** The current boot's radio (set by wifiModule), for the test to read and to drive. */
    radio: null,
  };
}

function wifiModule(boot, world) {
  const w = new Emitter(boot);
  const radio = { sta: null, ap: null, hostname: '', module: w };
  world.radio = radio;
  const later = (fn) => {
    const t = setTimeout(() => boot.alive && fn(), RADIO_MS);
    boot.track(() => clearTimeout(t));
  };
  const cb = (f, args) => typeof f === 'function' && boot.call(f, null, args || []);
  const obj = (o) => boot.global.JSON.parse(JSON.stringify(o));
  const ipOf = (up, ip) => obj(up ? { ip: ip, netmask: '255.255.255.0', gw: ip.replace(/\d+$/, '1'), mac: world.mac } : Object.assign({ mac: world.mac }, NONE));

  /** The test's hand on the radio: the network goes away (or its password changed). */
  radio.drop = (reason, msg) => {
    if (!radio.sta) return;
    const ssid = radio.sta.ssid;
    radio.sta = null;
    w.emit('disconnected', obj({ ssid: ssid, mac: '00:00:00:00:00:00', reason: String(reason || 200), msg: msg || 'beacon_timeout' }));
  };

  Object.assign(w, {
    connect(ssid, opts, callback) {
      world.calls.push('connect ' + ssid);
      const pass = (opts && opts.password) || '';
      later(() => {
        const n = world.networks.find((x) => x.ssid === ssid);
        if (n && (n.password || '') === pass) {
          radio.sta = { ssid: ssid, rssi: n.rssi || -60, channel: n.channel || 6 };
          w.emit('connected', obj({ ip: world.ip, netmask: '255.255.255.0', gw: world.ip.replace(/\d+$/, '1') }));
          cb(callback, [null]);
        } else {
          const r = n ? ['202', 'auth_fail'] : ['201', 'no_ap_found'];
          w.emit('disconnected', obj({ ssid: ssid, mac: '00:00:00:00:00:00', reason: r[0], msg: r[1] }));
          cb(callback, [r[1]]);
        }
      });
    },
    disconnect(callback) {
      world.calls.push('disconnect');
      const was = radio.sta;
      radio.sta = null;
      if (was) w.emit('disconnected', obj({ ssid: was.ssid, mac: '00:00:00:00:00:00', reason: '8', msg: 'assoc_leave' }));
      cb(callback);
    },
    startAP(ssid, opts, callback) {
      world.calls.push('startAP ' + ssid);
      radio.ap = { ssid: ssid, password: (opts && opts.password) || '', authMode: (opts && opts.authMode) || 'open' };
      later(() => cb(callback, [null]));
    },
    stopAP(callback) {
      world.calls.push('stopAP');
      radio.ap = null;
      cb(callback);
    },
    scan(callback) {
      world.calls.push('scan');
      later(() =>
        cb(callback, [
          obj(world.networks.map((n, i) => ({ ssid: n.ssid, mac: n.mac || '10:00:00:00:00:0' + (i % 10), authMode: n.password ? 'wpa2' : 'open', channel: n.channel || 6, hidden: false, rssi: n.rssi || -60 }))),
        ])
      );
    },
    getIP: () => ipOf(!!radio.sta, world.ip),
    getAPIP: () => ipOf(!!radio.ap, '192.168.4.1'),
    getStatus: () => obj(radio.sta ? { station: 'connected', ap: radio.ap ? 'enabled' : 'disabled', ssid: radio.sta.ssid, channel: radio.sta.channel, rssi: radio.sta.rssi } : { station: 'off', ap: radio.ap ? 'enabled' : 'disabled' }),
    setHostname(name, callback) {
      world.calls.push('setHostname ' + name);
      radio.hostname = String(name);
      cb(callback);
    },
    getHostname: () => radio.hostname,
  });
  return w;
}

module.exports = { wifiWorld, wifiModule };
