#include "proto/http/request_reader.h"

#include "proto/http/reader_core.h"

namespace sekisho::proto::http {

RequestReader::RequestReader(Limits limits)
    : core_(std::make_unique<internal::ReaderCore<true>>(limits)) {}
RequestReader::~RequestReader() = default;
RequestReader::RequestReader(RequestReader&&) noexcept = default;
RequestReader& RequestReader::operator=(RequestReader&&) noexcept = default;

Result<std::size_t> RequestReader::Feed(ByteSpan data) { return core_->Feed(data); }
bool RequestReader::done() const { return core_->done(); }
bool RequestReader::header_done() const { return core_->header_done(); }
bool RequestReader::keep_alive() const { return core_->keep_alive(); }
HttpRequest RequestReader::Take() { return core_->Take(); }
void RequestReader::Reset() { core_->Reset(); }

}  // namespace sekisho::proto::http
