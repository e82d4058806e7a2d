// Splits a byte stream into NDJSON lines (https://github.com/ndjson/ndjson-spec): UTF-8 across chunk borders,
// `\n` or `\r\n` endings, blank lines skipped. Pure: bytes in, strings out.

export class LineDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private partial = '';

  /** The complete lines in `chunk` (with whatever was left over from earlier chunks). */
  push(chunk: Uint8Array): string[] {
    this.partial += this.decoder.decode(chunk, { stream: true });
    return this.take(false);
  }

  /** The last line when the stream ended without a newline. */
  end(): string[] {
    this.partial += this.decoder.decode();
    return this.take(true);
  }

  private take(final: boolean): string[] {
    const parts = this.partial.split('\n');
    this.partial = final ? '' : (parts.pop() ?? '');
    const out: string[] = [];
    for (const p of parts) {
      const line = p.endsWith('\r') ? p.slice(0, -1) : p;
      if (line.trim() !== '') out.push(line);
    }
    return out;
  }
}
