import { SerialLink } from '../../src/hal/types';

/** A serial link whose far end is the test: it records what is written and feeds replies. */
export class FakeLink implements SerialLink {
  written: string[] = [];
  private receiver: ((d: string) => void) | null = null;
  write(data: string) {
    this.written.push(data);
  }
  onData(cb: (d: string) => void) {
    this.receiver = cb;
  }
  feed(data: string) {
    if (this.receiver) this.receiver(data);
  }
  /** The last line written, without the CR. */
  last(): string {
    return (this.written[this.written.length - 1] || '').replace(/\r$/, '');
  }
}

export const silentLog = () => undefined;
