// A response body from text pieces, encoded a chunk at a time as the client reads, so the text is never
// copied into one big string or buffer. Each piece is dropped once sent.

/** Bytes (about) per chunk handed to the socket. */
const CHUNK_CHARS = 64 * 1024;

/** A UTF-8 stream of `parts` joined; it takes ownership of the array (and empties it as it goes). */
export function textStream(parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = '';
      while (i < parts.length && chunk.length < CHUNK_CHARS) {
        chunk += parts[i]!;
        parts[i++] = '';
      }
      if (chunk.length > 0) controller.enqueue(encoder.encode(chunk));
      if (i >= parts.length) {
        parts.length = 0;
        controller.close();
      }
    },
    cancel() {
      parts.length = 0;
    },
  });
}
