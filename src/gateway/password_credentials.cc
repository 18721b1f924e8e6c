#include "gateway/password_credentials.h"

namespace sekisho::gateway {

Result<std::unique_ptr<CredentialChecker>> LoadPasswordCredentials(const std::string& path,
                                                                   Logger log) {
  auto file = std::make_unique<PasswordFile>();
  if (!path.empty()) {
    SEKISHO_ASSIGN_OR_RETURN(PasswordFile loaded, PasswordFile::Load(path));
    *file = std::move(loaded);
  }
  return std::unique_ptr<CredentialChecker>(
      std::make_unique<PasswordCredentials>(std::move(file), std::move(log)));
}

}  // namespace sekisho::gateway
