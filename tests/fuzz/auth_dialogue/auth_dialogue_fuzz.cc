// The client's login as a hostile gateway drives it: the input is a stream of HTTP responses
// (ResponseReader), each fed to AuthDialogue::OnResponse in turn, until the dialogue succeeds
// or fails. Forms are answered with fixed values. Reaches the redirect decisions (Location
// with another host, http, relative, loops), the cookie jar (cleared on a host change), the
// group logic and the success document; after every step the next request is serialized.
// Property: a host change always means https, a new connection and an empty cookie jar.
#include "client/auth_dialogue.h"
#include "proto/http/response_reader.h"
#include "proto/http/writer.h"

#include <cstddef>
#include <cstdint>

using sekisho::ByteSpan;
using sekisho::SecretString;
namespace client = sekisho::client;
namespace http = sekisho::proto::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  client::DialogueOptions options;
  options.url = *http::ParseUrl("https://vpn.example.com/group");
  if ((data[0] & 1) != 0) {
    options.authgroup = "sales";
  }
  options.xml_post = (data[0] & 2) == 0;
  options.have_client_certificate = (data[0] & 4) != 0;
  client::AuthDialogue dialogue(options);
  (void)http::SerializeRequest(dialogue.NextRequest());

  http::ResponseReader reader(http::Limits{.max_header_bytes = 8192, .max_body_bytes = 16384});
  ByteSpan input(data + 1, size - 1);
  while (!input.empty()) {
    auto used = reader.Feed(input);
    if (!used.has_value()) {
      return 0;
    }
    input = input.subspan(*used);
    if (!reader.done()) {
      break;
    }
    http::HttpResponse response = reader.Take();
    reader.Reset();
    auto step = dialogue.OnResponse(response);
    if (!step.has_value()) {
      return 0;
    }
    if (step->host_changed && (!dialogue.cookies().empty() || dialogue.url().scheme != "https" ||
                               !step->new_connection)) {
      __builtin_trap();  // another host: only https, a new connection, none of the old cookies
    }
    if (step->kind == client::Step::kNeedInput) {
      (void)dialogue.form();
      client::FilledValues values;
      values.emplace_back("username", SecretString("user"));
      values.emplace_back("password", SecretString("pw"));
      dialogue.SubmitForm(std::move(values));
    } else if (step->kind != client::Step::kSendRequest) {
      return 0;
    }
    (void)dialogue.url().ToString();
    (void)http::SerializeRequest(dialogue.NextRequest());
  }
  return 0;
}
