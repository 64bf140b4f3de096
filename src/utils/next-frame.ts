// TF.js's tf.nextFrame(): resolves at the next animation frame in a browser (so a training loop
// lets the page repaint), at the next turn of the event loop elsewhere.
export function nextFrame(): Promise<void> {
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => unknown }).requestAnimationFrame;
  return new Promise((resolve) => (raf ? raf(() => resolve()) : setTimeout(resolve, 0)));
}
