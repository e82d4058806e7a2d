// Two small concurrency helpers for the daemons: a queue that runs async tasks one at a time, and a trigger that
// coalesces calls made while its task runs into one more run.

/** Runs each task after the previous one settled; the result (or error) is the task's own. */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * A trigger for `task`: a call starts it unless it runs; calls while it runs make exactly one more run after it.
 * Never awaited by the caller; errors go to `onError`.
 */
export function coalesced(task: () => Promise<void>, onError: (e: unknown) => void): () => void {
  let running = false;
  let again = false;
  const loop = async () => {
    running = true;
    do {
      again = false;
      await task().catch(onError);
    } while (again);
    running = false;
  };
  return () => {
    if (running) again = true;
    else void loop();
  };
}
