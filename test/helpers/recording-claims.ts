/** A claims sink for one client's tests: records every claim and release, keeps the current one. */
export function recordingClaims() {
  const calls: any[] = [];
  const sink = {
    calls,
    claimed: null as any,
    claim(client: number, priority: number, props: any) {
      calls.push({ client, priority, ...props });
      sink.claimed = { priority, ...props };
      return null;
    },
    release(client: number) {
      calls.push({ client, release: true });
      sink.claimed = null;
      return true;
    },
  };
  return sink;
}
