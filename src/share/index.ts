// Share links: a session in the URL fragment. See codec.ts for the format.
export { encodeShareLink, decodeShareLink, sharePayload, isShareFragment, shareUrl, LINK_PREFIX, LINK_VERSION, MAX_PAYLOAD_CHARS, MAX_JSON_BYTES } from './codec.ts';
export type { ShareError, ShareErrorKind, DecodedLink } from './codec.ts';
export { linkSizeAdvice, linkSizeMessage, LINK_FINE_MAX, LINK_WARN_MAX } from './size.ts';
export type { LinkSizeAdvice } from './size.ts';
