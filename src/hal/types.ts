// Host abstraction: the only things the core and services may touch of the outside world.
// Bytes cross this boundary as binary strings (one char per byte), which both hosts handle cheaply.

/** Time and timers. The core keeps no timers of its own: everything that waits gets them here. */
export interface Clock {
  /** Milliseconds since the Unix epoch (UTC). */
  now(): number;
  setTimeout(fn: () => void, ms: number): any;
  clearTimeout(handle: any): void;
  setInterval(fn: () => void, ms: number): any;
  clearInterval(handle: any): void;
  /**
   * Sets the wall clock (SNTP, /settime) so that now() reads `ms` from here on. Timers are
   * relative and keep their delays. Absent where the host's time cannot be set.
   */
  set?(ms: number): void;
}

/** A byte stream to the charging-station controller (a UART, a pty, a TCP socket). */
export interface SerialLink {
  write(data: string): void;
  /** One receiver at a time; data arrives in arbitrary pieces. */
  onData(cb: (data: string) => void): void;
}

/** Small named files that survive a power cut: a write leaves the old or the new content. */
export interface Storage {
  read(name: string): string | undefined;
  /**
   * With `offset` (an update written in pieces, never whole in RAM): the piece at offset 0 creates
   * the file at its full size `total`, the next ones fill it in order. Such a file is not written
   * atomically: it is checked before use (src/http/update.ts).
   */
  write(name: string, data: string, offset?: number, total?: number): void;
  erase(name: string): void;
  /** Bytes that a new file can still take, where the space is limited (the ESP32's flash). */
  getFree?(): number;
}

export interface HttpRequest {
  method: string;
  url: string;
  /** Header names in lower case. */
  headers: { [name: string]: string };
  on(event: 'data', cb: (chunk: string) => void): void;
  on(event: 'end', cb: () => void): void;
  /** The connection is gone (on Node also after a normal end; on Espruino after the answer). */
  on(event: 'close', cb: () => void): void;
}

export interface HttpResponse {
  writeHead(code: number, headers?: { [name: string]: string }): void;
  write(data: string): void;
  end(data?: string): void;
  /**
   * 'drain': `cb` each time everything written so far has gone to the network, until the end.
   * Espruino keeps a response's writes in RAM until then, so a long answer goes out piece by
   * piece (sendPaced in src/http/util.ts).
   */
  on(event: 'drain', cb: () => void): void;
}

export type HttpHandler = (req: HttpRequest, res: HttpResponse) => void;

/**
 * The byte stream an HTTP connection becomes after `101 Switching Protocols` (WebSocket).
 * 'data' gives binary strings; 'close' comes once when the connection ends, after an error too
 * (a listener may be called with an argument: ignore it). `write` never throws: on a closed
 * connection it does nothing.
 */
export interface RawSocket {
  write(data: string): void;
  end(): void;
  /** Bytes written but not yet handed to the network (so a slow reader can be dropped). */
  pending(): number;
  on(event: 'data', cb: (data: string) => void): void;
  on(event: 'close', cb: () => void): void;
}

export interface HttpServer {
  /**
   * Requests that ask for a protocol upgrade (`Upgrade:` header) come to the same handler;
   * answered the ordinary way (e.g. 404, 503) their connection then closes.
   */
  listen(port: number, handler: HttpHandler): void;
  /**
   * Answers `req` with `101 Switching Protocols` and these headers, and returns its connection as
   * a raw stream. Only for a request with an `upgrade` header; `res` is not used afterwards.
   */
  upgrade(req: HttpRequest, res: HttpResponse, headers: { [name: string]: string }): RawSocket;
}

/** An outgoing HTTP(S) request (Emoncms, OhmConnect). */
export interface HttpClientRequest {
  method: string;
  /** Absolute `http://` or `https://` URL. */
  url: string;
  headers?: { [name: string]: string };
  body?: string;
  /** Give up (and report 'timeout') after this long. Required: no request may hang. */
  timeoutMs: number;
  /** Answers longer than this are cut off (reported as 'response too long'). Default 4096. */
  maxBytes?: number;
}

/**
 * `cb` is called exactly once: (null, status, body) for any HTTP answer (also 4xx/5xx), or
 * (message, 0, '') when there was none (refused, DNS, TLS, 'timeout', 'response too long').
 * Bodies are binary strings.
 */
export type HttpClientCallback = (err: string | null, status: number, body: string) => void;

export interface HttpClient {
  request(req: HttpClientRequest, cb: HttpClientCallback): void;
}

/** Hashes the host computes natively. Input and output are binary strings. */
export interface Crypto {
  /** The 20-byte SHA-1 digest. */
  sha1(data: string): string;
  /** The 32-byte SHA-256 digest (checks an update's image). */
  sha256?(data: string): string;
}

/** A TCP (or TLS) client connection. Events: 'connect', 'data' (binary string), 'close', 'error'. */
export interface TcpSocket {
  write(data: string): void;
  end(): void;
  on(event: 'connect' | 'close', cb: () => void): void;
  on(event: 'data', cb: (data: string) => void): void;
  on(event: 'error', cb: (err: { message: string }) => void): void;
}

export interface Net {
  /** Never throws: a failure to connect arrives as 'error' then 'close'. */
  connect(host: string, port: number, tls?: { rejectUnauthorized?: boolean }): TcpSocket;
}

/** A bound UDP socket (SNTP client, the captive portal's DNS responder). Datagrams are binary strings. */
export interface UdpSocket {
  send(data: string, port: number, host: string): void;
  /** One receiver at a time. */
  onMessage(cb: (data: string, from: { address: string; port: number }) => void): void;
  close(): void;
}

export interface Udp {
  /**
   * Binds to `port` (0: any free port). Never throws: a failure is logged and the socket stays silent.
   * `group`: a multicast group to join as well, with the port shared (mDNS). It is a bind argument,
   * not a socket method, because Espruino's addMembership only takes effect when the socket is bound.
   */
  bind(port: number, group?: string): UdpSocket;
}

export interface Log {
  (level: 'debug' | 'info' | 'warn' | 'error', msg: string): void;
}

/** The device itself. */
export interface System {
  /** A stable id: the MAC or chip serial on the ESP32, a stored random id elsewhere (hex). */
  id(): string;
  /** Restarts the gateway (the whole device on the ESP32). */
  restart(): void;
  /** Free memory for `/status` `free_heap`, in bytes. */
  freeMemory(): number;
}

/** One network found by a scan, in the reference's `/scan` shape. */
export interface WifiNetwork {
  /** dBm. */
  rssi: number;
  ssid: string;
  /** The access point's MAC, "aa:bb:cc:dd:ee:ff". */
  bssid: string;
  channel: number;
  /** The ESP-IDF auth mode number: 0 open, 1 WEP, 2 WPA, 3 WPA2, 4 WPA/WPA2, higher: other secured modes. */
  secure: number;
}

/**
 * The WiFi radio (the ESP32's; a computer has none and leaves `Hal.wifi` out). Station and access
 * point can run at once. Callbacks may come synchronously or later; events report what the radio
 * did whoever asked for it.
 */
export interface Wifi {
  /**
   * Starts joining `ssid`. `cb(null)` when the station has an IP address, `cb(message)` when the
   * attempt could not even start. A failed association only shows as a 'disconnected' event, and
   * an attempt may end in neither: the caller keeps its own timeout.
   */
  connect(ssid: string, pass: string, cb: (err: string | null) => void): void;
  /** Leaves the network (and stops an attempt); the station interface stays up for scans. */
  disconnect(): void;
  /** `pass` of 8 to 63 characters (WPA2), or '' for an open access point. `cb(err)` once it is up or failed. */
  startAP(ssid: string, pass: string, cb: (err: string | null) => void): void;
  stopAP(): void;
  /** `cb` exactly once, with the networks in range ([] when the scan failed). */
  scan(cb: (list: WifiNetwork[]) => void): void;
  /** The station's IP address, '' without one. */
  stationIp(): string;
  /** The access point's own address (192.168.4.1 on the ESP32). */
  apIp(): string;
  /** Signal of the joined network in dBm, 0 when not joined. */
  rssi(): number;
  /** DHCP and mDNS name, used from the next connection on. */
  setHostname(name: string): void;
  /** One listener: 'connected' (the station got an IP), 'disconnected' (the station link is down or an attempt failed; `detail` says why). */
  onEvent(cb: (event: string, detail?: string) => void): void;
}

/** A push button (the board's "WiFi" button). */
export interface Button {
  /** One listener; called on every debounced press (true) and release (false). */
  onChange(cb: (pressed: boolean) => void): void;
}

/** Everything a gateway needs from its host. */
export interface Hal {
  system: System;
  clock: Clock;
  serial: SerialLink;
  storage: Storage;
  http: HttpServer;
  net: Net;
  crypto: Crypto;
  log: Log;
  /** UDP, where the host has it (SNTP, captive-portal DNS). */
  udp?: Udp;
  /** The WiFi radio, where the host has one (the ESP32). */
  wifi?: Wifi;
  /** The board's button, where it has one. */
  button?: Button;
}
