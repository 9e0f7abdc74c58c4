// The ESP32 HAL's WebSocket connection (src/hal/espruino/hal.ts, HttpServer.upgrade).
import { RawSocket } from '../types';

/**
 * A connection after `101 Switching Protocols`. Espruino keeps it as the request/response pair:
 * bytes arrive as the request's 'data' events, `res.write` sends them raw, the request's 'close'
 * fires when it ends. Methods on the prototype: no functions per message.
 *
 * The HAL (hal.ts) defines this module for each connection it upgrades (a `lazy:` import): while no
 * browser is connected, the class costs nothing.
 */
export class UpgradedConnection implements RawSocket {
  constructor(private req: any, private res: any) {}
  write(data: string) {
    // Espruino throws "This socket is closed" once the peer has gone.
    try {
      this.res.write(data);
    } catch (e) {}
  }
  end() {
    try {
      this.res.end();
    } catch (e) {}
  }
  pending() {
    // `dSnd` is where the interpreter queues unsent bytes (socketserver.c HTTP_NAME_SEND_DATA).
    var s = this.res.dSnd;
    return s ? s.length : 0;
  }
  on(event: string, cb: any) {
    this.req.on(event, cb);
  }
}
