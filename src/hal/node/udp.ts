// UDP sockets on node:dgram, datagrams as binary strings.
import * as dgram from 'node:dgram';
import { Udp, UdpSocket, Log } from '../types';

export function nodeUdp(log: Log): Udp {
  return {
    bind: function (port) {
      var sock = dgram.createSocket('udp4');
      sock.on('error', function (e: Error) {
        log('warn', 'udp port ' + port + ': ' + e.message);
      });
      sock.bind(port);
      var wrapped: UdpSocket = {
        send: function (data, toPort, host) {
          sock.send(Buffer.from(data, 'latin1'), toPort, host);
        },
        onMessage: function (cb) {
          sock.on('message', function (b: Buffer, rinfo: dgram.RemoteInfo) {
            cb(b.toString('latin1'), { address: rinfo.address, port: rinfo.port });
          });
        },
        close: function () {
          try {
            sock.close();
          } catch (e) {}
        },
      };
      return wrapped;
    },
  };
}
