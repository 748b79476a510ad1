export {
  HEADER_LENGTH,
  MAGIC_COOKIE,
  TRANSACTION_ID_LENGTH,
  StunMethod,
  decodeMessageType,
  encodeMessageType,
  looksLikeStun,
  messageTypeName,
  methodName,
  type StunClass,
  type StunMethodName,
} from './header.js';
export {
  FamilyOctet,
  AttributeType,
  PasswordAlgorithm,
  TRANSPORT_UDP,
  attributeCode,
  attributeName,
  findAttribute,
  findAttributes,
  isComprehensionRequired,
  type AttributeOf,
  type ErrorCodeValue,
  type KnownAttributeName,
  type PasswordAlgorithmEntry,
  type StunAttribute,
  type StunAttributeName,
} from './attribute-types.js';
export {
  decodeStunMessage,
  encodeStunMessage,
  type DecodedStunMessage,
  type StunDecodeResult,
  type StunEncodeOptions,
  type StunMessage,
} from './message.js';
export { longTermKey, saslPrep, shortTermKey, userHash, type PasswordAlgorithmName } from './credentials.js';
export {
  verifyIntegrity,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  type IntegrityAttributeName,
  type IntegrityCheck,
} from './integrity.js';
export { FINGERPRINT_XOR, hasValidFingerprint, verifyFingerprint, type FingerprintCheck } from './fingerprint.js';
export { verifyStunMessage, type StunVerification, type VerifyOptions } from './verify.js';
export {
  REASON_PHRASES,
  createErrorResponse,
  createSuccessResponse,
  createUnknownAttributesResponse,
} from './responses.js';
export { describeStunMessage, type DescribeOptions, type JsonValue, type StunMessageDescription } from './describe.js';
