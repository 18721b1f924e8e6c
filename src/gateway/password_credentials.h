#pragma once
// PasswordCredentials: the ocpasswd file as a CredentialChecker. Reloads the file when it
// changed, so that `ocpasswd` edits apply without a restart. Lives in the security module (or
// in the single process with --single-process). Thread affinity: its owner's thread.

#include "base/log.h"
#include "gateway/auth_front.h"
#include "gateway/password_file.h"

#include <memory>

namespace sekisho::gateway {

class PasswordCredentials final : public CredentialChecker {
 public:
  PasswordCredentials(std::unique_ptr<PasswordFile> file, Logger log)
      : file_(std::move(file)), log_(std::move(log)) {}

  Result<void> Verify(std::string_view user, const SecretString& password) override {
    Reload();
    return file_->Verify(user, password);
  }
  bool MayUseGroup(std::string_view user, std::string_view group) override {
    // A certificate user absent from the password file may use any group.
    return !file_->HasUser(user) || file_->UserMayUseGroup(user, group);
  }
  bool IsLocked(std::string_view user) override {
    return file_->HasUser(user) && file_->IsLocked(user);
  }

 private:
  void Reload() {
    auto reloaded = file_->ReloadIfChanged();
    if (!reloaded) {
      log_.Warn("password file not reloaded: {}", reloaded.error().ToString());
    } else if (*reloaded) {
      log_.Info("password file reloaded ({} users)", file_->user_count());
    }
  }

  std::unique_ptr<PasswordFile> file_;
  Logger log_;
};

// Loads `path` (an empty path: no password users) into a checker.
// Errors: kConfig / kIo naming the file.
Result<std::unique_ptr<CredentialChecker>> LoadPasswordCredentials(const std::string& path,
                                                                   Logger log);

}  // namespace sekisho::gateway
