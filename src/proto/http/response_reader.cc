#include "proto/http/response_reader.h"

#include "proto/http/reader_core.h"

namespace sekisho::proto::http {

ResponseReader::ResponseReader(Limits limits)
    : core_(std::make_unique<internal::ReaderCore<false>>(limits)) {}
ResponseReader::~ResponseReader() = default;
ResponseReader::ResponseReader(ResponseReader&&) noexcept = default;
ResponseReader& ResponseReader::operator=(ResponseReader&&) noexcept = default;

void ResponseReader::ExpectHeadResponse() { core_->Reset(internal::BodyMode::kNone); }
void ResponseReader::ExpectConnectResponse() { core_->Reset(internal::BodyMode::kNoneIf2xx); }
Result<std::size_t> ResponseReader::Feed(ByteSpan data) { return core_->Feed(data); }
Result<void> ResponseReader::FinishAtEof() { return core_->FinishAtEof(); }
bool ResponseReader::done() const { return core_->done(); }
bool ResponseReader::header_done() const { return core_->header_done(); }
bool ResponseReader::keep_alive() const { return core_->keep_alive(); }
HttpResponse ResponseReader::Take() { return core_->Take(); }
void ResponseReader::Reset() { core_->Reset(); }

}  // namespace sekisho::proto::http
