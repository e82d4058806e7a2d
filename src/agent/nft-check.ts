// Moved to src/core/nft/check.ts (shared with the gateway); kept so the agent's imports stay valid.

export { expectedListing, nftFingerprint, nftNeedsApply, sameShape } from '../core/nft/check.ts';
