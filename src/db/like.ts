// Text typed into a search, made safe for LIKE/ILIKE: its %, _ and \ match themselves.
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A LIKE pattern matching values that contain the text anywhere. */
export function containing(text: string): string {
  return `%${escapeLike(text)}%`;
}
