// The WiFi HAL on Espruino's require("Wifi") (ESP32; ref/espruino.md §3 "Wifi"). The interpreter's
// Linux build has no Wifi module: espruinoWifi() then returns undefined and the gateway runs
// without radio, as on Node.
import { Wifi, WifiNetwork } from '../types';
import { find } from '../../core/text';

/** ESP-IDF's wifi_auth_mode_t numbers, which the reference's `/scan` reports as `secure`. */
var AUTH_MODES = 'open,wep,wpa,wpa2,wpa_wpa2';
/** Auth modes Espruino names "unknown" (enterprise, WPA3): still secured, so not 0. */
var AUTH_OTHER = 5;

/**
 * The methods, made once at the image's top level and reached through the prototype: made inside
 * espruinoWifi(), each would keep that call's scope (one JsVar each, and the scope itself).
 * `this.w` is the Wifi module.
 */
var WIFI = {
  connect: function (this: any, ssid: string, pass: string, cb: (err: string | null) => void) {
    try {
      // Espruino calls back only on success (got an IP); failures arrive as 'disconnected'.
      this.w.connect(ssid, { password: pass }, function (err: any) {
        cb(err ? String(err) : null);
      });
    } catch (e) {
      cb(String((e as any).message || e));
    }
  },
  startAP: function (this: any, ssid: string, pass: string, cb: (err: string | null) => void) {
    try {
      this.w.startAP(ssid, pass ? { password: pass, authMode: 'wpa2' } : { authMode: 'open' }, function (err: any) {
        cb(err ? String(err) : null);
      });
    } catch (e) {
      cb(String((e as any).message || e));
    }
  },
  scan: function (this: any, cb: (list: WifiNetwork[]) => void) {
    try {
      this.w.scan(function (list: any[]) {
        // The objects Espruino made are reshaped in place rather than copied: a scan in a busy
        // street finds dozens of networks, and each object costs several JsVars.
        var modes = AUTH_MODES.split(',');
        for (var i = 0; i < list.length; i++) {
          var a: any = list[i];
          var mode = modes.indexOf(a.authMode);
          a.bssid = a.mac;
          a.channel = parseInt(a.channel, 10) || 0;
          a.secure = mode < 0 ? AUTH_OTHER : mode;
          delete a.mac;
          delete a.authMode;
        }
        cb(list as WifiNetwork[]);
      });
    } catch (e) {
      // "A scan is already in progress"
      cb([]);
    }
  },
  stationIp: function (this: any) {
    var ip = this.w.getIP();
    return ip && ip.ip && ip.ip !== '0.0.0.0' ? ip.ip : '';
  },
  apIp: function (this: any) {
    var ip = this.w.getAPIP();
    return ip && ip.ip && ip.ip !== '0.0.0.0' ? ip.ip : '192.168.4.1';
  },
  rssi: function (this: any) {
    // getStatus() has the joined network's rssi only while connected
    var s = this.w.getStatus();
    return (s && s.rssi) || 0;
  },
  onEvent: function (this: any, cb: (event: string, detail?: string) => void) {
    this.w.on('connected', function () {
      cb('connected');
    });
    this.w.on('disconnected', function (d: any) {
      cb('disconnected', d && d.msg);
    });
  },
};

/** `module`: the interpreter's Wifi module (tests pass a stand-in); by default require("Wifi"). */
export function espruinoWifi(module?: any): Wifi | undefined {
  var w: any = module;
  if (!w) {
    // Asked first rather than caught: an exception thrown while the image's top level is still on
    // the stack copies that whole code into RAM for its trace (measured: ~10,000 JsVars, OUT OF
    // MEMORY on a 4,000-var pool), and require() of a missing module throws.
    var env = (global as any).process && (global as any).process.env;
    if (!env || find(String(env.MODULES), 'Wifi') < 0) return undefined;
    try {
      w = require('Wifi');
    } catch (e) {
      return undefined;
    }
  }
  if (!w || !w.connect) return undefined;
  var wifi: any = Object.create(WIFI);
  wifi.w = w;
  // Natives whose arguments already match: a reference costs 1 JsVar, a wrapper ~6.
  wifi.disconnect = w.disconnect;
  wifi.stopAP = w.stopAP;
  wifi.setHostname = w.setHostname;
  return wifi as Wifi;
}
