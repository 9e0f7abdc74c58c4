// The gateway on Node.js. Without --serial it runs against the built-in controller emulator.
//   --serial /dev/ttyUSB0 | host:port   a real controller (USB-serial, or TCP e.g. ser2net / the emulator's --tcp)
//   --port N                            HTTP port (default 8080)
//   --data DIR                          folder for config and data (default ./data)
//   --emulator-control-port N           the emulator's control interface (default 8081)
//   --fast                              the emulator boots in milliseconds instead of seconds
//   --verbose                           debug log lines
import { parseArgs } from '../hal/node/args';
import { nodeClock, createNodeClock } from '../hal/node/clock';
import { openSerial, openTcpSerial } from '../hal/node/serial';
import { folderStorage } from '../hal/node/storage';
import { nodeHttpServer } from '../hal/node/http';
import { nodeNet } from '../hal/node/net';
import { nodeSystem } from '../hal/node/system';
import { nodeCrypto } from '../hal/node/crypto';
import { nodeUdp } from '../hal/node/udp';
import { consoleLog } from '../hal/node/log';
import { inProcessEmulator } from '../emulator/in-process';
import { startControlServer } from '../emulator/control-server';
import { Gateway } from '../app';
import * as routes from '../http/routes';
import { Planning } from '../planning';
import { MqttService } from '../services/mqtt/service';
import { EmoncmsService } from '../services/emoncms';
import * as emoncmsPost from '../services/emoncms-post';
import { OhmConnectService } from '../services/ohmconnect';
import * as ohmPoll from '../services/ohmconnect-poll';
import { SntpService } from '../services/sntp';
import * as sntpExchange from '../services/sntp-exchange';
import { TeslaService } from '../services/tesla';
import * as teslaRequest from '../services/tesla-request';
import { nodeHttpClient } from '../hal/node/http-client';
import { setAssetSource } from '../http/static';
import { PowerHistory } from '../core/history';
import * as path from 'node:path';
import { SerialLink } from '../hal/types';

var args = parseArgs(process.argv.slice(2));
var log = consoleLog(!!args.verbose);
var port = args.port !== undefined ? parseInt(args.port, 10) : 8080;
var link: SerialLink;

if (args.serial) {
  var m = /^([^/][^:]*):(\d+)$/.exec(args.serial);
  link = m ? openTcpSerial(m[1], parseInt(m[2], 10), log) : openSerial(args.serial, log);
  log('info', 'controller on ' + args.serial);
} else {
  var emu = inProcessEmulator(nodeClock, args.fast ? 'fast' : 'real');
  link = emu.link;
  var controlPort = args['emulator-control-port'] !== undefined ? parseInt(args['emulator-control-port'], 10) : 8081;
  startControlServer(emu.emulator, controlPort).then(
    function (server) {
      log('info', 'emulated controller; its control interface is on http://127.0.0.1:' + (server.address() as any).port);
    },
    function (err: Error) {
      log('error', 'emulator control interface on port ' + controlPort + ': ' + err.message);
    }
  );
}

var storage = folderStorage(args.data || 'data');
// The web UI as the build leaves it (dist/web beside dist/node); on the device it is in Storage.
setAssetSource(folderStorage(path.join(__dirname, '..', 'web')));
var gateway = new Gateway(
  {
    system: nodeSystem(storage),
    // its own clock: SNTP and /settime move the gateway's time, not the emulated controller's
    clock: createNodeClock(),
    serial: link,
    storage: storage,
    http: nodeHttpServer(function (p) {
      log('info', 'gateway listening on http://localhost:' + p);
    }),
    net: nodeNet,
    crypto: nodeCrypto,
    log: log,
    udp: nodeUdp(log),
  },
  { httpPort: port, loadRoutes: () => routes }
);
gateway.planning = new Planning(gateway);
gateway.mqtt = new MqttService(gateway);
gateway.emoncms = new EmoncmsService(gateway, nodeHttpClient, {
  loadRequest: function () {
    return emoncmsPost;
  },
});
gateway.ohm = new OhmConnectService(gateway, nodeHttpClient, {
  loadRequest: function () {
    return ohmPoll;
  },
});
gateway.sntp = new SntpService(gateway, {
  loadExchange: function () {
    return sntpExchange;
  },
});
gateway.tesla = new TeslaService(gateway, nodeHttpClient, {
  loadRequest: function () {
    return teslaRequest;
  },
});
gateway.history = new PowerHistory(gateway.hal.clock);
gateway.start();
