/* Asking for a redraw: at most one per animation frame, however many modules ask. redraw.js says
 * what a redraw draws; the modules that only ask need not import the drawing (nor it them).
 */
let draw = () => {};
let pending = false;

export function onRedraw(drawAll) {
  draw = drawAll;
}

export function scheduleRedraw() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
  });
}
