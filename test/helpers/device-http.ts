// Waiting on, and talking HTTP to, an image booted in test/espruino-sim: the device tests share
// these. `device()` gives the booted device (it may be replaced by a reboot); its output is shown
// when a wait runs out.

interface Booted {
  url: string;
  output(): string;
}

export function deviceHttp(device: () => Booted | undefined) {
  /** Resolves once `pred` holds; rejects after `ms` naming `what`, with the device's last output. */
  async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await pred())) {
      const dev = device();
      if (Date.now() > end) throw new Error('not within ' + ms + ' ms: ' + what + '\ndevice output:\n' + (dev ? dev.output().slice(-1500) : ''));
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** GET `p`, which must answer 200 with JSON. */
  async function get(p: string): Promise<any> {
    const r = await fetch(device()!.url + p);
    expect(r.status).toBe(200);
    return r.json();
  }

  /** POST `body` as JSON to `p`; the status code. */
  async function post(p: string, body: any): Promise<number> {
    const r = await fetch(device()!.url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    await r.text();
    return r.status;
  }

  return { until, get, post };
}
