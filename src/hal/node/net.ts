// TCP and TLS client sockets on node:net / node:tls, data as binary strings.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Net, TcpSocket } from '../types';

export var nodeNet: Net = {
  connect: function (host, port, secure) {
    var sock: net.Socket = secure
      ? tls.connect({ host: host, port: port, servername: host, rejectUnauthorized: secure.rejectUnauthorized !== false })
      : net.connect(port, host);
    var wrapped: TcpSocket = {
      write: function (data) {
        sock.write(Buffer.from(data, 'latin1'));
      },
      end: function () {
        sock.end();
      },
      on: function (event: string, cb: any) {
        if (event === 'data')
          sock.on('data', function (b: Buffer) {
            cb(b.toString('latin1'));
          });
        else if (event === 'connect') sock.on(secure ? 'secureConnect' : 'connect', cb);
        else sock.on(event, cb);
      },
    };
    return wrapped;
  },
};
