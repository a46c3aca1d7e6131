/* A finished run's requests in flight and in view, counted from each request's own times: sent
 * and answered (the load generator), entered and left the view (the probe's span), all on the
 * machine's one monotonic clock, in seconds after the run fired. A request is sent before it
 * enters the view and leaves it before its answer comes, so in view passes in flight only where
 * the client gave up on a request (the run's time limit) while its view still ran.
 * Frames sample the same counts every 100 ms, each a little late; once a run has ended and its
 * times are in, the live chart draws these instead.
 */

/** The counts after each instant something changed: [{x, inFlight, inView}], from 0 at x = 0.
 * timings: [index, sent_s, answered_s, http_status, error_kind]; spans: [index, entered_s,
 * left_s, pid, thread]. */
export function countsOverTime(timings, spans) {
  const changes = [];
  for (const [, sent, answered] of timings) changes.push([sent, 1, 0], [answered, -1, 0]);
  for (const [, entered, left] of spans) changes.push([entered, 0, 1], [left, 0, -1]);
  changes.sort((a, b) => a[0] - b[0]);
  const points = [{ x: 0, inFlight: 0, inView: 0 }];
  let inFlight = 0;
  let inView = 0;
  for (let i = 0; i < changes.length; ) {
    const x = changes[i][0];
    for (; i < changes.length && changes[i][0] === x; i++) {
      inFlight += changes[i][1];
      inView += changes[i][2];
    }
    points.push({ x, inFlight, inView });
  }
  return points;
}

/** Whether the spans tell every view: each request that got an HTTP answer has its span. Spans
 * lost (Redis gone mid-run, a probe that did not report) leave the count of views unknown. */
export function spansCover(timings, spans) {
  const seen = new Set(spans.map(([index]) => index));
  return timings.every(([index, , , status]) => !status || seen.has(index));
}

// Counted once per run's loaded timings (redraws come ten times a second): timings -> counts.
const counted = new WeakMap();

/** A run's counts over time once it has ended and its timings are loaded (null before). inView
 * says whether they count the views too: only for a run that finished with every request's
 * timing and every answered request's span. Otherwise (an interrupted run, spans lost) they
 * count the requests in flight the timings know of, no more. */
export function exactOf(run, timings) {
  if (!run || run.status === "running" || !timings?.length) return null;
  const spans = run.spans ?? [];
  const known = counted.get(timings);
  if (known?.spans === spans && known.status === run.status) return known.result;
  const inView = run.status === "finished" && timings.length === run.n && spansCover(timings, spans);
  const result = { points: countsOverTime(timings, inView ? spans : []), inView };
  counted.set(timings, { spans, status: run.status, result });
  return result;
}
