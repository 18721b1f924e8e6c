#include "proto/ipc/messages.h"

#include <limits>
#include <utility>

namespace sekisho::proto::ipc {
namespace {

// Field tags: one flat namespace, so a tag means the same thing in every message.
enum Tag : std::uint8_t {
  kTagMethod = 0x01,
  kTagTarget = 0x02,
  kTagHttpVersion = 0x03,
  kTagHeaderName = 0x04,  // header names and values alternate, in order
  kTagHeaderValue = 0x05,
  kTagBody = 0x06,
  kTagStatus = 0x07,
  kTagReason = 0x08,
  kTagClose = 0x09,
  kTagXmlBody = 0x0A,
  kTagParseError = 0x0B,
  kTagPeerIp = 0x0C,
  kTagLocalIp = 0x0D,
  kTagCertSubject = 0x10,
  kTagCertCn = 0x11,
  kTagCertUid = 0x12,
  kTagCertOu = 0x13,
  // auth::ClientMessage
  kTagMsgType = 0x20,
  kTagMsgVersion = 0x21,
  kTagMsgDeviceId = 0x22,
  kTagMsgAuthMethod = 0x23,
  kTagMsgGroupAccess = 0x24,
  kTagMsgGroupSelect = 0x25,
  kTagMsgFieldName = 0x26,  // names and values alternate
  kTagMsgFieldValue = 0x27,
  kTagMsgOpaqueXml = 0x28,
  kTagMsgSessionToken = 0x29,
  kTagMsgCertFail = 0x2A,
  kTagMsgAggregateV2 = 0x2B,
  kTagMsgTunnelGroup = 0x2C,
  kTagMsgGroupAlias = 0x2D,
  // sessions and tunnels
  kTagCookie = 0x30,
  kTagTunMtu = 0x31,
  kTagOk = 0x32,
  kTagError = 0x33,
  kTagSessionId = 0x34,
  kTagUser = 0x35,
  kTagGroup = 0x36,
  kTagIpv4 = 0x37,
  kTagDtlsSessionId = 0x38,
  kTagRemaining = 0x39,
  kTagDtlsPort = 0x3A,
  kTagRemotePort = 0x3B,
  kTagDatagram = 0x3C,
  kTagBytesIn = 0x3D,
  kTagBytesOut = 0x3E,
  kTagPacketsIn = 0x3F,
  kTagPacketsOut = 0x40,
  kTagChannel = 0x41,
  kTagKind = 0x42,
  kTagConnectionId = 0x43,
  kTagDroppedSpoofed = 0x4F,
  kTagPhase = 0x44,
  // security module
  kTagInput = 0x50,
  kTagAlgorithm = 0x51,
  kTagFlags = 0x52,
  kTagPayload = 0x53,
  kTagSignature = 0x54,
  kTagOp = 0x55,
  kTagPassword = 0x56,
  kTagKeyId = 0x57,
};

Error Missing(const Message& message, std::string_view what) {
  return Error{Errc::kMalformed,
               std::string(ToString(message.type())) + ": missing or bad " + std::string(what)};
}

Result<void> ExpectType(const Message& message, MessageType type) {
  if (message.type() != type) {
    return Fail(Errc::kMalformed, "expected " + std::string(ToString(type)) + ", got " +
                                      std::string(ToString(message.type())));
  }
  return Ok();
}

Result<std::uint64_t> RequireU64(const Message& message, std::uint8_t tag, std::string_view what,
                                 std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  std::optional<std::uint64_t> value = message.FindU64(tag);
  if (!value || *value > max) {
    return Fail(Missing(message, what));
  }
  return *value;
}

std::uint64_t U64Or(const Message& message, std::uint8_t tag, std::uint64_t fallback) {
  return message.FindU64(tag).value_or(fallback);
}

Bytes ToBytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

void AddHeaders(Message& out, const http::HeaderList& headers) {
  for (const http::Header& header : headers) {
    out.AddString(kTagHeaderName, header.name);
    out.AddString(kTagHeaderValue, header.value);
  }
}

Result<http::HeaderList> ReadHeaders(const Message& message) {
  std::vector<std::string_view> names = message.FindAll(kTagHeaderName);
  std::vector<std::string_view> values = message.FindAll(kTagHeaderValue);
  if (names.size() != values.size()) {
    return Fail(Missing(message, "header list"));
  }
  http::HeaderList headers;
  headers.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    headers.push_back({std::string(names[i]), std::string(values[i])});
  }
  return headers;
}

void AddTraffic(Message& out, const TrafficDelta& delta) {
  out.AddU64(kTagBytesIn, delta.bytes_in);
  out.AddU64(kTagBytesOut, delta.bytes_out);
  out.AddU64(kTagPacketsIn, delta.packets_in);
  out.AddU64(kTagPacketsOut, delta.packets_out);
  out.AddU64(kTagDroppedSpoofed, delta.dropped_spoofed);
}

TrafficDelta ReadTraffic(const Message& message) {
  return TrafficDelta{U64Or(message, kTagBytesIn, 0), U64Or(message, kTagBytesOut, 0),
                      U64Or(message, kTagPacketsIn, 0), U64Or(message, kTagPacketsOut, 0),
                      U64Or(message, kTagDroppedSpoofed, 0)};
}

void AddClientMessage(Message& out, const auth::ClientMessage& message) {
  out.AddU64(kTagMsgType, static_cast<std::uint64_t>(message.type));
  out.AddString(kTagMsgVersion, message.client_version);
  out.AddString(kTagMsgDeviceId, message.device_id);
  for (const std::string& method : message.auth_methods) {
    out.AddString(kTagMsgAuthMethod, method);
  }
  out.AddString(kTagMsgGroupAccess, message.group_access);
  if (message.group_select) {
    out.AddString(kTagMsgGroupSelect, *message.group_select);
  }
  for (const auto& [name, value] : message.fields) {
    out.AddString(kTagMsgFieldName, name);
    out.AddString(kTagMsgFieldValue, value.reveal());
  }
  out.AddString(kTagMsgOpaqueXml, message.opaque_xml);
  if (message.opaque) {
    out.AddString(kTagMsgTunnelGroup, message.opaque->tunnel_group);
    out.AddString(kTagMsgGroupAlias, message.opaque->group_alias);
  }
  out.AddString(kTagMsgSessionToken, message.session_token.reveal());
  out.AddBool(kTagMsgCertFail, message.client_cert_fail);
  out.AddBool(kTagMsgAggregateV2, message.aggregate_v2);
}

Result<auth::ClientMessage> ReadClientMessage(const Message& in) {
  auth::ClientMessage message;
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t type, RequireU64(in, kTagMsgType, "message type", 2));
  message.type = static_cast<auth::ClientMessageType>(type);
  message.client_version = in.StringOr(kTagMsgVersion);
  message.device_id = in.StringOr(kTagMsgDeviceId);
  for (std::string_view method : in.FindAll(kTagMsgAuthMethod)) {
    message.auth_methods.emplace_back(method);
  }
  message.group_access = in.StringOr(kTagMsgGroupAccess);
  if (const std::string* select = in.Find(kTagMsgGroupSelect)) {
    message.group_select = *select;
  }
  std::vector<std::string_view> names = in.FindAll(kTagMsgFieldName);
  std::vector<std::string_view> values = in.FindAll(kTagMsgFieldValue);
  if (names.size() != values.size()) {
    return Fail(Missing(in, "form fields"));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    message.fields.emplace_back(std::string(names[i]), SecretString(std::string(values[i])));
  }
  message.opaque_xml = in.StringOr(kTagMsgOpaqueXml);
  if (in.Find(kTagMsgTunnelGroup) != nullptr) {
    auth::Opaque opaque;
    opaque.tunnel_group = in.StringOr(kTagMsgTunnelGroup);
    opaque.group_alias = in.StringOr(kTagMsgGroupAlias);
    message.opaque = std::move(opaque);
  }
  message.session_token = SecretString(std::string(in.StringOr(kTagMsgSessionToken)));
  message.client_cert_fail = U64Or(in, kTagMsgCertFail, 0) != 0;
  message.aggregate_v2 = U64Or(in, kTagMsgAggregateV2, 0) != 0;
  return message;
}

}  // namespace

// ---------------------------------------------------------------- login

Message LoginRequest::ToMessage() const {
  Message out(MessageType::kLoginRequest, request_id);
  out.AddString(kTagMethod, head.method);
  out.AddString(kTagTarget, head.target);
  out.AddU64(kTagHttpVersion, head.version);
  AddHeaders(out, head.headers);
  out.AddBool(kTagXmlBody, xml_body);
  if (message) {
    AddClientMessage(out, *message);
  }
  if (!parse_error.empty()) {
    out.AddString(kTagParseError, parse_error);
  }
  out.AddString(kTagPeerIp, peer_ip);
  if (client_cert) {
    out.AddString(kTagCertSubject, client_cert->subject_dn);
    out.AddString(kTagCertCn, client_cert->common_name);
    out.AddString(kTagCertUid, client_cert->uid);
    out.AddString(kTagCertOu, client_cert->organizational_unit);
  }
  return out;
}

Result<LoginRequest> LoginRequest::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kLoginRequest));
  LoginRequest request;
  request.request_id = in.id();
  const std::string* method = in.Find(kTagMethod);
  const std::string* target = in.Find(kTagTarget);
  if (method == nullptr || target == nullptr) {
    return Fail(Missing(in, "method/target"));
  }
  request.head.method = *method;
  request.head.target = *target;
  request.head.version = static_cast<unsigned>(U64Or(in, kTagHttpVersion, 11) == 10 ? 10 : 11);
  SEKISHO_ASSIGN_OR_RETURN(request.head.headers, ReadHeaders(in));
  request.xml_body = U64Or(in, kTagXmlBody, 0) != 0;
  if (in.Find(kTagMsgType) != nullptr) {
    SEKISHO_ASSIGN_OR_RETURN(request.message, ReadClientMessage(in));
  }
  request.parse_error = in.StringOr(kTagParseError);
  request.peer_ip = in.StringOr(kTagPeerIp);
  if (in.Find(kTagCertSubject) != nullptr) {
    request.client_cert = CertificateIdentity{
        std::string(in.StringOr(kTagCertSubject)), std::string(in.StringOr(kTagCertCn)),
        std::string(in.StringOr(kTagCertUid)), std::string(in.StringOr(kTagCertOu))};
  }
  return request;
}

Message LoginReply::ToMessage() const {
  Message out(MessageType::kLoginReply, request_id);
  out.AddU64(kTagStatus, response.status);
  out.AddString(kTagReason, response.reason);
  AddHeaders(out, response.headers);
  out.AddString(kTagBody, response.body);
  out.AddBool(kTagClose, close_connection);
  return out;
}

Result<LoginReply> LoginReply::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kLoginReply));
  LoginReply reply;
  reply.request_id = in.id();
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t status, RequireU64(in, kTagStatus, "status", 999));
  reply.response.status = static_cast<unsigned>(status);
  reply.response.reason = in.StringOr(kTagReason);
  SEKISHO_ASSIGN_OR_RETURN(reply.response.headers, ReadHeaders(in));
  reply.response.body = in.StringOr(kTagBody);
  reply.close_connection = U64Or(in, kTagClose, 0) != 0;
  return reply;
}

// ---------------------------------------------------------------- CONNECT

Message ConnectRequest::ToMessage() const {
  Message out(MessageType::kConnectRequest, request_id);
  out.AddU64(kTagConnectionId, connection_id);
  out.AddString(kTagCookie, cookie.reveal());
  out.AddString(kTagPeerIp, peer_ip);
  out.AddString(kTagLocalIp, local_ip);
  out.AddU64(kTagTunMtu, tun_mtu);
  return out;
}

Result<ConnectRequest> ConnectRequest::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kConnectRequest));
  ConnectRequest request;
  request.request_id = in.id();
  const std::string* cookie = in.Find(kTagCookie);
  if (cookie == nullptr) {
    return Fail(Missing(in, "cookie"));
  }
  request.cookie = SecretString(*cookie);
  SEKISHO_ASSIGN_OR_RETURN(request.connection_id,
                           RequireU64(in, kTagConnectionId, "connection id"));
  request.peer_ip = in.StringOr(kTagPeerIp);
  request.local_ip = in.StringOr(kTagLocalIp);
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t mtu, RequireU64(in, kTagTunMtu, "MTU", 65535));
  request.tun_mtu = static_cast<std::uint32_t>(mtu);
  return request;
}

Message ConnectReply::ToMessage() const {
  Message out(MessageType::kConnectReply, request_id);
  out.AddBool(kTagOk, ok);
  if (!ok) {
    out.AddU64(kTagStatus, http_status);
    out.AddString(kTagError, error);
    return out;
  }
  out.AddU64(kTagSessionId, session_id);
  out.AddString(kTagUser, user);
  out.AddString(kTagGroup, group);
  out.AddU64(kTagIpv4, ipv4);
  out.AddBytes(kTagDtlsSessionId, dtls_session_id);
  out.AddU64(kTagRemaining, session_remaining_s);
  out.AddU64(kTagDtlsPort, dtls_port);
  return out;
}

Result<ConnectReply> ConnectReply::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kConnectReply));
  ConnectReply reply;
  reply.request_id = in.id();
  reply.ok = U64Or(in, kTagOk, 0) != 0;
  if (!reply.ok) {
    reply.http_status = static_cast<unsigned>(U64Or(in, kTagStatus, 503) % 1000);
    reply.error = in.StringOr(kTagError, "refused");
    return reply;
  }
  SEKISHO_ASSIGN_OR_RETURN(reply.session_id, RequireU64(in, kTagSessionId, "session id"));
  reply.user = in.StringOr(kTagUser);
  reply.group = in.StringOr(kTagGroup);
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t ipv4, RequireU64(in, kTagIpv4, "address", 0xFFFFFFFF));
  reply.ipv4 = static_cast<std::uint32_t>(ipv4);
  reply.dtls_session_id = ToBytes(in.StringOr(kTagDtlsSessionId));
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t remaining,
                           RequireU64(in, kTagRemaining, "remaining time", 0xFFFFFFFF));
  reply.session_remaining_s = static_cast<std::uint32_t>(remaining);
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t port, RequireU64(in, kTagDtlsPort, "DTLS port", 65535));
  reply.dtls_port = static_cast<std::uint16_t>(port);
  return reply;
}

// ---------------------------------------------------------------- tunnels

Message Terminate::ToMessage() const {
  Message out(MessageType::kTerminate, 0);
  out.AddU64(kTagConnectionId, connection_id);
  out.AddU64(kTagSessionId, session_id);
  out.AddString(kTagReason, reason);
  return out;
}

Result<Terminate> Terminate::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kTerminate));
  Terminate terminate;
  SEKISHO_ASSIGN_OR_RETURN(terminate.connection_id,
                           RequireU64(in, kTagConnectionId, "connection id"));
  SEKISHO_ASSIGN_OR_RETURN(terminate.session_id, RequireU64(in, kTagSessionId, "session id"));
  terminate.reason = in.StringOr(kTagReason);
  return terminate;
}

Message DtlsHello::ToMessage() const {
  Message out(MessageType::kDtlsHello, 0);
  out.AddU64(kTagConnectionId, connection_id);
  out.AddU64(kTagSessionId, session_id);
  out.AddString(kTagPeerIp, remote_ip);
  out.AddU64(kTagRemotePort, remote_port);
  out.AddBytes(kTagDatagram, datagram);
  return out;
}

Result<DtlsHello> DtlsHello::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kDtlsHello));
  DtlsHello hello;
  SEKISHO_ASSIGN_OR_RETURN(hello.connection_id, RequireU64(in, kTagConnectionId, "connection id"));
  SEKISHO_ASSIGN_OR_RETURN(hello.session_id, RequireU64(in, kTagSessionId, "session id"));
  hello.remote_ip = in.StringOr(kTagPeerIp);
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t port, RequireU64(in, kTagRemotePort, "port", 65535));
  hello.remote_port = static_cast<std::uint16_t>(port);
  const std::string* datagram = in.Find(kTagDatagram);
  if (datagram == nullptr || datagram->empty()) {
    return Fail(Missing(in, "datagram"));
  }
  hello.datagram = ToBytes(*datagram);
  return hello;
}

Message TunnelStats::ToMessage() const {
  Message out(MessageType::kTunnelStats, 0);
  out.AddU64(kTagConnectionId, connection_id);
  out.AddU64(kTagSessionId, session_id);
  AddTraffic(out, delta);
  out.AddString(kTagChannel, channel);
  return out;
}

Result<TunnelStats> TunnelStats::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kTunnelStats));
  TunnelStats stats;
  SEKISHO_ASSIGN_OR_RETURN(stats.connection_id, RequireU64(in, kTagConnectionId, "connection id"));
  SEKISHO_ASSIGN_OR_RETURN(stats.session_id, RequireU64(in, kTagSessionId, "session id"));
  stats.delta = ReadTraffic(in);
  std::string_view channel = in.StringOr(kTagChannel, "tls");
  stats.channel = channel == "dtls" ? "dtls" : "tls";
  return stats;
}

Message TunnelClosed::ToMessage() const {
  Message out(MessageType::kTunnelClosed, 0);
  out.AddU64(kTagConnectionId, connection_id);
  out.AddU64(kTagSessionId, session_id);
  out.AddU64(kTagKind, static_cast<std::uint64_t>(kind));
  AddTraffic(out, delta);
  out.AddString(kTagReason, reason);
  return out;
}

Result<TunnelClosed> TunnelClosed::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kTunnelClosed));
  TunnelClosed closed;
  SEKISHO_ASSIGN_OR_RETURN(closed.connection_id, RequireU64(in, kTagConnectionId, "connection id"));
  SEKISHO_ASSIGN_OR_RETURN(closed.session_id, RequireU64(in, kTagSessionId, "session id"));
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t kind, RequireU64(in, kTagKind, "kind", 1));
  closed.kind = static_cast<Kind>(kind);
  closed.delta = ReadTraffic(in);
  closed.reason = in.StringOr(kTagReason);
  return closed;
}

// ---------------------------------------------------------------- connections

Message NewConnection::ToMessage() const {
  Message out(MessageType::kNewConnection, 0);
  out.AddU64(kTagConnectionId, connection_id);
  return out;
}

Result<NewConnection> NewConnection::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kNewConnection));
  NewConnection connection;
  SEKISHO_ASSIGN_OR_RETURN(connection.connection_id,
                           RequireU64(in, kTagConnectionId, "connection id"));
  return connection;
}

Message ConnectionPhase::ToMessage() const {
  Message out(MessageType::kConnectionPhase, 0);
  out.AddU64(kTagConnectionId, connection_id);
  out.AddU64(kTagPhase, static_cast<std::uint64_t>(phase));
  return out;
}

Result<ConnectionPhase> ConnectionPhase::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kConnectionPhase));
  ConnectionPhase change;
  SEKISHO_ASSIGN_OR_RETURN(change.connection_id, RequireU64(in, kTagConnectionId, "connection id"));
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t phase, RequireU64(in, kTagPhase, "phase", 2));
  change.phase = static_cast<Phase>(phase);
  return change;
}

// ---------------------------------------------------------------- security module

Message SignRequest::ToMessage() const {
  Message out(MessageType::kSignRequest, request_id);
  out.AddU64(kTagInput, static_cast<std::uint64_t>(input));
  out.AddU64(kTagAlgorithm, algorithm);
  out.AddU64(kTagFlags, flags);
  out.AddBytes(kTagPayload, payload);
  if (!key_id.empty()) {
    out.AddString(kTagKeyId, key_id);
  }
  return out;
}

Result<SignRequest> SignRequest::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kSignRequest));
  SignRequest request;
  request.request_id = in.id();
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t input, RequireU64(in, kTagInput, "input", 1));
  request.input = static_cast<Input>(input);
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t algorithm,
                           RequireU64(in, kTagAlgorithm, "algorithm", 0xFFFFFFFF));
  request.algorithm = static_cast<std::uint32_t>(algorithm);
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t flags, RequireU64(in, kTagFlags, "flags", 0xFFFFFFFF));
  request.flags = static_cast<std::uint32_t>(flags);
  const std::string* payload = in.Find(kTagPayload);
  // A TLS handshake signs at most a few hundred bytes (TLS 1.3: 64 + 34 + 32-64 bytes).
  if (payload == nullptr || payload->empty() || payload->size() > 4096) {
    return Fail(Missing(in, "payload"));
  }
  request.payload = ToBytes(*payload);
  request.key_id = in.StringOr(kTagKeyId);
  if (request.key_id.size() > 64) {  // a SHA-256 in hex
    return Fail(Missing(in, "key id"));
  }
  return request;
}

Message SignReply::ToMessage() const {
  Message out(MessageType::kSignReply, request_id);
  out.AddBool(kTagOk, ok);
  out.AddBytes(kTagSignature, signature);
  return out;
}

Result<SignReply> SignReply::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kSignReply));
  SignReply reply;
  reply.request_id = in.id();
  reply.ok = U64Or(in, kTagOk, 0) != 0;
  reply.signature = ToBytes(in.StringOr(kTagSignature));
  if (reply.ok && reply.signature.empty()) {
    return Fail(Missing(in, "signature"));
  }
  return reply;
}

Message CredentialRequest::ToMessage() const {
  Message out(MessageType::kCredentialRequest, request_id);
  out.AddU64(kTagOp, static_cast<std::uint64_t>(op));
  out.AddString(kTagUser, user);
  if (op == Op::kVerifyPassword) {
    out.AddString(kTagPassword, password.reveal());
  }
  if (op == Op::kMayUseGroup) {
    out.AddString(kTagGroup, group);
  }
  return out;
}

Result<CredentialRequest> CredentialRequest::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kCredentialRequest));
  CredentialRequest request;
  request.request_id = in.id();
  SEKISHO_ASSIGN_OR_RETURN(std::uint64_t op, RequireU64(in, kTagOp, "operation", 2));
  request.op = static_cast<Op>(op);
  const std::string* user = in.Find(kTagUser);
  if (user == nullptr) {
    return Fail(Missing(in, "user"));
  }
  request.user = *user;
  request.password = SecretString(std::string(in.StringOr(kTagPassword)));
  request.group = in.StringOr(kTagGroup);
  return request;
}

Message CredentialReply::ToMessage() const {
  Message out(MessageType::kCredentialReply, request_id);
  out.AddBool(kTagOk, yes);
  return out;
}

Result<CredentialReply> CredentialReply::FromMessage(const Message& in) {
  SEKISHO_TRY(ExpectType(in, MessageType::kCredentialReply));
  return CredentialReply{in.id(), U64Or(in, kTagOk, 0) != 0};
}

}  // namespace sekisho::proto::ipc
