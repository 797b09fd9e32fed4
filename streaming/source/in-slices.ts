/** Items handled per turn of the event loop: ~2 ms of the worker's handling. */
export const SLICE_ITEMS = 64;

/**
 * Wraps `take` so that items arriving in a burst within one turn of the event loop are handled in
 * slices of `size`, a turn each, letting I/O callbacks and timers run in between.
 */
export function inSlices<T>(take: (item: T) => void, size = SLICE_ITEMS): (item: T) => void {
  let queue: T[] = [];
  let next = 0;
  const drain = () => {
    const end = Math.min(queue.length, next + size);
    while (next < end) take(queue[next++]!);
    if (next < queue.length) {
      setImmediate(drain);
      return;
    }
    queue = [];
    next = 0;
  };
  return (item) => {
    if (queue.push(item) === 1) setImmediate(drain);
  };
}
