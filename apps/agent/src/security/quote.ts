/** Untrusted text for a message: JSON-quoted and cut to `max` characters. */
export function quote(text: string, max = 64): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
