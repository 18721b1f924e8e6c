#include "gateway/password_file.h"

#include "base/bytes.h"
#include "base/strings.h"

#include <cerrno>
#include <crypt.h>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/stat.h>

namespace sekisho::gateway {
namespace {

// Used for unknown users when the file has no users at all: SHA-512 with a fixed salt. The
// result never matches anything; it only burns comparable CPU time.
constexpr std::string_view kFallbackDummyHash =
    "$6$sekishodummysal$1z3bvHSCLu8p9sUGkPbXJ4q8sLSaJ2fXxk5F3Ca8yJo0x3E1bGW2cMZpA2bFQk3cJ0oZ0"
    "8Zq9u8pV4pV7m2t1";

bool StatFile(const std::string& path, std::timespec& mtime, std::int64_t& size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return false;
  }
  mtime = st.st_mtim;
  size = static_cast<std::int64_t>(st.st_size);
  return true;
}

// Runs crypt over `password` with `setting` (the stored hash) and compares in constant time.
bool CryptMatches(const SecretString& password, const std::string& setting) {
  // crypt_data is ~32 KiB: too big for the stack of a coroutine-heavy daemon.
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.reveal().c_str(), setting.c_str(), data.get(),
                             static_cast<int>(sizeof(crypt_data)));
  // crypt_rn returns NULL or a string starting with '*' for an unusable setting.
  if (out == nullptr || out[0] == '*') {
    return false;
  }
  bool match = ConstantTimeEqual(AsBytes(out), AsBytes(setting));
  explicit_bzero(data.get(), sizeof(crypt_data));
  return match;
}

}  // namespace

Result<PasswordFile> PasswordFile::Parse(std::string_view text, std::string_view source) {
  PasswordFile file;
  std::size_t line_no = 0;
  for (std::string_view raw : Split(text, '\n')) {
    ++line_no;
    std::string_view line = TrimWhitespace(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    auto bad = [&](std::string_view why) {
      return Fail(Errc::kConfig,
                  std::string(source) + ":" + std::to_string(line_no) + ": " + std::string(why));
    };
    // The hash itself never contains ':' in crypt(3) formats, so a plain split is exact.
    std::vector<std::string_view> fields = Split(line, ':');
    Entry e;
    std::string_view groups;
    std::string_view hash;
    if (fields.size() == 3) {
      groups = fields[1];
      hash = fields[2];
    } else if (fields.size() == 2) {
      hash = fields[1];  // "user:hash", accepted by ocserv as well
    } else {
      return bad("expected user:groups:hash");
    }
    e.user = std::string(fields[0]);
    if (e.user.empty()) {
      return bad("empty user name");
    }
    if (file.Find(e.user) != nullptr) {
      return bad("duplicate user " + e.user);
    }
    if (!groups.empty() && groups != "*") {
      for (std::string_view g : Split(groups, ',', /*skip_empty=*/true)) {
        e.groups.emplace_back(TrimWhitespace(g));
      }
    }
    if (!hash.empty() && hash.front() == '!') {
      e.locked = true;
      hash.remove_prefix(1);
    }
    e.hash = SecretString(std::string(hash));
    if (file.dummy_hash_.empty() && hash.size() > 1 && hash.front() == '$') {
      file.dummy_hash_ = e.hash;
    }
    file.index_.emplace(e.user, file.entries_.size());
    file.entries_.push_back(std::move(e));
  }
  if (file.dummy_hash_.empty()) {
    file.dummy_hash_ = SecretString(std::string(kFallbackDummyHash));
  }
  return file;
}

Result<PasswordFile> PasswordFile::Load(const std::string& path) {
  std::timespec mtime{};
  std::int64_t size = -1;
  if (!StatFile(path, mtime, size)) {
    return Fail(Errc::kIo, "cannot stat " + path + ": " + std::strerror(errno));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(Errc::kIo, "cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  SEKISHO_ASSIGN_OR_RETURN(PasswordFile file, Parse(text.str(), path));
  file.path_ = path;
  file.mtime_ = mtime;
  file.size_ = size;
  return file;
}

Result<bool> PasswordFile::ReloadIfChanged() {
  if (path_.empty()) {
    return false;
  }
  std::timespec mtime{};
  std::int64_t size = -1;
  if (!StatFile(path_, mtime, size)) {
    return Fail(Errc::kIo, "cannot stat " + path_ + ": " + std::strerror(errno));
  }
  if (mtime.tv_sec == mtime_.tv_sec && mtime.tv_nsec == mtime_.tv_nsec && size == size_) {
    return false;
  }
  SEKISHO_ASSIGN_OR_RETURN(PasswordFile fresh, Load(path_));
  *this = std::move(fresh);
  return true;
}

const PasswordFile::Entry* PasswordFile::Find(std::string_view user) const {
  auto it = index_.find(user);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

Result<void> PasswordFile::Verify(std::string_view user, const SecretString& password) const {
  const Entry* e = Find(user);
  // Every path runs crypt once so that response time does not tell which users exist or are
  // locked.
  const SecretString& setting = e != nullptr ? e->hash : dummy_hash_;
  bool match = CryptMatches(password, setting.reveal());
  if (e == nullptr || e->locked || !match) {
    return Fail(Errc::kAuthFailed, "bad user name or password");
  }
  return Ok();
}

std::vector<std::string> PasswordFile::GroupsOf(std::string_view user) const {
  const Entry* e = Find(user);
  return e != nullptr ? e->groups : std::vector<std::string>{};
}

bool PasswordFile::UserMayUseGroup(std::string_view user, std::string_view group) const {
  const Entry* e = Find(user);
  if (e == nullptr) {
    return false;
  }
  if (e->groups.empty()) {
    return true;
  }
  for (const std::string& g : e->groups) {
    if (g == group) {
      return true;
    }
  }
  return false;
}

bool PasswordFile::HasUser(std::string_view user) const { return Find(user) != nullptr; }

bool PasswordFile::IsLocked(std::string_view user) const {
  const Entry* e = Find(user);
  return e != nullptr && e->locked;
}

}  // namespace sekisho::gateway
