/** MQTT 5 reason codes the endpoint sends (MQTT 5.0, 2.4). */
export const REASON = {
  success: 0x00,
  grantedQos1: 0x01,
  noSubscriptionExisted: 0x11,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  unsupportedProtocolVersion: 0x84,
  clientIdNotValid: 0x85,
  badUsernameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverShuttingDown: 0x8b,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicNameInvalid: 0x90,
  packetIdNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  payloadFormatInvalid: 0x99,
} as const;

/** MQTT 3.x CONNACK return codes (3.1.1, 3.2.2.3). */
export const RETURN_CODE_V3 = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** The 3.x return code that says the same as a CONNACK reason code of MQTT 5. */
export function returnCodeV3(reason: number): number {
  switch (reason) {
    case REASON.unsupportedProtocolVersion:
      return RETURN_CODE_V3.unacceptableProtocolVersion;
    case REASON.clientIdNotValid:
      return RETURN_CODE_V3.identifierRejected;
    case REASON.badUsernameOrPassword:
      return RETURN_CODE_V3.badUsernameOrPassword;
    case REASON.notAuthorized:
      return RETURN_CODE_V3.notAuthorized;
    default:
      return RETURN_CODE_V3.serverUnavailable;
  }
}
