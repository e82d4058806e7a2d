// A response body from text chunks that are read as the client takes them: the next chunk is asked for only
// when the socket has taken the last one (the HTTP server waits for 'drain'), so a slow client slows the read
// instead of growing a buffer.

/**
 * A UTF-8 stream of `chunks`. The first chunk is read before it returns, so an error opening the read (the
 * database unreachable) is still the request's error, not a broken body.
 */
export async function textStream(chunks: AsyncIterable<string>): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  const it = chunks[Symbol.asyncIterator]();
  let next: IteratorResult<string> | undefined = await it.next();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = next ?? (await it.next());
        next = undefined;
        if (r.done) controller.close();
        else controller.enqueue(encoder.encode(r.value));
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
