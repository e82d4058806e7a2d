// Ordering of ids and names for stable plans: by UTF-16 code unit, not String.prototype.localeCompare, which goes
// through ICU collation (slower, and in a long-running process it touches ~3 MB more of the Node binary). Ids and
// names are ASCII labels, so code-unit order is a correct total order for them.

/** Compares two strings by code unit: negative, 0 or positive, for Array.prototype.sort. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
