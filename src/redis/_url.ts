/**
 * Showing Redis URLs in messages without their passwords.
 *
 * @module
 */

/**
 * Shows a Redis URL without its password and query: `redis://user:***@host:6379/2`. A
 * string that is not a URL is not shown at all, since where its password is cannot be
 * told.
 */
export function displayUrl(text: unknown): string {
  let url: URL;
  try {
    url = new URL(String(text));
  } catch {
    return "(a malformed URL, not shown)";
  }
  const auth = url.username !== "" || url.password !== ""
    ? `${url.username}${url.password !== "" ? ":***" : ""}@`
    : "";
  return `${url.protocol}//${auth}${url.host}${url.pathname === "/" ? "" : url.pathname}`;
}
