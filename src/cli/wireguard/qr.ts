// A terminal QR code of a wg-quick file, for the WireGuard phone apps ("create from QR code").

import { renderUnicodeCompact } from 'uqr';

/** Half-block characters, two modules per line, with a quiet zone; readable on dark and light terminals. */
export function terminalQr(text: string): string {
  const qr = renderUnicodeCompact(text, { ecc: 'L', border: 2 });
  return qr.endsWith('\n') ? qr : `${qr}\n`;
}
