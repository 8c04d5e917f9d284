// Where to go after signing in or choosing an organisation: a page of this service, never another
// site. The value comes from the address bar or a form, so anyone can write it.

/** Longer than any page's address here; anything longer is not one of ours. */
const MAX_LENGTH = 2048;
/** Control characters and every kind of space (tab, line breaks, U+3000 and the rest). */
const CONTROL_OR_SPACE = /[\p{Cc}\p{Cf}\p{Z}\s]/u;

/**
 * A path of this service, as it should go in a Location header, or '/' (the home page) for
 * anything else: another host, a scheme, a path a browser would read as another host ('//x',
 * '/\x', '/\t/x'), control characters or spaces, or a value too long to be ours.
 */
export function safeReturnTo(value: string, baseUrl: string): string {
  if (!value.startsWith('/') || value.length > MAX_LENGTH || CONTROL_OR_SPACE.test(value)) return '/';
  const own = new URL(baseUrl).origin;
  let url: URL;
  try {
    url = new URL(value, own);
  } catch {
    return '/';
  }
  if (url.origin !== own) return '/';
  // Written back as the browser would read it (percent-encoded, so always a valid header), and
  // read once more: '/..//x' resolves to the path '//x', which would leave the site.
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (path.startsWith('//') || new URL(path, own).origin !== own) return '/';
  return path;
}
