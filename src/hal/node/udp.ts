// UDP sockets on node:dgram, datagrams as binary strings.
import * as dgram from 'node:dgram';
import { Udp, UdpSocket, Log } from '../types';

export function nodeUdp(log: Log): Udp {
  return {
    bind: function (port, group) {
      // a multicast port is shared with the host's own responder (avahi), as mDNS expects
      var sock = dgram.createSocket({ type: 'udp4', reuseAddr: !!group });
      // node sends after an async address lookup, and close() cancels what is still queued: a
      // close right after a send (mDNS's goodbye) waits for the sends to go out
      var pending = 0;
      var closing = false;
      sock.on('error', function (e: Error) {
        log('warn', 'udp port ' + port + ': ' + e.message);
        // a failed bind leaves queued sends unanswered: do not wait for them
        if (closing) {
          pending = 0;
          wrapped.close();
        }
      });
      sock.bind(port, function () {
        if (!group) return;
        try {
          sock.addMembership(group);
        } catch (e) {
          // no multicast route (a container, CI): unicast still works
          log('warn', 'udp ' + group + ': ' + (e as Error).message);
        }
      });
      var sent = function (err: Error | null) {
        pending--;
        if (err) log('warn', 'udp port ' + port + ': ' + err.message);
        if (closing && !pending) wrapped.close();
      };
      var wrapped: UdpSocket = {
        send: function (data, toPort, host) {
          if (closing) return;
          pending++;
          try {
            sock.send(Buffer.from(data, 'latin1'), toPort, host, sent);
          } catch (e) {
            sent(e as Error);
          }
        },
        onMessage: function (cb) {
          sock.on('message', function (b: Buffer, rinfo: dgram.RemoteInfo) {
            cb(b.toString('latin1'), { address: rinfo.address, port: rinfo.port });
          });
        },
        close: function () {
          closing = true;
          if (pending) return;
          try {
            sock.close();
          } catch (e) {}
        },
      };
      return wrapped;
    },
  };
}
